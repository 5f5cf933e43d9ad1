package wallet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

const obContext = "https://w3id.org/openbadges/v2"

// issuer serves Open Badges 2.0 hosted assertions /assertions/N (any N),
// one badge class and the issuer on loopback. revoked switches every
// assertion to 410.
type issuer struct {
	srv     *httptest.Server
	revoked atomic.Bool
}

func newIssuer(t testing.TB) *issuer {
	is := &issuer{}
	mux := http.NewServeMux()
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	badgePNG := smallPNG(t)
	mux.HandleFunc("/badge.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(badgePNG)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := is.doc(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/assertions/") && is.revoked.Load() {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.Header().Set("Content-Type", "application/ld+json")
		w.Write(doc)
	})
	return is
}

// doc is the JSON document at path.
func (is *issuer) doc(path string) ([]byte, bool) {
	base := is.srv.URL
	var v map[string]any
	switch {
	case path == "/issuer":
		v = map[string]any{"@context": obContext, "type": "Issuer", "id": base + "/issuer", "name": "Loopback Academy",
			"url": base, "email": "badges@academy.example"}
	case path == "/badges/1":
		v = map[string]any{"@context": obContext, "type": "BadgeClass", "id": base + "/badges/1", "name": "Go Basics",
			"description": "Wrote Go.", "image": base + "/badge.png", "criteria": map[string]any{"narrative": "Write Go."},
			"issuer": base + "/issuer"}
	case strings.HasPrefix(path, "/assertions/"):
		v = map[string]any{"@context": obContext, "type": "Assertion", "id": base + path,
			"recipient": map[string]any{"type": "email", "hashed": false, "identity": "ada@example.org"},
			"badge":     base + "/badges/1", "issuedOn": "2026-01-02T03:04:05Z", "verification": map[string]any{"type": "HostedBadge"}}
	default:
		return nil, false
	}
	b, _ := json.Marshal(v)
	return b, true
}

func (is *issuer) assertionURL(n int) string { return fmt.Sprintf("%s/assertions/%d", is.srv.URL, n) }

func (is *issuer) assertion(t testing.TB, n int) []byte {
	t.Helper()
	b, _ := is.doc(fmt.Sprintf("/assertions/%d", n))
	return b
}

// fetcher answers from the issuer's documents without the network, for
// the benchmark.
func (is *issuer) fetcher() verify.Fetcher {
	return verify.FetcherFunc(func(ctx context.Context, url, accept string) (*verify.Response, error) {
		path := strings.TrimPrefix(url, is.srv.URL)
		b, ok := is.doc(path)
		if !ok {
			return &verify.Response{Status: http.StatusNotFound}, nil
		}
		return &verify.Response{Status: http.StatusOK, ContentType: "application/ld+json", Body: b}, nil
	})
}

// identities is what the fake Settings hold.
type identities struct{ list atomic.Value }

func (i *identities) set(ids ...string) { i.list.Store(ids) }

func (i *identities) get(context.Context) ([]string, error) {
	v, _ := i.list.Load().([]string)
	return v, nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newWallet is a wallet on a real store that reaches the loopback issuer
// through netx (private addresses allowed, as tests must).
func newWallet(t testing.TB) (*wallet.Service, *identities) {
	t.Helper()
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	t.Cleanup(client.CloseIdleConnections)
	ids := &identities{}
	return wallet.New(storetest.New(t), verify.NetFetcher{Client: client}, ids.get, quietLogger()), ids
}

// smallPNG is a 2×2 PNG image.
func smallPNG(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
