// Package mentions wires the pure webmention protocol to Cairn: incoming
// mentions queued durably, verified by a worker and moderated by the owner;
// outgoing mentions sent for every published, updated or deleted post and
// recorded per target; and badge awards from trusted issuers filed in an
// inbox.
package mentions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/webmention"
)

// Job kinds.
const (
	JobVerify = "webmention.verify"
	JobSend   = "webmention.send"
)

// Mention statuses (DESIGN.md, GET /api/mentions).
const (
	StatusQueued   = "queued"
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
	StatusDeleted  = "deleted"
	StatusBlocked  = "blocked"
)

// ResendWindow is how soon the same source and target may be sent again:
// webmention.io answers 429 within 30 s, and so do we.
const ResendWindow = 30 * time.Second

// Service is the Webmention side of one Cairn instance.
type Service struct {
	db      *store.DB
	net     *netx.Client
	jobs    *jobs.Queue
	journal *ple.Journal
	courses *courses.Service
	logger  *slog.Logger
	base    *url.URL
	now     func() time.Time
	version atomic.Uint64 // bumped when what pages show of mentions changes

	accepts   chan acceptReq // requests waiting for the group commit
	startOnce sync.Once
	closeOnce sync.Once
	closed    chan struct{}
	wg        sync.WaitGroup
}

// Version changes whenever an approved mention may have appeared,
// changed or gone, so cached post pages know to render again.
func (s *Service) Version() uint64 { return s.version.Load() }

func (s *Service) changed() { s.version.Add(1) }

// New builds the service and hooks it into the journal: every publish,
// update and delete of a post sends Webmentions.
func New(db *store.DB, client *netx.Client, q *jobs.Queue, j *ple.Journal, c *courses.Service, logger *slog.Logger, baseURL string) *Service {
	base, _ := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	s := &Service{db: db, net: client, jobs: q, journal: j, courses: c, logger: logger, base: base, now: time.Now,
		closed: make(chan struct{})}
	q.Register(JobVerify, s.verifyJob)
	q.Register(JobSend, s.sendJob)
	j.OnChange(s.queueSends)
	return s
}

// ErrTooSoon is the 429 for the same source and target within
// ResendWindow.
var ErrTooSoon = errors.New("this source and target were just received; wait 30 seconds before sending again")

// IsOurs says whether target names a page of this site that accepts
// mentions: the home page, the tasks page, or a published post. The
// fragment is already gone.
func (s *Service) IsOurs(ctx context.Context, target *url.URL) bool {
	if !strings.EqualFold(target.Scheme, s.base.Scheme) || hostPort(target) != hostPort(s.base) {
		return false
	}
	path := strings.TrimPrefix(target.EscapedPath(), strings.TrimRight(s.base.EscapedPath(), "/"))
	switch path {
	case "", "/", "/tasks":
		return true
	}
	slug, ok := strings.CutPrefix(path, "/posts/")
	if !ok || slug == "" || strings.Contains(slug, "/") {
		return false
	}
	_, ok, err := s.journal.PublishedID(ctx, slug)
	return err == nil && ok
}

// postFor returns the id of the post a target names, or nil.
func (s *Service) postFor(ctx context.Context, target string) any {
	u, err := url.Parse(target)
	if err != nil {
		return nil
	}
	slug, ok := strings.CutPrefix(u.EscapedPath(), strings.TrimRight(s.base.EscapedPath(), "/")+"/posts/")
	if !ok {
		return nil
	}
	if id, ok, err := s.journal.PublishedID(ctx, slug); err == nil && ok {
		return id
	}
	return nil
}

// Accept stores a validated request and queues its verification. It
// returns only once both are committed, so an accepted mention survives a
// crash. Requests arriving together are written in one transaction (group
// commit): SQLite's cost is per commit, not per row. The same source and
// target within ResendWindow is ErrTooSoon.
func (s *Service) Accept(ctx context.Context, r webmention.Request) error {
	s.startOnce.Do(s.startAccepting)
	req := acceptReq{r: r, postID: s.postFor(ctx, r.Target), done: make(chan error, 1)}
	select {
	case s.accepts <- req:
	case <-s.closed:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errClosed = errors.New("mentions: shutting down")

type acceptReq struct {
	r      webmention.Request
	postID any
	done   chan error
}

// maxBatch bounds one group commit.
const maxBatch = 512

func (s *Service) startAccepting() {
	s.accepts = make(chan acceptReq, maxBatch)
	s.wg.Add(1)
	go s.acceptLoop()
}

// acceptLoop takes whatever requests are waiting (at least one) and writes
// them together.
func (s *Service) acceptLoop() {
	defer s.wg.Done()
	for {
		var first acceptReq
		select {
		case first = <-s.accepts:
		case <-s.closed:
			return
		}
		batch := []acceptReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.accepts:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		results := make([]error, len(batch))
		err := s.db.Tx(context.Background(), func(tx *sql.Tx) error {
			st, err := prepareAccept(tx)
			if err != nil {
				return err
			}
			defer st.close()
			for i, r := range batch {
				results[i] = s.acceptOne(tx, st, r)
				if results[i] != nil && !errors.Is(results[i], ErrTooSoon) {
					return results[i]
				}
			}
			return nil
		})
		for i, r := range batch {
			if err != nil {
				r.done <- err
			} else {
				r.done <- results[i]
			}
		}
		if err == nil {
			s.jobs.Wake()
		}
	}
}

// Close stops accepting; requests not yet written get an error (and so no
// 202). Call it before the store closes.
func (s *Service) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.wg.Wait()
}

// acceptStmts are the statements of one group commit, prepared once for
// the whole batch rather than per row.
type acceptStmts struct{ find, insert, touch *sql.Stmt }

func prepareAccept(tx *sql.Tx) (*acceptStmts, error) {
	ctx := context.Background()
	var st acceptStmts
	var err error
	if st.find, err = tx.PrepareContext(ctx, "SELECT id, received_at FROM mentions WHERE source = ? AND target = ?"); err != nil {
		return nil, err
	}
	if st.insert, err = tx.PrepareContext(ctx, `INSERT INTO mentions (source, target, post_id, received_at, updated_at)
		VALUES (?, ?, ?, ?, ?)`); err != nil {
		st.close()
		return nil, err
	}
	if st.touch, err = tx.PrepareContext(ctx, "UPDATE mentions SET received_at = ?, updated_at = ? WHERE id = ?"); err != nil {
		st.close()
		return nil, err
	}
	return &st, nil
}

func (st *acceptStmts) close() {
	for _, s := range []*sql.Stmt{st.find, st.insert, st.touch} {
		if s != nil {
			s.Close()
		}
	}
}

func (s *Service) acceptOne(tx *sql.Tx, st *acceptStmts, r acceptReq) error {
	ctx := context.Background()
	now := s.now()
	var id, received int64
	err := st.find.QueryRowContext(ctx, r.r.Source, r.r.Target).Scan(&id, &received)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := st.insert.ExecContext(ctx, r.r.Source, r.r.Target, r.postID, store.Millis(now), store.Millis(now))
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
	case err != nil:
		return err
	case now.Sub(store.Time(received)) < ResendWindow:
		return ErrTooSoon
	default:
		// A re-sent mention: verify again, keep the moderation decision.
		if _, err := st.touch.ExecContext(ctx, store.Millis(now), store.Millis(now), id); err != nil {
			return err
		}
	}
	_, err = jobs.EnqueueTx(ctx, tx, JobVerify, verifyPayload{ID: id}, jobs.MaxAttempts(6))
	return err
}

type verifyPayload struct {
	ID int64 `json:"id"`
}

// hostPort is the lower-case host with the scheme's default port dropped,
// so http://me.example:80/ and http://ME.example/ name the same site.
func hostPort(u *url.URL) string {
	host := strings.ToLower(u.Host)
	switch {
	case strings.EqualFold(u.Scheme, "http"):
		host = strings.TrimSuffix(host, ":80")
	case strings.EqualFold(u.Scheme, "https"):
		host = strings.TrimSuffix(host, ":443")
	}
	return host
}

// hostOf is the lower-case host[:port] of a URL, "" when unparsable.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// HostRule says whether a host is trusted, blocked or neither (""). The
// hosts of followed courses are trusted.
func (s *Service) HostRule(ctx context.Context, host string) (string, error) {
	var rule string
	err := s.db.R.QueryRowContext(ctx, "SELECT rule FROM host_rules WHERE host = ?", host).Scan(&rule)
	if err == nil {
		return rule, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	origins, err := s.courses.FollowedOrigins(ctx)
	if err != nil {
		return "", err
	}
	for _, o := range origins {
		if hostOf(o) == host {
			return "trusted", nil
		}
	}
	return "", nil
}

// SetHostRule trusts or blocks a host; rule "" removes the owner's rule.
func (s *Service) SetHostRule(ctx context.Context, host, rule string) error {
	host = strings.ToLower(strings.TrimSpace(host))
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = strings.ToLower(u.Host)
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return &ple.ValidationError{Msg: fmt.Sprintf("%q is not a host name", host)}
	}
	if rule == "" {
		_, err := s.db.W.ExecContext(ctx, "DELETE FROM host_rules WHERE host = ?", host)
		return err
	}
	if rule != "trusted" && rule != "blocked" {
		return &ple.ValidationError{Msg: "a host is trusted or blocked"}
	}
	_, err := s.db.W.ExecContext(ctx, `INSERT INTO host_rules (host, rule, created_at) VALUES (?, ?, ?)
		ON CONFLICT (host) DO UPDATE SET rule = excluded.rule`, host, rule, store.Now())
	s.changed()
	if err == nil && rule == "blocked" {
		_, err = s.db.W.ExecContext(ctx, `UPDATE mentions SET status = 'blocked', updated_at = ?
			WHERE source LIKE ? OR source LIKE ?`, store.Now(), "http://"+host+"/%", "https://"+host+"/%")
	}
	return err
}

// HostRules lists the owner's trusted and blocked hosts.
func (s *Service) HostRules(ctx context.Context) (trusted, blocked []string, err error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT host, rule FROM host_rules ORDER BY host")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var host, rule string
		if err := rows.Scan(&host, &rule); err != nil {
			return nil, nil, err
		}
		if rule == "trusted" {
			trusted = append(trusted, host)
		} else {
			blocked = append(blocked, host)
		}
	}
	return trusted, blocked, rows.Err()
}

// SetTrusted replaces the owner's trusted hosts with those of values (host
// names or URLs) and returns them normalised. Blocked hosts stay blocked
// unless listed here.
func (s *Service) SetTrusted(ctx context.Context, values []string) ([]string, error) {
	var hosts []string
	for _, v := range values {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			v = u.Host
		}
		if strings.ContainsAny(v, "/ @") {
			return nil, &ple.ValidationError{Msg: fmt.Sprintf("%q is not a host name or URL", v)}
		}
		hosts = union(hosts, []string{v})
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM host_rules WHERE rule = 'trusted'"); err != nil {
			return err
		}
		for _, h := range hosts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO host_rules (host, rule, created_at) VALUES (?, 'trusted', ?)
				ON CONFLICT (host) DO UPDATE SET rule = 'trusted'`, h, store.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	s.changed()
	return hosts, err
}
