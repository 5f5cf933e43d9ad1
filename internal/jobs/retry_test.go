package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

func TestBackoffGrowsThenFails(t *testing.T) {
	clk := newClock()
	base, limit := time.Second, 5*time.Second
	q := newQueue(t, storetest.New(t), jobs.Config{Now: clk.Now, BackoffBase: base, BackoffMax: limit})
	var attempts []int
	q.Register("flaky", func(_ context.Context, job jobs.Job) error {
		attempts = append(attempts, job.Attempt)
		return errors.New("connection refused")
	})
	id := enqueue(t, q, "flaky", nil, jobs.MaxAttempts(5))

	// Nominal delays after attempts 1..4: 1 s, 2 s, 4 s, then the 5 s cap;
	// jitter takes off up to a fifth.
	nominal := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}
	for i, want := range nominal {
		if n := runOnce(t, q); n != 1 {
			t.Fatalf("attempt %d: RunOnce ran %d", i+1, n)
		}
		in := get(t, q, id)
		delay := in.RunAt.Sub(clk.Now())
		if in.State != jobs.Queued || in.Attempts != i+1 || in.LastError != "connection refused" {
			t.Fatalf("after attempt %d: %+v", i+1, in)
		}
		if delay > want || delay < want*4/5 {
			t.Fatalf("delay after attempt %d = %v, want in [%v, %v]", i+1, delay, want*4/5, want)
		}
		if runOnce(t, q) != 0 {
			t.Fatalf("attempt %d re-ran before its backoff passed", i+1)
		}
		clk.Set(in.RunAt)
	}
	runOnce(t, q)
	in := get(t, q, id)
	if in.State != jobs.Failed || in.Attempts != 5 || in.LastError != "connection refused" {
		t.Fatalf("after max attempts: %+v, want failed with last_error", in)
	}
	if len(attempts) != 5 || attempts[0] != 1 || attempts[4] != 5 {
		t.Fatalf("handler saw attempts %v", attempts)
	}
	clk.Advance(24 * time.Hour)
	if runOnce(t, q) != 0 {
		t.Fatal("a failed job ran again by itself")
	}
}

func TestPermanentFailsAtOnce(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{Now: newClock().Now})
	q.Register("send", func(context.Context, jobs.Job) error {
		return jobs.Permanent(errors.New("target said 410 Gone"))
	})
	id := enqueue(t, q, "send", nil)
	runOnce(t, q)
	in := get(t, q, id)
	if in.State != jobs.Failed || in.Attempts != 1 || in.LastError != "target said 410 Gone" {
		t.Fatalf("%+v, want failed after one attempt", in)
	}
	if jobs.Permanent(nil) != nil {
		t.Fatal("Permanent(nil) should be nil")
	}
}

func TestPermanentIsFoundThroughWrapping(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{Now: newClock().Now})
	q.Register("send", func(context.Context, jobs.Job) error {
		return errors.Join(errors.New("context"), jobs.Permanent(errors.New("bad request")))
	})
	id := enqueue(t, q, "send", nil)
	runOnce(t, q)
	if in := get(t, q, id); in.State != jobs.Failed {
		t.Fatalf("%+v, want failed", in)
	}
}

func TestRetryAfterSchedulesExactly(t *testing.T) {
	clk := newClock()
	q := newQueue(t, storetest.New(t), jobs.Config{Now: clk.Now})
	q.Register("send", func(context.Context, jobs.Job) error {
		return jobs.RetryAfter(90*time.Second, errors.New("429 Too Many Requests"))
	})
	id := enqueue(t, q, "send", nil, jobs.MaxAttempts(2))
	runOnce(t, q)
	in := get(t, q, id)
	if in.State != jobs.Queued || in.Attempts != 1 || !in.RunAt.Equal(clk.Now().Add(90*time.Second)) {
		t.Fatalf("%+v, want queued at now+90s after one attempt", in)
	}
	if in.LastError != "429 Too Many Requests" {
		t.Fatalf("last_error %q", in.LastError)
	}
	// The attempt counted: the second 429 is the last allowed one.
	clk.Advance(90 * time.Second)
	runOnce(t, q)
	if in := get(t, q, id); in.State != jobs.Failed || in.Attempts != 2 {
		t.Fatalf("%+v, want failed after max attempts", in)
	}
}

func TestPanicIsRecordedAndWorkerSurvives(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{Workers: 1, PollInterval: 10 * time.Millisecond})
	q.Register("boom", func(context.Context, jobs.Job) error { panic("nil map somewhere") })
	done := make(chan struct{}, 1)
	q.Register("ok", func(context.Context, jobs.Job) error { done <- struct{}{}; return nil })
	stop := start(t, q)
	bad := enqueue(t, q, "boom", nil, jobs.MaxAttempts(1))
	enqueue(t, q, "ok", nil)
	// One worker, jobs in id order: "ok" runs only if the worker lived
	// through the panic.
	wait(t, done, "the job after the panic")
	stop()
	in := get(t, q, bad)
	if in.State != jobs.Failed || !strings.Contains(in.LastError, "panic: nil map somewhere") {
		t.Fatalf("%+v, want failed with the panic recorded", in)
	}
}

func TestUnknownKindFails(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{})
	id := enqueue(t, q, "nope", nil)
	runOnce(t, q)
	in := get(t, q, id)
	if in.State != jobs.Failed || in.LastError != `no handler registered for kind "nope"` {
		t.Fatalf("%+v, want failed with a clear error", in)
	}
}

func TestLastErrorIsBounded(t *testing.T) {
	q := newQueue(t, storetest.New(t), jobs.Config{})
	q.Register("loud", func(context.Context, jobs.Job) error {
		return jobs.Permanent(errors.New(strings.Repeat("é", 5000)))
	})
	id := enqueue(t, q, "loud", nil)
	runOnce(t, q)
	if in := get(t, q, id); len(in.LastError) > 2100 || !strings.HasSuffix(in.LastError, "…") {
		t.Fatalf("last_error is %d bytes", len(in.LastError))
	}
}
