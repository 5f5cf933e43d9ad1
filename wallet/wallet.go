package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
)

// MaxImportBytes caps one imported file. Uploads are bounded to the same
// size by the web layer; verify itself reads at most verify.MaxInputBytes.
const MaxImportBytes = 8 << 20

// VerdictUnchecked is the verdict of a credential no report exists for.
const VerdictUnchecked = "unchecked"

// Original types: what the owner handed over.
const (
	TypePNG  = "png"
	TypeSVG  = "svg"
	TypeJSON = "json"
	TypeJWS  = "jws"
	TypeURL  = "url"
)

// ErrTooLarge is returned for input over MaxImportBytes.
var ErrTooLarge = fmt.Errorf("the credential is larger than %d MiB", MaxImportBytes>>20)

// ValidationError is input that is not a credential at all; its message
// (the verifier's parse message) is safe to show to the owner.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// Credential is one stored credential.
type Credential struct {
	ID           int64
	CredentialID string // the credential's own id or URL, "" when it has none
	Digest       string // sha256 hex of Original
	OriginalType string
	SourceURL    string
	Format       string
	Name         string
	Description  string
	Image        string
	IssuerID     string
	IssuerName   string
	IssuerURL    string
	Recipient    string
	Issued       string
	Expires      string
	Summary      verify.CredentialSummary
	Verdict      string
	// Report is the latest verification report; only Get fills it, and it
	// is nil while the credential is unchecked.
	Report     *verify.Report
	VerifiedAt time.Time // zero while unchecked
	// ChangedAt is when the verdict last changed after the first
	// verification (from the history); zero when it never changed.
	ChangedAt  time.Time
	ImportedAt time.Time
	UpdatedAt  time.Time
}

// Service is the wallet.
type Service struct {
	db         *store.DB
	fetcher    verify.Fetcher
	identities func(context.Context) ([]string, error)
	// courseIssuers gives the followed courses' origins (SetCourseIssuers);
	// nil means none.
	courseIssuers func(context.Context) ([]CourseIssuer, error)
	// queue is where trust changes queue JobRetrust (set by RegisterJobs);
	// nil in one-shot commands.
	queue  *jobs.Queue
	logger *slog.Logger
	now    func() time.Time
	// middleware wraps every verification (Use).
	middleware []Middleware
	// ReverifyEvery is how often the JobReverify sweeper verifies each
	// credential again; zero means DefaultReverifyEvery. Set it before
	// RegisterJobs.
	ReverifyEvery time.Duration
}

// New builds the wallet. identities gives the owner's identities (from
// Settings) for the recipient check; nil means none.
func New(db *store.DB, fetcher verify.Fetcher, identities func(context.Context) ([]string, error), logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	if identities == nil {
		identities = func(context.Context) ([]string, error) { return nil, nil }
	}
	return &Service{db: db, fetcher: fetcher, identities: identities, logger: logger, now: time.Now}
}

// verifier is what the verifications of one batch share: the owner's
// identities, the trust list and, in batches, one cache.
type verifier struct {
	opts verify.Options
	run  VerifyFunc
}

// newVerifier loads the owner's identities (recipients) and the trust list
// (the owner's and the followed courses') for verifications; cache is
// shared between them (nil: every fetch is fresh).
func (s *Service) newVerifier(ctx context.Context, cache *verify.Cache) (verifier, error) {
	ids, err := s.identities(ctx)
	if err != nil {
		return verifier{}, fmt.Errorf("load the owner's identities: %w", err)
	}
	trusted, err := s.TrustList(ctx)
	if err != nil {
		return verifier{}, fmt.Errorf("load the trusted issuers: %w", err)
	}
	heads, err := s.ledgerHeads(ctx)
	if err != nil {
		return verifier{}, err
	}
	return verifier{opts: verify.Options{Fetcher: s.fetcher, Recipients: ids, TrustedIssuers: trusted, Now: s.now, Cache: cache,
		LedgerHeads: heads}, run: chain(s.middleware)}, nil
}

func (v verifier) verify(ctx context.Context, input []byte) verify.Report {
	return v.run(ctx, input, v.opts)
}

// verify runs the verifier with the owner's identities as recipients and
// the trust list as trusted issuers, with no cache: a fresh answer.
func (s *Service) verify(ctx context.Context, input []byte) (verify.Report, error) {
	v, err := s.newVerifier(ctx, nil)
	if err != nil {
		return verify.Report{}, err
	}
	return v.verify(ctx, input), nil
}

// detectType names what the input is. Anything that is not an image, JSON
// or a URL is taken for a compact JWS; the verifier's parse check then
// decides whether it is a credential at all.
func detectType(data []byte) string {
	if k, ok := bake.Detect(data); ok {
		if k == bake.SVG {
			return TypeSVG
		}
		return TypePNG
	}
	s := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(s, []byte("{")):
		return TypeJSON
	case bytes.HasPrefix(s, []byte("https://")) || bytes.HasPrefix(s, []byte("http://")):
		return TypeURL
	}
	return TypeJWS
}

// parseProblem returns the parse check's message when the input was not
// understood as a credential.
func parseProblem(r verify.Report) (string, bool) {
	c, ok := r.Check(verify.CheckParse)
	if !ok || c.Status != verify.StatusFail {
		return "", false
	}
	if c.Message == "" {
		return "the input is not a credential", true
	}
	return c.Message, true
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Import verifies and stores a credential: a baked PNG or SVG, JSON, a
// compact JWS, or a URL (kept as type url; the verifier fetches it). The
// same credential imported again (same id, else same bytes) is not
// duplicated: its report is refreshed and created is false.
func (s *Service) Import(ctx context.Context, data []byte, sourceURL string) (Credential, bool, error) {
	if len(data) > MaxImportBytes {
		return Credential{}, false, ErrTooLarge
	}
	typ := detectType(data)
	if typ == TypeURL {
		// A URL is its own text; surrounding space is not part of it.
		data = bytes.TrimSpace(data)
	}
	rep, err := s.verify(ctx, data)
	if err != nil {
		return Credential{}, false, err
	}
	if msg, bad := parseProblem(rep); bad {
		return Credential{}, false, &ValidationError{Msg: msg}
	}
	id, created, err := s.store(ctx, data, typ, sourceURL, rep)
	if err != nil {
		return Credential{}, false, err
	}
	c, err := s.Get(ctx, id)
	return c, created, err
}

// ImportURL imports the hosted assertion or baked image at url.
func (s *Service) ImportURL(ctx context.Context, url string) (Credential, bool, error) {
	url = strings.TrimSpace(url)
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return Credential{}, false, &ValidationError{Msg: "the address must start with https:// or http://"}
	}
	return s.Import(ctx, []byte(url), url)
}

// store inserts the credential, or refreshes the one already there, in one
// transaction so two imports of the same credential cannot both insert.
func (s *Service) store(ctx context.Context, data []byte, typ, sourceURL string, rep verify.Report) (int64, bool, error) {
	var id int64
	created := false
	dig := digest(data)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		existing, err := findExisting(ctx, tx, rep.Credential.ID, dig)
		if err != nil {
			return err
		}
		if existing != 0 {
			id = existing
			return s.saveReport(ctx, tx, id, rep)
		}
		created = true
		id, err = s.insert(ctx, tx, data, dig, typ, sourceURL, rep)
		return err
	})
	return id, created, err
}

// findExisting returns the row holding the same credential: by its id when
// it has one, else (or when that finds nothing) by the digest of its bytes.
func findExisting(ctx context.Context, tx *sql.Tx, credentialID, dig string) (int64, error) {
	var id int64
	if credentialID != "" {
		err := tx.QueryRowContext(ctx, "SELECT id FROM credentials WHERE credential_id = ? ORDER BY id LIMIT 1", credentialID).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	err := tx.QueryRowContext(ctx, "SELECT id FROM credentials WHERE digest = ?", dig).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (s *Service) insert(ctx context.Context, tx *sql.Tx, data []byte, dig, typ, sourceURL string, rep verify.Report) (int64, error) {
	now := store.Millis(s.now())
	res, err := tx.ExecContext(ctx, `INSERT INTO credentials
		(credential_id, digest, original, original_type, source_url, imported_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, rep.Credential.ID, dig, data, typ, sourceURL, now, now)
	if err != nil {
		return 0, store.MapErr(err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, s.saveReport(ctx, tx, id, rep)
}

// saveReport writes a report and the fields taken from it, and records the
// verdict in the history when it differs from the stored one.
func (s *Service) saveReport(ctx context.Context, tx *sql.Tx, id int64, rep verify.Report) error {
	var old string
	if err := tx.QueryRowContext(ctx, "SELECT verdict FROM credentials WHERE id = ?", id).Scan(&old); err != nil {
		return store.MapErr(err)
	}
	repJSON, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	sumJSON, err := json.Marshal(rep.Credential)
	if err != nil {
		return err
	}
	if err := rememberLedgerHead(ctx, tx, rep); err != nil {
		return fmt.Errorf("remember the ledger head: %w", err)
	}
	c, now := rep.Credential, store.Millis(s.now())
	_, err = tx.ExecContext(ctx, `UPDATE credentials SET format = CASE WHEN ? != '' THEN ? ELSE format END,
		verdict = ?, report_json = ?, verified_at = ?, updated_at = ? WHERE id = ?`,
		rep.Format, rep.Format, rep.Verdict, string(repJSON), now, now, id)
	if err != nil {
		return store.MapErr(err)
	}
	// A report that could not read the credential (a revoked hosted
	// assertion answers 410, not its JSON) says nothing about it: keep the
	// fields from the last report that did.
	if hasSummary(c) {
		_, err = tx.ExecContext(ctx, `UPDATE credentials SET
			credential_id = CASE WHEN ? != '' THEN ? ELSE credential_id END,
			name = ?, description = ?, image = ?, issuer_id = ?, issuer_name = ?, issuer_url = ?,
			recipient = ?, issued = ?, expires = ?, summary_json = ? WHERE id = ?`,
			c.ID, c.ID, firstNonEmpty(c.Name, c.Achievement.Name), c.Achievement.Description, c.Achievement.Image,
			c.Issuer.ID, c.Issuer.Name, c.Issuer.URL, c.Recipient, c.Issued, c.Expires, string(sumJSON), id)
		if err != nil {
			return store.MapErr(err)
		}
	}
	if old == rep.Verdict {
		return nil
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO credential_verdicts (credential, verdict, at) VALUES (?, ?, ?)", id, rep.Verdict, now)
	return err
}

// hasSummary says whether the verifier read anything of the credential.
func hasSummary(c verify.CredentialSummary) bool {
	return c.ID != "" || c.Name != "" || c.Achievement.Name != "" || c.Issuer.ID != ""
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
