package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

func TestEachJobRunsExactlyOnce(t *testing.T) {
	const n = 200
	q := newQueue(t, storetest.New(t), jobs.Config{Workers: 4, PollInterval: 10 * time.Millisecond})
	var mu sync.Mutex
	runs := map[int]int{}
	all := make(chan struct{})
	total := 0
	q.Register("count", func(_ context.Context, job jobs.Job) error {
		var i int
		if err := job.Decode(&i); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		runs[i]++
		total++
		if total == n {
			close(all)
		}
		return nil
	})
	stop := start(t, q)
	// Enqueue from several goroutines while the workers run.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < n; i += 4 {
				if _, err := q.Enqueue(context.Background(), "count", i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	wait(t, all, fmt.Sprintf("%d jobs", n))
	stop()
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if runs[i] != 1 {
			t.Errorf("job %d ran %d times", i, runs[i])
		}
	}
	if c, _ := q.Counts(context.Background()); c != (jobs.Counts{}) {
		t.Fatalf("jobs left: %+v", c)
	}
}

func TestRunTwiceIsRefused(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{})
	started := make(chan struct{}, 1)
	q.Register("x", func(context.Context, jobs.Job) error { started <- struct{}{}; return nil })
	start(t, q)
	enqueue(t, q, "x", nil)
	wait(t, started, "Run to be running")
	if err := q.Run(context.Background()); err == nil {
		t.Fatal("second concurrent Run was allowed")
	}
}

func TestStopWaitsForRunningHandler(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{Workers: 2})
	started, release := make(chan struct{}), make(chan struct{})
	finished := false
	q.Register("slow", func(ctx context.Context, _ jobs.Job) error {
		close(started)
		<-release // ignores ctx: it finishes within StopGrace
		finished = true
		return ctx.Err()
	})
	stop := start(t, q)
	id := enqueue(t, q, "slow", nil)
	wait(t, started, "handler start")
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Run returned while a handler was still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	wait(t, stopped, "Run to return")
	if !finished {
		t.Fatal("handler did not finish")
	}
	assertGone(t, q, id) // it finished inside the grace period: done
}

func TestShutdownPutsInterruptedJobBack(t *testing.T) {
	db := storetest.New(t)
	grace := 30 * time.Millisecond
	q := newQueue(t, db, jobs.Config{StopGrace: grace})
	started := make(chan struct{})
	var waited time.Duration
	q.Register("send", func(ctx context.Context, _ jobs.Job) error {
		close(started)
		t0 := time.Now()
		<-ctx.Done()
		waited = time.Since(t0)
		return fmt.Errorf("post: %w", ctx.Err())
	})
	stop := start(t, q)
	id := enqueue(t, q, "send", nil)
	wait(t, started, "handler start")
	stop()
	if waited < grace {
		t.Errorf("handler context cancelled after %v, before the %v grace", waited, grace)
	}
	in := get(t, q, id)
	if in.State != jobs.Queued || in.Attempts != 0 || in.LastError != "" {
		t.Fatalf("after shutdown: %+v, want queued with the attempt not spent", in)
	}

	q2 := newQueue(t, db, jobs.Config{})
	q2.Register("send", func(_ context.Context, job jobs.Job) error {
		if job.Attempt != 1 {
			return errors.New("wrong attempt")
		}
		return nil
	})
	if runOnce(t, q2) != 1 {
		t.Fatal("put-back job did not run")
	}
	assertGone(t, q2, id)
}

func TestHandlerTimeoutCountsAsFailure(t *testing.T) {
	clk := newClock()
	q := newQueue(t, storetest.New(t), jobs.Config{Now: clk.Now, Timeout: 20 * time.Millisecond})
	q.Register("hang", func(ctx context.Context, _ jobs.Job) error {
		<-ctx.Done()
		return ctx.Err()
	})
	id := enqueue(t, q, "hang", nil)
	runOnce(t, q)
	in := get(t, q, id)
	if in.State != jobs.Queued || in.Attempts != 1 || in.LastError != context.DeadlineExceeded.Error() || !in.RunAt.After(clk.Now()) {
		t.Fatalf("after timeout: %+v, want a spent attempt and a backoff", in)
	}
}
