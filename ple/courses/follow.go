package courses

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// ErrNoFeedFound means a page was fetched but names no feed.
var ErrNoFeedFound = feedpoll.ErrNoFeedFound

// Follow starts following the course at rawURL: a feed URL, or a page
// whose autodiscovery links lead to one. It fetches synchronously; a new
// course whose first fetch fails is not stored, and the *FeedError says
// why in words. A URL that is not http(s) is a *ValidationError.
//
// Following a URL already followed (as a feed URL or as the URL pasted
// then) returns that course with created false, without fetching. On
// success the course (name from the feed title, site URL from the feed's
// link, hashtag from its categories or a #tag in its title or description)
// and its tasks are stored in one transaction.
func (s *Service) Follow(ctx context.Context, rawURL string) (Course, bool, error) {
	in, err := feedpoll.CheckInputURL(rawURL, "paste the URL of a course feed or of the course page", "the course URL")
	if err != nil {
		return Course{}, false, err
	}
	found, err := feedpoll.Find(ctx, s.fetcher, in, ParseFeed, s.findExisting)
	if err != nil {
		return Course{}, false, err
	}
	if found.Existing != nil {
		return *found.Existing, false, nil
	}
	c, created, err := s.insertCourse(ctx, in, found.FeedURL, found.Feed, found.Parsed)
	if err != nil {
		return Course{}, false, err
	}
	if created {
		s.logger.Info("courses: following", "course", c.ID, "feed", found.FeedURL, "tasks", c.Tasks)
	}
	return c, created, nil
}

// insertCourse stores a new course and its tasks in one transaction. If
// another Follow stored the same feed meanwhile, that course is returned
// with created false.
func (s *Service) insertCourse(ctx context.Context, in, feedURL string, f *feedpoll.Fetched, pf *ParsedFeed) (Course, bool, error) {
	now := s.now()
	name := pf.Title
	if name == "" {
		name = feedpoll.HostOf(pf.SiteURL)
	}
	if name == "" {
		name = feedpoll.HostOf(feedURL)
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO courses (name, site_url, feed_url, input_url, hashtag, etag, last_modified,
			status, error, fetched_at, next_fetch_at, failures, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'ok', '', ?, ?, 0, ?)`,
			name, pf.SiteURL, feedURL, in, pf.Hashtag, f.ETag, f.LastModified,
			store.Millis(now), store.Millis(now.Add(s.poller.Interval())), store.Millis(now))
		if err != nil {
			return store.MapErr(err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.applyTx(ctx, tx, id, pf, now)
	})
	if errors.Is(err, store.ErrConflict) {
		c, ferr := s.findExisting(ctx, feedURL)
		if ferr != nil {
			return Course{}, false, ferr
		}
		return c, false, nil
	}
	if err != nil {
		return Course{}, false, err
	}
	c, err := s.Get(ctx, id)
	return c, err == nil, err
}

// origin returns scheme://host[:port] of an http(s) URL, or "".
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	return scheme + "://" + strings.ToLower(u.Host)
}
