package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

func TestRetryRunsFailedJobAgain(t *testing.T) {
	clk := newClock()
	q := newQueue(t, storetest.New(t), jobs.Config{Now: clk.Now})
	broken := true
	ran := 0
	q.Register("send", func(context.Context, jobs.Job) error {
		ran++
		if broken {
			return jobs.Permanent(errors.New("endpoint gone"))
		}
		return nil
	})
	id := enqueue(t, q, "send", nil)
	runOnce(t, q)
	ctx := context.Background()
	failed, err := q.ListFailed(ctx, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != id {
		t.Fatalf("ListFailed = %+v, %v", failed, err)
	}

	broken = false
	if err := q.Retry(ctx, id); err != nil {
		t.Fatal(err)
	}
	in := get(t, q, id)
	if in.State != jobs.Queued || in.Attempts != 0 || in.LastError != "endpoint gone" || !in.RunAt.Equal(clk.Now()) {
		t.Fatalf("after Retry: %+v", in)
	}
	if runOnce(t, q) != 1 || ran != 2 {
		t.Fatalf("retried job did not run (ran %d)", ran)
	}
	assertGone(t, q, id)
	if err := q.Retry(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry of a missing job: %v", err)
	}
}

func TestRetryRefusesRunningJob(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{})
	ctx := context.Background()
	var id int64
	q.Register("slow", func(context.Context, jobs.Job) error {
		if err := q.Retry(ctx, id); !errors.Is(err, jobs.ErrRunning) {
			t.Errorf("Retry while running: %v, want ErrRunning", err)
		}
		return nil
	})
	id = enqueue(t, q, "slow", nil)
	runOnce(t, q)
}

func TestDeleteAndCounts(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{})
	q.Register("bad", func(context.Context, jobs.Job) error { return jobs.Permanent(errors.New("no")) })
	ctx := context.Background()
	failedID := enqueue(t, q, "bad", nil)
	runOnce(t, q)
	enqueue(t, q, "bad", nil)
	enqueue(t, q, "bad", nil)
	c, err := q.Counts(ctx)
	if err != nil || c != (jobs.Counts{Queued: 2, Failed: 1}) {
		t.Fatalf("Counts = %+v, %v", c, err)
	}
	if err := q.Delete(ctx, failedID); err != nil {
		t.Fatal(err)
	}
	if err := q.Delete(ctx, failedID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if c, _ := q.Counts(ctx); c != (jobs.Counts{Queued: 2}) {
		t.Fatalf("Counts after delete = %+v", c)
	}
	if _, err := q.Get(ctx, failedID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get deleted: %v", err)
	}
}

func TestDeleteWhileRunningDropsResult(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{})
	ctx := context.Background()
	var id int64
	q.Register("x", func(context.Context, jobs.Job) error {
		if err := q.Delete(ctx, id); err != nil {
			t.Error(err)
		}
		return errors.New("would be retried")
	})
	id = enqueue(t, q, "x", nil)
	runOnce(t, q)
	assertGone(t, q, id)
}
