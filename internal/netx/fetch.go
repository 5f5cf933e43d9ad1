package netx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ErrBodyTooLarge is returned (wrapped) when a body exceeds its cap.
var ErrBodyTooLarge = errors.New("netx: response body too large")

// Response is a fetched resource with its body already read (and capped), so
// callers cannot forget to close or limit it.
type Response struct {
	URL        *url.URL // final URL, after redirects: resolve relative links against it
	StatusCode int
	Header     http.Header
	Body       []byte
}

// RequestOption adjusts one Fetch or Get.
type RequestOption func(*requestConfig)

type requestConfig struct {
	header       http.Header
	maxBody      int64
	maxRedirects *int
}

// WithHeader sets a request header, e.g. If-None-Match or If-Modified-Since
// for conditional feed polls, or Accept.
func WithHeader(key, value string) RequestOption {
	return func(c *requestConfig) {
		if c.header == nil {
			c.header = http.Header{}
		}
		c.header.Set(key, value)
	}
}

// WithMaxBody caps the body at n bytes instead of MaxPageBody (use
// MaxImageBody for images).
func WithMaxBody(n int64) RequestOption {
	return func(c *requestConfig) { c.maxBody = n }
}

// WithMaxRedirects overrides the client's redirect limit for this request
// (Webmention source verification allows 20); n <= 0 follows none.
func WithMaxRedirects(n int) RequestOption {
	return func(c *requestConfig) { c.maxRedirects = &n }
}

// Get fetches rawURL and reads its body (at most MaxPageBody unless
// WithMaxBody says otherwise). A non-2xx status is not an error: callers
// check StatusCode (304 Not Modified matters to feed polling).
func (c *Client) Get(ctx context.Context, rawURL string, opts ...RequestOption) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("netx: %w", err)
	}
	return c.Fetch(req, opts...)
}

// Fetch sends req (any method, e.g. a Webmention POST) and reads its body
// under the cap, as Get does.
func (c *Client) Fetch(req *http.Request, opts ...RequestOption) (*Response, error) {
	cfg := requestConfig{maxBody: MaxPageBody}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxBody <= 0 {
		cfg.maxBody = MaxPageBody
	}
	if cfg.header != nil || cfg.maxRedirects != nil {
		ctx := req.Context()
		if cfg.maxRedirects != nil {
			ctx = withMaxRedirects(ctx, *cfg.maxRedirects)
		}
		req = req.Clone(ctx) // do not mutate the caller's request
		for k, v := range cfg.header {
			req.Header[k] = v
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	var body []byte
	if resp.ContentLength > cfg.maxBody {
		// Refuse early instead of reading a body we will throw away.
		err = tooLarge(cfg.maxBody)
	} else {
		body, err = ReadBody(resp.Body, cfg.maxBody)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, final.Redacted(), err)
	}
	return &Response{URL: final, StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// ReadBody reads r to the end, failing with ErrBodyTooLarge as soon as more
// than limit bytes arrive; limit <= 0 means MaxPageBody. It reads one byte
// past the cap so a body of exactly limit bytes is accepted.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = MaxPageBody
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(limit)
	}
	return b, nil
}

func tooLarge(limit int64) error {
	return fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
}
