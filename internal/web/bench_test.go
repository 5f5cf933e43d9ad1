package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cairn-pl/cairn/internal/account"
)

// BenchmarkHomePage measures the public home page through the whole Fiber
// stack (middleware, routing, cache, headers) in process.
func BenchmarkHomePage(b *testing.B) {
	ts := newSite(b)
	_ = ts.account.UpdateProfile(context.Background(), account.Profile{Name: "Bench Owner", Bio: "Benchmarks.",
		Links: []string{"https://a.example", "https://b.example"}})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := ts.site.Test(httptest.NewRequest(http.MethodGet, "/", nil), -1)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatal(err, resp.StatusCode)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
