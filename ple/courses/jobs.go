package courses

import (
	"context"
	"time"
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

// minSweepGap keeps the sweeper from spinning on a course due now. A
// minute is plenty: course feeds are polled hourly.
const minSweepGap = time.Minute

// RegisterJobs registers JobPoll and JobRefresh on the queue given to New.
func (s *Service) RegisterJobs() { s.poller.Register() }

// Schedule makes sure one sweeper job is queued (call it at startup). The
// first sweep comes within a minute, to catch up on whatever came due
// while the instance was down; restarts and repeated calls never pile
// sweepers up. Do not call it inside a transaction.
func (s *Service) Schedule(ctx context.Context) error { return s.poller.Schedule(ctx) }

// EnqueueRefresh queues a fetch of the course now (the refresh-now button;
// the API answers 202). A refresh already queued for it is not doubled.
// An unknown course is store.ErrNotFound. Do not call it inside a
// transaction.
func (s *Service) EnqueueRefresh(ctx context.Context, id int64) error {
	return s.poller.EnqueueRefresh(ctx, id)
}
