package webmention

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
)

// MaxRetryAfter caps a server's Retry-After so a hostile endpoint cannot park
// a job for years.
const MaxRetryAfter = 24 * time.Hour

// maxSendRedirects bounds the redirects Send follows for one POST.
const maxSendRedirects = 5

// Outcome says what became of a mention that was not an error.
type Outcome int

const (
	// Accepted: the endpoint answered 2xx (or 303 See Other).
	Accepted Outcome = iota + 1
	// NoEndpoint: the target advertises no endpoint; nothing was sent and
	// there is nothing to retry.
	NoEndpoint
)

func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case NoEndpoint:
		return "no endpoint"
	}
	return "unknown"
}

// Result is a successful send, or (Outcome NoEndpoint) a target that takes no
// Webmentions.
type Result struct {
	Outcome  Outcome
	Endpoint string // the endpoint posted to (after Send's own redirects: the last one)
	Status   int    // the endpoint's HTTP status: 200, 201, 202, 303...
	Location string // absolute Location of a 201 (status page) or 303, if any
}

// SendError is every failure of Discover, Send and SendMention. A job maps it
// as: Retryable → try again after at least RetryAfter (0: the job's own
// backoff); otherwise give up and show Msg. errors.Is still reaches the cause
// (ErrNoEndpoint, netx.ErrBlockedAddress, context.Canceled...).
type SendError struct {
	Op         string        // "discover" or "send"
	URL        string        // the target (discover) or endpoint (send)
	Status     int           // HTTP status, 0 when there was no response
	Retryable  bool          // network errors, timeouts, 5xx, 408, 429
	RetryAfter time.Duration // from Retry-After on 429/503, capped at MaxRetryAfter
	Msg        string        // what happened, safe to log and show to the owner
	Err        error         // the cause, if any
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("webmention: ")
	b.WriteString(e.Op)
	if e.URL != "" {
		b.WriteString(" ")
		b.WriteString(e.URL)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil && (e.Msg == "" || e.Status == 0) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Retryable reports whether the operation that returned err (any error from
// this package) may succeed if repeated, and the least wait the server asked
// for. Unknown errors are treated as transient.
func Retryable(err error) (retry bool, after time.Duration) {
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable, se.RetryAfter
	}
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Retryable, ve.RetryAfter
	}
	if err == nil {
		return false, 0
	}
	return retryableNetError(err), 0
}

// retryableNetError: policy refusals and oversize bodies will fail the same
// way next time; everything else (timeouts, resets, DNS, TLS, cancellation
// at shutdown) might not.
func retryableNetError(err error) bool {
	switch {
	case errors.Is(err, netx.ErrBlockedAddress),
		errors.Is(err, netx.ErrUnsupportedScheme),
		errors.Is(err, netx.ErrTooManyRedirects),
		errors.Is(err, netx.ErrBodyTooLarge):
		return false
	}
	return true
}

func netError(op, u string, err error) *SendError {
	msg := "network error"
	switch {
	case errors.Is(err, netx.ErrBlockedAddress):
		msg = "address not allowed"
	case errors.Is(err, netx.ErrTooManyRedirects):
		msg = "too many redirects"
	case errors.Is(err, netx.ErrUnsupportedScheme):
		msg = "redirected to a non-http(s) URL"
	case errors.Is(err, context.DeadlineExceeded):
		msg = "timed out"
	case errors.Is(err, context.Canceled):
		msg = "cancelled"
	}
	return &SendError{Op: op, URL: u, Retryable: retryableNetError(err), Msg: msg, Err: err}
}

// statusError classifies a non-success HTTP status: 5xx, 408 and 429 may be
// retried (429 and 503 honour Retry-After), other 4xx and anything else are
// permanent.
func statusError(op, u string, resp *http.Response, body []byte) *SendError {
	code := resp.StatusCode
	e := &SendError{Op: op, URL: u, Status: code}
	switch {
	case code >= 500 && code <= 599, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		e.Retryable = true
	}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	e.Msg = http.StatusText(code)
	if t := plainText(string(body), 200); t != "" {
		if e.Msg != "" {
			e.Msg += ": "
		}
		e.Msg += t
	}
	return e
}

// parseRetryAfter reads delay-seconds or an HTTP-date (RFC 9110 §10.2.3),
// giving 0 for anything else or a time already past, and at most
// MaxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseUint(v, 10, 63); err == nil || errors.Is(err, strconv.ErrRange) {
		if err != nil || n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// Send POSTs source and target form-encoded to endpoint (Webmention §3.1.3).
// Any 2xx is success; 201's Location is returned absolute. The endpoint's
// query string stays in the URL (webmention.rocks #21). Redirects are
// followed by re-POSTing the same body (301, 302, 307, 308; up to 5), never
// by turning the POST into a GET, which would report a GET's 200 as
// acceptance; 303 See Other means the endpoint accepted and points at a
// status page, so it counts as success. Failures are *SendError.
func Send(ctx context.Context, client *netx.Client, endpoint, source, target string) (Result, error) {
	cur, ok := parseHTTPURL(endpoint)
	if !ok {
		return Result{}, &SendError{Op: "send", URL: endpoint, Msg: "endpoint is not an absolute http(s) URL"}
	}
	form := url.Values{"source": {source}, "target": {target}}.Encode()
	// The netx client's transport (dial guard, timeouts, User-Agent) with
	// redirects handed back to us: http.Client would follow a 301/302/303
	// with a GET and no body.
	hc := client.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cur.String(), strings.NewReader(form))
		if err != nil {
			return Result{}, &SendError{Op: "send", URL: cur.String(), Msg: "bad endpoint URL", Err: err}
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := hc.Do(req)
		if err != nil {
			return Result{}, netError("send", cur.String(), err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10)) // for the error message only
		resp.Body.Close()
		code := resp.StatusCode
		switch {
		case code >= 200 && code <= 299, code == http.StatusSeeOther:
			res := Result{Outcome: Accepted, Endpoint: cur.String(), Status: code}
			if loc := resp.Header.Get("Location"); loc != "" {
				if u, ok := resolve(cur, loc); ok {
					res.Location = u.String()
				}
			}
			return res, nil
		case code == http.StatusMovedPermanently, code == http.StatusFound,
			code == http.StatusTemporaryRedirect, code == http.StatusPermanentRedirect:
			next, ok := resolve(cur, resp.Header.Get("Location"))
			if !ok {
				return Result{}, &SendError{Op: "send", URL: cur.String(), Status: code, Msg: "redirect without a usable http(s) Location"}
			}
			if hop >= maxSendRedirects {
				return Result{}, &SendError{Op: "send", URL: cur.String(), Status: code, Msg: "too many redirects", Err: netx.ErrTooManyRedirects}
			}
			cur = withoutFragment(next)
		default:
			return Result{}, statusError("send", cur.String(), resp, body)
		}
	}
}

// SendMention discovers target's endpoint and sends source to it: the whole
// sender side for one (source, target) pair. Call it again for every target
// on each update and after a delete; endpoints are never cached (webmention
// .rocks update tests hand out one-time endpoints). A target without an
// endpoint is Outcome NoEndpoint with a nil error. target is sent exactly as
// given: pass the URL as it is written in the post.
func SendMention(ctx context.Context, client *netx.Client, source, target string) (Result, error) {
	ep, err := Discover(ctx, client, target)
	if errors.Is(err, ErrNoEndpoint) {
		return Result{Outcome: NoEndpoint}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Send(ctx, client, ep, source, target)
}
