package ledger

import (
	"context"
	"database/sql"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

// Job kinds.
const (
	// JobSeal is the sweeper: it seals what is due and re-enqueues itself
	// for when the oldest pending record comes due, so one is queued at a
	// time (Schedule at start).
	JobSeal = "ledger.seal"
	// JobSealNow seals at once; AppendTx queues it when a block fills.
	JobSealNow = "ledger.seal-now"
)

// minSweepGap keeps the sweeper from spinning.
const minSweepGap = time.Second

// RegisterJobs registers JobSeal and JobSealNow on q and lets AppendTx
// queue JobSealNow when a block fills. Call it before the workers start.
func (l *Ledger) RegisterJobs(q *jobs.Queue) {
	l.queue = q
	q.Register(JobSeal, func(ctx context.Context, job jobs.Job) error {
		if _, err := l.SealDue(ctx, l.opt.Now()); err != nil {
			return err
		}
		return l.db.Tx(ctx, func(tx *sql.Tx) error { return l.ensureSweeperTx(ctx, tx, job.ID) })
	})
	q.Register(JobSealNow, func(ctx context.Context, _ jobs.Job) error {
		_, err := l.SealDue(ctx, l.opt.Now())
		return err
	})
}

// Schedule makes sure one JobSeal is queued (call at serve start, not
// inside a transaction). Restarts never pile sweepers up.
func (l *Ledger) Schedule(ctx context.Context) error {
	return l.db.Tx(ctx, func(tx *sql.Tx) error { return l.ensureSweeperTx(ctx, tx, 0) })
}

// ensureSweeperTx queues JobSeal unless one other than self is queued or
// running: at the oldest pending record's due time, else SealAfter from
// now, never sooner than minSweepGap.
func (l *Ledger) ensureSweeperTx(ctx context.Context, tx *sql.Tx, self int64) error {
	if l.queue == nil {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed' AND id != ?`,
		JobSeal, self).Scan(&n); err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	now := l.opt.Now()
	at := now.Add(l.opt.SealAfter)
	var oldest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(created_at) FROM ledger_records WHERE block_index IS NULL`).Scan(&oldest); err != nil {
		return store.MapErr(err)
	}
	if oldest.Valid {
		at = store.Time(oldest.Int64).Add(l.opt.SealAfter)
	}
	if earliest := now.Add(minSweepGap); at.Before(earliest) {
		at = earliest
	}
	_, err := l.queue.EnqueueTx(ctx, tx, JobSeal, struct{}{}, jobs.At(at))
	return err
}
