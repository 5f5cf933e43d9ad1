package wallet_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// issuer is the shared loopback issuer (internal/testissuer), with the
// short names these tests use.
type issuer struct {
	*testissuer.Issuer
	srv *httptest.Server
}

func newIssuer(t testing.TB) *issuer {
	is := testissuer.New(t, testissuer.Options{BadgePNG: smallPNG(t)})
	return &issuer{Issuer: is, srv: is.Server}
}

func (is *issuer) doc(path string) ([]byte, bool)       { return is.Doc(path) }
func (is *issuer) assertionURL(n int) string            { return is.AssertionURL(n) }
func (is *issuer) assertion(_ testing.TB, n int) []byte { return is.Assertion(n) }
func (is *issuer) fetcher() verify.Fetcher              { return is.Fetcher() }

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
