// Package netx is Cairn's one outbound HTTP client. Every fetch that outside
// input can trigger (feeds, Webmention discovery and verification, issuer and
// credential look-ups, images) goes through it, so the SSRF guard, timeouts,
// redirect and body caps live in one place.
//
// The guard runs in net.Dialer.Control, after DNS resolution and before
// connect(2), on every address actually dialled, including redirect targets;
// checking the host name before the request could be bypassed by DNS
// rebinding. The pattern follows miniflux (reader/fetcher/request_builder.go)
// and GoToSocial (internal/httpclient/sanitizer.go).
//
// netx reads no environment: internal/config maps CAIRN_ALLOW_PRIVATE_NETWORK
// to Options.AllowPrivate, and HTTP(S)_PROXY is ignored on purpose (a proxy
// would be dialled instead of the target and defeat the guard).
package netx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// Defaults from DESIGN.md "Security rules".
const (
	DefaultTimeout        = 10 * time.Second // whole request, body included
	ConnectTimeout        = 5 * time.Second
	TLSHandshakeTimeout   = 5 * time.Second
	ResponseHeaderTimeout = 10 * time.Second
	DefaultMaxRedirects   = 5
	DefaultUserAgent      = "Cairn/dev"

	MaxPageBody  int64 = 1 << 20 // 1 MiB: HTML, feeds, JSON documents
	MaxImageBody int64 = 4 << 20 // 4 MiB: baked badges, avatars
)

var (
	// ErrUnsupportedScheme is returned for a URL or redirect that is not http(s).
	ErrUnsupportedScheme = errors.New("netx: only http and https URLs can be fetched")
	// ErrTooManyRedirects is returned when a request would follow more
	// redirects than allowed.
	ErrTooManyRedirects = errors.New("netx: too many redirects")
)

// Options configure a Client. The zero value is the safe default.
type Options struct {
	// AllowPrivate lets requests reach loopback, private and other
	// non-public addresses (CAIRN_ALLOW_PRIVATE_NETWORK=1): local tests and
	// two instances on one machine or LAN.
	AllowPrivate bool
	// UserAgent defaults to DefaultUserAgent; see UserAgent().
	UserAgent string
	// Timeout bounds a whole request including reading the body; 0 means
	// DefaultTimeout. A caller can shorten it per request with a context.
	Timeout time.Duration
	// MaxRedirects: 0 means DefaultMaxRedirects, negative means follow none.
	MaxRedirects int
}

// Client is safe for concurrent use; create one and share it, since it owns
// the connection pool.
type Client struct {
	hc           *http.Client
	transport    *http.Transport
	dialer       *net.Dialer // kept so tests can call its Control without dialling
	allowPrivate bool
	maxRedirects int
}

// UserAgent builds the User-Agent Cairn sends: "Cairn/<version> (+<baseURL>)",
// so a site owner seeing our requests can find the instance behind them.
func UserAgent(version, baseURL string) string {
	if version == "" {
		version = "dev"
	}
	if baseURL == "" {
		return "Cairn/" + version
	}
	return fmt.Sprintf("Cairn/%s (+%s)", version, baseURL)
}

// New returns a Client with the guard, timeouts and caps of opts.
func New(opts Options) *Client {
	check := CheckAddr
	if opts.AllowPrivate {
		check = func(netip.Addr) error { return nil }
	}
	return newClient(opts, check)
}

// newClient takes the address policy separately so tests can allow loopback
// (where their servers live) while still refusing everything else.
func newClient(opts Options, check func(netip.Addr) error) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	switch {
	case opts.MaxRedirects == 0:
		opts.MaxRedirects = DefaultMaxRedirects
	case opts.MaxRedirects < 0:
		opts.MaxRedirects = 0
	}
	dialer := &net.Dialer{
		Timeout:   ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Control:   control(check),
	}
	t := &http.Transport{
		Proxy:                 nil, // never from the environment: see package doc
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true, // a custom DialContext turns HTTP/2 off otherwise
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	c := &Client{transport: t, dialer: dialer, allowPrivate: opts.AllowPrivate, maxRedirects: opts.MaxRedirects}
	c.hc = &http.Client{
		Transport:     &uaTransport{base: t, ua: opts.UserAgent},
		CheckRedirect: c.checkRedirect,
		Timeout:       opts.Timeout,
	}
	return c
}

// Do sends req like http.Client.Do, with the guard and limits applied and the
// User-Agent set when req has none. Any status is returned without error.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return nil, errors.New("netx: request has no URL")
	}
	if err := checkURL(req.URL); err != nil {
		return nil, err
	}
	return c.hc.Do(req)
}

// HTTPClient returns an *http.Client for libraries that want one. It shares
// this Client's transport (guard, timeouts, User-Agent, pool) and redirect
// policy; changing the returned value does not affect c.
func (c *Client) HTTPClient() *http.Client {
	hc := *c.hc
	return &hc
}

// AllowsPrivate reports whether the client may reach non-public addresses;
// did:web uses it to decide whether plain http may be tried after https.
func (c *Client) AllowsPrivate() bool { return c.allowPrivate }

// CheckAddr applies this client's policy: nil when AllowPrivate is set,
// otherwise the package-level CheckAddr.
func (c *Client) CheckAddr(addr netip.Addr) error {
	if c.allowPrivate {
		return nil
	}
	return CheckAddr(addr)
}

// CloseIdleConnections closes pooled connections (on shutdown and in tests).
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

type maxRedirectsKey struct{}

// checkRedirect enforces the scheme rule on every hop and the redirect limit,
// which a request may override through its context (see WithMaxRedirects) so
// all callers share one Transport and one pool.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := checkURL(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
	}
	limit := c.maxRedirects
	if n, ok := req.Context().Value(maxRedirectsKey{}).(int); ok {
		limit = n
	}
	if len(via) > limit {
		return fmt.Errorf("%w: stopped after %d (the limit) at %s", ErrTooManyRedirects, limit, via[len(via)-1].URL.Redacted())
	}
	return nil
}

func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: got %q in %s", ErrUnsupportedScheme, u.Scheme, u.Redacted())
	}
	if u.Host == "" {
		return fmt.Errorf("netx: URL %s has no host", u.Redacted())
	}
	return nil
}

// uaTransport sets the User-Agent below http.Client so requests made through
// HTTPClient() get it too. It clones rather than mutates, as RoundTripper
// requires.
type uaTransport struct {
	base http.RoundTripper
	ua   string
}

func (t *uaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.ua)
	}
	return t.base.RoundTrip(req)
}

// withMaxRedirects returns ctx carrying a per-request redirect limit.
func withMaxRedirects(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, maxRedirectsKey{}, max(n, 0))
}
