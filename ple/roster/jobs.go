package roster

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/courses"
)

// Job kinds.
const (
	// JobPoll is the sweeper: it fetches every learner whose next_fetch_at
	// has come, syncs Webmentions to task pages, matches posts to tasks
	// published since, and re-enqueues itself (one queued at a time).
	JobPoll = "roster.poll"
	// JobRefresh fetches one learner now; payload {"learner_id": N}.
	JobRefresh = "roster.refresh"
)

const (
	sweepBatch   = 64
	sweepWorkers = 4
	minSweepGap  = 10 * time.Second
)

type refreshPayload struct {
	LearnerID int64 `json:"learner_id"`
}

// RegisterJobs registers JobPoll and JobRefresh on the queue given to New.
func (s *Service) RegisterJobs() {
	if s.jobs == nil {
		panic("roster: RegisterJobs without a job queue")
	}
	s.jobs.Register(JobPoll, s.pollJob)
	s.jobs.Register(JobRefresh, s.refreshJob)
}

// Schedule makes sure one sweeper is queued (call it at startup).
func (s *Service) Schedule(ctx context.Context) error {
	if s.jobs == nil {
		return errNoJobs
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return s.ensurePollTx(ctx, tx, 0, s.now()) })
}

// ensurePollTx enqueues a sweeper unless one other than self is queued or
// running. It runs at the earliest next_fetch_at, but no later than
// SyncInterval from now (Webmentions) and no sooner than minSweepGap.
func (s *Service) ensurePollTx(ctx context.Context, tx *sql.Tx, self int64, now time.Time) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed' AND id != ?`,
		JobPoll, self).Scan(&n); err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	at := now.Add(min(s.syncInterval(), s.interval()))
	var next sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(next_fetch_at) FROM roster_learners`).Scan(&next); err != nil {
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
	_, err := s.jobs.EnqueueTx(ctx, tx, JobPoll, struct{}{}, jobs.At(at))
	return err
}

func (s *Service) pollJob(ctx context.Context, job jobs.Job) error {
	more, err := s.Sweep(ctx)
	if err != nil {
		s.logger.Error("roster: sweep failed", "error", err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if more {
			now = now.Add(-minSweepGap)
		}
		return s.ensurePollTx(ctx, tx, job.ID, now)
	})
}

// Sweep fetches the learners that are due (a few at a time), then matches
// every post against the current tasks and syncs Webmentions. more reports
// that the batch was full. Feed failures are recorded on the learners, not
// returned.
func (s *Service) Sweep(ctx context.Context) (more bool, err error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id FROM roster_learners WHERE next_fetch_at <= ?
		ORDER BY next_fetch_at, id LIMIT ?`, store.Millis(s.now()), sweepBatch)
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
	if ctx.Err() == nil {
		errs = append(errs, s.Rematch(ctx))
	}
	return len(ids) == sweepBatch, errors.Join(errs...)
}

// refreshQuietly returns only errors that are not the feed's fault.
func (s *Service) refreshQuietly(ctx context.Context, id int64) error {
	err := s.Refresh(ctx, id)
	var fe *courses.FeedError
	switch {
	case err == nil, errors.As(err, &fe), errors.Is(err, store.ErrNotFound), ctx.Err() != nil:
		return nil
	}
	return err
}

func (s *Service) refreshJob(ctx context.Context, job jobs.Job) error {
	var p refreshPayload
	if err := job.Decode(&p); err != nil {
		return err
	}
	if err := s.refreshQuietly(ctx, p.LearnerID); err != nil {
		return err
	}
	return ctx.Err()
}

// EnqueueRefresh queues a fetch of the learner now (not doubled). An
// unknown learner is store.ErrNotFound.
func (s *Service) EnqueueRefresh(ctx context.Context, id int64) error {
	if s.jobs == nil {
		return errNoJobs
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM roster_learners WHERE id = ?`, id).Scan(&one); err != nil {
			return store.MapErr(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state = 'queued'
			AND json_extract(payload, '$.learner_id') = ?`, JobRefresh, id).Scan(&n); err != nil {
			return store.MapErr(err)
		}
		if n > 0 {
			return nil
		}
		_, err := s.jobs.EnqueueTx(ctx, tx, JobRefresh, refreshPayload{LearnerID: id}, jobs.MaxAttempts(3))
		return err
	})
}
