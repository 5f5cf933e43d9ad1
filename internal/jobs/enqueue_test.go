package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

type sendPayload struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

func TestEnqueueFollowsCallersTransaction(t *testing.T) {
	db := storetest.New(t)
	q := newQueue(t, db, jobs.Config{})
	var got []sendPayload
	q.Register("send", func(ctx context.Context, job jobs.Job) error {
		var p sendPayload
		if err := job.Decode(&p); err != nil {
			return err
		}
		got = append(got, p)
		return nil
	})
	ctx := context.Background()
	want := sendPayload{Source: "https://me.example/a", Target: "https://you.example/b"}

	errRollback := errors.New("rollback")
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := q.EnqueueTx(ctx, tx, "send", want); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Tx: %v", err)
	}
	if c, _ := q.Counts(ctx); c != (jobs.Counts{}) {
		t.Fatalf("rolled-back enqueue left jobs: %+v", c)
	}

	var id int64
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = q.EnqueueTx(ctx, tx, "send", want)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := q.Counts(ctx); c != (jobs.Counts{Queued: 1}) {
		t.Fatalf("counts after commit: %+v", c)
	}
	if n := runOnce(t, q); n != 1 {
		t.Fatalf("RunOnce ran %d jobs, want 1", n)
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("handler got %+v, want [%+v]", got, want)
	}
	assertGone(t, q, id)
}

func TestPackageEnqueueTxWithoutQueue(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	var id int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = jobs.EnqueueTx(ctx, tx, "poll", nil, jobs.MaxAttempts(3))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q := newQueue(t, db, jobs.Config{})
	in := get(t, q, id)
	if in.State != jobs.Queued || in.MaxAttempts != 3 || string(in.Payload) != "{}" {
		t.Fatalf("job %+v", in)
	}
}

func TestDelayedJobWaitsForRunAt(t *testing.T) {
	clk := newClock()
	q := newQueue(t, storetest.New(t), jobs.Config{Now: clk.Now})
	ran := 0
	q.Register("later", func(context.Context, jobs.Job) error { ran++; return nil })
	id := enqueue(t, q, "later", nil, jobs.After(time.Minute))
	enqueue(t, q, "later", nil, jobs.At(clk.Now().Add(time.Hour)))
	if in := get(t, q, id); !in.RunAt.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("run_at %v, want now+1m", in.RunAt)
	}
	if runOnce(t, q) != 0 {
		t.Fatal("ran a job before its run_at")
	}
	clk.Advance(time.Minute)
	if runOnce(t, q) != 1 || ran != 1 {
		t.Fatalf("after 1 min ran %d, want 1", ran)
	}
	clk.Advance(time.Hour)
	if runOnce(t, q) != 1 || ran != 2 {
		t.Fatalf("after 1 h ran %d, want 2", ran)
	}
}

func TestEnqueueWakesIdleWorker(t *testing.T) {
	// A poll interval far beyond the test's timeout: only the wake can
	// get the job run in time.
	q := newQueue(t, storetest.New(t), jobs.Config{PollInterval: time.Hour})
	done := make(chan struct{}, 1)
	q.Register("ping", func(context.Context, jobs.Job) error { done <- struct{}{}; return nil })
	start(t, q)
	time.Sleep(20 * time.Millisecond) // let the workers go idle
	enqueue(t, q, "ping", nil)
	wait(t, done, "woken worker to run the job")
}

func TestPollPicksUpJobsFromElsewhere(t *testing.T) {
	db := storetest.New(t)
	q := newQueue(t, db, jobs.Config{PollInterval: 20 * time.Millisecond})
	done := make(chan struct{}, 1)
	q.Register("ping", func(context.Context, jobs.Job) error { done <- struct{}{}; return nil })
	start(t, q)
	time.Sleep(20 * time.Millisecond)
	// The package-level EnqueueTx is what another process (the CLI) uses:
	// it cannot wake this queue, so polling must find the job.
	err := db.Tx(context.Background(), func(tx *sql.Tx) error {
		_, err := jobs.EnqueueTx(context.Background(), tx, "ping", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, done, "polling worker to run the job")
}

func TestDecodeErrorIsPermanent(t *testing.T) {
	clk := newClock()
	q := newQueue(t, storetest.New(t), jobs.Config{Now: clk.Now})
	q.Register("send", func(ctx context.Context, job jobs.Job) error {
		var p sendPayload
		return job.Decode(&p)
	})
	id := enqueue(t, q, "send", []int{1, 2})
	runOnce(t, q)
	if in := get(t, q, id); in.State != jobs.Failed || in.Attempts != 1 {
		t.Fatalf("undecodable payload: %+v, want failed after 1 attempt", in)
	}
}
