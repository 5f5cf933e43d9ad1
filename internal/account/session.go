package account

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// SessionTTL is how long an owner stays logged in without logging in again.
const SessionTTL = 30 * 24 * time.Hour

// Session is a logged-in browser.
type Session struct {
	ID        string // the cookie value; only its hash is stored
	CSRFToken string // the token every owner form of this session carries
	ExpiresAt time.Time
}

// ErrNoSession means the cookie names no live session.
var ErrNoSession = errors.New("no session")

// CreateSession logs a browser in and returns the cookie value.
func (s *Service) CreateSession(ctx context.Context, userAgent string) (Session, error) {
	id, hash := newSecret("")
	csrf, _ := newSecret("")
	now := time.Now()
	sess := Session{ID: id, CSRFToken: csrf, ExpiresAt: now.Add(SessionTTL)}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Prune here rather than in a job: logins are rare and this keeps
		// the table small without another moving part.
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at < ?", store.Millis(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			"INSERT INTO sessions (id_hash, csrf_token, created_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?)",
			hash, csrf, store.Millis(now), store.Millis(sess.ExpiresAt), userAgent)
		return err
	})
	return sess, err
}

// LookupSession finds the live session of a cookie value.
func (s *Service) LookupSession(ctx context.Context, id string) (Session, error) {
	if id == "" {
		return Session{}, ErrNoSession
	}
	var sess Session
	var expires int64
	err := s.db.R.QueryRowContext(ctx, "SELECT csrf_token, expires_at FROM sessions WHERE id_hash = ?", hashSecret(id)).
		Scan(&sess.CSRFToken, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	if store.Now() > expires {
		return Session{}, ErrNoSession
	}
	sess.ID = id
	sess.ExpiresAt = store.Time(expires)
	return sess, nil
}

// DeleteSession logs a browser out.
func (s *Service) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.W.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", hashSecret(id))
	return err
}
