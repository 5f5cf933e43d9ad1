package jobs

import (
	"context"
	"time"
)

// fence matches the row only while this worker still holds it.
const fence = ` WHERE id = ? AND state = 'running' AND attempts = ? AND locked_until = ?`

// finish writes a job's outcome: delete on success, put back on shutdown,
// reschedule on a retryable error, fail otherwise. If the write fails the
// job stays running and its lease expiry brings it back, so it is not lost.
func (q *Queue) finish(c claimed, err error, interrupted bool) {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	now := q.now()
	var werr error
	var changed bool
	switch {
	case err == nil:
		changed, werr = q.write(ctx, c, `DELETE FROM jobs`)
	case interrupted:
		q.log.Info("jobs: put back after shutdown", q.attrs(c)...)
		changed, werr = q.write(ctx, c, `UPDATE jobs SET state = 'queued', attempts = attempts - 1,
			locked_until = NULL, updated_at = ?`, now.UnixMilli())
	default:
		changed, werr = q.failOrRetry(ctx, c, err, now)
	}
	if werr != nil {
		q.log.Error("jobs: recording result failed; the job reruns when its lease expires",
			q.attrs(c, "error", werr)...)
	} else if !changed {
		q.log.Warn("jobs: job was deleted or taken over while it ran", q.attrs(c)...)
	}
}

func (q *Queue) failOrRetry(ctx context.Context, c claimed, err error, now time.Time) (bool, error) {
	msg := errorText(err)
	at, retry := q.nextRun(c, err, now)
	if !retry {
		q.log.Error("jobs: failed", q.attrs(c, "error", msg)...)
		return q.write(ctx, c, `UPDATE jobs SET state = 'failed', last_error = ?,
			locked_until = NULL, updated_at = ?`, msg, now.UnixMilli())
	}
	q.log.Warn("jobs: will retry", q.attrs(c, "error", msg, "run_at", at)...)
	return q.write(ctx, c, `UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?,
		locked_until = NULL, updated_at = ?`, at.UnixMilli(), msg, now.UnixMilli())
}

// nextRun is when a failed attempt runs again, or false if it does not.
func (q *Queue) nextRun(c claimed, err error, now time.Time) (time.Time, bool) {
	if isPermanent(err) || c.Attempt >= c.MaxAttempts {
		return time.Time{}, false
	}
	if d, ok := retryDelay(err); ok {
		return now.Add(d), true
	}
	return now.Add(q.backoff(c.Attempt)), true
}

// write runs stmt (which must end before its WHERE) fenced to c, with args
// before the fence's own.
func (q *Queue) write(ctx context.Context, c claimed, stmt string, args ...any) (bool, error) {
	args = append(args, c.ID, c.Attempt, c.lockedUntil)
	res, err := q.db.W.ExecContext(ctx, stmt+fence, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
