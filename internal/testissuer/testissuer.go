// Package testissuer plays badge issuers on loopback for tests across
// packages (verify, wallet, the web pages, the CLI, the browser). New
// starts an Open Badges 2.0 issuer: an issuer profile, one badge class,
// its image, and a hosted assertion at /assertions/N for any N. NewVC
// starts an Open Badges 3.0 issuer (vc.go): a did:web DID document,
// Bitstring status lists, a JWKS, and credentials and Learning Tokens
// signed with Data Integrity proofs or as VC-JWTs. Only test code imports
// it (it imports verify, so verify's own tests that use it are external,
// package verify_test).
package testissuer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairn-pl/cairn/verify"
)

const contextOB2 = "https://w3id.org/openbadges/v2"

// Options change what the issuer says.
type Options struct {
	BadgeName string // default "Go Basics"
	BadgePNG  []byte // served at /badge.png when set
}

// Issuer is the running fake issuer.
type Issuer struct {
	Server  *httptest.Server
	Revoked atomic.Bool // every assertion answers 410 Gone while set
	opts    Options
}

// New starts an issuer that stops when the test ends.
func New(t testing.TB, opts Options) *Issuer {
	t.Helper()
	if opts.BadgeName == "" {
		opts.BadgeName = "Go Basics"
	}
	is := &Issuer{opts: opts}
	mux := http.NewServeMux()
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Server.Close)
	if opts.BadgePNG != nil {
		mux.HandleFunc("/badge.png", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(opts.BadgePNG)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := is.Doc(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/assertions/") && is.Revoked.Load() {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.Header().Set("Content-Type", "application/ld+json")
		w.Write(doc)
	})
	return is
}

// URL is the issuer's base URL.
func (is *Issuer) URL() string { return is.Server.URL }

// Doc is the JSON document served at path.
func (is *Issuer) Doc(path string) ([]byte, bool) {
	base := is.Server.URL
	var v map[string]any
	switch {
	case path == "/issuer":
		v = map[string]any{"@context": contextOB2, "type": "Issuer", "id": base + "/issuer", "name": "Loopback Academy",
			"url": base, "email": "badges@academy.example"}
	case path == "/badges/1":
		v = map[string]any{"@context": contextOB2, "type": "BadgeClass", "id": base + "/badges/1", "name": is.opts.BadgeName,
			"description": "Wrote Go.", "image": base + "/badge.png", "criteria": map[string]any{"narrative": "Write Go."},
			"issuer": base + "/issuer"}
	case strings.HasPrefix(path, "/assertions/"):
		v = map[string]any{"@context": contextOB2, "type": "Assertion", "id": base + path,
			"recipient": map[string]any{"type": "email", "hashed": false, "identity": "ada@example.org"},
			"badge":     base + "/badges/1", "issuedOn": "2026-01-02T03:04:05Z", "verification": map[string]any{"type": "HostedBadge"}}
	default:
		return nil, false
	}
	b, _ := json.Marshal(v)
	return b, true
}

// AssertionURL is the hosted assertion number n.
func (is *Issuer) AssertionURL(n int) string {
	return fmt.Sprintf("%s/assertions/%d", is.Server.URL, n)
}

// Assertion is the JSON of assertion number n.
func (is *Issuer) Assertion(n int) []byte {
	b, _ := is.Doc(fmt.Sprintf("/assertions/%d", n))
	return b
}

// Fetcher answers from the issuer's documents without the network, for
// benchmarks.
func (is *Issuer) Fetcher() verify.Fetcher {
	return verify.FetcherFunc(func(ctx context.Context, url, accept string) (*verify.Response, error) {
		b, ok := is.Doc(strings.TrimPrefix(url, is.Server.URL))
		if !ok {
			return &verify.Response{Status: http.StatusNotFound}, nil
		}
		return &verify.Response{Status: http.StatusOK, ContentType: "application/ld+json", Body: b}, nil
	})
}
