package feedpoll

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
)

const (
	// DefaultPollInterval is how often a healthy feed is fetched unless
	// the caller says otherwise.
	DefaultPollInterval = time.Hour
	// MaxBackoff caps the delay before re-polling a failing feed.
	MaxBackoff = 24 * time.Hour
)

// Poller polls one table of feeds. It fetches a feed conditionally and
// records the outcome on the feed's row, and runs the jobs that do so in
// the background: a self-rescheduling sweeper for the feeds that are due
// and a refresh-now job (see sweep.go).
//
// A failure only marks its feed: status error, a readable error, one more
// failure and a next fetch time backed off exponentially. The table needs
// the columns id, feed_url, etag, last_modified, status, error,
// fetched_at, failures and next_fetch_at.
//
// Set the fields once, before the first use; the funcs are read on each
// use, so they can follow settings a caller changes later.
type Poller struct {
	DB      *store.DB
	Jobs    *jobs.Queue // nil when no background polling is wanted (CLI, some tests)
	Fetcher *Fetcher
	Logger  *slog.Logger
	Now     func() time.Time

	Name  string // the package, for log lines and errors: "courses"
	Noun  string // one feed in log lines: "course"
	Table string // the table of feeds: "courses"

	// PollInterval is how often a healthy feed is fetched and the base of
	// the backoff for failing ones; 0 or less means DefaultPollInterval.
	PollInterval func() time.Duration

	// PollKind is the sweeper's job kind, RefreshKind the refresh-now
	// job's, whose payload is {RefreshKey: id}.
	PollKind, RefreshKind, RefreshKey string
	// MaxWait is the longest time between sweeps; nil means Interval.
	MaxWait func() time.Duration
	// MinGap keeps the sweeper from spinning on a feed due now.
	MinGap time.Duration
	// CatchUpAtStart runs the first sweep after Schedule within MinGap,
	// for whatever came due while the instance was down.
	CatchUpAtStart bool
	// Refresh is the package's own refresh of one feed (which calls
	// Fetch); the sweeper and the refresh-now job run it.
	Refresh func(ctx context.Context, id int64) error
	// AfterSweep, when set, runs after each sweep's fetches, unless the
	// sweep is shutting down.
	AfterSweep func(ctx context.Context) error

	mu    sync.Mutex
	locks map[int64]*sync.Mutex
}

// Interval is the poll interval in effect (see PollInterval).
func (p *Poller) Interval() time.Duration {
	if d := p.PollInterval(); d > 0 {
		return d
	}
	return DefaultPollInterval
}

// Lock serialises the work on one feed (the sweeper and the refresh-now
// button at once), so a failure is not counted twice. It returns the
// unlock.
func (p *Poller) Lock(id int64) (unlock func()) {
	p.mu.Lock()
	if p.locks == nil {
		p.locks = map[int64]*sync.Mutex{}
	}
	m := p.locks[id]
	if m == nil {
		m = &sync.Mutex{}
		p.locks[id] = m
	}
	p.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// Apply stores what a fetch brought inside the transaction that marks the
// feed fetched; now is the fetch time.
type Apply func(ctx context.Context, tx *sql.Tx, now time.Time) error

// Parser reads a feed's 200 response into the Apply that stores it. An
// error counts as the feed failing (it becomes a *FeedError) and changes
// nothing else.
type Parser func(f *Fetched) (Apply, error)

// Fetch fetches feed id now, conditionally, and records the outcome. A
// failure (fetch or parse) is recorded on the feed and also returned; a
// 304 Not Modified is a success that changes nothing but the fetch time.
// An unknown feed is store.ErrNotFound. The caller holds Lock(id).
func (p *Poller) Fetch(ctx context.Context, id int64, parse Parser) error {
	var feedURL string
	var v Validators
	var failures int
	err := p.DB.R.QueryRowContext(ctx, `SELECT feed_url, etag, last_modified, failures FROM `+p.Table+` WHERE id = ?`, id).
		Scan(&feedURL, &v.ETag, &v.LastModified, &failures)
	if err != nil {
		return store.MapErr(err)
	}
	f, err := p.Fetcher.Get(ctx, feedURL, v)
	if err != nil && ctx.Err() != nil {
		// Shutting down (or the caller gave up): not the feed's fault.
		return ctx.Err()
	}
	var apply Apply
	if err == nil && !f.NotModified {
		if apply, err = parse(f); err != nil {
			err = asFeedError(feedURL, err)
		}
	}
	if err != nil {
		if rerr := p.recordFailure(ctx, id, failures, err); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return p.RecordSuccess(ctx, id, f, apply)
}

// RecordSuccess marks feed id fetched now (status ok, failures reset, the
// next fetch an Interval away) and, when apply is not nil (a 200), keeps
// f's validators and runs apply, all in one transaction. A feed deleted
// meanwhile is store.ErrNotFound.
func (p *Poller) RecordSuccess(ctx context.Context, id int64, f *Fetched, apply Apply) error {
	now := p.Now()
	return p.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+p.Table+` SET status = 'ok', error = '', fetched_at = ?, failures = 0,
			next_fetch_at = ? WHERE id = ?`, store.Millis(now), store.Millis(now.Add(p.Interval())), id)
		if err != nil {
			return store.MapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound // deleted while we fetched
		}
		if apply == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+p.Table+` SET etag = ?, last_modified = ? WHERE id = ?`,
			f.ETag, f.LastModified, id); err != nil {
			return store.MapErr(err)
		}
		return apply(ctx, tx, now)
	})
}

// recordFailure stores a failed fetch: status error, the readable reason,
// one more failure and the backoff (longer when the site asked with
// Retry-After). Nothing else about the feed changes.
func (p *Poller) recordFailure(ctx context.Context, id int64, failures int, cause error) error {
	now := p.Now()
	failures++
	delay := p.Backoff(failures)
	msg := cause.Error()
	var fe *FeedError
	if errors.As(cause, &fe) {
		msg = fe.Msg
		delay = max(delay, fe.RetryAfter)
	}
	p.Logger.Info(p.Name+": fetch failed", p.Noun, id, "failures", failures, "next_in", delay, "error", msg)
	_, err := p.DB.W.ExecContext(ctx, `UPDATE `+p.Table+` SET status = 'error', error = ?, fetched_at = ?,
		failures = ?, next_fetch_at = ? WHERE id = ?`,
		msg, store.Millis(now), failures, store.Millis(now.Add(delay)), id)
	return store.MapErr(err)
}

// Backoff is the delay after the n-th consecutive failure: Interval,
// doubling per failure, at most MaxBackoff. There is no jitter: an
// instance polls a handful of different sites, so there is no herd to
// spread.
func (p *Poller) Backoff(failures int) time.Duration {
	d := p.Interval()
	for i := 1; i < failures && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

func (p *Poller) errNoJobs() error {
	return fmt.Errorf("%s: no job queue configured", p.Name)
}

// FindByURL returns the id of the feed polled at u or pasted as u (the
// feed URL winning), so pasting a URL twice does not add its feed twice.
// None is store.ErrNotFound. The table needs an input_url column.
func (p *Poller) FindByURL(ctx context.Context, u string) (int64, error) {
	var id int64
	err := p.DB.R.QueryRowContext(ctx, `SELECT id FROM `+p.Table+` WHERE feed_url = ?1 OR input_url = ?1
		ORDER BY feed_url = ?1 DESC, id LIMIT 1`, u).Scan(&id)
	return id, store.MapErr(err)
}

// Delete stops polling feed id by deleting its row (the schema's ON
// DELETE rules say what goes with it). An unknown feed is
// store.ErrNotFound.
func (p *Poller) Delete(ctx context.Context, id int64) error {
	res, err := p.DB.W.ExecContext(ctx, `DELETE FROM `+p.Table+` WHERE id = ?`, id)
	if err != nil {
		return store.MapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
