package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cairn-pl/cairn/internal/store"
)

const infoColumns = `id, kind, payload, state, run_at, attempts, max_attempts,
	last_error, locked_until, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanInfo(s scanner) (Info, error) {
	var (
		in                      Info
		payload, state          string
		runAt, created, updated int64
		lockedUntil             sql.NullInt64
	)
	err := s.Scan(&in.ID, &in.Kind, &payload, &state, &runAt, &in.Attempts, &in.MaxAttempts,
		&in.LastError, &lockedUntil, &created, &updated)
	if err != nil {
		return in, store.MapErr(err)
	}
	in.Payload, in.State = []byte(payload), State(state)
	in.RunAt, in.CreatedAt, in.UpdatedAt = store.Time(runAt), store.Time(created), store.Time(updated)
	if lockedUntil.Valid {
		in.LockedUntil = store.Time(lockedUntil.Int64)
	}
	return in, nil
}

// Get returns one job, or store.ErrNotFound (also for a job that succeeded,
// as those are deleted).
func (q *Queue) Get(ctx context.Context, id int64) (Info, error) {
	row := q.db.R.QueryRowContext(ctx, `SELECT `+infoColumns+` FROM jobs WHERE id = ?`, id)
	return scanInfo(row)
}

// ListFailed returns up to limit failed jobs, most recently failed first.
// limit <= 0 means 100.
func (q *Queue) ListFailed(ctx context.Context, limit int) ([]Info, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := q.db.R.QueryContext(ctx, `SELECT `+infoColumns+` FROM jobs
		WHERE state = 'failed' ORDER BY updated_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Info
	for rows.Next() {
		in, err := scanInfo(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Retry makes a failed (or waiting) job due now with a fresh set of
// attempts, and wakes a worker. last_error stays until the next run
// replaces it. A running job is refused with ErrRunning, since resetting
// it would let a second worker run it beside the first.
func (q *Queue) Retry(ctx context.Context, id int64) error {
	now := q.now().UnixMilli()
	res, err := q.db.W.ExecContext(ctx, `UPDATE jobs SET state = 'queued', run_at = ?, attempts = 0,
		locked_until = NULL, updated_at = ? WHERE id = ? AND state <> 'running'`, now, now, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		q.signal()
		return err
	}
	if _, err := q.Get(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("retry job %d: %w", id, ErrRunning)
}

// Delete removes a job in any state, or returns store.ErrNotFound. If it
// was running, its worker's result finds no row and is dropped.
func (q *Queue) Delete(ctx context.Context, id int64) error {
	res, err := q.db.W.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, id)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// Counts returns the number of jobs in each state.
func (q *Queue) Counts(ctx context.Context) (Counts, error) {
	rows, err := q.db.R.QueryContext(ctx, `SELECT state, count(*) FROM jobs GROUP BY state`)
	if err != nil {
		return Counts{}, err
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return Counts{}, err
		}
		switch State(state) {
		case Queued:
			c.Queued = n
		case Running:
			c.Running = n
		case Failed:
			c.Failed = n
		}
	}
	return c, rows.Err()
}
