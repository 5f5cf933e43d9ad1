package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Option adjusts one enqueued job.
type Option func(*options)

type options struct {
	runAt       time.Time
	delay       time.Duration
	maxAttempts int
}

// At runs the job no earlier than t.
func At(t time.Time) Option { return func(o *options) { o.runAt = t } }

// After runs the job no earlier than d from now.
func After(d time.Duration) Option { return func(o *options) { o.delay = d } }

// MaxAttempts sets how many runs the job gets before it fails (default 8).
func MaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// EnqueueTx adds a job inside tx, so it exists iff tx commits. Workers in
// another process (or this one) find it within their poll interval; use
// Queue.EnqueueTx to wake this process's workers at once.
func EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, payload any, opts ...Option) (int64, error) {
	return insert(ctx, tx, time.Now(), kind, payload, opts)
}

// EnqueueTx adds a job inside tx and wakes an idle worker. The wake may
// come before the commit; that is harmless, because the writer is a single
// connection: the worker's claim waits for tx to end and then sees the job
// (or, after a rollback, finds nothing).
func (q *Queue) EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, payload any, opts ...Option) (int64, error) {
	id, err := insert(ctx, tx, q.now(), kind, payload, opts)
	if err == nil {
		q.signal()
	}
	return id, err
}

// Enqueue adds a job in its own transaction and wakes an idle worker. Do
// not call it inside another db.W transaction (the writer has a single
// connection, so it would wait forever); use EnqueueTx there.
func (q *Queue) Enqueue(ctx context.Context, kind string, payload any, opts ...Option) (int64, error) {
	var id int64
	err := q.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insert(ctx, tx, q.now(), kind, payload, opts)
		return err
	})
	if err != nil {
		return 0, err
	}
	q.signal()
	return id, nil
}

func insert(ctx context.Context, tx *sql.Tx, now time.Time, kind string, payload any, opts []Option) (int64, error) {
	if kind == "" {
		return 0, errors.New("jobs: enqueue without a kind")
	}
	o := options{maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	runAt := o.runAt
	if runAt.IsZero() {
		runAt = now.Add(o.delay)
	}
	body, err := encode(payload)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	ms := now.UnixMilli()
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs
		(kind, payload, state, run_at, attempts, max_attempts, created_at, updated_at)
		VALUES (?, ?, 'queued', ?, 0, ?, ?, ?)`,
		kind, body, runAt.UnixMilli(), max(o.maxAttempts, 1), ms, ms)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	return res.LastInsertId()
}

// encode stores a nil payload as {} like the column default, so handlers
// can always decode into a struct.
func encode(payload any) (string, error) {
	if payload == nil {
		return "{}", nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
