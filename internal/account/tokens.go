package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// SetupTTL is how long a one-time setup link stays valid.
const SetupTTL = 24 * time.Hour

// Setup link failures, each with a message the visitor can act on.
var (
	ErrSetupLinkInvalid = errors.New("this setup link is not valid; restart cairn serve to print a new one")
	ErrSetupLinkUsed    = errors.New("this setup link was already used; log in with your password")
	ErrSetupLinkExpired = errors.New("this setup link has expired; restart cairn serve to print a new one")
	ErrAlreadySetUp     = errors.New("the owner password is already set; log in with it")
)

// NewSetupLink issues a one-time setup token, replacing any unused earlier
// one, and returns it in plain (to print once). Only its hash is stored.
func (s *Service) NewSetupLink(ctx context.Context) (string, error) {
	token, hash := newSecret("")
	now := time.Now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens WHERE used_at IS NULL"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
			hash, store.Millis(now), store.Millis(now.Add(SetupTTL)))
		return err
	})
	return token, err
}

// CheckSetupLink says whether token may still be used, without using it.
func (s *Service) CheckSetupLink(ctx context.Context, token string) error {
	return s.checkSetup(ctx, s.db.R, token)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) checkSetup(ctx context.Context, q querier, token string) error {
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT expires_at, used_at FROM setup_tokens WHERE token_hash = ?", hashSecret(token)).
		Scan(&expires, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrSetupLinkInvalid
	case err != nil:
		return err
	case used.Valid:
		return ErrSetupLinkUsed
	case store.Now() > expires:
		return ErrSetupLinkExpired
	}
	var hash string
	if err := q.QueryRowContext(ctx, "SELECT password_hash FROM owner WHERE id = 1").Scan(&hash); err != nil {
		return err
	}
	if hash != "" {
		return ErrAlreadySetUp
	}
	return nil
}

// CompleteSetup uses the setup token once to set the first password. The
// check and the write share one transaction, so a replayed link loses.
func (s *Service) CompleteSetup(ctx context.Context, token, pw string) error {
	hash, err := newPasswordHash(pw)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkSetup(ctx, tx, token); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ?", store.Now(), hashSecret(token)); err != nil {
			return err
		}
		return setPasswordTx(ctx, tx, hash)
	})
}

// BootstrapPassword sets pw as the owner password only when none is set yet
// (CAIRN_ADMIN_PASSWORD in containers). It reports whether it did.
func (s *Service) BootstrapPassword(ctx context.Context, pw string) (bool, error) {
	o, err := s.Owner(ctx)
	if err != nil || o.HasPassword {
		return false, err
	}
	if err := s.SetPassword(ctx, pw); err != nil {
		return false, err
	}
	return true, nil
}

// APIToken is a bearer token's record; the token itself is never stored.
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while active
}

// ErrBadToken is the answer to any unknown or revoked bearer token.
var ErrBadToken = errors.New("invalid or revoked API token")

// tokenPrefix makes Cairn tokens recognisable to secret scanners.
const tokenPrefix = "cairn_"

// CreateAPIToken makes a new bearer token and returns it in plain, once.
func (s *Service) CreateAPIToken(ctx context.Context, name string) (string, APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", APIToken{}, invalid("token name must be 1 to 100 characters")
	}
	token, hash := newSecret(tokenPrefix)
	now := time.Now().UTC()
	res, err := s.db.W.ExecContext(ctx, "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)",
		name, hash, store.Millis(now))
	if err != nil {
		return "", APIToken{}, store.MapErr(err)
	}
	id, _ := res.LastInsertId()
	return token, APIToken{ID: id, Name: name, CreatedAt: now}, nil
}

// AuthenticateToken finds the active token and notes its use.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (APIToken, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return APIToken{}, ErrBadToken
	}
	var t APIToken
	var created int64
	err := s.db.R.QueryRowContext(ctx,
		"SELECT id, name, created_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", hashSecret(token)).
		Scan(&t.ID, &t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrBadToken
	}
	if err != nil {
		return APIToken{}, err
	}
	t.CreatedAt = store.Time(created)
	// Best effort: a failed bookkeeping write must not fail the request.
	_, _ = s.db.W.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", store.Now(), t.ID)
	return t, nil
}

// APITokens lists every token, newest first, revoked ones included.
func (s *Service) APITokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.db.R.QueryContext(ctx,
		"SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt = store.Time(created)
		if used.Valid {
			t.LastUsedAt = store.Time(used.Int64)
		}
		if revoked.Valid {
			t.RevokedAt = store.Time(revoked.Int64)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken stops a token from working. Revoking twice is harmless.
func (s *Service) RevokeAPIToken(ctx context.Context, id int64) error {
	res, err := s.db.W.ExecContext(ctx,
		"UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", store.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
