// Package courses is the courses a learner follows by their feeds.
//
// The learner pastes a URL: a feed, or a page whose autodiscovery links
// (<link rel="alternate">) lead to one. Every fetch goes through
// internal/netx with conditional GET (ETag, Last-Modified); bodies are
// parsed with gofeed.Parser.Parse (never ParseURL, which would bypass the
// guarded client). Each item becomes a task; a task's URL is kept exactly as
// the feed gives it, because it is the in-reply-to of the learner's answer
// and the Webmention target the course compares byte for byte.
//
// Polling runs on the job queue: one self-rescheduling sweeper
// ("courses.poll") fetches every course whose next_fetch_at has come, with
// exponential backoff for failing feeds, and "course.refresh" serves the
// refresh-now button. Fetching, autodiscovery, backoff and those jobs are
// ple/feedpoll's, shared with the issuer's roster; this package keeps what
// a course feed means (its tasks).
//
// Bad input never spreads: a feed that fails (not a feed, broken, too large,
// too slow, an HTTP error) only sets that course's status, error, failure
// count and next fetch time. Tasks are never deleted by a fetch: an item that
// leaves the feed marks its task removed, so answers keep their task.
package courses

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// Task states. A task is open until the learner publishes an answer,
// answered while a published answer exists, and awarded once a course
// awards it (set by the awards inbox; it never goes back).
const (
	StateOpen     = "open"
	StateAnswered = "answered"
	StateAwarded  = "awarded"
)

// Course statuses: pending is the schema default (never left by Follow,
// which stores only courses whose first fetch worked), ok after a good
// fetch (200 or 304), error after a failed one.
const (
	StatusPending = "pending"
	StatusOK      = "ok"
	StatusError   = "error"
)

// Defaults.
const (
	DefaultPollInterval = feedpoll.DefaultPollInterval
	// MaxBackoff caps the delay before re-polling a failing feed.
	MaxBackoff = feedpoll.MaxBackoff
	// MaxFeedBody is the largest feed (or page) fetched.
	MaxFeedBody int64 = 4 << 20
)

// Service follows courses, polls their feeds and keeps their tasks.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	now    func() time.Time

	// PollInterval is how often a healthy feed is fetched (default 1 h)
	// and the base of the backoff for failing ones. Set it before
	// RegisterJobs.
	PollInterval time.Duration

	fetcher *feedpoll.Fetcher
	// poller fetches the courses table and runs its jobs; it also
	// serialises fetches of one course (poller and refresh-now button at
	// once), so failures are not counted twice.
	poller *feedpoll.Poller
}

// New returns the courses service. client is the one outbound client; q
// may be nil when no background polling is wanted (CLI, some tests).
func New(db *store.DB, client *netx.Client, q *jobs.Queue, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{db: db, logger: logger, now: time.Now, PollInterval: DefaultPollInterval}
	s.fetcher = &feedpoll.Fetcher{Client: client, Site: "the course site", MaxBody: MaxFeedBody, Now: s.clock}
	s.poller = &feedpoll.Poller{
		DB:      db,
		Jobs:    q,
		Fetcher: s.fetcher,
		Logger:  logger,
		Now:     s.clock,

		Name:  "courses",
		Noun:  "course",
		Table: "courses",

		PollInterval: func() time.Duration { return s.PollInterval },

		PollKind:    JobPoll,
		RefreshKind: JobRefresh,
		RefreshKey:  "course_id",
		MinGap:      minSweepGap,
		// At startup, catch up soon on whatever came due while the
		// instance was down.
		CatchUpAtStart: true,
		Refresh:        s.Refresh,
	}
	return s
}

// clock reads s.now at each call, so a clock set after New (tests) is the
// one feedpoll uses too.
func (s *Service) clock() time.Time { return s.now() }

// ValidationError is bad input from the learner (an API 400); its message
// is safe to show. It is feedpoll's, so the roster's bad input maps the
// same way.
type ValidationError = feedpoll.ValidationError

// FeedError is a fetch or parse of a course URL that failed. Msg is
// written for people and is what the course page shows ("the course site
// answered 404 Not Found", "the feed's XML is broken (line 3: …)"). The
// API should answer 422 for a Follow that fails with it. It is feedpoll's,
// which fetches for both courses and the roster.
type FeedError = feedpoll.FeedError

// Course is a followed course.
type Course struct {
	ID          int64
	Name        string
	SiteURL     string
	FeedURL     string // the feed actually polled
	InputURL    string // what the learner pasted (page or feed)
	Hashtag     string // without '#'
	Status      string // StatusOK, StatusError or StatusPending
	Error       string // readable reason of the last failed fetch; "" when ok
	FetchedAt   time.Time
	NextFetchAt time.Time
	Failures    int // consecutive failed fetches
	CreatedAt   time.Time
	Tasks       int // all tasks, removed ones included
	OpenTasks   int // open tasks still in the feed
}

// Task is one item of a course feed.
type Task struct {
	ID              int64
	CourseID        int64
	CourseName      string
	CourseHashtag   string
	GUID            string
	URL             string // exactly as the feed gives it; "" when the item had no usable link
	Title           string // plain text
	DescriptionHTML string // sanitised; safe to insert as HTML
	Hashtag         string
	State           string // StateOpen, StateAnswered or StateAwarded
	PublishedAt     time.Time
	DueAt           time.Time
	RemovedAt       time.Time // non-zero when the item has left the feed
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Removed reports whether the item has left the course feed.
func (t Task) Removed() bool { return !t.RemovedAt.IsZero() }

const courseColumns = `c.id, c.name, c.site_url, c.feed_url, c.input_url, c.hashtag, c.status, c.error,
	c.fetched_at, c.next_fetch_at, c.failures, c.created_at,
	(SELECT count(*) FROM tasks t WHERE t.course_id = c.id),
	(SELECT count(*) FROM tasks t WHERE t.course_id = c.id AND t.state = 'open' AND t.removed_at IS NULL)`

type scanner interface{ Scan(...any) error }

func scanCourse(sc scanner) (Course, error) {
	var c Course
	var fetched sql.NullInt64
	var next, created int64
	err := sc.Scan(&c.ID, &c.Name, &c.SiteURL, &c.FeedURL, &c.InputURL, &c.Hashtag, &c.Status, &c.Error,
		&fetched, &next, &c.Failures, &created, &c.Tasks, &c.OpenTasks)
	if err != nil {
		return c, store.MapErr(err)
	}
	c.FetchedAt = timeOf(fetched)
	c.NextFetchAt = store.Time(next)
	c.CreatedAt = store.Time(created)
	return c, nil
}

// List returns every followed course, by name.
func (s *Service) List(ctx context.Context) ([]Course, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+courseColumns+` FROM courses c ORDER BY c.name COLLATE NOCASE, c.id`)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	out := []Course{}
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, store.MapErr(rows.Err())
}

// Get returns one course, or store.ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Course, error) {
	return scanCourse(s.db.R.QueryRowContext(ctx, `SELECT `+courseColumns+` FROM courses c WHERE c.id = ?`, id))
}

// findExisting returns the course whose feed URL or input URL is u.
func (s *Service) findExisting(ctx context.Context, u string) (Course, error) {
	id, err := s.poller.FindByURL(ctx, u)
	if err != nil {
		return Course{}, err
	}
	return s.Get(ctx, id)
}

// Unfollow deletes a course and its tasks. The learner's answers stay:
// posts keep their in_reply_to and lose only their task_id (ON DELETE SET
// NULL). Following the course again links them back (see linkOrphanPosts).
func (s *Service) Unfollow(ctx context.Context, id int64) error { return s.poller.Delete(ctx, id) }

const taskColumns = `t.id, t.course_id, c.name, c.hashtag, t.guid, t.url, t.title, t.description_html, t.hashtag, t.state,
	t.published_at, t.due_at, t.removed_at, t.created_at, t.updated_at`

func scanTask(sc scanner) (Task, error) {
	var t Task
	var pub, due, removed sql.NullInt64
	var created, updated int64
	err := sc.Scan(&t.ID, &t.CourseID, &t.CourseName, &t.CourseHashtag, &t.GUID, &t.URL, &t.Title, &t.DescriptionHTML,
		&t.Hashtag, &t.State, &pub, &due, &removed, &created, &updated)
	if err != nil {
		return t, store.MapErr(err)
	}
	t.PublishedAt, t.DueAt, t.RemovedAt = timeOf(pub), timeOf(due), timeOf(removed)
	t.CreatedAt, t.UpdatedAt = store.Time(created), store.Time(updated)
	return t, nil
}

// Tasks returns a course's tasks, newest first (by published date, else
// when first seen; undated items of one fetch keep feed order), removed ones
// included (Task.Removed). An unknown course is store.ErrNotFound.
func (s *Service) Tasks(ctx context.Context, courseID int64) ([]Task, error) {
	var one int
	if err := s.db.R.QueryRowContext(ctx, `SELECT 1 FROM courses WHERE id = ?`, courseID).Scan(&one); err != nil {
		return nil, store.MapErr(err)
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks t JOIN courses c ON c.id = t.course_id
		WHERE t.course_id = ? ORDER BY coalesce(t.published_at, t.created_at) DESC, t.id DESC`, courseID)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, store.MapErr(rows.Err())
}

// Task returns one task, or store.ErrNotFound.
func (s *Service) Task(ctx context.Context, id int64) (Task, error) {
	return scanTask(s.db.R.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks t JOIN courses c ON c.id = t.course_id
		WHERE t.id = ?`, id))
}

// TaskByURL returns the task whose URL is exactly u (byte for byte: no
// normalisation), or store.ErrNotFound. When two followed courses list the
// same URL, a task still in its feed wins, then the most recent one. It
// reads through the reader pool, so it is safe to call inside a write
// transaction of the single writer.
func (s *Service) TaskByURL(ctx context.Context, u string) (Task, error) {
	if u == "" {
		return Task{}, store.ErrNotFound
	}
	return scanTask(s.db.R.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks t JOIN courses c ON c.id = t.course_id
		WHERE t.url = ? ORDER BY t.removed_at IS NOT NULL, t.id DESC LIMIT 1`, u))
}

// SyncTaskStateTx recomputes a task's state inside the caller's write
// transaction (the journal calls it after saving or deleting an answer):
// awarded stays awarded; otherwise the task is answered iff a post with
// this task_id is published (draft = 0, not deleted, published_at set),
// else open. A task that no longer exists (its course was unfollowed) has
// nothing to sync: nil.
func (s *Service) SyncTaskStateTx(ctx context.Context, tx *sql.Tx, taskID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE tasks SET
		state = CASE WHEN EXISTS (SELECT 1 FROM posts p WHERE p.task_id = tasks.id AND p.draft = 0
			AND p.deleted_at IS NULL AND p.published_at IS NOT NULL) THEN 'answered' ELSE 'open' END,
		updated_at = ?2
		WHERE id = ?1 AND state != 'awarded'
		AND state != CASE WHEN EXISTS (SELECT 1 FROM posts p WHERE p.task_id = tasks.id AND p.draft = 0
			AND p.deleted_at IS NULL AND p.published_at IS NOT NULL) THEN 'answered' ELSE 'open' END`,
		taskID, store.Millis(s.now()))
	return store.MapErr(err)
}

// MarkAwardedTx moves an open or answered task to awarded, inside the
// caller's transaction. Awarding an awarded task again is a no-op; an
// unknown task is store.ErrNotFound.
func (s *Service) MarkAwardedTx(ctx context.Context, tx *sql.Tx, taskID int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE tasks SET state = 'awarded', updated_at = ?
		WHERE id = ? AND state IN ('open', 'answered')`, store.Millis(s.now()), taskID)
	if err != nil {
		return store.MapErr(err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var state string
	if err := tx.QueryRowContext(ctx, `SELECT state FROM tasks WHERE id = ?`, taskID).Scan(&state); err != nil {
		return store.MapErr(err)
	}
	if state != StateAwarded {
		return fmt.Errorf("courses: task %d is %s and cannot be awarded", taskID, state)
	}
	return nil
}

// FollowedOrigins returns the origins (scheme://host[:port]) of every
// followed course's feed and site URL, sorted and without duplicates:
// following a course makes its origin a trusted issuer (DESIGN.md), and
// the mention and award receivers can ask this.
func (s *Service) FollowedOrigins(ctx context.Context) ([]string, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT feed_url, site_url FROM courses`)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	set := map[string]bool{}
	for rows.Next() {
		var f, site string
		if err := rows.Scan(&f, &site); err != nil {
			return nil, store.MapErr(err)
		}
		for _, u := range []string{f, site} {
			if o := origin(u); o != "" {
				set[o] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, store.MapErr(err)
	}
	return sortedKeys(set), nil
}

func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return store.Time(n.Int64)
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Millis(t)
}
