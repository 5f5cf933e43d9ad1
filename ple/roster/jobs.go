package roster

import (
	"context"
	"time"
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

// minSweepGap keeps the sweeper from spinning on a learner due now. It is
// short because the roster sweeps every SyncInterval (a minute) anyway.
const minSweepGap = 10 * time.Second

// RegisterJobs registers JobPoll and JobRefresh on the queue given to New.
func (s *Service) RegisterJobs() { s.poller.Register() }

// Schedule makes sure one sweeper is queued (call it at startup). It runs
// at the earliest next fetch, but no later than SyncInterval from now
// (Webmentions). Do not call it inside a transaction.
func (s *Service) Schedule(ctx context.Context) error { return s.poller.Schedule(ctx) }

// Sweep fetches the learners that are due (a few at a time), then matches
// every post against the current tasks and syncs Webmentions. more reports
// that the batch was full. Feed failures are recorded on the learners, not
// returned.
func (s *Service) Sweep(ctx context.Context) (more bool, err error) { return s.poller.Sweep(ctx) }

// EnqueueRefresh queues a fetch of the learner now (not doubled). An
// unknown learner is store.ErrNotFound.
func (s *Service) EnqueueRefresh(ctx context.Context, id int64) error {
	return s.poller.EnqueueRefresh(ctx, id)
}
