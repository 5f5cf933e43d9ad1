package feedpoll

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
)

var testBase, _ = url.Parse("https://course.example/feeds/feed.xml")

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestExactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://x.example/a?id=3&lang=en": "https://x.example/a?id=3&lang=en",
		"https://x.example/dir/":           "https://x.example/dir/",
		"HTTPS://X.example/%7euser/":       "HTTPS://X.example/%7euser/",
		"/tasks/1":                         "https://course.example/tasks/1",
		"t2.html":                          "https://course.example/feeds/t2.html",
		"javascript:alert(1)":              "",
		"mailto:a@b.example":               "",
		"ftp://x.example/":                 "",
		"":                                 "",
		"http://x.example/a\nb":            "",
	} {
		if got := ExactURL(in, testBase); got != want {
			t.Errorf("ExactURL(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestDiscoverFeeds(t *testing.T) {
	page, _ := url.Parse("https://course.example/course/")
	doc := `<html><head>
	<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/1">
	<link rel="alternate" type="application/rss+xml" href="rss.xml">
	<link rel="alternate" type="application/rss+xml" href="rss.xml#dup">
	<link rel="alternate" type="text/html" href="/fr/">
	<link rel="alternate" type="application/feed+json" href="feed.json">
	<link rel="alternate home" type="application/atom+xml" href="//cdn.example/atom.xml">
	<link rel="alternate" type="application/atom+xml" href="javascript:alert(1)">
	<link rel="stylesheet" type="application/rss+xml" href="style.xml">
	</head><body><a rel="alternate" type="application/atom+xml" href="/anchor.xml">x</a></body></html>`
	got := DiscoverFeeds([]byte(doc), page)
	want := []string{"https://cdn.example/atom.xml", "https://course.example/course/rss.xml",
		"https://course.example/course/feed.json", "https://course.example/wp-json/wp/v2/pages/1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DiscoverFeeds = %q\nwant %q", got, want)
	}
	if got := DiscoverFeeds([]byte(`<html><head><title>x</title></head></html>`), page); len(got) != 0 {
		t.Errorf("no links: %q", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := date("2025-06-05T12:00:00Z")
	for in, want := range map[string]time.Duration{
		"120": 2 * time.Minute, "": 0, "-5": 0, "soon": 0,
		"Thu, 05 Jun 2025 13:00:00 GMT": time.Hour,
		"Thu, 05 Jun 2025 11:00:00 GMT": 0,
		"99999999999":                   maxRetryAfter,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v; want %v", in, got, want)
		}
	}
}

func TestCheckInputURL(t *testing.T) {
	for in, want := range map[string]string{
		" https://a.example/feed ":        "",
		"":                                "paste it",
		"ftp://a.example/":                "the thing URL must start with http:// or https://",
		"https://:80/":                    "the thing URL has no host name",
		"https://me:pw@a.example/":        "the thing URL must not contain a user name or password",
		"https://a.example/%zz":           "that is not a valid URL",
		"https://a.example/" + long(3000): "the URL is longer than 2048 characters",
	} {
		got, err := CheckInputURL(in, "paste it", "the thing URL")
		if want == "" {
			if err != nil || got != strings.TrimSpace(in) {
				t.Errorf("CheckInputURL(%q) = %q, %v", in, got, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Msg != want {
			t.Errorf("CheckInputURL(%q) = %v; want %q", in, err, want)
		}
	}
}

func long(n int) string { return strings.Repeat("a", n) }

func TestItemKey(t *testing.T) {
	if got := ItemKey(&gofeed.Item{GUID: " g ", Link: "l"}, "x"); got != "g" {
		t.Errorf("GUID first: %q", got)
	}
	if got := ItemKey(&gofeed.Item{Link: " https://a.example/1 "}, "x"); got != "https://a.example/1" {
		t.Errorf("link next: %q", got)
	}
	a, b := ItemKey(&gofeed.Item{}, "t", "d"), ItemKey(&gofeed.Item{}, "t", "d")
	if !strings.HasPrefix(a, "sha256:") || a != b || a == ItemKey(&gofeed.Item{}, "t", "e") {
		t.Errorf("fingerprint hash: %q %q", a, b)
	}
	if got := ItemKey(&gofeed.Item{GUID: long(MaxItemKey + 1)}); !strings.HasPrefix(got, "sha256:") {
		t.Errorf("long key kept: %q", got)
	}
}

func TestHashtags(t *testing.T) {
	got := slices.Collect(Hashtags("#One then page#frag, #123 (#Two-) #one", 10))
	if want := []string{"one", "two", "one"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Hashtags = %q; want %q", got, want)
	}
	// Only the first scan "#" words are looked at.
	if got := slices.Collect(Hashtags("#1 #2 #late", 2)); len(got) != 0 {
		t.Errorf("scan bound ignored: %q", got)
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{4 << 20: "4 MiB", 1 << 20: "1 MiB", 512 << 10: "512 KiB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := &Poller{PollInterval: func() time.Duration { return 0 }}
	if p.Interval() != DefaultPollInterval {
		t.Errorf("Interval = %v; want the default", p.Interval())
	}
	p.PollInterval = func() time.Duration { return time.Hour }
	for n, want := range map[int]time.Duration{1: time.Hour, 2: 2 * time.Hour, 4: 8 * time.Hour, 50: MaxBackoff} {
		if got := p.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v; want %v", n, got, want)
		}
	}
}

func TestImportAll(t *testing.T) {
	urls := []string{"new", "old", "bad", "new2"}
	out, tally := ImportAll(context.Background(), urls, func(_ context.Context, u string) (int64, bool, error) {
		switch u {
		case "bad":
			return 9, false, errors.New("no")
		case "old":
			return 2, false, nil
		}
		return int64(len(u)), true, nil
	})
	want := []Imported{{Added, 3, ""}, {Existing, 2, ""}, {Failed, 0, "no"}, {Added, 4, ""}}
	if !reflect.DeepEqual(out, want) || tally != (Tally{Added: 2, Existing: 1, Failed: 1}) {
		t.Errorf("ImportAll = %+v, %+v", out, tally)
	}
}

// TestFind follows a page to its feed, stops at a feed already polled,
// and says why when a page names none.
func TestFind(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, `<rss version="2.0"><channel><title>F</title></channel></rss>`)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head></html>`)
	})
	mux.HandleFunc("/bare", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><head><title>x</title></head></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	defer client.CloseIdleConnections()
	f := &Fetcher{Client: client, Site: "the site", MaxBody: 1 << 20, Now: time.Now}
	parse := func(body []byte, _ *url.URL) (string, error) {
		feed, err := Parse(body)
		if err != nil {
			return "", err
		}
		return feed.Title, nil
	}
	none := func(context.Context, string) (int, error) { return 0, store.ErrNotFound }
	ctx := context.Background()

	got, err := Find(ctx, f, srv.URL+"/page", parse, none)
	if err != nil || got.FeedURL != srv.URL+"/feed.xml" || got.Parsed != "F" || got.Page == nil || got.Feed.ETag != `"v1"` {
		t.Fatalf("Find(page) = %+v, %v", got, err)
	}
	known := func(_ context.Context, u string) (int, error) {
		if u == srv.URL+"/feed.xml" {
			return 7, nil
		}
		return 0, store.ErrNotFound
	}
	if got, err := Find(ctx, f, srv.URL+"/page", parse, known); err != nil || got.Existing == nil || *got.Existing != 7 {
		t.Errorf("Find(page of a known feed) = %+v, %v", got, err)
	}
	_, err = Find(ctx, f, srv.URL+"/bare", parse, none)
	var fe *FeedError
	if !errors.As(err, &fe) || !errors.Is(err, ErrNoFeedFound) {
		t.Errorf("Find(bare page) = %v", err)
	}
	_, err = Find(ctx, f, srv.URL+"/missing", parse, none)
	if !errors.As(err, &fe) || fe.StatusCode != 404 || fe.Msg != "the site answered 404 Not Found" {
		t.Errorf("Find(missing) = %v", err)
	}
}
