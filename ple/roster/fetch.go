package roster

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/courses"
)

// Errors are the courses package's types, so the web layer's error
// mapping (400 for *courses.ValidationError, 422 for *courses.FeedError)
// applies to the roster unchanged.

const feedAccept = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"

// pageFetchesPerRefresh bounds the post pages one refresh reads for
// u-in-reply-to; the rest wait for the next poll.
const pageFetchesPerRefresh = 20

// maxPageTries is how often a post page is tried before giving up on it.
const maxPageTries = 3

type fetched struct {
	url          *url.URL
	notModified  bool
	body         []byte
	contentType  string
	etag         string
	lastModified string
}

func invalid(msg string) error { return &courses.ValidationError{Msg: msg} }

func (s *Service) fetch(ctx context.Context, rawURL, etag, lastModified string, limit int64) (*fetched, error) {
	opts := []netx.RequestOption{netx.WithMaxBody(limit), netx.WithHeader("Accept", feedAccept)}
	if etag != "" {
		opts = append(opts, netx.WithHeader("If-None-Match", etag))
	}
	if lastModified != "" {
		opts = append(opts, netx.WithHeader("If-Modified-Since", lastModified))
	}
	resp, err := s.net.Get(ctx, rawURL, opts...)
	if err != nil {
		return nil, &courses.FeedError{URL: rawURL, Msg: readableFetchError(err, limit), Err: err}
	}
	f := &fetched{url: resp.URL, contentType: resp.Header.Get("Content-Type")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		f.notModified = true
		return f, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		f.body, f.etag, f.lastModified = resp.Body, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		return f, nil
	}
	text := strconv.Itoa(resp.StatusCode)
	if t := http.StatusText(resp.StatusCode); t != "" {
		text += " " + t
	}
	fe := &courses.FeedError{URL: rawURL, StatusCode: resp.StatusCode, Err: fmt.Errorf("HTTP %d", resp.StatusCode),
		Msg: "the learner's site answered " + text}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && n > 0 {
			fe.RetryAfter = min(time.Duration(n)*time.Second, 7*24*time.Hour)
		}
	}
	return nil, fe
}

func readableFetchError(err error, limit int64) string {
	var dnsErr *net.DNSError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var ne net.Error
	switch {
	case errors.Is(err, netx.ErrBodyTooLarge):
		return fmt.Sprintf("the answer is larger than %d KiB", limit>>10)
	case errors.Is(err, netx.ErrBlockedAddress):
		return "the learner's site is on a private or local network address, which Cairn does not fetch " +
			"(CAIRN_ALLOW_PRIVATE_NETWORK=1 allows it)"
	case errors.Is(err, netx.ErrTooManyRedirects):
		return "the learner's site redirected too many times"
	case errors.Is(err, netx.ErrUnsupportedScheme):
		return "the learner's site redirected to an address that is not http or https"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the learner's site timed out"
	case errors.Is(err, context.Canceled):
		return "the fetch was cancelled"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the learner's site name %q could not be found", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the learner's site refused the connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the learner's site closed the connection"
	case errors.As(err, &certErr), errors.As(err, &hostErr):
		return "the learner's site has no valid TLS certificate"
	}
	return "the feed could not be fetched: " + err.Error()
}

func feedFailure(u string, err error) *courses.FeedError {
	var fe *courses.FeedError
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, errNotFeed) {
		return &courses.FeedError{URL: u, Err: courses.ErrNotFeed, Msg: "this is not an RSS, Atom or JSON feed"}
	}
	return &courses.FeedError{URL: u, Err: err, Msg: err.Error()}
}

func validateURL(raw string) (string, error) {
	in := strings.TrimSpace(raw)
	if in == "" {
		return "", invalid("paste the URL of the learner's feed or site")
	}
	if len(in) > maxURL {
		return "", invalid(fmt.Sprintf("the URL is longer than %d characters", maxURL))
	}
	u, err := url.Parse(in)
	if err != nil {
		return "", invalid("that is not a valid URL")
	}
	if sc := strings.ToLower(u.Scheme); sc != "http" && sc != "https" {
		return "", invalid("the URL must start with http:// or https://")
	}
	if u.Hostname() == "" {
		return "", invalid("the URL has no host name")
	}
	if u.User != nil {
		return "", invalid("the URL must not contain a user name or password")
	}
	return in, nil
}

// Add puts a learner on the roster: rawURL is their feed, or a page whose
// autodiscovery names it. It fetches at once; a first fetch that fails
// stores nothing and the *courses.FeedError says why. Adding a URL already
// on the roster returns that learner with created false. The feed's posts
// are harvested and matched right away.
func (s *Service) Add(ctx context.Context, rawURL string) (Learner, bool, error) {
	in, err := validateURL(rawURL)
	if err != nil {
		return Learner{}, false, err
	}
	if l, err := s.findExisting(ctx, in); err == nil {
		return l, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Learner{}, false, err
	}
	f, err := s.fetch(ctx, in, "", "", MaxFeedBody)
	if err != nil {
		return Learner{}, false, err
	}
	feedURL := in
	var page pageData
	fd, perr := parseFeed(f.body, f.url)
	if errors.Is(perr, errNotFeed) && looksLikeHTML(f.contentType, f.body) {
		page = parsePage(f.body, f.url)
		cands := discoverFeeds(f.body, f.url)
		if len(cands) == 0 {
			return Learner{}, false, &courses.FeedError{URL: in, Err: courses.ErrNoFeedFound,
				Msg: "no feed found at " + in + `: the page has no <link rel="alternate"> to an RSS, Atom or JSON feed`}
		}
		var first error
		for _, cand := range cands[:min(len(cands), 3)] {
			if l, err := s.findExisting(ctx, cand); err == nil {
				return l, false, nil
			}
			ff, err := s.fetch(ctx, cand, "", "", MaxFeedBody)
			if err == nil {
				fd, err = parseFeed(ff.body, ff.url)
			}
			if err == nil {
				f, feedURL, perr = ff, cand, nil
				break
			}
			if first == nil {
				fe := feedFailure(cand, err)
				first = &courses.FeedError{URL: cand, StatusCode: fe.StatusCode, Err: fe,
					Msg: fmt.Sprintf("the feed %s named by the page: %s", cand, fe.Msg)}
			}
		}
		if perr != nil {
			return Learner{}, false, first
		}
	} else if perr != nil {
		return Learner{}, false, feedFailure(in, perr)
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
		name = hostOf(site)
	}
	if name == "" {
		name = hostOf(feedURL)
	}
	now := s.now()
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO roster_learners (name, site_url, feed_url, input_url, etag, last_modified,
			status, error, fetched_at, next_fetch_at, failures, created_at) VALUES (?, ?, ?, ?, ?, ?, 'ok', '', ?, ?, 0, ?)`,
			name, site, feedURL, in, f.etag, f.lastModified, store.Millis(now), store.Millis(now.Add(s.interval())), store.Millis(now))
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
	unlock := s.lock(id)
	defer unlock()
	var feedURL, etag, lastModified string
	var failures int
	err := s.db.R.QueryRowContext(ctx, `SELECT feed_url, etag, last_modified, failures FROM roster_learners WHERE id = ?`, id).
		Scan(&feedURL, &etag, &lastModified, &failures)
	if err != nil {
		return store.MapErr(err)
	}
	f, err := s.fetch(ctx, feedURL, etag, lastModified, MaxFeedBody)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	var fd *feedData
	if err == nil && !f.notModified {
		if fd, err = parseFeed(f.body, f.url); err != nil {
			err = feedFailure(feedURL, err)
		}
	}
	now := s.now()
	if err != nil {
		failures++
		delay := s.backoff(failures)
		msg := err.Error()
		var fe *courses.FeedError
		if errors.As(err, &fe) {
			delay = max(delay, fe.RetryAfter)
		}
		s.logger.Info("roster: fetch failed", "learner", id, "failures", failures, "error", msg)
		_, werr := s.db.W.ExecContext(ctx, `UPDATE roster_learners SET status = 'error', error = ?, fetched_at = ?,
			failures = ?, next_fetch_at = ? WHERE id = ?`, msg, store.Millis(now), failures, store.Millis(now.Add(delay)), id)
		return errors.Join(err, store.MapErr(werr))
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE roster_learners SET status = 'ok', error = '', fetched_at = ?, failures = 0,
			next_fetch_at = ? WHERE id = ?`, store.Millis(now), store.Millis(now.Add(s.interval())), id)
		if err != nil {
			return store.MapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		if fd == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE roster_learners SET etag = ?, last_modified = ? WHERE id = ?`,
			f.etag, f.lastModified, id); err != nil {
			return store.MapErr(err)
		}
		return s.storePostsTx(ctx, tx, id, fd, now)
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
		f, err := s.fetch(ctx, p.url, "", "", MaxPageBody)
		if err == nil && (f.notModified || !looksLikeHTML(f.contentType, f.body)) {
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
		pd := parsePage(f.body, f.url)
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

// backoff is PollInterval doubled per consecutive failure, at most
// MaxBackoff.
func (s *Service) backoff(failures int) time.Duration {
	d := s.interval()
	for i := 1; i < failures && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
