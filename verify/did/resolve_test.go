package did

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestDIDWebTLS(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	var doc string
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/did.json" {
			http.NotFound(w, r)
			return
		}
		if !strings.Contains(r.Header.Get("Accept"), "application/did+") {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		w.Write([]byte(doc))
	}))
	defer ts.Close()
	did := webDIDFor(t, ts)
	doc = mustJSON(t, didDoc(did,
		[]map[string]any{
			multikeyVM("#key-1", did, k1),
			multikeyVM(did+"#key-2", did, k2),
		},
		[]any{"#key-1"},
		map[string]any{"authentication": []any{did + "#key-2"}}))

	fetch := tlsFetch(ts)
	m, err := Resolve(context.Background(), did+"#key-1", fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != did+"#key-1" || m.Controller != did || m.Source != SourceDIDWeb || !m.AssertionMethod || m.Type != "Multikey" {
		t.Fatalf("key-1 = %+v", m)
	}
	if !bytes.Equal(m.Key.(ed25519.PublicKey), k1) {
		t.Fatal("wrong key-1")
	}
	if m.URL != ts.URL+"/.well-known/did.json" {
		t.Fatalf("URL = %q", m.URL)
	}
	if !m.ControlledBy(did) || m.ControlledBy(did+":users:alice") || m.ControlledBy("https://127.0.0.1") {
		t.Fatal("ControlledBy wrong")
	}

	// Defined, but only for authentication.
	m, err = Resolve(context.Background(), did+"#key-2", fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.AssertionMethod {
		t.Fatal("key-2 is not listed under assertionMethod")
	}

	// No fragment: the one assertionMethod.
	m, err = Resolve(context.Background(), did, fetch, Options{})
	if err != nil || m.ID != did+"#key-1" {
		t.Fatalf("Resolve(did) = %+v, %v", m, err)
	}

	// Not defined.
	_, err = Resolve(context.Background(), did+"#key-3", fetch, Options{})
	inv := asInvalid(t, err, KindNotFound)
	if !strings.Contains(inv.Error(), ts.URL+"/.well-known/did.json") || !strings.Contains(inv.Error(), "#key-3") {
		t.Fatalf("message does not name URL and key: %v", inv)
	}
}

func TestDIDWebHTTPFallback(t *testing.T) {
	k := newKey(t)
	var doc string
	var hits sync.Map
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		if r.URL.Path == "/.well-known/did.json" {
			w.Write([]byte(doc))
			return
		}
		http.NotFound(w, r)
	}))
	defer ts.Close()
	did := webDIDFor(t, ts)
	doc = mustJSON(t, didDoc(did, []map[string]any{multikeyVM(did+"#k", did, k)}, []any{did + "#k"}, nil))
	fetch := clientFetch(plainClient())

	m, err := Resolve(context.Background(), did+"#k", fetch, Options{AllowHTTPForPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") || !m.AssertionMethod || !bytes.Equal(m.Key.(ed25519.PublicKey), k) {
		t.Fatalf("via http: %+v", m)
	}

	// Not allowed: https only, which cannot reach a plain http server.
	_, err = Resolve(context.Background(), did+"#k", fetch, Options{})
	u := asUnreachable(t, err)
	if !strings.HasPrefix(u.URL, "https://127.0.0.1:") || len(u.Tried) != 0 {
		t.Fatalf("unreachable = %+v", u)
	}
	if !MayFallBack(err) {
		t.Fatal("unreachable should allow the caller to decide")
	}
}

func TestDIDWebPath(t *testing.T) {
	k := newKey(t)
	var hits sync.Map
	paths := map[string]string{}
	ts := httptest.NewServer(serveJSON(paths, &hits))
	defer ts.Close()
	did := webDIDFor(t, ts) + ":users:alice"
	paths["/users/alice/did.json"] = mustJSON(t, didDoc(did, []map[string]any{multikeyVM("#k", did, k)}, []any{"#k"}, nil))

	want := strings.Replace(ts.URL, "http://", "https://", 1) + "/users/alice/did.json"
	if got, err := WebDIDURL(did + "#k"); err != nil || got != want {
		t.Fatalf("WebDIDURL = %q, %v; want %q", got, err, want)
	}
	m, err := Resolve(context.Background(), did+"#k", clientFetch(plainClient()), Options{AllowHTTPForPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hits.Load("/users/alice/did.json"); !ok {
		t.Fatal("path DID document not requested")
	}
	if m.ID != did+"#k" || !m.ControlledBy(did) || m.ControlledBy(strings.TrimSuffix(did, ":users:alice")) {
		t.Fatalf("path DID method %+v", m)
	}
}

func TestDIDWebErrors(t *testing.T) {
	k := newKey(t)
	const did = "did:web:issuer.example"
	const docURL = "https://issuer.example/.well-known/did.json"
	good := mustJSON(t, didDoc(did, []map[string]any{multikeyVM("#k", did, k)}, []any{"#k"}, nil))

	cases := []struct {
		name   string
		status int
		body   string
		kind   Kind // 0: unreachable
		msg    string
	}{
		{"wrong id", 200, mustJSON(t, didDoc("did:web:evil.example", []map[string]any{multikeyVM("did:web:evil.example#k", did, k)}, nil, nil)), KindMismatch, `id is "did:web:evil.example"`},
		{"no id", 200, `{"verificationMethod": []}`, KindMismatch, "has no id"},
		{"404", 404, "not found", KindNotFound, "HTTP 404"},
		{"410", 410, "", KindNotFound, "HTTP 410"},
		{"redirect", 302, "", KindNotFound, "redirect not followed"},
		{"503", 503, "", 0, "HTTP 503"},
		{"429", 429, "", 0, "HTTP 429"},
		{"408", 408, "", 0, "HTTP 408"},
		{"html", 200, "<!doctype html><p>hello", KindMalformed, "not a JSON object"},
		{"bad json", 200, `{"id": "did:web:issuer.example",`, KindMalformed, "not valid JSON"},
		{"too big", 200, `{"id":"` + strings.Repeat("a", DefaultMaxDocumentBytes) + `"}`, KindMalformed, "more than the 262144 allowed"},
		{"dup", 200, mustJSON(t, didDoc(did, []map[string]any{multikeyVM("#k", did, k), multikeyVM(did+"#k", did, k)}, nil, nil)), KindMalformed, "defined twice"},
		{"bad key", 200, mustJSON(t, didDoc(did, []map[string]any{{"id": "#k", "type": "Multikey", "controller": did, "publicKeyMultibase": secp256k1MK}}, []any{"#k"}, nil)), KindBadKey, "secp256k1-pub"},
		{"private key", 200, mustJSON(t, didDoc(did, []map[string]any{{"id": "#k", "type": "Multikey", "controller": did, "publicKeyMultibase": EncodeMultikey(k), "privateKeyMultibase": "zsecret"}}, []any{"#k"}, nil)), KindBadKey, "private key"},
		{"2020 with p256", 200, mustJSON(t, didDoc(did, []map[string]any{{"id": "#k", "type": "Ed25519VerificationKey2020", "controller": did, "publicKeyMultibase": p256Key}}, []any{"#k"}, nil)), KindBadKey, "p256-pub"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mf := newMapFetch()
			mf.set(docURL, c.status, c.body)
			_, err := Resolve(context.Background(), did+"#k", mf.fetch, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if c.kind == 0 {
				u := asUnreachable(t, err)
				if u.URL != docURL {
					t.Fatalf("URL = %q", u.URL)
				}
			} else {
				asInvalid(t, err, c.kind)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), docURL) {
				t.Fatalf("error %q should mention %q and the URL", err, c.msg)
			}
		})
	}
	// The good document works with the same fetcher.
	mf := newMapFetch()
	mf.set(docURL, 200, good)
	if _, err := Resolve(context.Background(), did+"#k", mf.fetch, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestDIDWebConnectionRefused(t *testing.T) {
	port := closedPort(t)
	did := "did:web:127.0.0.1%3A" + port
	fetch := clientFetch(plainClient())
	_, err := Resolve(context.Background(), did+"#k", fetch, Options{AllowHTTPForPrivate: true})
	u := asUnreachable(t, err)
	if u.URL != "http://127.0.0.1:"+port+"/.well-known/did.json" || len(u.Tried) != 1 || !strings.Contains(u.Tried[0], "https://127.0.0.1:"+port) {
		t.Fatalf("unreachable = %+v", u)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Fatalf("error %q", err)
	}
}

func TestNeverHTTPForPublicHosts(t *testing.T) {
	for _, id := range []string{"did:web:issuer.example#k", "did:web:issuer.example%3A8080#k", "did:web:8.8.8.8#k", "http://issuer.example/keys/1"} {
		mf := newMapFetch()
		_, err := Resolve(context.Background(), id, mf.fetch, Options{AllowHTTPForPrivate: true})
		asUnreachable(t, err)
		calls := mf.called()
		if len(calls) != 1 || !strings.HasPrefix(calls[0], "https://") {
			t.Fatalf("%s: fetched %v, want one https URL", id, calls)
		}
	}
	// A private host with the allowance tries https then http.
	mf := newMapFetch()
	_, err := Resolve(context.Background(), "did:web:192.168.1.5#k", mf.fetch, Options{AllowHTTPForPrivate: true})
	asUnreachable(t, err)
	if calls := mf.called(); len(calls) != 2 || calls[1] != "http://192.168.1.5/.well-known/did.json" {
		t.Fatalf("fetched %v", calls)
	}
	// A definite https answer is not retried over http.
	mf = newMapFetch()
	mf.set("https://10.0.0.1/.well-known/did.json", 404, "")
	_, err = Resolve(context.Background(), "did:web:10.0.0.1#k", mf.fetch, Options{AllowHTTPForPrivate: true})
	asInvalid(t, err, KindNotFound)
	if calls := mf.called(); len(calls) != 1 {
		t.Fatalf("fetched %v", calls)
	}
}

func TestResolveMisc(t *testing.T) {
	ctx := context.Background()
	_, err := Resolve(ctx, "did:web:issuer.example#k", nil, Options{})
	if u := asUnreachable(t, err); !errors.Is(u, errNoFetch) {
		t.Fatalf("nil fetch: %v", err)
	}
	_, err = Resolve(ctx, "did:ion:abc#k", nil, Options{})
	asInvalid(t, err, KindUnsupported)
	_, err = Resolve(ctx, "urn:uuid:1234#"+EncodeMultikey(newKey(t)), nil, Options{})
	asInvalid(t, err, KindUnsupported)
	if !MayFallBack(err) {
		t.Fatal("urn: should allow SelfAsserted")
	}
	_, err = Resolve(ctx, "key-1", nil, Options{})
	asInvalid(t, err, KindMalformed)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	mf := newMapFetch()
	_, err = Resolve(cctx, "did:web:issuer.example#k", mf.fetch, Options{})
	if !errors.Is(err, context.Canceled) || !IsUnreachable(err) {
		t.Fatalf("cancelled: %v", err)
	}

	// Small cap.
	mf.set("https://issuer.example/.well-known/did.json", 200, `{"id":"did:web:issuer.example"}`)
	_, err = Resolve(ctx, "did:web:issuer.example#k", mf.fetch, Options{MaxDocumentBytes: 10})
	asInvalid(t, err, KindMalformed)
}

func TestParseWebDIDErrors(t *testing.T) {
	for _, s := range []string{
		"did:web:",
		"did:web:exa mple.com",
		"did:web:example.com%3A",
		"did:web:example.com%3A0",
		"did:web:example.com%3A99999",
		"did:web:example.com%3Aabc",
		"did:web:example.com::x",
		"did:web:example.com:..",
		"did:web:example.com:a%2Fb",
		"did:web:example.com:%zz",
		"did:web:user%40example.com",
		"did:web:example.com/path",
		"did:web:example.com?q=1",
		"did:web:example.com#",
		"did:web:fe80%3A%3A1%25eth0",
	} {
		if u, err := WebDIDURL(s); err == nil {
			t.Errorf("WebDIDURL(%q) = %q, want error", s, u)
		}
	}
}

func TestWebDIDURLAndBack(t *testing.T) {
	cases := []struct{ did, url, origin string }{
		{"did:web:example.com", "https://example.com/.well-known/did.json", "https://example.com"},
		{"did:web:example.com%3A8443", "https://example.com:8443/.well-known/did.json", "https://example.com:8443"},
		{"did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json", "https://w3c-ccg.github.io/user/alice/"},
		{"did:web:127.0.0.1%3A8080:users:alice", "https://127.0.0.1:8080/users/alice/did.json", "http://127.0.0.1:8080/users/alice"},
		{"did:web:%5B%3A%3A1%5D%3A8443", "https://[::1]:8443/.well-known/did.json", "https://[::1]:8443"},
		{"did:web:example.com:a%20b", "https://example.com/a%20b/did.json", "https://example.com/a%20b"},
	}
	for _, c := range cases {
		u, err := WebDIDURL(c.did + "#key-1")
		if err != nil || u != c.url {
			t.Errorf("WebDIDURL(%q) = %q, %v; want %q", c.did, u, err, c.url)
		}
		if got := DIDFromWebOrigin(c.origin); got != c.did {
			t.Errorf("DIDFromWebOrigin(%q) = %q, want %q", c.origin, got, c.did)
		}
	}
	for _, o := range []string{"https://Example.COM:443", "https://example.com/"} {
		if got := DIDFromWebOrigin(o); got != "did:web:example.com" {
			t.Errorf("DIDFromWebOrigin(%q) = %q", o, got)
		}
	}
	for _, o := range []string{"ftp://example.com", "https://u:p@example.com", "https://example.com/?q", "https://example.com/#f", "example.com", ""} {
		if got := DIDFromWebOrigin(o); got != "" {
			t.Errorf("DIDFromWebOrigin(%q) = %q, want \"\"", o, got)
		}
	}
}

func TestIsPrivateHost(t *testing.T) {
	yes := []string{"127.0.0.1", "127.1.2.3", "::1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "localhost", "LOCALHOST", "::ffff:127.0.0.1", "fd00::1"}
	no := []string{"8.8.8.8", "172.32.0.1", "192.169.0.1", "example.com", "localhost.example.com", "foo.localhost", "169.254.169.254", "0.0.0.0", "", "fe80::1"}
	for _, h := range yes {
		if !isPrivateHost(h) {
			t.Errorf("isPrivateHost(%q) = false", h)
		}
	}
	for _, h := range no {
		if isPrivateHost(h) {
			t.Errorf("isPrivateHost(%q) = true", h)
		}
	}
}
