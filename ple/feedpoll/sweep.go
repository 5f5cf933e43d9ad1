package feedpoll

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

const (
	// sweepBatch bounds the feeds one sweep fetches; more due ones get the
	// next sweep, which then runs at once.
	sweepBatch = 64
	// sweepWorkers fetch in parallel, so a few stalled sites (10 s each)
	// do not push a sweep past the job timeout.
	sweepWorkers = 4
)

// Register registers the sweeper (PollKind) and the refresh-now job
// (RefreshKind) on Jobs.
func (p *Poller) Register() {
	if p.Jobs == nil {
		panic(p.Name + ": RegisterJobs without a job queue")
	}
	p.Jobs.Register(p.PollKind, p.sweepJob)
	p.Jobs.Register(p.RefreshKind, p.refreshJob)
}

// Schedule makes sure one sweeper job is queued (call it at startup). The
// check and the enqueue share one transaction, so restarts and repeated
// calls never pile sweepers up. Do not call it inside a transaction.
func (p *Poller) Schedule(ctx context.Context) error {
	if p.Jobs == nil {
		return p.errNoJobs()
	}
	return p.DB.Tx(ctx, func(tx *sql.Tx) error {
		return p.ensureSweeperTx(ctx, tx, 0, p.Now())
	})
}

// ensureSweeperTx enqueues a sweeper unless one other than self (the job
// now running; 0 at startup) is already queued or running. It runs at the
// earliest next_fetch_at, clamped between MinGap and MaxWait from now.
func (p *Poller) ensureSweeperTx(ctx context.Context, tx *sql.Tx, self int64, now time.Time) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed' AND id != ?`,
		p.PollKind, self).Scan(&n); err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	at := now.Add(p.maxWait())
	var next sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(next_fetch_at) FROM `+p.Table).Scan(&next); err != nil {
		return store.MapErr(err)
	}
	if next.Valid {
		due := latest(store.Time(next.Int64), now.Add(p.MinGap))
		at = earliest(at, due)
	}
	if self == 0 && p.CatchUpAtStart {
		at = earliest(at, now.Add(p.MinGap))
	}
	_, err := p.Jobs.EnqueueTx(ctx, tx, p.PollKind, struct{}{}, jobs.At(at))
	return err
}

func (p *Poller) maxWait() time.Duration {
	if p.MaxWait == nil {
		return p.Interval()
	}
	return p.MaxWait()
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// sweepJob sweeps, then re-enqueues itself. Per-feed failures are
// recorded on the feeds and do not fail the job (a failed sweeper would be
// retried and could pile up beside its successor).
func (p *Poller) sweepJob(ctx context.Context, job jobs.Job) error {
	more, err := p.Sweep(ctx)
	if err != nil {
		p.Logger.Error(p.Name+": sweep failed", "error", err)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the job runs again later
	}
	return p.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := p.Now()
		if more {
			now = now.Add(-p.MinGap) // due feeds remain: sweep again at once
		}
		return p.ensureSweeperTx(ctx, tx, job.ID, now)
	})
}

// Sweep refreshes the feeds that are due, a few at a time, then runs
// AfterSweep; more reports that the batch was full, so further feeds may
// be due. Feed failures are recorded on the feeds, not returned.
func (p *Poller) Sweep(ctx context.Context) (more bool, err error) {
	ids, err := p.dueIDs(ctx)
	if err != nil {
		return false, err
	}
	errs := []error{p.refreshAll(ctx, ids)}
	if p.AfterSweep != nil && ctx.Err() == nil {
		errs = append(errs, p.AfterSweep(ctx))
	}
	return len(ids) == sweepBatch, errors.Join(errs...)
}

// dueIDs lists the feeds whose next fetch has come, most overdue first,
// at most sweepBatch.
func (p *Poller) dueIDs(ctx context.Context) ([]int64, error) {
	rows, err := p.DB.R.QueryContext(ctx, `SELECT id FROM `+p.Table+` WHERE next_fetch_at <= ?
		ORDER BY next_fetch_at, id LIMIT ?`, store.Millis(p.Now()), sweepBatch)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, store.MapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, store.MapErr(rows.Err())
}

// refreshAll refreshes ids with sweepWorkers in parallel and stops handing
// out work when ctx ends. It returns only the errors that are not the
// feeds' fault.
func (p *Poller) refreshAll(ctx context.Context, ids []int64) error {
	work := make(chan int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range min(sweepWorkers, len(ids)) {
		wg.Go(func() {
			for id := range work {
				if err := p.refreshQuietly(ctx, id); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		work <- id
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}

// refreshQuietly refreshes a feed and returns only errors that are not
// the feed's fault (the store failing): feed failures are on the feed, a
// feed deleted meanwhile has nothing to refresh, and a shutdown is not an
// error of this feed.
func (p *Poller) refreshQuietly(ctx context.Context, id int64) error {
	err := p.Refresh(ctx, id)
	var fe *FeedError
	switch {
	case err == nil, errors.As(err, &fe), errors.Is(err, store.ErrNotFound), ctx.Err() != nil:
		return nil
	}
	return err
}

func (p *Poller) refreshJob(ctx context.Context, job jobs.Job) error {
	var payload map[string]int64
	if err := job.Decode(&payload); err != nil {
		return err
	}
	if err := p.refreshQuietly(ctx, payload[p.RefreshKey]); err != nil {
		return err
	}
	return ctx.Err()
}

// EnqueueRefresh queues a refresh of feed id now (the refresh-now button;
// the API answers 202). A refresh already queued for it is not doubled.
// An unknown feed is store.ErrNotFound. Do not call it inside a
// transaction.
func (p *Poller) EnqueueRefresh(ctx context.Context, id int64) error {
	if p.Jobs == nil {
		return p.errNoJobs()
	}
	return p.DB.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+p.Table+` WHERE id = ?`, id).Scan(&one); err != nil {
			return store.MapErr(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state = 'queued'
			AND json_extract(payload, '$.' || ?) = ?`, p.RefreshKind, p.RefreshKey, id).Scan(&n); err != nil {
			return store.MapErr(err)
		}
		if n > 0 {
			return nil
		}
		_, err := p.Jobs.EnqueueTx(ctx, tx, p.RefreshKind, map[string]int64{p.RefreshKey: id}, jobs.MaxAttempts(3))
		return err
	})
}
