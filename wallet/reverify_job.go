package wallet

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

// JobReverify is the re-verification sweeper: it re-verifies every
// credential that is due and re-enqueues itself, so exactly one is queued
// at a time.
const JobReverify = "wallet.reverify"

// DefaultReverifyEvery is how often a credential is verified again when
// Service.ReverifyEvery is zero.
const DefaultReverifyEvery = 24 * time.Hour

const (
	// reverifyBatch bounds the credentials one sweep (or one trust-change
	// batch) verifies, on every core with one cache (reverifyMany); when
	// more are due the next sweep follows after minReverifyGap.
	reverifyBatch = 200
	// minReverifyGap keeps the sweeper from spinning on a credential due now.
	minReverifyGap = time.Minute
)

func (s *Service) reverifyEvery() time.Duration {
	if s.ReverifyEvery > 0 {
		return s.ReverifyEvery
	}
	return DefaultReverifyEvery
}

// RegisterJobs registers JobReverify and JobRetrust on q, and makes trust
// list changes queue JobRetrust there. Call it before the wallet is used;
// call Schedule after Run starts (or at startup) to make sure one sweeper
// is queued.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	s.queue = q
	q.Register(JobReverify, func(ctx context.Context, job jobs.Job) error {
		return s.reverifyJob(ctx, q, job)
	})
	q.Register(JobRetrust, func(ctx context.Context, job jobs.Job) error {
		return s.retrustJob(ctx, q, job)
	})
}

// Schedule makes sure one sweeper job is queued. The check and the enqueue
// share one transaction, so repeated calls never pile sweepers up. Do not
// call it inside a transaction.
func (s *Service) Schedule(ctx context.Context, q *jobs.Queue) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.ensureSweeperTx(ctx, tx, q, 0, s.now(), false)
	})
}

// parseExpires reads a credential's expires field: RFC 3339 (with or
// without fractional seconds) or a bare date (midnight UTC).
func parseExpires(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dueState is what the sweeper needs of one credential.
type dueState struct {
	id       int64
	verified time.Time // zero when never verified
	expires  time.Time // zero when it does not expire (or unreadable)
}

// nextDue is when c next needs verifying: every after its last
// verification, or at its expiry when it was last verified before that.
func (d dueState) nextDue(every time.Duration) time.Time {
	if d.verified.IsZero() {
		return time.Time{} // now
	}
	next := d.verified.Add(every)
	if !d.expires.IsZero() && d.verified.Before(d.expires) && d.expires.Before(next) {
		next = d.expires
	}
	return next
}

func loadDueStates(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]dueState, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, verified_at, expires FROM credentials ORDER BY id")
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	var out []dueState
	for rows.Next() {
		var d dueState
		var verified sql.NullInt64
		var expires string
		if err := rows.Scan(&d.id, &verified, &expires); err != nil {
			return nil, store.MapErr(err)
		}
		if verified.Valid {
			d.verified = store.Time(verified.Int64)
		}
		d.expires, _ = parseExpires(expires)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ensureSweeperTx enqueues a sweeper unless one other than self (the job
// now running) is queued or running. It runs at the next moment a
// credential is due, at most ReverifyEvery and at least minReverifyGap
// from now (soon, when more is due at once).
func (s *Service) ensureSweeperTx(ctx context.Context, tx *sql.Tx, q *jobs.Queue, self int64, now time.Time, more bool) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed' AND id != ?`,
		JobReverify, self).Scan(&n); err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	every := s.reverifyEvery()
	at := now.Add(every)
	earliest := now.Add(minReverifyGap)
	if self == 0 || more {
		at = earliest // at startup catch up soon; with a full batch, go on
	} else {
		states, err := loadDueStates(ctx, tx)
		if err != nil {
			return err
		}
		for _, d := range states {
			if due := d.nextDue(every); due.Before(at) {
				at = due
			}
		}
		if at.Before(earliest) {
			at = earliest
		}
	}
	_, err := q.EnqueueTx(ctx, tx, JobReverify, struct{}{}, jobs.At(at))
	return err
}

// reverifyJob sweeps, then re-enqueues itself. Per-credential failures are
// logged and do not fail the job (a failed sweeper would be retried and
// could pile up beside its successor).
func (s *Service) reverifyJob(ctx context.Context, q *jobs.Queue, job jobs.Job) error {
	more, err := s.sweep(ctx)
	if err != nil {
		s.logger.Error("wallet: re-verification sweep failed", "error", err)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the job runs again later
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.ensureSweeperTx(ctx, tx, q, job.ID, s.now(), more)
	})
}

// sweep re-verifies the credentials that are due, oldest verification
// first; more reports that the batch was full.
func (s *Service) sweep(ctx context.Context) (more bool, err error) {
	states, err := loadDueStates(ctx, s.db.R)
	if err != nil {
		return false, err
	}
	now, every := s.now(), s.reverifyEvery()
	var due []int64
	for _, d := range states {
		if !d.nextDue(every).After(now) {
			due = append(due, d.id)
		}
	}
	if len(due) > reverifyBatch {
		due, more = due[:reverifyBatch], true
	}
	_, errs := s.reverifyMany(ctx, due, "wallet: re-verification failed")
	return more, errors.Join(errs...)
}

// LastChange returns when the credential's verdict last changed after its
// first verification; ok is false when it never changed.
func (s *Service) LastChange(ctx context.Context, id int64) (time.Time, bool, error) {
	var at sql.NullInt64
	err := s.db.R.QueryRowContext(ctx, "SELECT "+changedAtSQL("?"), id).Scan(&at)
	if err != nil {
		return time.Time{}, false, store.MapErr(err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return store.Time(at.Int64), true, nil
}

// changedAtSQL is the time of the latest verdict change after the first
// verdict of the credential whose id is the expression idExpr, or NULL.
func changedAtSQL(idExpr string) string {
	return `(SELECT CASE WHEN count(*) > 1 THEN max(at) END FROM credential_verdicts WHERE credential = ` + idExpr + `)`
}
