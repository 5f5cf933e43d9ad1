// Package profiles is the learner's skill profiles (DESIGN.md, issue 8):
// named selections of wallet credentials and Learning Tokens with a
// headline and a short text, a skills view aggregated from them, share
// links (unguessable tokens, optional expiry, revocable, counted), QR codes
// of those links, the live verification behind the employer's page (every
// credential re-verified, cached for a few minutes, failures in plain
// words) and the Verifiable Presentation of a profile signed with the
// site's own key.
//
// The package does not import the wallet (DESIGN.md, layout rules): it
// declares Credentials and Signer, and internal/app wires the wallet and
// the site's key to them.
package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
)

// Errors.
var (
	// ErrNotFound: no such profile or share link.
	ErrNotFound = store.ErrNotFound
	// ErrGone: the share link expired or was revoked (the page answers 410).
	ErrGone = errors.New("this link has expired or was withdrawn")
)

// ValidationError is bad input, with a message for the person who typed it.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// Limits on profile fields.
const (
	MaxName        = 120
	MaxHeadline    = 200
	MaxSummary     = 2000
	MaxCredentials = 100
)

// Credential is a wallet credential as profiles see it: what it claims and
// its latest stored report.
type Credential struct {
	ID           int64
	Name         string
	Description  string
	Image        string
	IssuerID     string
	IssuerName   string
	IssuerURL    string
	Issued       string
	Expires      string
	Format       string
	OriginalType string // png, svg, json, jws, url
	Verdict      string // valid, invalid, unknown, unchecked
	Report       *verify.Report
	VerifiedAt   time.Time
	// ChangedAt is when the verdict last changed (zero: never).
	ChangedAt time.Time
}

// Credentials is the wallet as profiles need it. internal/app adapts
// wallet.Service to it.
type Credentials interface {
	// ListCredentials returns every credential with its latest report.
	ListCredentials(ctx context.Context) ([]Credential, error)
	// VerifyCredential verifies a stored credential again with cache
	// shared between verifications, saves and returns the fresh report.
	VerifyCredential(ctx context.Context, id int64, cache *verify.Cache) (verify.Report, error)
	// Original returns the credential's bytes as imported and their type.
	Original(ctx context.Context, id int64) ([]byte, string, error)
}

// Signer signs as the site: the learner's did:web and its key.
type Signer interface {
	// DID is the site's did:web.
	DID() string
	// SignPresentation adds an eddsa-rdfc-2022 Data Integrity proof by the
	// site's current key to doc.
	SignPresentation(doc map[string]any, created time.Time) (map[string]any, error)
}

// Config is what New needs.
type Config struct {
	Store       *store.DB
	Credentials Credentials
	Signer      Signer // nil: no presentation.json
	BaseURL     string // the site's public URL, no trailing slash
	Logger      *slog.Logger
	// ReportTTL is how long a live verification is shown before the
	// credential is verified again; 0 means DefaultReportTTL.
	ReportTTL time.Duration
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// DefaultReportTTL is how long the employer's page shows one verification.
const DefaultReportTTL = 5 * time.Minute

// Service is the skill profiles.
type Service struct {
	db     *store.DB
	creds  Credentials
	signer Signer
	base   string
	logger *slog.Logger
	now    func() time.Time
	ttl    time.Duration

	// version grows with every change to profiles and share links, so
	// caches built from them (pages, presentations) know they are stale.
	version atomic.Uint64

	live   *liveCache
	views  *viewCounter
	shares sync.Map // token → shareEntry (see shares.go)

	presMu sync.Mutex
	pres   map[int64]cachedPresentation

	qrMu sync.Mutex
	qr   map[string][]byte // drawn QR codes (qr.go)
}

// New builds the service.
func New(c Config) *Service {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ReportTTL <= 0 {
		c.ReportTTL = DefaultReportTTL
	}
	s := &Service{db: c.Store, creds: c.Credentials, signer: c.Signer, base: strings.TrimRight(c.BaseURL, "/"),
		logger: c.Logger, now: c.Now, ttl: c.ReportTTL, pres: map[int64]cachedPresentation{},
		qr: map[string][]byte{}}
	s.live = newLiveCache(s)
	s.views = &viewCounter{pending: map[string]viewDelta{}}
	return s
}

// Version grows whenever a profile or a share link changes.
func (s *Service) Version() uint64 { return s.version.Load() }

func (s *Service) changed() {
	s.version.Add(1)
	s.shares.Clear()
}

// Profile is one skill profile.
type Profile struct {
	ID        int64
	Name      string
	Headline  string
	Summary   string
	Indexable bool    // search engines may index the shared page
	Items     []int64 // credential ids, in order
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Input is what the owner edits.
type Input struct {
	Name        string
	Headline    string
	Summary     string
	Indexable   bool
	Credentials []int64 // in order; duplicates are dropped
}

func (in *Input) clean() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Headline = strings.TrimSpace(in.Headline)
	in.Summary = strings.TrimSpace(strings.ReplaceAll(in.Summary, "\r\n", "\n"))
	switch {
	case in.Name == "":
		return invalid("Give the profile a name, such as “Backend developer”.")
	case len([]rune(in.Name)) > MaxName:
		return invalid("The name is longer than %d characters.", MaxName)
	case len([]rune(in.Headline)) > MaxHeadline:
		return invalid("The headline is longer than %d characters.", MaxHeadline)
	case len([]rune(in.Summary)) > MaxSummary:
		return invalid("The text is longer than %d characters.", MaxSummary)
	}
	seen := map[int64]bool{}
	ids := make([]int64, 0, len(in.Credentials))
	for _, id := range in.Credentials {
		if id > 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxCredentials {
		return invalid("A profile shows at most %d credentials.", MaxCredentials)
	}
	in.Credentials = ids
	return nil
}

// Create stores a new profile.
func (s *Service) Create(ctx context.Context, in Input) (Profile, error) {
	if err := in.clean(); err != nil {
		return Profile{}, err
	}
	var id int64
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO profiles (name, headline, summary, indexable, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, in.Name, in.Headline, in.Summary, boolInt(in.Indexable), now, now)
		if err != nil {
			return store.MapErr(err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return setItems(ctx, tx, id, in.Credentials)
	})
	if err != nil {
		return Profile{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// Update replaces a profile's fields and selection.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Profile, error) {
	if err := in.clean(); err != nil {
		return Profile{}, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE profiles SET name = ?, headline = ?, summary = ?, indexable = ?,
			updated_at = ? WHERE id = ?`, in.Name, in.Headline, in.Summary, boolInt(in.Indexable), store.Millis(s.now()), id)
		if err != nil {
			return store.MapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM profile_credentials WHERE profile_id = ?", id); err != nil {
			return err
		}
		return setItems(ctx, tx, id, in.Credentials)
	})
	if err != nil {
		return Profile{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// setItems inserts the selection; an id that is no credential is refused.
func setItems(ctx context.Context, tx *sql.Tx, id int64, creds []int64) error {
	for i, c := range creds {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM credentials WHERE id = ?", c).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid("There is no credential %d in the wallet.", c)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO profile_credentials (profile_id, credential_id, position) VALUES (?, ?, ?)",
			id, c, i); err != nil {
			return store.MapErr(err)
		}
	}
	return nil
}

// Delete removes a profile and its share links.
func (s *Service) Delete(ctx context.Context, id int64) error {
	res, err := s.db.W.ExecContext(ctx, "DELETE FROM profiles WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.changed()
	return nil
}

// Get returns one profile with its selection.
func (s *Service) Get(ctx context.Context, id int64) (Profile, error) {
	var p Profile
	var idx int
	var created, updated int64
	err := s.db.R.QueryRowContext(ctx, `SELECT id, name, headline, summary, indexable, created_at, updated_at
		FROM profiles WHERE id = ?`, id).Scan(&p.ID, &p.Name, &p.Headline, &p.Summary, &idx, &created, &updated)
	if err != nil {
		return p, store.MapErr(err)
	}
	p.Indexable = idx == 1
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	rows, err := s.db.R.QueryContext(ctx, "SELECT credential_id FROM profile_credentials WHERE profile_id = ? ORDER BY position, credential_id", id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			return p, err
		}
		p.Items = append(p.Items, c)
	}
	return p, rows.Err()
}

// List returns every profile, newest first.
func (s *Service) List(ctx context.Context) ([]Profile, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT id FROM profiles ORDER BY created_at DESC, id DESC")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(ids))
	for _, id := range ids {
		p, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Selected returns the profile's credentials in its order, with their
// stored reports (no verification).
func (s *Service) Selected(ctx context.Context, p Profile) ([]Credential, error) {
	all, err := s.creds.ListCredentials(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Credential, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	out := make([]Credential, 0, len(p.Items))
	for _, id := range p.Items {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
