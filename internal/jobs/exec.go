package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
	"unicode/utf8"
)

// errShutdown is the cause given to a handler's context when Run stops, so
// an error it returns can be told apart from a genuine failure.
var errShutdown = errors.New("jobs: queue shutting down")

// maxErrorLen bounds last_error: errors can quote whole response bodies.
const maxErrorLen = 2000

// execute runs a claimed job and records the outcome.
func (q *Queue) execute(ctx context.Context, c claimed) {
	h := q.handler(c.Kind)
	var err error
	interrupted := false
	switch {
	case h == nil:
		err = Permanent(fmt.Errorf("no handler registered for kind %q", c.Kind))
	case c.Attempt > c.MaxAttempts:
		// Only a reclaimed job gets here: its last allowed run never reported.
		err = Permanent(fmt.Errorf("attempt %d never finished (worker stopped or crashed); giving up", c.Attempt-1))
	default:
		start := time.Now()
		interrupted, err = q.call(ctx, h, c.Job)
		q.log.Debug("jobs: ran", q.attrs(c, "duration", time.Since(start))...)
	}
	q.finish(c, err, interrupted)
}

// call runs h with the per-job timeout. Its context outlives ctx by
// StopGrace, so a job nearly done at shutdown completes. interrupted
// reports that it failed after shutdown cut it off.
func (q *Queue) call(ctx context.Context, h Handler, job Job) (interrupted bool, err error) {
	base, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() {
		select {
		case <-time.After(q.cfg.StopGrace):
			cancel(errShutdown)
		case <-base.Done(): // the handler returned first
		}
	})
	defer stop()
	hctx, cancelTimeout := context.WithTimeout(base, q.cfg.Timeout)
	defer cancelTimeout()
	err = q.safeCall(hctx, h, job)
	return err != nil && errors.Is(context.Cause(hctx), errShutdown), err
}

// safeCall turns a handler panic into an error, so one bad job cannot take
// the worker (or the server) down.
func (q *Queue) safeCall(ctx context.Context, h Handler, job Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			q.log.Error("jobs: handler panicked", "kind", job.Kind, "id", job.ID,
				"attempt", job.Attempt, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, job)
}

func (q *Queue) attrs(c claimed, more ...any) []any {
	return append([]any{"kind", c.Kind, "id", c.ID, "attempt", c.Attempt}, more...)
}

// errorText is err's message, cut to maxErrorLen on a rune boundary.
func errorText(err error) string {
	s := err.Error()
	if len(s) <= maxErrorLen {
		return s
	}
	s = s[:maxErrorLen]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
