package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/cairn-pl/cairn/internal/store"
)

// Service is the owner account on one store.
type Service struct {
	db *store.DB
}

// New returns the account service of db.
func New(db *store.DB) *Service { return &Service{db: db} }

// Owner is the person this instance belongs to, as shown on their h-card.
type Owner struct {
	Name        string
	Photo       string
	Bio         string
	Links       []string // rel=me URLs
	Identities  []string // mailto: and https: URIs badges may be issued to
	HasPassword bool
}

// ValidationError is bad input from the owner; its message is safe to show.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// Owner loads the owner's profile.
func (s *Service) Owner(ctx context.Context) (Owner, error) {
	var o Owner
	var hash string
	err := s.db.R.QueryRowContext(ctx, "SELECT name, photo, bio, password_hash FROM owner WHERE id = 1").
		Scan(&o.Name, &o.Photo, &o.Bio, &hash)
	if err != nil {
		return o, store.MapErr(err)
	}
	o.HasPassword = hash != ""
	if o.Links, err = s.strings(ctx, "SELECT url FROM owner_links ORDER BY position, id"); err != nil {
		return o, err
	}
	if o.Identities, err = s.strings(ctx, "SELECT value FROM identities ORDER BY id"); err != nil {
		return o, err
	}
	return o, nil
}

func (s *Service) strings(ctx context.Context, query string) ([]string, error) {
	rows, err := s.db.R.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Profile is what the owner edits on the Settings page.
type Profile struct {
	Name  string
	Photo string
	Bio   string
	Links []string
}

// UpdateProfile validates and saves the profile in one transaction.
func (s *Service) UpdateProfile(ctx context.Context, p Profile) error {
	p.Name = strings.TrimSpace(p.Name)
	p.Bio = strings.TrimSpace(p.Bio)
	p.Photo = strings.TrimSpace(p.Photo)
	if len(p.Name) > 200 {
		return invalid("name is longer than 200 characters")
	}
	if len(p.Bio) > 4000 {
		return invalid("bio is longer than 4000 characters")
	}
	if p.Photo != "" && !strings.HasPrefix(p.Photo, "/media/") {
		if err := checkHTTPURL(p.Photo); err != nil {
			return invalid("photo: %v", err)
		}
	}
	links, err := normaliseURLs(p.Links)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE owner SET name = ?, photo = ?, bio = ?, updated_at = ? WHERE id = 1",
			p.Name, p.Photo, p.Bio, store.Now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM owner_links"); err != nil {
			return err
		}
		for i, l := range links {
			if _, err := tx.ExecContext(ctx, "INSERT INTO owner_links (url, position) VALUES (?, ?)", l, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetIdentities replaces the owner's identities. Emails may be given bare or
// as mailto: URIs; they are stored as lower-case mailto: URIs.
func (s *Service) SetIdentities(ctx context.Context, values []string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, raw := range values {
		id, err := NormaliseIdentity(raw)
		if err != nil {
			return nil, err
		}
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM identities"); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "INSERT INTO identities (value, created_at) VALUES (?, ?)", id, store.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// NormaliseIdentity turns "Ada@Example.org", "mailto:ada@example.org" or
// "https://ada.example/" into the stored form, or explains why it can't.
func NormaliseIdentity(raw string) (string, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", nil
	}
	lower := strings.ToLower(v)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		if err := checkHTTPURL(v); err != nil {
			return "", invalid("identity %q: %v", raw, err)
		}
		u, _ := url.Parse(v)
		u.Scheme = strings.ToLower(u.Scheme)
		u.Host = strings.ToLower(u.Host)
		if u.Path == "" {
			u.Path = "/"
		}
		return u.String(), nil
	}
	addr := strings.TrimPrefix(lower, "mailto:")
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Address != addr {
		return "", invalid("identity %q: want an email address or an http(s) URL", raw)
	}
	return "mailto:" + addr, nil
}

func normaliseURLs(values []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		if err := checkHTTPURL(v); err != nil {
			return nil, invalid("link %q: %v", v, err)
		}
		seen[v] = true
		out = append(out, v)
	}
	if len(out) > 50 {
		return nil, invalid("at most 50 links")
	}
	return out, nil
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http(s) URL")
	}
	if len(v) > 2048 {
		return errors.New("URL is longer than 2048 characters")
	}
	return nil
}

// SetPassword replaces the owner password and ends every session, so a
// password change also locks out whoever might have had the old one.
func (s *Service) SetPassword(ctx context.Context, pw string) error {
	hash, err := newPasswordHash(pw)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return setPasswordTx(ctx, tx, hash)
	})
}

// newPasswordHash checks a new password against the policy and hashes it,
// before any transaction starts: argon2id takes tens of milliseconds and
// must not hold the writer.
func newPasswordHash(pw string) (string, error) {
	if err := CheckPasswordPolicy(pw); err != nil {
		return "", invalid("%v", err)
	}
	return HashPassword(pw)
}

func setPasswordTx(ctx context.Context, tx *sql.Tx, hash string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE owner SET password_hash = ?, updated_at = ? WHERE id = 1", hash, store.Now()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions"); err != nil {
		return err
	}
	// A set password makes every outstanding setup link useless.
	_, err := tx.ExecContext(ctx, "UPDATE setup_tokens SET used_at = ? WHERE used_at IS NULL", store.Now())
	return err
}

// ErrWrongPassword is the one answer to a failed login, whatever failed.
var ErrWrongPassword = errors.New("wrong password")

// CheckPassword verifies a login attempt.
func (s *Service) CheckPassword(ctx context.Context, pw string) error {
	var hash string
	if err := s.db.R.QueryRowContext(ctx, "SELECT password_hash FROM owner WHERE id = 1").Scan(&hash); err != nil {
		return store.MapErr(err)
	}
	if hash == "" {
		return ErrWrongPassword
	}
	ok, err := PasswordMatches(hash, pw)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}

// newSecret returns a random URL-safe token with a readable prefix and the
// SHA-256 hex digest that is the only thing stored.
func newSecret(prefix string) (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token)
}

func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
