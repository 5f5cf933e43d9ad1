package jobs

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// dbTimeout bounds the queue's own statements. They run on a context that
// shutdown does not cancel, so a claim or a result is never half-written.
const dbTimeout = 30 * time.Second

// claimSQL takes the oldest due job: a queued one whose run_at has come, or
// a running one whose lease ran out (its worker crashed). One statement, so
// two workers can never claim the same row.
const claimSQL = `UPDATE jobs
SET state = 'running', attempts = attempts + 1, locked_until = ?1, updated_at = ?2
WHERE id = (
	SELECT id FROM jobs
	WHERE (state = 'queued' AND run_at <= ?2) OR (state = 'running' AND locked_until <= ?2)
	ORDER BY run_at, id LIMIT 1)
RETURNING id, kind, payload, attempts, max_attempts, locked_until`

// claimed is a job this worker holds. attempt and lockedUntil fence every
// later write, so a worker whose lease was taken over cannot clobber the
// new holder's row.
type claimed struct {
	Job
	lockedUntil int64
}

// Run starts the configured number of workers and blocks until ctx is
// cancelled and every in-flight job has finished or been put back. It
// returns an error only if the queue is already running.
func (q *Queue) Run(ctx context.Context) error {
	if !q.running.CompareAndSwap(false, true) {
		return errors.New("jobs: queue is already running")
	}
	defer q.running.Store(false)
	var wg sync.WaitGroup
	for range q.cfg.Workers {
		wg.Go(func() { q.work(ctx) })
	}
	wg.Wait()
	return nil
}

// RunOnce runs every due job, one after another, until none is due, and
// returns how many it ran. Jobs rescheduled into the future are not due, so
// it ends; tests advance the injected clock and call it again.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		ran, err := q.step(ctx)
		if err != nil || !ran {
			return n, err
		}
		n++
	}
}

func (q *Queue) work(ctx context.Context) {
	idle := time.NewTimer(q.cfg.PollInterval)
	defer idle.Stop()
	for ctx.Err() == nil {
		ran, err := q.step(ctx)
		if err != nil {
			q.log.Error("jobs: claim failed", "error", err)
		}
		if ran {
			continue
		}
		idle.Reset(q.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-idle.C:
		}
	}
}

// step claims and runs one job; ran is false when none was due.
func (q *Queue) step(ctx context.Context) (ran bool, err error) {
	c, ok, err := q.claim()
	if err != nil || !ok {
		return false, err
	}
	// There may be more due work: rouse another idle worker to look.
	q.signal()
	q.execute(ctx, c)
	return true, nil
}

func (q *Queue) claim() (claimed, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	now := q.now().UnixMilli()
	var c claimed
	var payload string
	err := q.db.W.QueryRowContext(ctx, claimSQL, now+q.lease.Milliseconds(), now).
		Scan(&c.ID, &c.Kind, &payload, &c.Attempt, &c.MaxAttempts, &c.lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	c.Payload = []byte(payload)
	return c, true, nil
}
