package roster

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// Fetching, autodiscovery and their errors are feedpoll's, shared with
// ple/courses, so the web layer's error mapping (400 for a
// *courses.ValidationError, 422 for a *courses.FeedError: the same types)
// applies to the roster unchanged.

// pageFetchesPerRefresh bounds the post pages one refresh reads for
// u-in-reply-to; the rest wait for the next poll.
const pageFetchesPerRefresh = 20

// maxPageTries is how often a post page is tried before giving up on it.
const maxPageTries = 3

func invalid(msg string) error { return &feedpoll.ValidationError{Msg: msg} }

// Add puts a learner on the roster: rawURL is their feed, or a page whose
// autodiscovery names it. It fetches at once; a first fetch that fails
// stores nothing and the *courses.FeedError says why. Adding a URL already
// on the roster returns that learner with created false. The feed's posts
// are harvested and matched right away.
func (s *Service) Add(ctx context.Context, rawURL string) (Learner, bool, error) {
	in, err := feedpoll.CheckInputURL(rawURL, "paste the URL of the learner's feed or site", "the URL")
	if err != nil {
		return Learner{}, false, err
	}
	found, err := feedpoll.Find(ctx, s.feeds, in, parseFeed, s.findExisting)
	if err != nil {
		return Learner{}, false, err
	}
	if found.Existing != nil {
		return *found.Existing, false, nil
	}
	fd, feedURL := found.Parsed, found.FeedURL
	var page pageData
	if found.Page != nil {
		// The learner pasted their site: its h-card names them.
		page = parsePage(found.Page.Body, found.Page.URL)
	}

	name := fd.Author
	if name == "" {
		name = page.Name
	}
	if name == "" {
		name = fd.Title
	}
	site := fd.SiteURL
	if site == "" {
		site = page.SiteURL
	}
	if site == "" && feedURL != in {
		site = in
	}
	if name == "" {
		name = feedpoll.HostOf(site)
	}
	if name == "" {
		name = feedpoll.HostOf(feedURL)
	}
	now := s.now()
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO roster_learners (name, site_url, feed_url, input_url, etag, last_modified,
			status, error, fetched_at, next_fetch_at, failures, created_at) VALUES (?, ?, ?, ?, ?, ?, 'ok', '', ?, ?, 0, ?)`,
			name, site, feedURL, in, found.Feed.ETag, found.Feed.LastModified,
			store.Millis(now), store.Millis(now.Add(s.poller.Interval())), store.Millis(now))
		if err != nil {
			return store.MapErr(err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.storePostsTx(ctx, tx, id, fd, now)
	})
	if errors.Is(err, store.ErrConflict) {
		l, ferr := s.findExisting(ctx, feedURL)
		return l, false, ferr
	}
	if err != nil {
		return Learner{}, false, err
	}
	if err := s.afterHarvest(ctx, id); err != nil {
		return Learner{}, false, err
	}
	s.logger.Info("roster: added", "learner", id, "feed", feedURL)
	l, err := s.Get(ctx, id)
	return l, err == nil, err
}

// storePostsTx inserts the feed's posts not seen before. A post whose item
// names no in-reply-to waits for its page to be read.
func (s *Service) storePostsTx(ctx context.Context, tx *sql.Tx, learnerID int64, fd *feedData, now time.Time) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO roster_posts (learner_id, guid, url, title, excerpt, published_at,
		in_reply_to, tags, page_state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (learner_id, guid) DO UPDATE SET title = excluded.title, excerpt = excluded.excerpt,
			tags = excluded.tags,
			in_reply_to = CASE WHEN excluded.in_reply_to != '' THEN excluded.in_reply_to ELSE roster_posts.in_reply_to END,
			url = CASE WHEN excluded.url != '' THEN excluded.url ELSE roster_posts.url END`)
	if err != nil {
		return store.MapErr(err)
	}
	defer st.Close()
	for _, p := range fd.Items {
		state := "done"
		if len(p.InReplyTo) == 0 && p.URL != "" {
			state = "pending"
		}
		if _, err := st.ExecContext(ctx, learnerID, p.GUID, p.URL, p.Title, p.Excerpt, nullTime(p.PublishedAt),
			strings.Join(p.InReplyTo, "\n"), strings.Join(p.Tags, "\n"), state, store.Millis(now)); err != nil {
			return store.MapErr(err)
		}
	}
	return nil
}

// Refresh fetches a learner's feed now, stores new posts, reads the pages
// of posts whose in-reply-to is unknown, and matches the posts to tasks. A
// failed fetch marks only this learner (status error, a readable error,
// backoff) and is returned; a 304 changes nothing but the fetch time.
func (s *Service) Refresh(ctx context.Context, id int64) error {
	defer s.poller.Lock(id)()
	err := s.poller.Fetch(ctx, id, func(f *feedpoll.Fetched) (feedpoll.Apply, error) {
		fd, err := parseFeed(f.Body, f.URL)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, tx *sql.Tx, now time.Time) error {
			return s.storePostsTx(ctx, tx, id, fd, now)
		}, nil
	})
	if err != nil {
		return err
	}
	return s.afterHarvest(ctx, id)
}

// afterHarvest reads pending post pages and matches the learner's posts.
func (s *Service) afterHarvest(ctx context.Context, learnerID int64) error {
	if err := s.readPages(ctx, learnerID); err != nil {
		return err
	}
	return s.matchPosts(ctx, learnerID)
}

// readPages fetches the pages of posts whose feed item named no
// in-reply-to and reads their u-in-reply-to (and p-category) from the
// microformats. A page that fails is tried again on later polls, up to
// maxPageTries; after that its post is matched by hashtag alone.
func (s *Service) readPages(ctx context.Context, learnerID int64) error {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, url, tags, page_tries FROM roster_posts
		WHERE learner_id = ? AND page_state = 'pending' ORDER BY id LIMIT ?`, learnerID, pageFetchesPerRefresh)
	if err != nil {
		return store.MapErr(err)
	}
	type pending struct {
		id        int64
		url, tags string
		tries     int
	}
	var list []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.url, &p.tags, &p.tries); err != nil {
			rows.Close()
			return store.MapErr(err)
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.MapErr(err)
	}
	for _, p := range list {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f, err := s.pages.Get(ctx, p.url, feedpoll.Validators{})
		if err == nil && (f.NotModified || !feedpoll.LooksLikeHTML(f.ContentType, f.Body)) {
			// Not a page with microformats: nothing to read, and nothing
			// to retry.
			_, err = s.db.W.ExecContext(ctx, `UPDATE roster_posts SET page_state = 'done' WHERE id = ?`, p.id)
			if err != nil {
				return store.MapErr(err)
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			state := "pending"
			if p.tries+1 >= maxPageTries {
				state = "failed"
			}
			if _, werr := s.db.W.ExecContext(ctx, `UPDATE roster_posts SET page_tries = page_tries + 1, page_state = ?
				WHERE id = ?`, state, p.id); werr != nil {
				return store.MapErr(werr)
			}
			continue
		}
		pd := parsePage(f.Body, f.URL)
		tags := splitLines(p.tags)
		for _, t := range pd.Tags {
			tags = appendUnique(tags, t, maxPostTags)
		}
		if _, err := s.db.W.ExecContext(ctx, `UPDATE roster_posts SET page_state = 'done', page_tries = page_tries + 1,
			in_reply_to = ?, tags = ? WHERE id = ?`, strings.Join(pd.InReplyTo, "\n"), strings.Join(tags, "\n"), p.id); err != nil {
			return store.MapErr(err)
		}
	}
	return nil
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
