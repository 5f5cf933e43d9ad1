package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

// clock is an injectable time source tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// newQueue builds a queue whose logs go to the test's output.
func newQueue(t *testing.T, db *store.DB, cfg jobs.Config) *jobs.Queue {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return jobs.New(db, cfg)
}

// start runs q.Run in the background; the returned stop cancels it and
// waits for Run to return. It is also called at cleanup.
func start(t *testing.T, q *jobs.Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func runOnce(t *testing.T, q *jobs.Queue) int {
	t.Helper()
	n, err := q.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func enqueue(t *testing.T, q *jobs.Queue, kind string, payload any, opts ...jobs.Option) int64 {
	t.Helper()
	id, err := q.Enqueue(context.Background(), kind, payload, opts...)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return id
}

func get(t *testing.T, q *jobs.Queue, id int64) jobs.Info {
	t.Helper()
	in, err := q.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return in
}

func assertGone(t *testing.T, q *jobs.Queue, id int64) {
	t.Helper()
	if in, err := q.Get(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("job %d still there (%+v, %v), want it deleted after success", id, in, err)
	}
}

// wait fails the test if ch does not deliver within a generous bound.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
