package courses

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/cairn-pl/cairn/internal/store"
)

// maxInputURL bounds a pasted URL.
const maxInputURL = 2048

// ErrNoFeedFound means a page was fetched but names no feed.
var ErrNoFeedFound = errors.New("no feed found")

// maxCandidates is how many autodiscovered feeds Follow tries, best first.
const maxCandidates = 3

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
	in, err := validateURL(rawURL)
	if err != nil {
		return Course{}, false, err
	}
	if c, err := s.findExisting(ctx, in); err == nil {
		return c, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Course{}, false, err
	}

	f, err := s.fetch(ctx, in, "", "")
	if err != nil {
		return Course{}, false, err
	}
	feedURL := in
	pf, perr := ParseFeed(f.body, f.url)
	if errors.Is(perr, ErrNotFeed) && looksLikeHTML(f.contentType, f.body) {
		// A page: follow its autodiscovery links.
		cands := discoverFeeds(f.body, f.url)
		if len(cands) == 0 {
			return Course{}, false, &FeedError{URL: in, Err: ErrNoFeedFound,
				Msg: "no feed found at " + in + `: the page has no <link rel="alternate"> to an RSS, Atom or JSON feed`}
		}
		var first error
		for _, cand := range cands[:min(len(cands), maxCandidates)] {
			if c, err := s.findExisting(ctx, cand); err == nil {
				return c, false, nil
			}
			var ff *fetched
			ff, perr = s.fetch(ctx, cand, "", "")
			if perr == nil {
				pf, perr = ParseFeed(ff.body, ff.url)
			}
			if perr == nil {
				f, feedURL = ff, cand
				break
			}
			if first == nil {
				fe := feedFailure(cand, perr)
				first = &FeedError{URL: cand, StatusCode: fe.StatusCode, Err: fe,
					Msg: fmt.Sprintf("the feed %s named by the page: %s", cand, fe.Msg)}
			}
		}
		if perr != nil {
			return Course{}, false, first
		}
	} else if perr != nil {
		return Course{}, false, feedFailure(in, perr)
	}

	c, created, err := s.insertCourse(ctx, in, feedURL, f, pf)
	if err != nil {
		return Course{}, false, err
	}
	if created {
		s.logger.Info("courses: following", "course", c.ID, "feed", feedURL, "tasks", c.Tasks)
	}
	return c, created, nil
}

// validateURL checks a pasted URL: http(s), with a host, no credentials.
func validateURL(raw string) (string, error) {
	in := strings.TrimSpace(raw)
	if in == "" {
		return "", &ValidationError{Msg: "paste the URL of a course feed or of the course page"}
	}
	if len(in) > maxInputURL {
		return "", &ValidationError{Msg: fmt.Sprintf("the URL is longer than %d characters", maxInputURL)}
	}
	u, err := url.Parse(in)
	if err != nil {
		return "", &ValidationError{Msg: "that is not a valid URL"}
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", &ValidationError{Msg: "the course URL must start with http:// or https://"}
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", &ValidationError{Msg: "the course URL has no host name"}
	}
	if u.User != nil {
		return "", &ValidationError{Msg: "the course URL must not contain a user name or password"}
	}
	return in, nil
}

// insertCourse stores a new course and its tasks in one transaction. If
// another Follow stored the same feed meanwhile, that course is returned
// with created false.
func (s *Service) insertCourse(ctx context.Context, in, feedURL string, f *fetched, pf *ParsedFeed) (Course, bool, error) {
	now := s.now()
	name := pf.Title
	if name == "" {
		name = hostOf(pf.SiteURL)
	}
	if name == "" {
		name = hostOf(feedURL)
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO courses (name, site_url, feed_url, input_url, hashtag, etag, last_modified,
			status, error, fetched_at, next_fetch_at, failures, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'ok', '', ?, ?, 0, ?)`,
			name, pf.SiteURL, feedURL, in, pf.Hashtag, f.etag, f.lastModified,
			store.Millis(now), store.Millis(now.Add(s.interval())), store.Millis(now))
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

// looksLikeHTML reports whether a response is an HTML page: by its media
// type, or, when the server says nothing useful, by its first bytes.
func looksLikeHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		if mt == "text/html" || mt == "application/xhtml+xml" {
			return true
		}
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 1024)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html")) ||
		bytes.Contains(head, []byte("<head"))
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
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
