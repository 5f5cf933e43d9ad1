package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeResp is what the fake fetcher answers for one URL.
type fakeResp struct {
	status int
	body   []byte
	err    error
}

// fakeFetcher maps URLs to answers; unknown URLs answer 404.
type fakeFetcher struct {
	mu    sync.Mutex
	docs  map[string]fakeResp
	calls []string
	quiet bool // do not record calls (benchmarks)
}

func newFake() *fakeFetcher { return &fakeFetcher{docs: map[string]fakeResp{}} }

func (f *fakeFetcher) Fetch(_ context.Context, url, _ string) (*Response, error) {
	f.mu.Lock()
	if !f.quiet {
		f.calls = append(f.calls, url)
	}
	d, ok := f.docs[url]
	f.mu.Unlock()
	if !ok {
		return &Response{Status: 404, URL: url, Body: []byte("not found")}, nil
	}
	if d.err != nil {
		return nil, d.err
	}
	return &Response{Status: d.status, URL: url, ContentType: "application/json", Body: d.body}, nil
}

func (f *fakeFetcher) json(url string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	f.docs[url] = fakeResp{status: 200, body: b}
}

func (f *fakeFetcher) status(url string, code int) { f.docs[url] = fakeResp{status: code} }
func (f *fakeFetcher) fail(url string)             { f.docs[url] = fakeResp{err: errors.New("connection refused")} }

var testNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

const (
	issuerURL = "https://issuer.example/issuer.json"
	badgeURL  = "https://issuer.example/badges/robotics.json"
	assertURL = "https://issuer.example/assertions/1.json"
	keyURL    = "https://issuer.example/keys/1.json"
	revURL    = "https://issuer.example/revocations.json"
	email     = "nobody@example.org"
	salt      = "deadsea"
	ctxOB2    = "https://w3id.org/openbadges/v2"
)

func sha256Identity(v, salt string) string {
	h := sha256.Sum256([]byte(v + salt))
	return "sha256$" + strings.ToUpper(hexs(h[:]))
}

func hexs(b []byte) string {
	const d = "0123456789abcdef"
	out := make([]byte, 0, len(b)*2)
	for _, c := range b {
		out = append(out, d[c>>4], d[c&15])
	}
	return string(out)
}

func issuerDoc() map[string]any {
	return map[string]any{"@context": ctxOB2, "type": "Issuer", "id": issuerURL, "name": "Example Issuer",
		"url": "https://issuer.example", "email": "badges@issuer.example"}
}

func badgeDoc() map[string]any {
	return map[string]any{"@context": ctxOB2, "type": "BadgeClass", "id": badgeURL, "name": "Robotics",
		"description": "Built a robot.", "image": "https://issuer.example/robotics.png",
		"criteria": map[string]any{"narrative": "Build a robot."}, "issuer": issuerURL,
		"alignment": []any{map[string]any{"targetName": "Robotics", "targetUrl": "https://skills.example/robotics",
			"targetFramework": "Example Skills", "targetCode": "R1"}}}
}

func assertionDoc() map[string]any {
	return map[string]any{"@context": ctxOB2, "type": "Assertion", "id": assertURL,
		"recipient": map[string]any{"type": "email", "hashed": true, "salt": salt,
			"identity": sha256Identity(email, salt)},
		"badge": badgeURL, "issuedOn": "2026-01-02T03:04:05Z",
		"verification": map[string]any{"type": "HostedBadge"}}
}

// hostedWorld serves a valid hosted assertion and returns its JSON.
func hostedWorld(t testing.TB) (*fakeFetcher, []byte) {
	t.Helper()
	f := newFake()
	f.json(issuerURL, issuerDoc())
	f.json(badgeURL, badgeDoc())
	a := assertionDoc()
	f.json(assertURL, a)
	b, _ := json.Marshal(a)
	return f, b
}

func opts(f Fetcher, recipients ...string) Options {
	return Options{Fetcher: f, Now: fixedNow, Recipients: recipients}
}

// signJWS signs payload as a compact JWS with alg.
func signJWS(t testing.TB, alg string, key crypto.Signer, payload any) string {
	t.Helper()
	hb, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT"})
	pb, _ := json.Marshal(payload)
	in := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(pb)
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		h := sha256.Sum256([]byte(in))
		sig, err = key.Sign(rand.Reader, h[:], crypto.SHA256)
	case "ES256":
		h := sha256.Sum256([]byte(in))
		r, s, e := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), h[:])
		err = e
		if err == nil {
			sig = make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
		}
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(in))
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func pemOf(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// signedWorld serves an issuer with publicKey and returns a signed assertion.
func signedWorld(t testing.TB, alg string, key crypto.Signer, mutate func(a, issuer, keyDoc map[string]any)) (*fakeFetcher, string) {
	t.Helper()
	f := newFake()
	iss := issuerDoc()
	iss["publicKey"] = keyURL
	kd := map[string]any{"@context": ctxOB2, "type": "CryptographicKey", "id": keyURL, "owner": issuerURL,
		"publicKeyPem": pemOf(t, key.Public())}
	a := assertionDoc()
	a["id"] = "urn:uuid:8b0c6b1e-5a44-4f1e-9b53-6c2e4a1d1f00"
	a["verification"] = map[string]any{"type": "SignedBadge", "creator": keyURL}
	if mutate != nil {
		mutate(a, iss, kd)
	}
	f.json(issuerURL, iss)
	f.json(badgeURL, badgeDoc())
	f.json(keyURL, kd)
	return f, signJWS(t, alg, key, a)
}

func checkStatus(t *testing.T, r Report, id, want string) {
	t.Helper()
	c, ok := r.Check(id)
	if !ok {
		t.Errorf("check %s missing; report: %s", id, dump(r))
		return
	}
	if c.Status != want {
		t.Errorf("check %s = %s (%s), want %s; report: %s", id, c.Status, c.Message, want, dump(r))
	}
}

func dump(r Report) string {
	b, _ := json.MarshalIndent(r, "", " ")
	return string(b)
}

func wantVerdict(t *testing.T, r Report, want string) {
	t.Helper()
	if r.Verdict != want {
		t.Errorf("verdict %s, want %s; report: %s", r.Verdict, want, dump(r))
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
