package did

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// route is a canned answer of mapFetch.
type route struct {
	status int
	body   string
	err    error
}

// mapFetch answers from memory; an unknown URL is a transport error, as a
// refused connection would be. It never touches the network.
type mapFetch struct {
	mu     sync.Mutex
	routes map[string]route
	calls  []string
}

func newMapFetch() *mapFetch { return &mapFetch{routes: map[string]route{}} }

func (m *mapFetch) set(url string, status int, body string) {
	m.routes[url] = route{status: status, body: body}
}

func (m *mapFetch) fetch(ctx context.Context, url, accept string) (int, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, url)
	r, ok := m.routes[url]
	if !ok {
		return 0, nil, errors.New("dial tcp: connection refused (no route in test)")
	}
	if r.err != nil {
		return 0, nil, r.err
	}
	return r.status, []byte(r.body), nil
}

func (m *mapFetch) called() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

// clientFetch wraps an http.Client (for httptest servers on 127.0.0.1).
func clientFetch(c *http.Client) Fetch {
	return func(ctx context.Context, url, accept string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Accept", accept)
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return 0, nil, err
		}
		return resp.StatusCode, body, nil
	}
}

// plainClient has no proxy from the environment and a short timeout.
func plainClient() *http.Client {
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
}

// tlsFetch fetches from a TLS httptest server (trusting its certificate).
func tlsFetch(ts *httptest.Server) Fetch {
	c := ts.Client()
	c.Timeout = 5 * time.Second
	return clientFetch(c)
}

// webDIDFor returns the did:web DID of an httptest server (127.0.0.1:port).
func webDIDFor(t *testing.T, ts *httptest.Server) string {
	t.Helper()
	d := DIDFromWebOrigin(ts.URL)
	if !strings.HasPrefix(d, "did:web:127.0.0.1%3A") {
		t.Fatalf("DIDFromWebOrigin(%q) = %q", ts.URL, d)
	}
	return d
}

func newKey(t testing.TB) ed25519.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serveJSON serves fixed bodies by path; other paths are 404.
func serveJSON(paths map[string]string, hits *sync.Map) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.Store(r.URL.Path, true)
		}
		body, ok := paths[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
}

// closedPort returns a 127.0.0.1 port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

func asInvalid(t *testing.T, err error, kind Kind) *InvalidError {
	t.Helper()
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v (%T) is not an *InvalidError", err, err)
	}
	if inv.Kind != kind {
		t.Fatalf("error kind %v, want %v: %v", inv.Kind, kind, err)
	}
	return inv
}

func asUnreachable(t *testing.T, err error) *UnreachableError {
	t.Helper()
	var u *UnreachableError
	if !errors.As(err, &u) {
		t.Fatalf("error %v (%T) is not an *UnreachableError", err, err)
	}
	return u
}

// didDoc builds a DID document with the given methods; assertion lists ids
// under assertionMethod.
func didDoc(id string, vms []map[string]any, assertion []any, extra map[string]any) map[string]any {
	d := map[string]any{
		"@context":           []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":                 id,
		"verificationMethod": vms,
	}
	if assertion != nil {
		d["assertionMethod"] = assertion
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func multikeyVM(id, controller string, pub ed25519.PublicKey) map[string]any {
	return map[string]any{"id": id, "type": "Multikey", "controller": controller, "publicKeyMultibase": EncodeMultikey(pub)}
}
