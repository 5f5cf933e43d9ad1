package ple

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const postColumns = `id, slug, title, content, content_html, summary, in_reply_to, coalesce(task_id, 0), is_task, draft,
	coalesce(published_at, 0), updated_at, created_at, coalesce(deleted_at, 0)`

type scanner interface{ Scan(dest ...any) error }

func scanPost(s scanner) (Post, error) {
	var p Post
	var published, updated, created, deleted int64
	err := s.Scan(&p.ID, &p.Slug, &p.Title, &p.Content, &p.HTML, &p.Summary, &p.InReplyTo, &p.TaskID, &p.IsTask, &p.Draft,
		&published, &updated, &created, &deleted)
	if err != nil {
		return p, store.MapErr(err)
	}
	p.PublishedAt = optTime(published)
	p.UpdatedAt = store.Time(updated)
	p.CreatedAt = store.Time(created)
	p.DeletedAt = optTime(deleted)
	return p, nil
}

func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return store.Time(ms)
}

// getPost loads one post with its tags; where is a condition on posts.
func getPost(ctx context.Context, q querier, where string, args ...any) (Post, error) {
	p, err := scanPost(q.QueryRowContext(ctx, "SELECT "+postColumns+" FROM posts WHERE "+where, args...))
	if err != nil {
		return p, err
	}
	tags, err := loadTags(ctx, q, []int64{p.ID})
	p.Tags = tags[p.ID]
	return p, err
}

func loadTags(ctx context.Context, q querier, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, "SELECT post_id, tag FROM post_tags WHERE post_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+") ORDER BY rowid", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		out[id] = append(out[id], tag)
	}
	return out, rows.Err()
}

// Get loads a post by id, drafts and tombstones included.
func (j *Journal) Get(ctx context.Context, id int64) (Post, error) {
	return getPost(ctx, j.db.R, "id = ?", id)
}

// BySlug loads a post by its URL slug, drafts and tombstones included;
// the caller decides what a visitor may see.
func (j *Journal) BySlug(ctx context.Context, slug string) (Post, error) {
	return getPost(ctx, j.db.R, "slug = ?", slug)
}

// Query selects a page of posts.
type Query struct {
	Tag       string // only posts with this tag
	TasksOnly bool   // only posts the owner publishes as tasks
	TaskID    int64  // only answers to this followed task
	Drafts    bool   // include drafts (owner views)
	Limit     int    // default 20, at most 200
	Offset    int
}

// List returns posts, newest first: published ones for visitors, or with
// drafts for the owner. Deleted posts never appear.
func (j *Journal) List(ctx context.Context, q Query) ([]Post, error) {
	where := []string{"deleted_at IS NULL"}
	var args []any
	if !q.Drafts {
		where = append(where, "draft = 0", "published_at IS NOT NULL")
	}
	if q.Tag != "" {
		where = append(where, "id IN (SELECT post_id FROM post_tags WHERE tag = ?)")
		args = append(args, q.Tag)
	}
	if q.TasksOnly {
		where = append(where, "is_task = 1")
	}
	if q.TaskID != 0 {
		where = append(where, "task_id = ?")
		args = append(args, q.TaskID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	args = append(args, limit, max(q.Offset, 0))
	rows, err := j.db.R.QueryContext(ctx, "SELECT "+postColumns+" FROM posts WHERE "+strings.Join(where, " AND ")+
		" ORDER BY coalesce(published_at, created_at) DESC, id DESC LIMIT ? OFFSET ?", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var posts []Post
	var ids []int64
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		posts = append(posts, p)
		ids = append(ids, p.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tags, err := loadTags(ctx, j.db.R, ids)
	if err != nil {
		return nil, err
	}
	for i := range posts {
		posts[i].Tags = tags[posts[i].ID]
	}
	return posts, nil
}

// TagCount is a tag and how many published posts carry it.
type TagCount struct {
	Tag   string
	Count int
}

// Tags lists the tags of published posts, most used first.
func (j *Journal) Tags(ctx context.Context, limit int) ([]TagCount, error) {
	rows, err := j.db.R.QueryContext(ctx, `SELECT t.tag, count(*) FROM post_tags t JOIN posts p ON p.id = t.post_id
		WHERE p.deleted_at IS NULL AND p.draft = 0 AND p.published_at IS NOT NULL
		GROUP BY t.tag ORDER BY count(*) DESC, t.tag LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TagCount
	for rows.Next() {
		var tc TagCount
		if err := rows.Scan(&tc.Tag, &tc.Count); err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}

// slugIndex maps the slugs of published posts to their ids, built for one
// journal version. Hot paths that only ask "is this a published post?"
// (every received Webmention) read it instead of the database.
type slugIndex struct {
	version uint64
	ids     map[string]int64
}

// PublishedID returns the id of the published post with this slug.
func (j *Journal) PublishedID(ctx context.Context, slug string) (int64, bool, error) {
	v := j.Version()
	idx := j.slugs.Load()
	if idx == nil || idx.version != v {
		rows, err := j.db.R.QueryContext(ctx,
			"SELECT slug, id FROM posts WHERE deleted_at IS NULL AND draft = 0 AND published_at IS NOT NULL")
		if err != nil {
			return 0, false, err
		}
		defer rows.Close()
		fresh := &slugIndex{version: v, ids: map[string]int64{}}
		for rows.Next() {
			var s string
			var id int64
			if err := rows.Scan(&s, &id); err != nil {
				return 0, false, err
			}
			fresh.ids[s] = id
		}
		if err := rows.Err(); err != nil {
			return 0, false, err
		}
		j.slugs.Store(fresh)
		idx = fresh
	}
	id, ok := idx.ids[slug]
	return id, ok, nil
}
