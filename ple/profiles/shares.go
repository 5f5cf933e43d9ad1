package profiles

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// TokenBytes is the randomness of a share token: 144 bits (at least 128,
// DESIGN.md), 24 base64url characters.
const TokenBytes = 18

// MaxLabel bounds a share link's label ("Acme application", "CV 2026").
const MaxLabel = 120

// Share is one share link of a profile.
type Share struct {
	ID           int64
	ProfileID    int64
	Token        string
	Label        string
	ExpiresAt    time.Time // zero: never
	RevokedAt    time.Time // zero: live
	Views        int64
	LastViewedAt time.Time // zero: never opened
	CreatedAt    time.Time
}

// State names a share link's state: "active", "expired" or "revoked".
func (sh Share) State(now time.Time) string {
	switch {
	case !sh.RevokedAt.IsZero():
		return "revoked"
	case !sh.ExpiresAt.IsZero() && !now.Before(sh.ExpiresAt):
		return "expired"
	}
	return "active"
}

// URL is the share link's page (the QR code's target).
func (s *Service) URL(token string) string { return s.base + "/s/" + token }

// newToken draws a share token.
func newToken() (string, error) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidToken reports whether s looks like a share token, so that made-up
// paths are refused before any lookup.
func ValidToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(TokenBytes) {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// CreateShare makes a share link for a profile; expires zero means it never
// expires.
func (s *Service) CreateShare(ctx context.Context, profileID int64, label string, expires time.Time) (Share, error) {
	label = strings.TrimSpace(label)
	if len([]rune(label)) > MaxLabel {
		return Share{}, invalid("The label is longer than %d characters.", MaxLabel)
	}
	now := s.now()
	if !expires.IsZero() && !expires.After(now) {
		return Share{}, invalid("The expiry must be in the future.")
	}
	if _, err := s.Get(ctx, profileID); err != nil {
		return Share{}, err
	}
	token, err := newToken()
	if err != nil {
		return Share{}, err
	}
	var exp any
	if !expires.IsZero() {
		exp = store.Millis(expires)
	}
	res, err := s.db.W.ExecContext(ctx, `INSERT INTO profile_shares (profile_id, token, label, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, profileID, token, label, exp, store.Millis(now))
	if err != nil {
		return Share{}, store.MapErr(err)
	}
	id, _ := res.LastInsertId()
	s.changed()
	return s.shareByID(ctx, id)
}

const shareColumns = "id, profile_id, token, label, expires_at, revoked_at, views, last_viewed_at, created_at"

func scanShare(row interface{ Scan(...any) error }) (Share, error) {
	var sh Share
	var exp, rev, last sql.NullInt64
	var created int64
	if err := row.Scan(&sh.ID, &sh.ProfileID, &sh.Token, &sh.Label, &exp, &rev, &sh.Views, &last, &created); err != nil {
		return sh, store.MapErr(err)
	}
	if exp.Valid {
		sh.ExpiresAt = store.Time(exp.Int64)
	}
	if rev.Valid {
		sh.RevokedAt = store.Time(rev.Int64)
	}
	if last.Valid {
		sh.LastViewedAt = store.Time(last.Int64)
	}
	sh.CreatedAt = store.Time(created)
	return sh, nil
}

func (s *Service) shareByID(ctx context.Context, id int64) (Share, error) {
	return scanShare(s.db.R.QueryRowContext(ctx, "SELECT "+shareColumns+" FROM profile_shares WHERE id = ?", id))
}

// ShareByToken returns a share link whatever its state (the owner's view;
// visitors go through Open).
func (s *Service) ShareByToken(ctx context.Context, token string) (Share, error) {
	if !ValidToken(token) {
		return Share{}, ErrNotFound
	}
	s.FlushViews(ctx)
	return scanShare(s.db.R.QueryRowContext(ctx, "SELECT "+shareColumns+" FROM profile_shares WHERE token = ?", token))
}

// Shares lists a profile's share links, newest first, with exact view
// counts.
func (s *Service) Shares(ctx context.Context, profileID int64) ([]Share, error) {
	s.FlushViews(ctx)
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+shareColumns+" FROM profile_shares WHERE profile_id = ? ORDER BY created_at DESC, id DESC", profileID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// RevokeShare withdraws a share link for good: its page answers 410.
func (s *Service) RevokeShare(ctx context.Context, token string) (Share, error) {
	if !ValidToken(token) {
		return Share{}, ErrNotFound
	}
	_, err := s.db.W.ExecContext(ctx, "UPDATE profile_shares SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
		store.Millis(s.now()), token)
	if err != nil {
		return Share{}, err
	}
	s.changed()
	return s.ShareByToken(ctx, token)
}

// Presenting reports whether any share link is live (not revoked, not
// expired): the site then publishes its DID document so that
// presentations signed with its key verify, even with issuer mode off.
func (s *Service) Presenting(ctx context.Context) (bool, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM profile_shares
		WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, store.Millis(s.now())).Scan(&n)
	return n > 0, err
}

// shareEntry is what Open keeps of a token between changes.
type shareEntry struct {
	profileID int64
	expires   time.Time
	revoked   bool
}

// Open is a visitor opening a share link: it returns the profile's id, or
// ErrNotFound (no such token) or ErrGone (expired or revoked), and counts
// the view. Lookups are kept in memory until the next change, and views
// are written in batches, so the employer's page costs no write per
// request.
func (s *Service) Open(ctx context.Context, token string) (int64, error) {
	if !ValidToken(token) {
		return 0, ErrNotFound
	}
	var e shareEntry
	if v, ok := s.shares.Load(token); ok {
		e = v.(shareEntry)
	} else {
		sh, err := scanShare(s.db.R.QueryRowContext(ctx, "SELECT "+shareColumns+" FROM profile_shares WHERE token = ?", token))
		if err != nil {
			return 0, err
		}
		e = shareEntry{profileID: sh.ProfileID, expires: sh.ExpiresAt, revoked: !sh.RevokedAt.IsZero()}
		s.shares.Store(token, e)
	}
	now := s.now()
	if e.revoked || !e.expires.IsZero() && !now.Before(e.expires) {
		return 0, ErrGone
	}
	if s.views.add(token, now) {
		go s.FlushViews(context.WithoutCancel(ctx))
	}
	return e.profileID, nil
}

// Peek is Open without counting a view (QR images, downloads and the
// presentation are parts of the same visit).
func (s *Service) Peek(ctx context.Context, token string) (int64, error) {
	if !ValidToken(token) {
		return 0, ErrNotFound
	}
	if v, ok := s.shares.Load(token); ok {
		e := v.(shareEntry)
		if e.revoked || !e.expires.IsZero() && !s.now().Before(e.expires) {
			return 0, ErrGone
		}
		return e.profileID, nil
	}
	sh, err := scanShare(s.db.R.QueryRowContext(ctx, "SELECT "+shareColumns+" FROM profile_shares WHERE token = ?", token))
	if err != nil {
		return 0, err
	}
	s.shares.Store(token, shareEntry{profileID: sh.ProfileID, expires: sh.ExpiresAt, revoked: !sh.RevokedAt.IsZero()})
	if sh.State(s.now()) != "active" {
		return 0, ErrGone
	}
	return sh.ProfileID, nil
}

// viewCounter gathers views between writes.
type viewCounter struct {
	mu        sync.Mutex
	pending   map[string]viewDelta
	lastFlush time.Time
	flushing  bool
}

type viewDelta struct {
	n    int64
	last time.Time
}

// viewFlushEvery is how often counted views are written at most.
const viewFlushEvery = time.Second

// add counts a view and says whether a flush is due.
func (v *viewCounter) add(token string, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	d := v.pending[token]
	d.n++
	d.last = now
	v.pending[token] = d
	if v.flushing || now.Sub(v.lastFlush) < viewFlushEvery {
		return false
	}
	v.flushing = true
	return true
}

// FlushViews writes the views counted since the last write.
func (s *Service) FlushViews(ctx context.Context) {
	v := s.views
	v.mu.Lock()
	batch := v.pending
	v.pending = map[string]viewDelta{}
	v.lastFlush = s.now()
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		v.flushing = false
		v.mu.Unlock()
	}()
	if len(batch) == 0 {
		return
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for token, d := range batch {
			if _, err := tx.ExecContext(ctx, `UPDATE profile_shares SET views = views + ?,
				last_viewed_at = max(coalesce(last_viewed_at, 0), ?) WHERE token = ?`, d.n, store.Millis(d.last), token); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.logger.Warn("profiles: could not save share views", "error", err)
		// Put them back so the next flush tries again.
		v.mu.Lock()
		for token, d := range batch {
			p := v.pending[token]
			p.n += d.n
			if d.last.After(p.last) {
				p.last = d.last
			}
			v.pending[token] = p
		}
		v.mu.Unlock()
	}
}
