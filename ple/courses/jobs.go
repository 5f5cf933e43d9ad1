package courses

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

// Job kinds.
const (
	// JobPoll is the sweeper: it fetches every course whose next_fetch_at
	// has come and re-enqueues itself, so exactly one is queued at a time.
	JobPoll = "courses.poll"
	// JobRefresh fetches one course now (the refresh-now button); payload
	// {"course_id": N}.
	JobRefresh = "course.refresh"
)

const (
	// sweepBatch bounds the courses one sweep fetches; more due ones get
	// the next sweep, which then runs at once.
	sweepBatch = 64
	// sweepWorkers fetch in parallel, so a few stalled sites (10 s each)
	// do not push a sweep past the job timeout.
	sweepWorkers = 4
	// minSweepGap keeps the sweeper from spinning on a course due now.
	minSweepGap = time.Minute
)

type refreshPayload struct {
	CourseID int64 `json:"course_id"`
}

// RegisterJobs registers JobPoll and JobRefresh on the queue given to New.
func (s *Service) RegisterJobs() {
	if s.jobs == nil {
		panic("courses: RegisterJobs without a job queue")
	}
	s.jobs.Register(JobPoll, s.pollJob)
	s.jobs.Register(JobRefresh, s.refreshJob)
}

// Schedule makes sure one sweeper job is queued (call it at startup). The
// check and the enqueue share one transaction, so restarts and repeated
// calls never pile sweepers up. Do not call it inside a transaction.
func (s *Service) Schedule(ctx context.Context) error {
	if s.jobs == nil {
		return errNoJobs
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.ensurePollTx(ctx, tx, 0, s.now())
	})
}

// ensurePollTx enqueues a sweeper unless one other than self (the job now
// running) is already queued or running. It runs at the earliest
// next_fetch_at, clamped between minSweepGap and PollInterval from now.
func (s *Service) ensurePollTx(ctx context.Context, tx *sql.Tx, self int64, now time.Time) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed' AND id != ?`,
		JobPoll, self).Scan(&n); err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	at := now.Add(s.interval())
	var next sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(next_fetch_at) FROM courses`).Scan(&next); err != nil {
		return store.MapErr(err)
	}
	if next.Valid {
		due := store.Time(next.Int64)
		if earliest := now.Add(minSweepGap); due.Before(earliest) {
			due = earliest
		}
		if due.Before(at) {
			at = due
		}
	}
	if self == 0 {
		// At startup, catch up soon on whatever came due while we were down.
		if soon := now.Add(minSweepGap); soon.Before(at) {
			at = soon
		}
	}
	_, err := s.jobs.EnqueueTx(ctx, tx, JobPoll, struct{}{}, jobs.At(at))
	return err
}

// pollJob sweeps, then re-enqueues itself. Per-course failures are recorded
// on the courses and do not fail the job (a failed sweeper would be
// retried and could pile up beside its successor).
func (s *Service) pollJob(ctx context.Context, job jobs.Job) error {
	more, err := s.sweep(ctx)
	if err != nil {
		s.logger.Error("courses: sweep failed", "error", err)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the job runs again later
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if more {
			now = now.Add(-minSweepGap) // due courses remain: sweep again at once
		}
		return s.ensurePollTx(ctx, tx, job.ID, now)
	})
}

// sweep fetches the courses that are due, a few at a time; more reports
// that the batch was full, so further courses may be due.
func (s *Service) sweep(ctx context.Context) (more bool, err error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id FROM courses WHERE next_fetch_at <= ? ORDER BY next_fetch_at, id LIMIT ?`,
		store.Millis(s.now()), sweepBatch)
	if err != nil {
		return false, store.MapErr(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, store.MapErr(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, store.MapErr(err)
	}
	work := make(chan int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range min(sweepWorkers, len(ids)) {
		wg.Go(func() {
			for id := range work {
				if err := s.refreshQuietly(ctx, id); err != nil {
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
	return len(ids) == sweepBatch, errors.Join(errs...)
}

// refreshQuietly refreshes a course and returns only errors that are not
// the feed's fault (the store failing); feed failures are on the course.
func (s *Service) refreshQuietly(ctx context.Context, id int64) error {
	err := s.Refresh(ctx, id)
	var fe *FeedError
	switch {
	case err == nil, errors.As(err, &fe), errors.Is(err, store.ErrNotFound):
		return nil
	case ctx.Err() != nil:
		return nil
	}
	return err
}

func (s *Service) refreshJob(ctx context.Context, job jobs.Job) error {
	var p refreshPayload
	if err := job.Decode(&p); err != nil {
		return err
	}
	if err := s.refreshQuietly(ctx, p.CourseID); err != nil {
		return err
	}
	return ctx.Err()
}

// EnqueueRefresh queues a fetch of the course now (the refresh-now button;
// the API answers 202). A refresh already queued for it is not doubled.
// An unknown course is store.ErrNotFound. Do not call it inside a
// transaction.
func (s *Service) EnqueueRefresh(ctx context.Context, id int64) error {
	if s.jobs == nil {
		return errNoJobs
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM courses WHERE id = ?`, id).Scan(&one); err != nil {
			return store.MapErr(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state = 'queued'
			AND json_extract(payload, '$.course_id') = ?`, JobRefresh, id).Scan(&n); err != nil {
			return store.MapErr(err)
		}
		if n > 0 {
			return nil
		}
		_, err := s.jobs.EnqueueTx(ctx, tx, JobRefresh, refreshPayload{CourseID: id}, jobs.MaxAttempts(3))
		return err
	})
}
