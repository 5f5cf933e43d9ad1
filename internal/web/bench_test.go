package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/ple"
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

// seedPosts publishes n realistic posts for the feed and page benchmarks.
func seedPosts(b *testing.B, ts *testSite, n int) {
	body := strings.Repeat("Some **Markdown** with a [link](https://example.org/) and `code`. ", 20) + "\n\n#go #learning #cairn"
	for i := range n {
		if _, err := ts.journal.Create(context.Background(), ple.Draft{Title: "Post number " + strconv.Itoa(i), Content: body,
			InReplyTo: "https://course.example/tasks/" + strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGet(b *testing.B, ts *testSite, path string, cookies ...*http.Cookie) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := ts.site.Test(req, -1)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatal(err, resp.StatusCode)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkPostPage: a visitor reads a post (served from the page cache).
func BenchmarkPostPage(b *testing.B) {
	ts := newSite(b)
	seedPosts(b, ts, 1)
	benchGet(b, ts, "/posts/post-number-0")
}

// BenchmarkPostPageRender: the owner reads a post, which is rendered
// afresh every time (no cache for the owner): template + session lookup.
func BenchmarkPostPageRender(b *testing.B) {
	ts := newSite(b).withPassword()
	seedPosts(b, ts, 1)
	sess, err := ts.account.CreateSession(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, ts, "/posts/post-number-0", &http.Cookie{Name: "cairn_session", Value: sess.ID})
}

// BenchmarkFeed50: each feed of the latest 50 posts, served from the cache.
func BenchmarkFeed50(b *testing.B) {
	ts := newSite(b)
	seedPosts(b, ts, 60)
	for _, f := range []string{"feed.xml", "feed.atom", "feed.json"} {
		b.Run(f, func(b *testing.B) { benchGet(b, ts, "/"+f) })
	}
}
