package web_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/ple"
)

func TestOwnFeedsRoundTripThroughGofeed(t *testing.T) {
	ts := newSite(t).withPassword()
	ctx := context.Background()
	ts.account.UpdateProfile(ctx, account.Profile{Name: "Ada", Bio: "Learning in public"})
	first, err := ts.journal.Create(ctx, ple.Draft{Title: "Older post", Content: "See [the docs](/media/x.png) #go", Tags: []string{"notes"}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := ts.journal.Create(ctx, ple.Draft{Content: "An untitled note answering a task",
		InReplyTo: "https://course.example/tasks/1?a=b&c=d"})
	if err != nil {
		t.Fatal(err)
	}
	ts.journal.Create(ctx, ple.Draft{Title: "Not yet", Content: "draft", Draft: true})
	want := []ple.Post{second, first}

	for _, file := range []string{"feed.xml", "feed.atom", "feed.json"} {
		t.Run(file, func(t *testing.T) {
			r := ts.browser().get("/"+file).mustStatus(t, http.StatusOK)
			f, err := gofeed.NewParser().Parse(strings.NewReader(r.body))
			if err != nil {
				t.Fatalf("gofeed cannot parse our %s: %v\n%s", file, err, r.body)
			}
			if f.Title != "Ada" {
				t.Errorf("title %q", f.Title)
			}
			if f.Link != ts.cfg.BaseURL+"/" {
				t.Errorf("link %q", f.Link)
			}
			if f.FeedLink != ts.cfg.BaseURL+"/"+file {
				t.Errorf("self link %q", f.FeedLink)
			}
			if len(f.Items) != len(want) {
				t.Fatalf("%d items, want %d (drafts must not appear)", len(f.Items), len(want))
			}
			for i, p := range want {
				it := f.Items[i]
				if it.Link != ts.cfg.BaseURL+p.Path() {
					t.Errorf("item %d link %q", i, it.Link)
				}
				if p.Title != "" && it.Title != p.Title {
					t.Errorf("item %d title %q, want %q", i, it.Title, p.Title)
				}
				if it.PublishedParsed == nil || !it.PublishedParsed.Equal(p.PublishedAt.Truncate(time.Second)) {
					t.Errorf("item %d published %v, want %v", i, it.PublishedParsed, p.PublishedAt)
				}
				if !slices.Equal(it.Categories, p.Tags) {
					t.Errorf("item %d categories %q, want %q", i, it.Categories, p.Tags)
				}
				content := it.Content
				if content == "" {
					content = it.Description
				}
				if !strings.Contains(content, strings.Fields(p.Summary)[0]) {
					t.Errorf("item %d content %q lacks the post text", i, content)
				}
			}
			// Relative links in posts are made absolute for readers.
			if strings.Contains(f.Items[1].Content, `href="/media/`) {
				t.Errorf("relative link left in feed content: %s", f.Items[1].Content)
			}
			// The task URL travels byte for byte (thr:in-reply-to / _cairn).
			if file != "feed.json" && !strings.Contains(r.body, `href="https://course.example/tasks/1?a=b&amp;c=d"`) {
				t.Errorf("in-reply-to missing from %s", file)
			}
			if file == "feed.json" && !strings.Contains(r.body, `"in_reply_to":"https://course.example/tasks/1?a=b\u0026c=d"`) &&
				!strings.Contains(r.body, `"in_reply_to":"https://course.example/tasks/1?a=b&c=d"`) {
				t.Errorf("in_reply_to missing from the JSON feed: %s", r.body)
			}
		})
	}
}

func TestFeedContentTypesAndConditionalGET(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	ts.journal.Create(ctx, ple.Draft{Title: "Hello", Content: "World"})
	types := map[string]string{"/feed.xml": "application/rss+xml", "/feed.atom": "application/atom+xml", "/feed.json": "application/feed+json"}
	for path, ctype := range types {
		r := ts.browser().get(path).mustStatus(t, http.StatusOK)
		if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, ctype) {
			t.Errorf("%s Content-Type %q", path, got)
		}
		etag, lastMod := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		if etag == "" || lastMod == "" {
			t.Fatalf("%s: ETag %q Last-Modified %q", path, etag, lastMod)
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", etag)
		ts.browser().do(req).mustStatus(t, http.StatusNotModified)
		req = httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-Modified-Since", lastMod)
		ts.browser().do(req).mustStatus(t, http.StatusNotModified)
		req = httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", `"stale"`)
		ts.browser().do(req).mustStatus(t, http.StatusOK)
	}
	// A new post changes the ETag.
	before := ts.browser().get("/feed.xml").Header.Get("ETag")
	ts.journal.Create(ctx, ple.Draft{Title: "Another", Content: "one"})
	after := ts.browser().get("/feed.xml")
	if after.Header.Get("ETag") == before || !strings.Contains(after.body, "Another") {
		t.Fatal("the feed did not change after a new post")
	}
}

func TestTagAndTaskFeeds(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	ts.journal.Create(ctx, ple.Draft{Title: "Go post", Content: "#go"})
	ts.journal.Create(ctx, ple.Draft{Title: "Rust post", Content: "#rust"})
	ts.journal.Create(ctx, ple.Draft{Title: "Task one", Content: "Do it", IsTask: true})
	for path, want := range map[string][]string{
		"/tags/go/feed.atom": {"Go post"},
		"/tags/go/feed.xml":  {"Go post"},
		"/tasks/feed.xml":    {"Task one"},
		"/tasks/feed.json":   {"Task one"},
	} {
		r := ts.browser().get(path).mustStatus(t, http.StatusOK)
		f, err := gofeed.NewParser().Parse(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var titles []string
		for _, it := range f.Items {
			titles = append(titles, it.Title)
		}
		if !slices.Equal(titles, want) {
			t.Errorf("%s items %q, want %q", path, titles, want)
		}
	}
}

// hub plays a WebSub hub on loopback and records the pings it gets.
type hub struct {
	mu    sync.Mutex
	pings []url.Values
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	v, _ := url.ParseQuery(string(b))
	h.mu.Lock()
	h.pings = append(h.pings, v)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func TestWebSubPingOnPublish(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	h := &hub{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	// No hub set: publishing pings nobody.
	ts.journal.Create(ctx, ple.Draft{Title: "Quiet", Content: "x"})
	if n, _ := ts.jobs.RunOnce(ctx); n != 0 {
		t.Fatalf("%d jobs ran with no hub configured", n)
	}
	if err := ts.journal.Settings().SetWebSubHub(ctx, srv.URL+"/hub"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.journal.Create(ctx, ple.Draft{Title: "Loud", Content: "#go"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.jobs.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, p := range h.pings {
		if p.Get("hub.mode") != "publish" {
			t.Errorf("ping mode %q", p.Get("hub.mode"))
		}
		urls = append(urls, p.Get("hub.url"))
	}
	for _, want := range []string{"/feed.xml", "/feed.atom", "/feed.json", "/tags/go/feed.xml"} {
		if !slices.Contains(urls, ts.cfg.BaseURL+want) {
			t.Errorf("hub not told about %s: %v", want, urls)
		}
	}
	// The feeds advertise the hub.
	r := ts.browser().get("/feed.atom")
	if !strings.Contains(r.Header.Get("Link"), `rel="hub"`) || !strings.Contains(r.body, `rel="hub"`) {
		t.Errorf("hub not advertised: %s", r.Header.Get("Link"))
	}
	if err := ts.journal.Settings().SetWebSubHub(ctx, "not a url"); err == nil {
		t.Error("bad hub URL accepted")
	}
}

func TestCachedPagesAndFeedsAreGzippedForReadersThatAsk(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	for i := range 5 {
		ts.journal.Create(ctx, ple.Draft{Title: "Post " + itoa(int64(i)), Content: strings.Repeat("Plenty of repeated text. ", 40)})
	}
	for _, path := range []string{"/", "/feed.xml", "/posts/post-1"} {
		plain := ts.browser().get(path).mustStatus(t, http.StatusOK)
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
		resp, err := ts.site.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: Content-Encoding %q Vary %q", path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if string(body) != plain.body {
			t.Fatalf("%s: gunzipped body differs from the plain one", path)
		}
		if resp.Header.Get("ETag") == plain.Header.Get("ETag") {
			t.Errorf("%s: gzip and identity share a strong ETag", path)
		}
		req = httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip;q=0")
		if resp, _ := ts.site.Test(req, -1); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip sent despite q=0", path)
		}
	}
}
