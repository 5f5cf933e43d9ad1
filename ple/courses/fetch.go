package courses

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
)

// feedAccept asks for feeds first; pages are accepted for autodiscovery.
const feedAccept = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"

// fetched is one response worth reading.
type fetched struct {
	url          *url.URL // final URL, after redirects
	notModified  bool
	body         []byte
	contentType  string
	etag         string
	lastModified string
}

// fetch GETs rawURL through netx, conditionally when etag or lastModified
// are known. Every failure is a *FeedError with a readable message.
func (s *Service) fetch(ctx context.Context, rawURL, etag, lastModified string) (*fetched, error) {
	opts := []netx.RequestOption{netx.WithMaxBody(MaxFeedBody), netx.WithHeader("Accept", feedAccept)}
	if etag != "" {
		opts = append(opts, netx.WithHeader("If-None-Match", etag))
	}
	if lastModified != "" {
		opts = append(opts, netx.WithHeader("If-Modified-Since", lastModified))
	}
	resp, err := s.net.Get(ctx, rawURL, opts...)
	if err != nil {
		return nil, &FeedError{URL: rawURL, Msg: readableFetchError(err), Err: err}
	}
	f := &fetched{url: resp.URL, contentType: resp.Header.Get("Content-Type")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		f.notModified = true
		return f, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		f.body = resp.Body
		f.etag = resp.Header.Get("ETag")
		f.lastModified = resp.Header.Get("Last-Modified")
		return f, nil
	}
	fe := &FeedError{URL: rawURL, StatusCode: resp.StatusCode, Err: fmt.Errorf("HTTP %d", resp.StatusCode)}
	switch resp.StatusCode {
	case http.StatusGone:
		fe.Msg = "the feed is gone (410)"
	default:
		fe.Msg = "the course site answered " + statusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		fe.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), s.now())
	}
	return nil, fe
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return strconv.Itoa(code)
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// readableFetchError says in words why a fetch failed.
func readableFetchError(err error) string {
	var dnsErr *net.DNSError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	var ne net.Error
	switch {
	case errors.Is(err, netx.ErrBodyTooLarge):
		return fmt.Sprintf("the feed is larger than %d MiB", MaxFeedBody>>20)
	case errors.Is(err, netx.ErrBlockedAddress):
		return "the course site is on a private or local network address, which Cairn does not fetch " +
			"(CAIRN_ALLOW_PRIVATE_NETWORK=1 allows it)"
	case errors.Is(err, netx.ErrTooManyRedirects):
		return "the course site redirected too many times"
	case errors.Is(err, netx.ErrUnsupportedScheme):
		return "the course site redirected to an address that is not http or https"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the course site timed out (no complete answer in time)"
	case errors.Is(err, context.Canceled):
		return "the fetch was cancelled"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the course site's name %q could not be found", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the course site refused the connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the course site closed the connection"
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return "the course site's TLS certificate is not valid"
	}
	return "the feed could not be fetched: " + err.Error()
}

// feedFailure turns a parse error into a FeedError for url.
func feedFailure(u string, err error) *FeedError {
	var fe *FeedError
	if errors.As(err, &fe) {
		return fe
	}
	return &FeedError{URL: u, Msg: err.Error(), Err: err}
}

// Refresh fetches a course's feed now and applies it. A failure is
// recorded on the course (status error, a readable error, one more
// failure, a later next_fetch_at) and also returned; the course's tasks
// do not change. A 304 Not Modified is a success that changes nothing but
// the fetch time. An unknown course is store.ErrNotFound.
func (s *Service) Refresh(ctx context.Context, id int64) error {
	unlock := s.lock(id)
	defer unlock()
	var c struct {
		feedURL, etag, lastModified string
		failures                    int
	}
	err := s.db.R.QueryRowContext(ctx, `SELECT feed_url, etag, last_modified, failures FROM courses WHERE id = ?`, id).
		Scan(&c.feedURL, &c.etag, &c.lastModified, &c.failures)
	if err != nil {
		return store.MapErr(err)
	}
	f, err := s.fetch(ctx, c.feedURL, c.etag, c.lastModified)
	if err != nil && ctx.Err() != nil {
		// Shutting down (or the caller gave up): not the course's fault.
		return ctx.Err()
	}
	if err == nil && f.notModified {
		return s.recordSuccess(ctx, id, nil, nil)
	}
	var pf *ParsedFeed
	if err == nil {
		pf, err = ParseFeed(f.body, f.url)
		if err != nil {
			err = feedFailure(c.feedURL, err)
		}
	}
	if err != nil {
		if rerr := s.recordFailure(ctx, id, c.failures, err); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return s.recordSuccess(ctx, id, f, pf)
}

// recordSuccess marks the course fetched and, for a 200, applies the feed
// in the same transaction.
func (s *Service) recordSuccess(ctx context.Context, id int64, f *fetched, pf *ParsedFeed) error {
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE courses SET status = 'ok', error = '', fetched_at = ?, failures = 0, next_fetch_at = ? WHERE id = ?`
		res, err := tx.ExecContext(ctx, q, store.Millis(now), store.Millis(now.Add(s.interval())), id)
		if err != nil {
			return store.MapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound // unfollowed while we fetched
		}
		if pf == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE courses SET etag = ?, last_modified = ?,
			name = CASE WHEN ? != '' THEN ? ELSE name END,
			site_url = CASE WHEN ? != '' THEN ? ELSE site_url END,
			hashtag = CASE WHEN ? != '' THEN ? ELSE hashtag END WHERE id = ?`,
			f.etag, f.lastModified, pf.Title, pf.Title, pf.SiteURL, pf.SiteURL, pf.Hashtag, pf.Hashtag, id); err != nil {
			return store.MapErr(err)
		}
		return s.applyTx(ctx, tx, id, pf, now)
	})
}

// recordFailure stores a failed fetch: status error, the readable reason,
// one more failure and the backoff. Nothing else about the course changes.
func (s *Service) recordFailure(ctx context.Context, id int64, failures int, cause error) error {
	now := s.now()
	failures++
	delay := s.backoff(failures)
	msg := cause.Error()
	var fe *FeedError
	if errors.As(cause, &fe) {
		msg = fe.Msg
		delay = max(delay, fe.RetryAfter)
	}
	s.logger.Info("courses: fetch failed", "course", id, "failures", failures, "next_in", delay, "error", msg)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE courses SET status = 'error', error = ?, fetched_at = ?,
			failures = ?, next_fetch_at = ? WHERE id = ?`,
			msg, store.Millis(now), failures, store.Millis(now.Add(delay)), id)
		return store.MapErr(err)
	})
}

// backoff is the delay after the n-th consecutive failure: PollInterval,
// doubling per failure, at most MaxBackoff. There is no jitter: a single
// learner's instance polls a handful of different sites, so there is no
// herd to spread.
func (s *Service) backoff(failures int) time.Duration {
	d := s.interval()
	for i := 1; i < failures && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}
