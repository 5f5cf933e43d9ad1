package ple

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/markdown"
)

// Journal is the learner's blog: posts in Markdown, published as h-entries
// and feeds, some of them answers to course tasks.
type Journal struct {
	db      *store.DB
	courses *courses.Service
	jobs    *jobs.Queue
	logger  *slog.Logger
	baseURL string
	version atomic.Uint64 // bumped on every change; caches of pages and feeds compare it
	slugs   atomic.Pointer[slugIndex]
	now     func() time.Time
	events  []func(ctx context.Context, tx *sql.Tx, e Event) error
}

// NewJournal returns the journal on db. courses links answers to tasks.
func NewJournal(db *store.DB, c *courses.Service, q *jobs.Queue, logger *slog.Logger, baseURL string) *Journal {
	j := &Journal{db: db, courses: c, jobs: q, logger: logger, baseURL: strings.TrimRight(baseURL, "/"), now: time.Now}
	j.version.Store(1)
	return j
}

// Version changes whenever a post changes, so callers can cache anything
// rendered from posts and know when it went stale.
func (j *Journal) Version() uint64 { return j.version.Load() }

// Post is one journal entry.
type Post struct {
	ID          int64
	Slug        string
	Title       string
	Content     string // Markdown source
	HTML        string // sanitised rendering
	Summary     string
	Tags        []string
	InReplyTo   string // exactly as given
	TaskID      int64  // the followed course task this answers; 0 if none
	IsTask      bool   // the owner publishes it as a task of their own course
	Draft       bool
	PublishedAt time.Time // zero until first published
	UpdatedAt   time.Time
	CreatedAt   time.Time
	DeletedAt   time.Time
}

// Published reports whether visitors can see the post.
func (p Post) Published() bool { return !p.Draft && p.DeletedAt.IsZero() && !p.PublishedAt.IsZero() }

// Deleted reports whether the post was deleted (its URL answers 410).
func (p Post) Deleted() bool { return !p.DeletedAt.IsZero() }

// Path is the post's URL path, which never changes.
func (p Post) Path() string { return "/posts/" + p.Slug }

// Draft is what the editor and the API send.
type Draft struct {
	Title     string
	Content   string
	Tags      []string
	InReplyTo string
	Draft     bool
	IsTask    bool
}

// Patch changes only the fields that are set (PATCH /api/posts/{id}).
type Patch struct {
	Title     *string
	Content   *string
	Tags      *[]string
	InReplyTo *string
	Draft     *bool
	IsTask    *bool
}

// ValidationError is bad input; its message is safe to show.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// EventKind says what happened to a post.
type EventKind string

// Post events, fired inside the saving transaction so that follow-up jobs
// (WebSub pings, Webmentions) are enqueued if and only if the save commits.
const (
	Published EventKind = "published" // first publish
	Updated   EventKind = "updated"   // a published post changed
	Deleted   EventKind = "deleted"   // a published post was deleted
)

// Event is passed to the journal's listeners.
type Event struct {
	Kind EventKind
	Post Post
	Old  Post // the post before an update (tags or links may have been removed)
}

// OnChange registers fn to run inside the saving transaction of every
// published, updated or deleted post.
func (j *Journal) OnChange(fn func(ctx context.Context, tx *sql.Tx, e Event) error) {
	j.events = append(j.events, fn)
}

const (
	maxTitle   = 300
	maxContent = 512 << 10
	maxTags    = 30
)

func (d *Draft) validate() error {
	d.Title = strings.TrimSpace(d.Title)
	d.InReplyTo = strings.TrimSpace(d.InReplyTo)
	if utf8.RuneCountInString(d.Title) > maxTitle {
		return invalid("the title is longer than %d characters", maxTitle)
	}
	if len(d.Content) > maxContent {
		return invalid("the post is larger than %d KiB", maxContent>>10)
	}
	if strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Content) == "" {
		return invalid("a post needs a title or some text")
	}
	if d.InReplyTo != "" {
		u, err := url.Parse(d.InReplyTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("“in reply to” must be an absolute http(s) URL")
		}
	}
	return nil
}

// Create saves a new post. A post that is not a draft is published now.
func (j *Journal) Create(ctx context.Context, d Draft) (Post, error) {
	if err := d.validate(); err != nil {
		return Post{}, err
	}
	p, err := j.build(d)
	if err != nil {
		return Post{}, err
	}
	now := j.now().UTC().Truncate(time.Millisecond) // the store keeps milliseconds
	p.CreatedAt, p.UpdatedAt = now, now
	if !p.Draft {
		p.PublishedAt = now
	}
	err = j.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := j.linkTask(ctx, &p); err != nil {
			return err
		}
		slug, err := uniqueSlug(ctx, tx, baseSlug(p, now))
		if err != nil {
			return err
		}
		p.Slug = slug
		res, err := tx.ExecContext(ctx, `INSERT INTO posts (slug, title, content, content_html, summary, in_reply_to, task_id,
			is_task, draft, published_at, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Slug, p.Title, p.Content, p.HTML, p.Summary, p.InReplyTo, nullID(p.TaskID), p.IsTask, p.Draft,
			nullTime(p.PublishedAt), store.Millis(now), store.Millis(now))
		if err != nil {
			return err
		}
		p.ID, _ = res.LastInsertId()
		if err := saveTags(ctx, tx, p.ID, p.Tags); err != nil {
			return err
		}
		if err := j.syncTask(ctx, tx, 0, p.TaskID); err != nil {
			return err
		}
		if p.Published() {
			return j.fire(ctx, tx, Event{Kind: Published, Post: p})
		}
		return nil
	})
	if err != nil {
		return Post{}, err
	}
	j.version.Add(1)
	return p, nil
}

// Update applies a patch. The slug and so the URL never change; a first
// publish sets published_at; every edit sets updated_at.
func (j *Journal) Update(ctx context.Context, id int64, patch Patch) (Post, error) {
	var out Post
	err := j.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := getPost(ctx, tx, "id = ?", id)
		if err != nil {
			return err
		}
		if old.Deleted() {
			return store.ErrNotFound
		}
		d := Draft{Title: old.Title, Content: old.Content, Tags: old.Tags, InReplyTo: old.InReplyTo, Draft: old.Draft, IsTask: old.IsTask}
		patch.apply(&d)
		if err := d.validate(); err != nil {
			return err
		}
		p, err := j.build(d)
		if err != nil {
			return err
		}
		now := j.now().UTC().Truncate(time.Millisecond) // the store keeps milliseconds
		p.ID, p.Slug, p.CreatedAt, p.UpdatedAt, p.PublishedAt = old.ID, old.Slug, old.CreatedAt, now, old.PublishedAt
		if !p.Draft && p.PublishedAt.IsZero() {
			p.PublishedAt = now
		}
		if err := j.linkTask(ctx, &p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE posts SET title = ?, content = ?, content_html = ?, summary = ?, in_reply_to = ?,
			task_id = ?, is_task = ?, draft = ?, published_at = ?, updated_at = ? WHERE id = ?`,
			p.Title, p.Content, p.HTML, p.Summary, p.InReplyTo, nullID(p.TaskID), p.IsTask, p.Draft,
			nullTime(p.PublishedAt), store.Millis(now), p.ID)
		if err != nil {
			return err
		}
		if err := saveTags(ctx, tx, p.ID, p.Tags); err != nil {
			return err
		}
		if err := j.syncTask(ctx, tx, old.TaskID, p.TaskID); err != nil {
			return err
		}
		out = p
		switch {
		case p.Published() && old.Published():
			return j.fire(ctx, tx, Event{Kind: Updated, Post: p, Old: old})
		case p.Published():
			return j.fire(ctx, tx, Event{Kind: Published, Post: p, Old: old})
		case old.Published():
			// Back to draft: for the outside world the post is gone.
			return j.fire(ctx, tx, Event{Kind: Deleted, Post: p, Old: old})
		}
		return nil
	})
	if err != nil {
		return Post{}, err
	}
	j.version.Add(1)
	return out, nil
}

func (p Patch) apply(d *Draft) {
	if p.Title != nil {
		d.Title = *p.Title
	}
	if p.Content != nil {
		d.Content = *p.Content
	}
	if p.Tags != nil {
		d.Tags = *p.Tags
	}
	if p.InReplyTo != nil {
		d.InReplyTo = *p.InReplyTo
	}
	if p.Draft != nil {
		d.Draft = *p.Draft
	}
	if p.IsTask != nil {
		d.IsTask = *p.IsTask
	}
}

// Delete turns the post into a tombstone: its URL answers 410 Gone from
// now on, and the slug is never reused.
func (j *Journal) Delete(ctx context.Context, id int64) error {
	err := j.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := getPost(ctx, tx, "id = ?", id)
		if err != nil {
			return err
		}
		if old.Deleted() {
			return nil
		}
		now := j.now().UTC().Truncate(time.Millisecond) // the store keeps milliseconds
		if _, err := tx.ExecContext(ctx, "UPDATE posts SET deleted_at = ?, updated_at = ? WHERE id = ?",
			store.Millis(now), store.Millis(now), id); err != nil {
			return err
		}
		if err := j.syncTask(ctx, tx, old.TaskID, 0); err != nil {
			return err
		}
		if old.Published() {
			gone := old
			gone.DeletedAt, gone.UpdatedAt = now, now
			return j.fire(ctx, tx, Event{Kind: Deleted, Post: gone, Old: old})
		}
		return nil
	})
	if err == nil {
		j.version.Add(1)
	}
	return err
}

// build renders the Markdown and merges the tags: explicit ones first, then
// inline #hashtags.
func (j *Journal) build(d Draft) (Post, error) {
	r, err := markdown.Render(d.Content)
	if err != nil {
		return Post{}, invalid("the post could not be rendered: %v", err)
	}
	var tags []string
	seen := map[string]bool{}
	for _, t := range append(append([]string{}, d.Tags...), r.Hashtags...) {
		for _, n := range markdown.ParseTags(t) {
			if !seen[n] {
				seen[n] = true
				tags = append(tags, n)
			}
		}
	}
	if len(tags) > maxTags {
		return Post{}, invalid("at most %d tags", maxTags)
	}
	return Post{Title: d.Title, Content: d.Content, HTML: r.HTML, Summary: r.Summary, Tags: tags,
		InReplyTo: d.InReplyTo, Draft: d.Draft, IsTask: d.IsTask}, nil
}

// linkTask ties a reply to the followed task whose URL it names, byte for
// byte. Replies to anything else are ordinary replies.
func (j *Journal) linkTask(ctx context.Context, p *Post) error {
	p.TaskID = 0
	if p.InReplyTo == "" || j.courses == nil {
		return nil
	}
	t, err := j.courses.TaskByURL(ctx, p.InReplyTo)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p.TaskID = t.ID
	return nil
}

// syncTask recomputes the state of the tasks a save touched.
func (j *Journal) syncTask(ctx context.Context, tx *sql.Tx, oldID, newID int64) error {
	if j.courses == nil {
		return nil
	}
	ids := map[int64]bool{oldID: true, newID: true}
	delete(ids, 0)
	for id := range ids {
		if err := j.courses.SyncTaskStateTx(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

func (j *Journal) fire(ctx context.Context, tx *sql.Tx, e Event) error {
	for _, fn := range j.events {
		if err := fn(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// baseSlug derives the slug from the title, else the first words of the
// text, else the time: untitled notes get readable URLs too.
func baseSlug(p Post, now time.Time) string {
	if s := markdown.Slugify(p.Title); s != "" {
		return s
	}
	words := strings.Fields(p.Summary)
	if len(words) > 8 {
		words = words[:8]
	}
	if s := markdown.Slugify(strings.Join(words, " ")); s != "" {
		return s
	}
	return "note-" + now.UTC().Format("20060102-150405")
}

// uniqueSlug appends -2, -3, … until the slug is free. Deleted posts keep
// theirs, so a URL that once meant one post never means another. One query
// reads every taken variant, so many posts with one title stay cheap.
func uniqueSlug(ctx context.Context, tx *sql.Tx, base string) (string, error) {
	like := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(base) + "-%"
	rows, err := tx.QueryContext(ctx, `SELECT slug FROM posts WHERE slug = ? OR slug LIKE ? ESCAPE '\'`, base, like)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	taken := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		taken[s] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if !taken[base] {
		return base, nil
	}
	for i := 2; ; i++ {
		if slug := base + "-" + strconv.Itoa(i); !taken[slug] {
			return slug, nil
		}
	}
}

func saveTags(ctx context.Context, tx *sql.Tx, id int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM post_tags WHERE post_id = ?", id); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, "INSERT INTO post_tags (post_id, tag) VALUES (?, ?)", id, t); err != nil {
			return err
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Millis(t)
}
