package courses

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

// clock is a time source tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 6, 5, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// page is what the fake course site answers on one path.
type page struct {
	status       int // default 200
	contentType  string
	body         string // "{{BASE}}" becomes the site's URL, "{{HOST}}" its host:port
	etag         string
	lastModified string
	header       map[string]string
	stall        bool // never answer (until the client gives up)
}

// site is a course site on loopback whose pages tests switch at will.
type site struct {
	srv   *httptest.Server
	mu    sync.Mutex
	pages map[string]page
	reqs  map[string][]http.Header
}

func newSite(t testing.TB) *site {
	t.Helper()
	s := &site{pages: map[string]page{}, reqs: map[string][]http.Header{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.pages[r.URL.RequestURI()]
	if !ok {
		p, ok = s.pages[r.URL.Path]
	}
	s.reqs[r.URL.Path] = append(s.reqs[r.URL.Path], r.Header.Clone())
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if p.stall {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	if p.etag != "" && r.Header.Get("If-None-Match") == p.etag ||
		p.lastModified != "" && r.Header.Get("If-Modified-Since") == p.lastModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if p.etag != "" {
		w.Header().Set("ETag", p.etag)
	}
	if p.lastModified != "" {
		w.Header().Set("Last-Modified", p.lastModified)
	}
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	if p.contentType != "" {
		w.Header().Set("Content-Type", p.contentType)
	}
	w.WriteHeader(orDefault(p.status, http.StatusOK))
	_, _ = io.WriteString(w, p.body)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func (s *site) expand(b string) string {
	return strings.NewReplacer("{{BASE}}", s.srv.URL, "{{HOST}}", strings.TrimPrefix(s.srv.URL, "http://")).Replace(b)
}

func (s *site) set(path string, p page) {
	p.body = s.expand(p.body) // once here, not per request: big bodies must stream fast
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = p
}

func (s *site) url(path string) string { return s.srv.URL + path }

func (s *site) requests(path string) []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.reqs[path]...)
}

const testTimeout = 750 * time.Millisecond

type fixture struct {
	svc   *Service
	db    *store.DB
	clock *clock
	site  *site
}

// newFixture gives a service on a fresh store with a loopback course
// site and a netx client that allows loopback and gives up after
// testTimeout (short, so stalled-server tests are quick; long enough for
// a 4 MiB body under -race on a busy machine).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := storetest.New(t)
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: testTimeout})
	t.Cleanup(client.CloseIdleConnections)
	clk := newClock()
	svc := New(db, client, nil, testLogger(t))
	svc.now = clk.Now
	return &fixture{svc: svc, db: db, clock: clk, site: newSite(t)}
}

// withJobs gives the fixture a job queue on the same store and clock.
func (f *fixture) withJobs(t testing.TB) *jobs.Queue {
	t.Helper()
	q := jobs.New(f.db, jobs.Config{Now: f.clock.Now, Logger: testLogger(t)})
	f.svc.poller.Jobs = q
	f.svc.RegisterJobs()
	return q
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

var ctx = context.Background()

func (f *fixture) follow(t testing.TB, path string) Course {
	t.Helper()
	c, created, err := f.svc.Follow(ctx, f.site.url(path))
	if err != nil {
		t.Fatalf("Follow %s: %v", path, err)
	}
	if !created {
		t.Fatalf("Follow %s: created = false on a new course", path)
	}
	return c
}

func (f *fixture) tasks(t testing.TB, courseID int64) []Task {
	t.Helper()
	ts, err := f.svc.Tasks(ctx, courseID)
	if err != nil {
		t.Fatalf("Tasks: %v", err)
	}
	return ts
}

func (f *fixture) course(t testing.TB, id int64) Course {
	t.Helper()
	c, err := f.svc.Get(ctx, id)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return c
}

func (f *fixture) countCourses(t testing.TB) int {
	t.Helper()
	var n int
	if err := f.db.R.QueryRow(`SELECT count(*) FROM courses`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// insertPost adds a published answer to a task the way the journal would.
func (f *fixture) insertPost(t testing.TB, slug string, taskID int64, inReplyTo string) int64 {
	t.Helper()
	ms := store.Millis(f.clock.Now())
	var id int64
	err := f.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO posts (slug, in_reply_to, task_id, draft, published_at, updated_at, created_at)
			VALUES (?, ?, ?, 0, ?, ?, ?)`, slug, inReplyTo, nullID(taskID), ms, ms, ms)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		if err != nil {
			return err
		}
		if taskID != 0 {
			return f.svc.SyncTaskStateTx(ctx, tx, taskID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert post: %v", err)
	}
	return id
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (f *fixture) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if err := f.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func byTitle(ts []Task) map[string]Task {
	m := map[string]Task{}
	for _, t := range ts {
		m[t.Title] = t
	}
	return m
}

func feedErr(t testing.TB, err error) *FeedError {
	t.Helper()
	var fe *FeedError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FeedError", err, err)
	}
	return fe
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}
