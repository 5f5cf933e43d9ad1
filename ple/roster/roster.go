// Package roster is the issuer's side of course following: the roster of
// learners' feeds, the posts harvested from them, and the submissions those
// posts (and received Webmentions) make to the issuer's tasks.
//
// gRSShopper harvested learners' feeds and left tying a post to a task to
// the admin's "Award" click (research/seed-systems.md a.3). Cairn matches
// automatically: a post whose in-reply-to names a task URL is a submission
// for that task; else a post carrying the task's hashtag is. In-reply-to
// comes from the feed item (Atom/RSS thr:in-reply-to as Cairn writes it,
// JSON Feed "_cairn".in_reply_to) or, when the item gives none, from the
// u-in-reply-to of the post page itself.
//
// Polling is ple/feedpoll's, as for ple/courses: one self-rescheduling
// sweeper job ("roster.poll") with conditional GET and exponential
// backoff, and "roster.refresh" for the refresh-now button. A feed that
// fails only marks its learner (status, a readable error, failures, next
// fetch time).
//
// The issuer's tasks come through the Tasks interface (JournalTasks reads
// the owner's journal); awards go through the Awarder interface, which
// internal/app wires to issuer mode (nil while it is off).
package roster

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// Learner statuses, as for followed courses.
const (
	StatusPending = "pending"
	StatusOK      = "ok"
	StatusError   = "error"
)

// Submission states.
const (
	StateNew       = "new"
	StateAwarded   = "awarded"
	StateDismissed = "dismissed"
)

// How a submission was matched to its task.
const (
	ByInReplyTo  = "in-reply-to"
	ByHashtag    = "hashtag"
	ByWebmention = "webmention"
)

// Defaults.
const (
	DefaultPollInterval = feedpoll.DefaultPollInterval
	// DefaultSyncInterval is how often the sweeper runs at the latest, so
	// verified Webmentions to task pages reach the review queue soon.
	DefaultSyncInterval = time.Minute
	MaxBackoff          = feedpoll.MaxBackoff
	// MaxFeedBody is the largest feed or page fetched for discovery.
	MaxFeedBody int64 = 4 << 20
	// MaxPageBody is the largest post page read for u-in-reply-to.
	MaxPageBody int64 = 1 << 20
)

// Task is one of the issuer's tasks: a post of its own journal.
type Task struct {
	URL     string // the task's URL exactly as published
	Title   string
	Hashtag string // lower-case, without '#'; "" means no hashtag matching
}

// Tasks gives the issuer's current tasks. internal/app wires JournalTasks.
type Tasks interface {
	Tasks(ctx context.Context) ([]Task, error)
}

// TasksFunc adapts a function to Tasks.
type TasksFunc func(ctx context.Context) ([]Task, error)

// Tasks calls f.
func (f TasksFunc) Tasks(ctx context.Context) ([]Task, error) { return f(ctx) }

// Achievement is what the review queue offers to award.
type Achievement struct {
	ID       string
	Name     string
	TaskURLs []string // the tasks it is linked to
	IsToken  bool     // a Learning Token (its award takes an amount)
}

// Awarder is issuer mode as the review queue needs it. internal/app wires
// it to the issuer service; nil means issuer mode is off.
type Awarder interface {
	// Achievements lists the badge classes and Learning Token templates.
	Achievements(ctx context.Context) ([]Achievement, error)
	// Award issues achievementID to the learner at subjectURL (their site)
	// with evidenceURL (the post) as evidence; amount is for Learning
	// Tokens. It returns the award page's URL.
	Award(ctx context.Context, achievementID, evidenceURL, subjectURL string, amount *float64) (awardURL string, err error)
}

// Service keeps the roster, harvests it and keeps the submissions.
type Service struct {
	db     *store.DB
	tasks  Tasks
	logger *slog.Logger
	base   *url.URL
	now    func() time.Time

	// PollInterval is how often a healthy feed is fetched (default 1 h)
	// and the base of the backoff. SyncInterval bounds the time between
	// sweeps (default 1 min): each sweep also turns new verified
	// Webmentions into submissions. Set both before RegisterJobs.
	PollInterval time.Duration
	SyncInterval time.Duration

	feeds *feedpoll.Fetcher // learners' feeds and the pages autodiscovery reads
	pages *feedpoll.Fetcher // post pages, read for u-in-reply-to
	// poller fetches the roster_learners table and runs its jobs; it also
	// serialises the refreshes of one learner.
	poller *feedpoll.Poller
}

// New returns the roster service. tasks gives the issuer's tasks; q may be
// nil when no background polling is wanted. baseURL is the issuer's own
// origin (tolerated http↔https and trailing-slash differences in
// in-reply-to apply to it only).
func New(db *store.DB, client *netx.Client, q *jobs.Queue, tasks Tasks, logger *slog.Logger, baseURL string) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	base, _ := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	s := &Service{db: db, tasks: tasks, logger: logger, base: base, now: time.Now,
		PollInterval: DefaultPollInterval, SyncInterval: DefaultSyncInterval}
	s.feeds = &feedpoll.Fetcher{Client: client, Site: "the learner's site", MaxBody: MaxFeedBody, Now: s.clock}
	s.pages = &feedpoll.Fetcher{Client: client, Site: "the learner's site", MaxBody: MaxPageBody, Now: s.clock}
	s.poller = &feedpoll.Poller{
		DB:      db,
		Jobs:    q,
		Fetcher: s.feeds,
		Logger:  logger,
		Now:     s.clock,

		Name:  "roster",
		Noun:  "learner",
		Table: "roster_learners",

		PollInterval: func() time.Duration { return s.PollInterval },

		PollKind:    JobPoll,
		RefreshKind: JobRefresh,
		RefreshKey:  "learner_id",
		MinGap:      minSweepGap,
		// Sweeps also turn verified Webmentions into submissions, so they
		// come every SyncInterval even when no feed is due (and need no
		// catching up at startup).
		MaxWait: func() time.Duration { return min(s.syncInterval(), s.poller.Interval()) },
		Refresh: s.Refresh,
		// Every post is matched against the tasks as they are now (a task
		// published since finds earlier posts) and Webmentions are synced.
		AfterSweep: s.Rematch,
	}
	return s
}

// clock reads s.now at each call, so a clock set after New (tests) is the
// one feedpoll uses too.
func (s *Service) clock() time.Time { return s.now() }

func (s *Service) syncInterval() time.Duration {
	if s.SyncInterval <= 0 {
		return DefaultSyncInterval
	}
	return s.SyncInterval
}

// Learner is one feed on the roster.
type Learner struct {
	ID          int64
	Name        string
	SiteURL     string
	FeedURL     string
	InputURL    string
	Status      string
	Error       string // readable reason of the last failed fetch
	FetchedAt   time.Time
	NextFetchAt time.Time
	Failures    int
	CreatedAt   time.Time
	Posts       int // harvested posts
	Submissions int
}

// DisplayName is the name, else the site's host, else the feed URL.
func (l Learner) DisplayName() string {
	if l.Name != "" {
		return l.Name
	}
	if h := feedpoll.HostOf(l.SiteURL); h != "" {
		return h
	}
	return l.FeedURL
}

const learnerColumns = `l.id, l.name, l.site_url, l.feed_url, l.input_url, l.status, l.error, coalesce(l.fetched_at, 0),
	l.next_fetch_at, l.failures, l.created_at,
	(SELECT count(*) FROM roster_posts p WHERE p.learner_id = l.id),
	(SELECT count(*) FROM roster_submissions s WHERE s.learner_id = l.id)`

type scanner interface{ Scan(...any) error }

func scanLearner(sc scanner) (Learner, error) {
	var l Learner
	var fetched, next, created int64
	err := sc.Scan(&l.ID, &l.Name, &l.SiteURL, &l.FeedURL, &l.InputURL, &l.Status, &l.Error, &fetched, &next,
		&l.Failures, &created, &l.Posts, &l.Submissions)
	if err != nil {
		return l, store.MapErr(err)
	}
	l.FetchedAt = optTime(fetched)
	l.NextFetchAt = store.Time(next)
	l.CreatedAt = store.Time(created)
	return l, nil
}

// List returns the roster by name.
func (s *Service) List(ctx context.Context) ([]Learner, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+learnerColumns+` FROM roster_learners l
		ORDER BY l.name COLLATE NOCASE, l.id`)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	out := []Learner{}
	for rows.Next() {
		l, err := scanLearner(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, store.MapErr(rows.Err())
}

// Get returns one learner, or store.ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Learner, error) {
	return scanLearner(s.db.R.QueryRowContext(ctx, `SELECT `+learnerColumns+` FROM roster_learners l WHERE l.id = ?`, id))
}

// findExisting returns the learner whose feed URL or input URL is u.
func (s *Service) findExisting(ctx context.Context, u string) (Learner, error) {
	id, err := s.poller.FindByURL(ctx, u)
	if err != nil {
		return Learner{}, err
	}
	return s.Get(ctx, id)
}

// Remove takes a learner off the roster with their harvested posts. Their
// submissions stay in the review queue (awards made stay made).
func (s *Service) Remove(ctx context.Context, id int64) error { return s.poller.Delete(ctx, id) }

func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return store.Time(ms)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Millis(t)
}
