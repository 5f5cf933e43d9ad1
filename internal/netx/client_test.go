package netx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Tests only ever connect to loopback. Non-loopback targets (10.0.0.1,
// 169.254.169.254) appear only where the guard refuses them in Control,
// before connect(2) — TestRefusedBeforeConnect shows no connection is made.

// loopbackOnly is the default policy plus the two addresses test servers
// listen on, so redirects to private addresses are still refused. 127.0.0.2
// stays refused: requireGuard uses it.
func loopbackOnly(a netip.Addr) error {
	if a = a.Unmap(); a == netip.MustParseAddr("127.0.0.1") || a == netip.IPv6Loopback() {
		return nil
	}
	return CheckAddr(a)
}

// requireGuard stops a test before it aims c at a non-loopback address unless
// c's real dial path refuses 127.0.0.2. Should the guard ever be unwired, the
// probe only touches loopback and the test fails instead of sending packets
// to 10.0.0.1.
func requireGuard(t *testing.T, c *Client) {
	t.Helper()
	if _, err := c.Get(context.Background(), "http://127.0.0.2:1/"); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("dial guard not in the request path (got %v); refusing to run tests that target private addresses", err)
	}
}

func testClient(t *testing.T, opts Options) *Client {
	t.Helper()
	c := newClient(opts, loopbackOnly)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func hello(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }

// serve starts an httptest server on network ("tcp4" or "tcp6") loopback,
// skipping the test when that loopback is unavailable.
func serve(t *testing.T, network string, h http.Handler) *httptest.Server {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "tcp6" {
		addr = "[::1]:0"
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("no %s loopback: %v", network, err)
	}
	s := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func counting(n *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); hello(w, r) })
}

func localhostURL(s *httptest.Server) string {
	u, _ := url.Parse(s.URL)
	return "http://localhost:" + u.Port() + "/"
}

func TestRefusedByDefault(t *testing.T) {
	var hits atomic.Int32
	v4 := serve(t, "tcp4", counting(&hits))
	targets := map[string]string{
		"127.0.0.1": v4.URL + "/",
		"10.0.0.1":  "http://10.0.0.1/", // refused in Control: never dialled
		"localhost": localhostURL(v4),
	}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		targets["::1"] = serve(t, "tcp6", counting(&hits)).URL + "/"
	} else {
		t.Log("no IPv6 loopback; [::1] case skipped")
	}
	c := New(Options{})
	requireGuard(t, c)
	for name, u := range targets {
		t.Run(name, func(t *testing.T) {
			_, err := c.Get(context.Background(), u)
			var be *BlockedAddressError
			if !errors.Is(err, ErrBlockedAddress) || !errors.As(err, &be) {
				t.Fatalf("Get(%s) = %v, want a blocked address error", u, err)
			}
			if !strings.Contains(err.Error(), "CAIRN_ALLOW_PRIVATE_NETWORK=1") {
				t.Errorf("error %q does not say how to allow it", err)
			}
			if name != "localhost" && be.Addr.String() != name {
				t.Errorf("blocked %s, want %s", be.Addr, name)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("servers got %d requests, want 0", n)
	}
}

// Control runs before connect(2): a refused dial must not even complete a TCP
// handshake with the listener.
func TestRefusedBeforeConnect(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := New(Options{}).Get(context.Background(), "http://"+ln.Addr().String()+"/"); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("want blocked, got %v", err)
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(50 * time.Millisecond))
	if conn, err := ln.Accept(); err == nil {
		conn.Close()
		t.Fatal("a connection reached the listener although the address was refused")
	}
}

func TestAllowPrivateLoopback(t *testing.T) {
	c := New(Options{AllowPrivate: true})
	t.Cleanup(c.CloseIdleConnections)
	v4 := serve(t, "tcp4", http.HandlerFunc(hello))
	cases := map[string]string{"127.0.0.1": v4.URL, "localhost": localhostURL(v4)}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		cases["::1"] = serve(t, "tcp6", http.HandlerFunc(hello)).URL
	}
	for name, u := range cases {
		resp, err := c.Get(context.Background(), u)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if resp.StatusCode != 200 || string(resp.Body) != "hello" {
			t.Errorf("%s: got %d %q", name, resp.StatusCode, resp.Body)
		}
	}
}

func TestSchemeChecked(t *testing.T) {
	c := New(Options{AllowPrivate: true})
	for _, u := range []string{"ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)", "/relative"} {
		if _, err := c.Get(context.Background(), u); !errors.Is(err, ErrUnsupportedScheme) {
			t.Errorf("Get(%q) = %v, want ErrUnsupportedScheme", u, err)
		}
	}
	if _, err := c.Get(context.Background(), "http:///nohost"); err == nil || !strings.Contains(err.Error(), "no host") {
		t.Errorf("hostless URL: got %v", err)
	}
	req, _ := http.NewRequest("GET", "file:///etc/passwd", nil)
	if _, err := c.Do(req); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("Do(file:) = %v", err)
	}
}

// redirector serves /r/N: redirect to /r/N-1, and /r/0: "done".
func redirector() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if n <= 0 {
			fmt.Fprint(w, "done")
			return
		}
		http.Redirect(w, r, "/r/"+strconv.Itoa(n-1), http.StatusFound)
	})
}

func TestRedirectLimits(t *testing.T) {
	s := serve(t, "tcp4", redirector())
	def := testClient(t, Options{})
	none := testClient(t, Options{MaxRedirects: -1})
	cases := []struct {
		name  string
		c     *Client
		hops  int
		opts  []RequestOption
		allow bool
	}{
		{"default 5 ok", def, 5, nil, true},
		{"default 6 refused", def, 6, nil, false},
		{"per request 20 ok", def, 20, []RequestOption{WithMaxRedirects(20)}, true},
		{"per request 20 refuses 21", def, 21, []RequestOption{WithMaxRedirects(20)}, false},
		{"per request 0", def, 1, []RequestOption{WithMaxRedirects(0)}, false},
		{"client none", none, 1, nil, false},
		{"client none, no redirect", none, 0, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.c.Get(context.Background(), s.URL+"/r/"+strconv.Itoa(tc.hops), tc.opts...)
			if !tc.allow {
				if !errors.Is(err, ErrTooManyRedirects) || !strings.Contains(err.Error(), "limit") {
					t.Fatalf("want ErrTooManyRedirects, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != "done" || resp.URL.Path != "/r/0" {
				t.Errorf("got %q at %s, want done at /r/0", resp.Body, resp.URL)
			}
		})
	}
	// The default client's limit is unchanged by per-request overrides.
	if _, err := def.Get(context.Background(), s.URL+"/r/6"); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("limit leaked between requests: %v", err)
	}
}

func TestRedirectTargetsChecked(t *testing.T) {
	var target atomic.Value
	s := serve(t, "tcp4", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target.Load().(string))
		w.WriteHeader(http.StatusFound)
	}))
	c := testClient(t, Options{})
	requireGuard(t, c)
	for _, tc := range []struct {
		location string
		want     error
	}{
		{"ftp://example.com/file", ErrUnsupportedScheme},
		{"file:///etc/passwd", ErrUnsupportedScheme},
		{"gopher://example.com/", ErrUnsupportedScheme},
		// Refused in Control before any connection is attempted.
		{"http://10.0.0.1/", ErrBlockedAddress},
		{"http://169.254.169.254/latest/meta-data/", ErrBlockedAddress},
		{"https://[fd00::1]/", ErrBlockedAddress},
	} {
		target.Store(tc.location)
		if _, err := c.Get(context.Background(), s.URL); !errors.Is(err, tc.want) {
			t.Errorf("redirect to %s: got %v, want %v", tc.location, err, tc.want)
		}
	}
}

func TestUserAgent(t *testing.T) {
	var got atomic.Value
	s := serve(t, "tcp4", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.UserAgent())
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/", http.StatusFound)
		}
	}))
	ua := UserAgent("1.2.3", "https://learner.example")
	if ua != "Cairn/1.2.3 (+https://learner.example)" {
		t.Fatalf("UserAgent() = %q", ua)
	}
	check := func(name, want string) {
		t.Helper()
		if g, _ := got.Load().(string); g != want {
			t.Errorf("%s: server saw User-Agent %q, want %q", name, g, want)
		}
	}
	if _, err := testClient(t, Options{}).Get(context.Background(), s.URL); err != nil {
		t.Fatal(err)
	}
	check("default", DefaultUserAgent)

	c := testClient(t, Options{UserAgent: ua})
	if _, err := c.Get(context.Background(), s.URL+"/redirect"); err != nil {
		t.Fatal(err)
	}
	check("configured, after redirect", ua)

	resp, err := c.HTTPClient().Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("HTTPClient()", ua)

	req, _ := http.NewRequest("GET", s.URL, nil)
	req.Header.Set("User-Agent", "caller/1")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("caller's own", "caller/1")
}

// The env proxy would be dialled instead of the target. The client here
// allows loopback (where the fake proxy is) but not 10.0.0.1, so: proxied =
// the fake proxy sees a request; direct = 10.0.0.1 refused in Control.
func TestEnvProxyIgnored(t *testing.T) {
	var proxied atomic.Int32
	proxy := serve(t, "tcp4", counting(&proxied))
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	c := testClient(t, Options{})
	requireGuard(t, c)
	_, err := c.Get(context.Background(), "http://10.0.0.1/")
	var be *BlockedAddressError
	if !errors.As(err, &be) || be.Addr != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("want the direct dial to 10.0.0.1 refused, got %v", err)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("request went through the environment proxy (%d hits)", n)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	s := serve(t, "tcp4", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // stall before headers
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) }) // runs before s.Close (LIFO)
	c := testClient(t, Options{Timeout: 150 * time.Millisecond})
	start := time.Now()
	_, err := c.Get(context.Background(), s.URL)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout error, got %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout took %v", d)
	}
	// A caller's shorter context deadline applies too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := testClient(t, Options{}).Get(ctx, s.URL); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context deadline: got %v", err)
	}
}

func TestHTTPClientIsACopy(t *testing.T) {
	c := New(Options{})
	hc := c.HTTPClient()
	hc.Timeout = time.Hour
	hc.CheckRedirect = nil
	if c.hc.Timeout != DefaultTimeout || c.hc.CheckRedirect == nil {
		t.Error("changing HTTPClient() changed the Client")
	}
	if c.transport.Proxy != nil {
		t.Error("Transport.Proxy must be nil")
	}
}
