// Package issuer is Cairn's issuer mode: a small instructor's own badge
// issuer. It keeps the issuer profile and its Ed25519 keys (published as a
// did:web DID document and a JWKS), the achievements it awards (badges and
// Learning Token templates), and the awards themselves: Open Badges 3.0
// credentials signed eddsa-rdfc-2022 with a BitstringStatusListEntry, their
// hosted Open Badges 2.0 twins for old backpacks, baked PNG and SVG files,
// and an award page (an h-entry reply to the learner's evidence post) that a
// durable job announces by Webmention. Every award and revocation is also
// handed to the issuer ledger through the Ledger interface.
//
// The package knows nothing of HTTP serving: internal/web maps its URLs
// (see the *URL methods) to the documents it returns.
package issuer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/did"
)

// Errors.
var (
	// ErrDisabled: issuer mode is off (public documents answer 404).
	ErrDisabled = errors.New("issuer mode is off")
	// ErrNoKey: no signing key exists yet (issuer mode was never on).
	ErrNoKey = errors.New("issuer: no signing key yet: switch issuer mode on first")
	// ErrNotFound is store.ErrNotFound, for callers that map it to 404.
	ErrNotFound = store.ErrNotFound
)

// ValidationError is bad input, with a message meant for the person who
// typed it.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// Task is one of the owner's own task posts, offered when linking tasks to
// an achievement.
type Task struct {
	URL     string
	Title   string
	Hashtag string // the post's first tag, without '#'; may be empty
}

// TaskSource lists the owner's task posts. The app wires it from the
// journal (wallet packages do not import ple).
type TaskSource interface {
	Tasks(ctx context.Context) ([]Task, error)
}

// TaskSourceFunc adapts a function to TaskSource.
type TaskSourceFunc func(ctx context.Context) ([]Task, error)

// Tasks calls f.
func (f TaskSourceFunc) Tasks(ctx context.Context) ([]Task, error) { return f(ctx) }

// Config is what New needs.
type Config struct {
	Store   *store.DB
	Jobs    *jobs.Queue  // for the Webmention and ledger jobs; may be nil in tests that never award
	Net     *netx.Client // sends Webmentions
	KeysDir string       // <DataDir>/keys
	BaseURL string       // the site's public URL, no trailing slash
	Logger  *slog.Logger
	// Ledger records awards and revocations; nil means no ledger.
	Ledger Ledger
	// Tasks offers the owner's task posts; nil offers none.
	Tasks TaskSource
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Service is issuer mode.
type Service struct {
	db      *store.DB
	jobs    *jobs.Queue
	net     *netx.Client
	keysDir string
	base    string
	did     string
	logger  *slog.Logger
	now     func() time.Time

	mu     sync.RWMutex
	keys   []keyPair
	ledger Ledger
	tasks  TaskSource
	// presenting says whether the site presents credentials (holder.go);
	// its DID document is then published with issuer mode off.
	presenting func(context.Context) (bool, error)
}

// New builds the service and loads existing keys. It creates none: the
// first key is made when issuer mode is first switched on.
func New(c Config) (*Service, error) {
	base := strings.TrimRight(c.BaseURL, "/")
	d := did.DIDFromWebOrigin(base)
	if d == "" {
		return nil, fmt.Errorf("issuer: the base URL %q cannot be a did:web", c.BaseURL)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	keys, err := loadKeys(c.KeysDir)
	if err != nil {
		return nil, err
	}
	return &Service{db: c.Store, jobs: c.Jobs, net: c.Net, keysDir: c.KeysDir, base: base, did: d,
		logger: c.Logger, now: c.Now, keys: keys, ledger: c.Ledger, tasks: c.Tasks}, nil
}

// SetLedger wires the issuer ledger (nil: none).
func (s *Service) SetLedger(l Ledger) {
	s.mu.Lock()
	s.ledger = l
	s.mu.Unlock()
}

// SetTasks wires the source of the owner's task posts.
func (s *Service) SetTasks(t TaskSource) {
	s.mu.Lock()
	s.tasks = t
	s.mu.Unlock()
}

func (s *Service) getLedger() Ledger {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ledger
}

// Tasks lists the owner's task posts (none when no source is wired).
func (s *Service) Tasks(ctx context.Context) ([]Task, error) {
	s.mu.RLock()
	t := s.tasks
	s.mu.RUnlock()
	if t == nil {
		return nil, nil
	}
	return t.Tasks(ctx)
}

// DID is the issuer's id: the did:web of the base URL.
func (s *Service) DID() string { return s.did }

// BaseURL is the site's base URL.
func (s *Service) BaseURL() string { return s.base }

// DIDDocumentPath is the path (below the base URL) where the DID document
// must be served: /.well-known/did.json, or /did.json when the base URL
// has a path (did:web:host:path resolves to https://host/path/did.json).
func (s *Service) DIDDocumentPath() string {
	u, _ := url.Parse(s.base)
	if u != nil && strings.Trim(u.Path, "/") != "" {
		return "/did.json"
	}
	return "/.well-known/did.json"
}

// URLs of the documents the web layer serves.

// ProfileURL is the issuer page and profile document.
func (s *Service) ProfileURL() string { return s.base + "/issuer" }

// AchievementURL is an achievement's id (page and JSON).
func (s *Service) AchievementURL(id int64) string {
	return fmt.Sprintf("%s/issuer/achievements/%d", s.base, id)
}

// AchievementImageURL is the achievement's image (or the default one).
func (s *Service) AchievementImageURL(id int64) string { return s.AchievementURL(id) + "/image" }

// CredentialID is the id of an award's credential; CredentialURL(id,
// "json"|"png"|"svg") are its files.
func (s *Service) CredentialID(awardID string) string {
	return s.base + "/issuer/credentials/" + awardID
}

// CredentialURL is an award's credential file with the given extension.
func (s *Service) CredentialURL(awardID, ext string) string {
	return s.CredentialID(awardID) + "." + ext
}

// AwardURL is the award page.
func (s *Service) AwardURL(awardID string) string { return s.base + "/issuer/awards/" + awardID }

// StatusListURL is a status list credential.
func (s *Service) StatusListURL(list int64) string {
	return fmt.Sprintf("%s/issuer/status/%d", s.base, list)
}

// OB2AssertionURL is the hosted Open Badges 2.0 assertion of an award.
func (s *Service) OB2AssertionURL(awardID string) string {
	return s.base + "/issuer/ob2/assertions/" + awardID
}

// OB2BadgeURL is an achievement's Open Badges 2.0 BadgeClass.
func (s *Service) OB2BadgeURL(id int64) string {
	return fmt.Sprintf("%s/issuer/ob2/badges/%d", s.base, id)
}

// OB2IssuerURL is the Open Badges 2.0 Issuer profile.
func (s *Service) OB2IssuerURL() string { return s.base + "/issuer/ob2/issuer" }

// Profile is the issuer's public profile and whether issuer mode is on.
type Profile struct {
	Enabled     bool      `json:"enabled"`
	Name        string    `json:"name"`
	URL         string    `json:"url"`
	Email       string    `json:"email"`
	Image       string    `json:"image"`
	Description string    `json:"description"`
	UpdatedAt   time.Time `json:"-"`
}

// Profile reads the issuer profile.
func (s *Service) Profile(ctx context.Context) (Profile, error) {
	var p Profile
	var en int
	var upd int64
	err := s.db.R.QueryRowContext(ctx, `SELECT enabled, name, url, email, image, description, updated_at
		FROM issuer_profile WHERE id = 1`).Scan(&en, &p.Name, &p.URL, &p.Email, &p.Image, &p.Description, &upd)
	if err != nil {
		return p, store.MapErr(err)
	}
	p.Enabled = en == 1
	if upd > 0 {
		p.UpdatedAt = store.Time(upd)
	}
	return p, nil
}

// Enabled reports whether issuer mode is on.
func (s *Service) Enabled(ctx context.Context) (bool, error) {
	p, err := s.Profile(ctx)
	return p.Enabled, err
}

// enabledProfile is Profile, or ErrDisabled when issuer mode is off.
func (s *Service) enabledProfile(ctx context.Context) (Profile, error) {
	p, err := s.Profile(ctx)
	if err != nil {
		return p, err
	}
	if !p.Enabled {
		return p, ErrDisabled
	}
	return p, nil
}

// Limits on profile and achievement fields.
const (
	maxName = 200
	maxText = 10000
	maxURL  = 2000
)

// SaveProfile validates and stores the profile. Switching issuer mode on
// for the first time generates the signing key (once; it is never
// overwritten). The URL defaults to the site's base URL and the name to
// the site's host.
func (s *Service) SaveProfile(ctx context.Context, p Profile) (Profile, error) {
	p.Name = strings.TrimSpace(p.Name)
	p.URL = strings.TrimSpace(p.URL)
	p.Email = strings.TrimSpace(p.Email)
	p.Image = strings.TrimSpace(p.Image)
	p.Description = strings.TrimSpace(p.Description)
	if p.URL == "" {
		p.URL = s.base + "/"
	}
	if p.Name == "" && p.Enabled {
		u, _ := url.Parse(s.base)
		p.Name = u.Host
	}
	switch {
	case len([]rune(p.Name)) > maxName:
		return p, invalid("The issuer name is longer than %d characters.", maxName)
	case !isHTTPURL(p.URL):
		return p, invalid("The issuer URL must be an http(s) URL.")
	case p.Image != "" && !isHTTPURL(p.Image):
		return p, invalid("The issuer image must be an http(s) URL.")
	case len(p.Description) > maxText:
		return p, invalid("The description is longer than %d characters.", maxText)
	}
	if p.Email != "" {
		a, err := mail.ParseAddress(p.Email)
		if err != nil || a.Address != p.Email {
			return p, invalid("%q is not an email address.", p.Email)
		}
	}
	if p.Enabled {
		if err := s.ensureKey(); err != nil {
			return p, err
		}
	}
	now := s.now()
	en := 0
	if p.Enabled {
		en = 1
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE issuer_profile SET enabled = ?, name = ?, url = ?, email = ?, image = ?,
			description = ?, updated_at = ? WHERE id = 1`, en, p.Name, p.URL, p.Email, p.Image, p.Description, store.Millis(now))
		if err != nil {
			return err
		}
		if p.Enabled {
			_, err = ensureStatusList(ctx, tx, now)
		}
		return err
	})
	if err != nil {
		return p, err
	}
	p.UpdatedAt = now.UTC()
	return p, nil
}

func isHTTPURL(s string) bool {
	if len(s) > maxURL || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ProfileDocument is the issuer's Open Badges 3.0 Profile (JSON-LD), served
// at /issuer for clients asking for JSON.
func (s *Service) ProfileDocument(ctx context.Context) (map[string]any, error) {
	p, err := s.enabledProfile(ctx)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"@context": []any{ContextVC2, ContextOB3}}
	for k, v := range s.profileObject(p) {
		doc[k] = v
	}
	if p.Description != "" {
		doc["description"] = p.Description
	}
	return doc, nil
}

// profileObject is the issuer Profile as credentials embed it.
func (s *Service) profileObject(p Profile) map[string]any {
	o := map[string]any{"id": s.did, "type": []any{"Profile"}, "name": p.Name, "url": p.URL}
	if p.Email != "" {
		o["email"] = p.Email
	}
	if p.Image != "" {
		o["image"] = map[string]any{"id": p.Image, "type": "Image"}
	}
	return o
}

// DIDDocument is the issuer's did:web document: every key as a Multikey
// verification method controlled by the DID, all listed under
// assertionMethod (old keys verify old awards), and, when a ledger is
// wired, the ledger service {id: DID#ledger, type: CairnLedger,
// serviceEndpoint: BASE/ledger}. With issuer mode off it is still
// published, keys only, while the site presents credentials (SetHolder).
func (s *Service) DIDDocument(ctx context.Context) (map[string]any, error) {
	_, err := s.enabledProfile(ctx)
	issuing := err == nil
	if errors.Is(err, ErrDisabled) && s.isPresenting(ctx) {
		// A holder only (holder.go): the keys, no ledger.
		if err = s.ensureKey(); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	keys := s.Keys()
	vms := make([]any, 0, len(keys))
	ids := make([]any, 0, len(keys))
	for _, k := range keys {
		vms = append(vms, map[string]any{"id": k.ID, "type": "Multikey", "controller": s.did,
			"publicKeyMultibase": k.Multibase})
		ids = append(ids, k.ID)
	}
	doc := map[string]any{
		"@context":           []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":                 s.did,
		"verificationMethod": vms,
		"assertionMethod":    ids,
	}
	// Verifiers look the ledger up through this entry, so it is published
	// only when there is one: a missing ledger would fail every award.
	if issuing && s.getLedger() != nil {
		doc["service"] = []any{map[string]any{"id": s.did + "#ledger", "type": "CairnLedger",
			"serviceEndpoint": s.base + "/ledger"}}
	}
	return doc, nil
}

// JWKS is the issuer's keys as OKP JSON Web Keys (kid = verification
// method id), for VC-JWT verifiers that look at /.well-known/jwks.json.
func (s *Service) JWKS(ctx context.Context) (map[string]any, error) {
	if _, err := s.enabledProfile(ctx); err != nil {
		return nil, err
	}
	keys := s.Keys()
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64url(k.Public),
			"kid": k.ID, "alg": "EdDSA", "use": "sig"})
	}
	return map[string]any{"keys": out}, nil
}
