package courses

import (
	"errors"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

func (f *fixture) queued(t testing.TB, kind string) int {
	t.Helper()
	var n int
	if err := f.db.R.QueryRow(`SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed'`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func runOnce(t testing.TB, q *jobs.Queue) int {
	t.Helper()
	n, err := q.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func TestPollJob(t *testing.T) {
	f := newFixture(t)
	q := f.withJobs(t)
	f.site.set("/a", page{body: fixtureFile(t, "rss.xml")})
	f.site.set("/b", page{body: fixtureFile(t, "atom.xml")})
	a := f.follow(t, "/a")
	b := f.follow(t, "/b")

	for range 2 {
		if err := f.svc.Schedule(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.queued(t, JobPoll); n != 1 {
		t.Fatalf("%d sweepers queued after Schedule twice", n)
	}
	if n := runOnce(t, q); n != 0 {
		t.Errorf("sweeper ran before it was due (%d jobs)", n)
	}

	// Nothing due yet at the first sweep (a minute after start): no fetch.
	f.clock.Advance(time.Minute)
	fetches := len(f.site.requests("/a"))
	if n := runOnce(t, q); n != 1 {
		t.Errorf("ran %d jobs; want the sweeper", n)
	}
	if len(f.site.requests("/a")) != fetches {
		t.Errorf("a course that was not due was fetched")
	}
	if n := f.queued(t, JobPoll); n != 1 {
		t.Fatalf("%d sweepers queued after a sweep", n)
	}

	// One course becomes due earlier than the other.
	f.exec(t, `UPDATE courses SET next_fetch_at = ? WHERE id = ?`, store.Millis(f.clock.Now().Add(10*time.Minute)), a.ID)
	f.site.set("/a", page{body: `<rss version="2.0"><channel><title>x</title><item><title>broken`})
	f.clock.Advance(time.Hour) // past both the sweeper and course a
	if n := runOnce(t, q); n != 1 {
		t.Errorf("ran %d jobs", n)
	}
	if len(f.site.requests("/a")) != fetches+1 {
		t.Errorf("due course not fetched by the sweeper")
	}
	ca, cb := f.course(t, a.ID), f.course(t, b.ID)
	if ca.Status != StatusError || ca.Failures != 1 || !ca.NextFetchAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("course a after sweep: %+v", ca)
	}
	if !cb.FetchedAt.Equal(f.clock.Now()) || cb.Status != StatusOK {
		t.Errorf("course b (due too) not fetched: %+v", cb)
	}
	if n := f.queued(t, JobPoll); n != 1 {
		t.Errorf("%d sweepers queued", n)
	}
	if err := f.svc.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.queued(t, JobPoll); n != 1 {
		t.Errorf("Schedule after sweeps piled up %d sweepers", n)
	}

	// The sweeper's next run is no later than the poll interval.
	var runAt int64
	if err := f.db.R.QueryRow(`SELECT run_at FROM jobs WHERE kind = ?`, JobPoll).Scan(&runAt); err != nil {
		t.Fatal(err)
	}
	if d := store.Time(runAt).Sub(f.clock.Now()); d <= 0 || d > time.Hour {
		t.Errorf("next sweep in %v", d)
	}
	f.clock.Advance(time.Hour)
	runOnce(t, q)
	if n := f.queued(t, JobPoll); n != 1 {
		t.Errorf("%d sweepers queued", n)
	}
}

func TestRefreshJob(t *testing.T) {
	f := newFixture(t)
	q := f.withJobs(t)
	f.site.set("/a", page{body: fixtureFile(t, "rss.xml")})
	c := f.follow(t, "/a")
	for range 3 {
		if err := f.svc.EnqueueRefresh(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.queued(t, JobRefresh); n != 1 {
		t.Errorf("%d refresh jobs queued; want 1", n)
	}
	if err := f.svc.EnqueueRefresh(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EnqueueRefresh(unknown) = %v", err)
	}
	before := len(f.site.requests("/a"))
	f.site.set("/a", page{status: 503})
	if n := runOnce(t, q); n != 1 {
		t.Errorf("ran %d jobs", n)
	}
	if len(f.site.requests("/a")) != before+1 {
		t.Errorf("refresh job did not fetch")
	}
	// The failure is on the course; the job itself succeeded.
	if got := f.course(t, c.ID); got.Status != StatusError || got.Error != "the course site answered 503 Service Unavailable" {
		t.Errorf("course = %+v", got)
	}
	if n := f.queued(t, JobRefresh); n != 0 {
		t.Errorf("%d refresh jobs left", n)
	}
	// A refresh queued for a course unfollowed meanwhile is a no-op.
	if err := f.svc.EnqueueRefresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Unfollow(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	runOnce(t, q)
	var failed int
	if err := f.db.R.QueryRow(`SELECT count(*) FROM jobs`).Scan(&failed); err != nil || failed != 0 {
		t.Errorf("jobs left: %d, %v", failed, err)
	}
}
