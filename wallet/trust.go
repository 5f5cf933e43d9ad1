package wallet

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
)

// The trusted issuers: the owner's own list (Settings) plus the origins of
// the courses the owner follows. Every verification passes the combined
// list to the verifier, whose trust check then passes for those issuers;
// for every other issuer the pages use safe mode (research/credentials.md
// b.2 step 15: shown as claimed, links disabled).

// JobRetrust re-verifies every credential after the trust list changed, in
// batches that chain (its payload is the id to continue after).
const JobRetrust = "wallet.retrust"

// maxLabel caps a trusted issuer's label, in characters.
const maxLabel = 200

// TrustedIssuer is one entry of the trust list.
type TrustedIssuer struct {
	ID     int64  // 0 for an entry that comes from a followed course
	Issuer string // an issuer id (URL), an origin or a DID
	Label  string
	// AddedAt is when the owner added it; zero for a course's entry.
	AddedAt time.Time
	// Course names the followed course the entry comes from (its name, else
	// its URL); "" for the owner's own entries. Such an entry goes away when
	// the course is unfollowed, not through the list.
	Course string
}

// FromCourse says whether the entry comes from a followed course.
func (t TrustedIssuer) FromCourse() bool { return t.Course != "" }

// CourseIssuer is the origin of a followed course, trusted as an issuer.
type CourseIssuer struct {
	Origin string // scheme://host[:port]
	Course string // the course's name, else its URL
}

// SetCourseIssuers tells the wallet how to learn the followed courses'
// origins (the courses service, wired by internal/app; wallet does not
// import ple). Call it before the wallet is used.
func (s *Service) SetCourseIssuers(f func(context.Context) ([]CourseIssuer, error)) {
	s.courseIssuers = f
}

// NormalizeIssuer checks a trust list entry and returns it in the form the
// list stores: an http(s) origin (no path) in lower case without a
// trailing slash; an issuer id (an http(s) URL with a path) or a DID
// exactly as given. Anything else is a ValidationError saying what to give.
func NormalizeIssuer(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	what := "Give the issuer's id (https://issuer.example/issuer), its origin (https://issuer.example) or its DID (did:web:issuer.example)."
	if s == "" {
		return "", &ValidationError{Msg: "No issuer given. " + what}
	}
	if len(s) > 2000 || strings.ContainsAny(s, " \t\r\n") {
		return "", &ValidationError{Msg: fmt.Sprintf("%q is not an issuer. %s", truncateRunes(s, 80), what)}
	}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "did:"):
		parts := strings.SplitN(s, ":", 3)
		if len(parts) != 3 || !isDIDMethod(parts[1]) || parts[2] == "" {
			return "", &ValidationError{Msg: fmt.Sprintf("%q is not a DID: it takes the form did:method:identifier, such as did:web:issuer.example.", s)}
		}
		return s, nil
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.User != nil || strings.HasPrefix(u.Host, ":") {
			return "", &ValidationError{Msg: fmt.Sprintf("%q is not a usable address. %s", truncateRunes(s, 80), what)}
		}
		if (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery {
			return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host), nil
		}
		return s, nil
	}
	return "", &ValidationError{Msg: fmt.Sprintf("%q is not an issuer. %s", truncateRunes(s, 80), what)}
}

// isDIDMethod: a DID method name is lower-case letters and digits.
func isDIDMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// didWebOf is the did:web DID of an http(s) origin (a port is written %3A,
// as the did:web method says), "" when origin is not one.
func didWebOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return "did:web:" + strings.ReplaceAll(strings.ToLower(u.Host), ":", "%3A")
}

// ownTrusted returns the owner's own entries, sorted by issuer.
func (s *Service) ownTrusted(ctx context.Context) ([]TrustedIssuer, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT id, issuer, label, added_at FROM trusted_issuers ORDER BY issuer")
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	var out []TrustedIssuer
	for rows.Next() {
		var t TrustedIssuer
		var added int64
		if err := rows.Scan(&t.ID, &t.Issuer, &t.Label, &added); err != nil {
			return nil, store.MapErr(err)
		}
		t.AddedAt = store.Time(added)
		out = append(out, t)
	}
	return out, store.MapErr(rows.Err())
}

// courseTrusted returns the followed courses' origins, sorted, without
// those the owner lists already.
func (s *Service) courseTrusted(ctx context.Context, own []TrustedIssuer) ([]TrustedIssuer, error) {
	if s.courseIssuers == nil {
		return nil, nil
	}
	list, err := s.courseIssuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the followed courses' origins: %w", err)
	}
	seen := map[string]bool{}
	for _, t := range own {
		seen[t.Issuer] = true
	}
	var out []TrustedIssuer
	for _, ci := range list {
		o, err := NormalizeIssuer(ci.Origin)
		if err != nil || seen[o] {
			continue
		}
		seen[o] = true
		out = append(out, TrustedIssuer{Issuer: o, Course: firstNonEmpty(ci.Course, ci.Origin)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Issuer < out[j].Issuer })
	return out, nil
}

// TrustedIssuers lists the trust list as Settings shows it: the owner's
// entries by issuer, then those of followed courses.
func (s *Service) TrustedIssuers(ctx context.Context) ([]TrustedIssuer, error) {
	own, err := s.ownTrusted(ctx)
	if err != nil {
		return nil, err
	}
	courses, err := s.courseTrusted(ctx, own)
	if err != nil {
		return nil, err
	}
	return append(own, courses...), nil
}

// TrustList is what the verifier receives as Options.TrustedIssuers: every
// entry, and for each followed course's origin also its did:web DID.
func (s *Service) TrustList(ctx context.Context) ([]string, error) {
	all, err := s.TrustedIssuers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(all))
	for _, t := range all {
		out = append(out, t.Issuer)
		if t.FromCourse() {
			if d := didWebOf(t.Issuer); d != "" {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// AddTrustedIssuer adds an issuer (checked with NormalizeIssuer) to the
// owner's list, or gives an entry already there the new label when one is
// given, and queues the re-verification of the wallet so that the trust
// checks follow.
func (s *Service) AddTrustedIssuer(ctx context.Context, issuer, label string) (TrustedIssuer, error) {
	norm, err := NormalizeIssuer(issuer)
	if err != nil {
		return TrustedIssuer{}, err
	}
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > maxLabel {
		return TrustedIssuer{}, &ValidationError{Msg: fmt.Sprintf("The label is longer than %d characters.", maxLabel)}
	}
	var t TrustedIssuer
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = s.addTrustedTx(ctx, tx, norm, label)
		if err != nil {
			return err
		}
		return s.enqueueRetrustTx(ctx, tx)
	})
	return t, err
}

func (s *Service) addTrustedTx(ctx context.Context, tx *sql.Tx, norm, label string) (TrustedIssuer, error) {
	_, err := tx.ExecContext(ctx, `INSERT INTO trusted_issuers (issuer, label, added_at) VALUES (?, ?, ?)
		ON CONFLICT (issuer) DO UPDATE SET label = CASE WHEN excluded.label != '' THEN excluded.label ELSE label END`,
		norm, label, store.Millis(s.now()))
	if err != nil {
		return TrustedIssuer{}, store.MapErr(err)
	}
	var t TrustedIssuer
	var added int64
	err = tx.QueryRowContext(ctx, "SELECT id, issuer, label, added_at FROM trusted_issuers WHERE issuer = ?", norm).
		Scan(&t.ID, &t.Issuer, &t.Label, &added)
	t.AddedAt = store.Time(added)
	return t, store.MapErr(err)
}

// RemoveTrustedIssuer removes one of the owner's entries (store.ErrNotFound
// when there is none with that id) and queues the re-verification.
func (s *Service) RemoveTrustedIssuer(ctx context.Context, id int64) (TrustedIssuer, error) {
	var t TrustedIssuer
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var added int64
		err := tx.QueryRowContext(ctx, "SELECT id, issuer, label, added_at FROM trusted_issuers WHERE id = ?", id).
			Scan(&t.ID, &t.Issuer, &t.Label, &added)
		if err != nil {
			return store.MapErr(err)
		}
		t.AddedAt = store.Time(added)
		if _, err := tx.ExecContext(ctx, "DELETE FROM trusted_issuers WHERE id = ?", id); err != nil {
			return store.MapErr(err)
		}
		return s.enqueueRetrustTx(ctx, tx)
	})
	return t, err
}

// TrustIssuerOf trusts the issuer of a stored credential (its id, else its
// URL), re-verifies that credential at once and queues the rest, which may
// share the issuer. It returns the trusted entry and the fresh report.
func (s *Service) TrustIssuerOf(ctx context.Context, id int64) (TrustedIssuer, verify.Report, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return TrustedIssuer{}, verify.Report{}, err
	}
	var norm string
	for _, cand := range []string{c.IssuerID, c.IssuerURL} {
		if n, err := NormalizeIssuer(cand); err == nil {
			norm = n
			break
		}
	}
	if norm == "" {
		return TrustedIssuer{}, verify.Report{}, &ValidationError{Msg: "This credential names no issuer id, address or DID that could be trusted."}
	}
	label := truncateRunes(c.IssuerName, maxLabel)
	var t TrustedIssuer
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = s.addTrustedTx(ctx, tx, norm, label); err != nil {
			return err
		}
		return s.enqueueRetrustTx(ctx, tx)
	})
	if err != nil {
		return t, verify.Report{}, err
	}
	rep, err := s.Reverify(ctx, id)
	return t, rep, err
}

// retrustPayload is JobRetrust's payload: the credential id the batch
// continues after (0: from the start).
type retrustPayload struct {
	After int64 `json:"after"`
}

// enqueueRetrustTx queues a re-verification of the whole wallet from the
// start, unless one is already waiting to start (a chain already running
// goes on; the new one covers what it verified before the change). Without
// a queue (a one-shot command) it does nothing.
func (s *Service) enqueueRetrustTx(ctx context.Context, tx *sql.Tx) error {
	if s.queue == nil {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state = 'queued'
		AND coalesce(json_extract(payload, '$.after'), 0) = 0`, JobRetrust).Scan(&n)
	if err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	_, err = s.queue.EnqueueTx(ctx, tx, JobRetrust, retrustPayload{})
	return err
}

// retrustJob re-verifies one batch of credentials in id order and chains
// the next batch. Failures of single credentials are logged, not retried.
func (s *Service) retrustJob(ctx context.Context, q *jobs.Queue, job jobs.Job) error {
	var p retrustPayload
	if err := job.Decode(&p); err != nil {
		return err
	}
	rows, err := s.db.R.QueryContext(ctx, "SELECT id FROM credentials WHERE id > ? ORDER BY id LIMIT ?", p.After, reverifyBatch)
	if err != nil {
		return store.MapErr(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return store.MapErr(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.MapErr(err)
	}
	s.reverifyMany(ctx, ids, "wallet: re-verification after a trust change failed")
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: this batch runs again later
	}
	if len(ids) < reverifyBatch {
		return nil
	}
	_, err = q.Enqueue(ctx, JobRetrust, retrustPayload{After: ids[len(ids)-1]})
	return err
}
