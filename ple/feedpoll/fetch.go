package feedpoll

import (
	"context"
	"crypto/x509"
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
)

// accept asks for feeds first; pages are accepted for autodiscovery.
const accept = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"

// maxRetryAfter bounds how far a Retry-After header can push a poll.
const maxRetryAfter = 7 * 24 * time.Hour

// Fetcher GETs feeds and pages through the one outbound client (never
// gofeed's ParseURL, which would bypass internal/netx's guards). Every
// failure is a *FeedError whose Msg says in words what went wrong.
type Fetcher struct {
	Client *netx.Client
	// Site names the far end in messages: "the course site", "the
	// learner's site".
	Site string
	// MaxBody is the largest body read; a larger one is a FeedError.
	MaxBody int64
	// Now is the clock a Retry-After date is read against.
	Now func() time.Time
}

// Validators are what a conditional GET sends back: the ETag and
// Last-Modified of the last 200. Empty ones ask unconditionally.
type Validators struct {
	ETag         string
	LastModified string
}

// Fetched is one response worth reading: a 2xx or a 304.
type Fetched struct {
	URL         *url.URL // the final URL, after redirects: resolve relative links against it
	NotModified bool     // a 304: Body is empty and nothing changed
	Body        []byte
	ContentType string
	Validators  // of this response, for the next conditional GET
}

// Get fetches rawURL, conditionally when v holds validators.
func (f *Fetcher) Get(ctx context.Context, rawURL string, v Validators) (*Fetched, error) {
	opts := []netx.RequestOption{netx.WithMaxBody(f.MaxBody), netx.WithHeader("Accept", accept)}
	if v.ETag != "" {
		opts = append(opts, netx.WithHeader("If-None-Match", v.ETag))
	}
	if v.LastModified != "" {
		opts = append(opts, netx.WithHeader("If-Modified-Since", v.LastModified))
	}
	resp, err := f.Client.Get(ctx, rawURL, opts...)
	if err != nil {
		return nil, &FeedError{URL: rawURL, Msg: f.readableFetchError(err), Err: err}
	}
	out := &Fetched{URL: resp.URL, ContentType: resp.Header.Get("Content-Type")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		out.Body = resp.Body
		out.Validators = Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
		return out, nil
	}
	return nil, f.statusError(rawURL, resp)
}

// statusError says what an HTTP error answer means. A 429 or 503 carries
// the site's Retry-After, which the backoff then honours.
func (f *Fetcher) statusError(rawURL string, resp *netx.Response) *FeedError {
	fe := &FeedError{URL: rawURL, StatusCode: resp.StatusCode, Err: fmt.Errorf("HTTP %d", resp.StatusCode)}
	switch resp.StatusCode {
	case http.StatusGone:
		fe.Msg = "the feed is gone (410)"
	default:
		fe.Msg = f.Site + " answered " + statusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		fe.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), f.Now())
	}
	return fe
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
func (f *Fetcher) readableFetchError(err error) string {
	var dnsErr *net.DNSError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	var ne net.Error
	switch {
	case errors.Is(err, netx.ErrBodyTooLarge):
		return "the feed is larger than " + sizeText(f.MaxBody)
	case errors.Is(err, netx.ErrBlockedAddress):
		return f.Site + " is on a private or local network address, which Cairn does not fetch " +
			"(CAIRN_ALLOW_PRIVATE_NETWORK=1 allows it)"
	case errors.Is(err, netx.ErrTooManyRedirects):
		return f.Site + " redirected too many times"
	case errors.Is(err, netx.ErrUnsupportedScheme):
		return f.Site + " redirected to an address that is not http or https"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return f.Site + " timed out (no complete answer in time)"
	case errors.Is(err, context.Canceled):
		return "the fetch was cancelled"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("%s's name %q could not be found", f.Site, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return f.Site + " refused the connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return f.Site + " closed the connection"
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return f.Site + "'s TLS certificate is not valid"
	}
	return "the feed could not be fetched: " + err.Error()
}

// sizeText writes a body limit the way people read it: whole MiB, else KiB.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
