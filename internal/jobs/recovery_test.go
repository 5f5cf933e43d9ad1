package jobs_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

func openStore(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// crashCopy copies the database files of a store that is still open into
// a new dir: what a restart finds after the process was killed (the WAL
// not checkpointed, no clean close).
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	for _, name := range []string{store.FileName, store.FileName + "-wal"} {
		src, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// runsAfterRestart starts a fresh queue on dir and waits for the job.
func runsAfterRestart(t *testing.T, dir string, want sendPayload) {
	t.Helper()
	q := newQueue(t, openStore(t, dir), jobs.Config{})
	got := make(chan sendPayload, 1)
	q.Register("send", func(_ context.Context, job jobs.Job) error {
		var p sendPayload
		err := job.Decode(&p)
		got <- p
		return err
	})
	start(t, q)
	if p := wait(t, got, "the job after restart"); p != want {
		t.Fatalf("payload after restart %+v, want %+v", p, want)
	}
}

func TestJobSurvivesRestart(t *testing.T) {
	want := sendPayload{Source: "https://me.example/1", Target: "https://you.example/"}
	t.Run("clean close", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, newQueue(t, db, jobs.Config{}), "send", want)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		runsAfterRestart(t, dir, want)
	})
	t.Run("killed", func(t *testing.T) {
		dir := t.TempDir()
		enqueue(t, newQueue(t, openStore(t, dir), jobs.Config{}), "send", want)
		runsAfterRestart(t, crashCopy(t, dir), want)
	})
}

// TestJobClaimedBeforeCrashRerunsAfterLease kills the process while a
// handler runs: the restarted queue must leave the job alone while its
// lease holds (the old worker might be alive) and run it once it expires.
func TestJobClaimedBeforeCrashRerunsAfterLease(t *testing.T) {
	clk := newClock()
	timeout := time.Minute
	dir := t.TempDir()
	q1 := newQueue(t, openStore(t, dir), jobs.Config{Now: clk.Now, Timeout: timeout})
	started, release := make(chan struct{}), make(chan struct{})
	q1.Register("send", func(context.Context, jobs.Job) error {
		close(started)
		<-release
		return nil
	})
	id := enqueue(t, q1, "send", sendPayload{Target: "https://you.example/"})
	done := make(chan struct{})
	go func() { defer close(done); q1.RunOnce(context.Background()) }()
	defer func() { close(release); <-done }()
	wait(t, started, "first run")

	q2 := newQueue(t, openStore(t, crashCopy(t, dir)), jobs.Config{Now: clk.Now, Timeout: timeout})
	attempts := make(chan int, 2)
	q2.Register("send", func(_ context.Context, job jobs.Job) error {
		attempts <- job.Attempt
		return nil
	})
	if in := get(t, q2, id); in.State != jobs.Running || in.Attempts != 1 {
		t.Fatalf("after crash: %+v, want running with one attempt", in)
	}
	clk.Advance(timeout) // still inside the lease (timeout + 1 min)
	if runOnce(t, q2) != 0 {
		t.Fatal("reclaimed a job whose lease had not expired")
	}
	clk.Advance(time.Minute)
	if runOnce(t, q2) != 1 {
		t.Fatal("job with an expired lease did not run")
	}
	if a := <-attempts; a != 2 {
		t.Fatalf("rerun is attempt %d, want 2", a)
	}
	assertGone(t, q2, id)
}

func TestReclaimAfterLastAttemptFails(t *testing.T) {
	clk := newClock()
	db := openStore(t, t.TempDir())
	q := newQueue(t, db, jobs.Config{Now: clk.Now})
	ran := false
	q.Register("send", func(context.Context, jobs.Job) error { ran = true; return nil })
	id := enqueue(t, q, "send", nil, jobs.MaxAttempts(3))
	// As a worker that died during its third and last attempt leaves it.
	_, err := db.W.Exec(`UPDATE jobs SET state = 'running', attempts = 3, locked_until = ? WHERE id = ?`,
		clk.Now().Add(-time.Second).UnixMilli(), id)
	if err != nil {
		t.Fatal(err)
	}
	runOnce(t, q)
	in := get(t, q, id)
	if ran || in.State != jobs.Failed || !strings.Contains(in.LastError, "never finished") {
		t.Fatalf("ran=%v, %+v; want failed without running", ran, in)
	}
}
