package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"willnorris.com/go/microformats"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/ple"
)

// entries returns every h-entry anywhere in the parsed page, nested ones
// included.
func entries(items []*microformats.Microformat) []*microformats.Microformat {
	var out []*microformats.Microformat
	for _, it := range items {
		if slices.Contains(it.Type, "h-entry") {
			out = append(out, it)
		}
		out = append(out, entries(it.Children)...)
	}
	return out
}

func parseMF(t *testing.T, ts *testSite, path, body string) *microformats.Data {
	t.Helper()
	u, _ := url.Parse(ts.cfg.BaseURL + path)
	return microformats.Parse(strings.NewReader(body), u)
}

func props(mf *microformats.Microformat, name string) []string {
	var out []string
	for _, v := range mf.Properties[name] {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]string:
			out = append(out, x["value"])
		case map[string]any:
			s, _ := x["value"].(string)
			out = append(out, s)
		case *microformats.Microformat:
			out = append(out, x.Value)
		}
	}
	return out
}

// publish writes a post through the real editor form and returns its path.
func publish(t *testing.T, b *browser, fields url.Values) string {
	t.Helper()
	fields.Set("csrf", b.csrf("/admin/posts/new"))
	if fields.Get("action") == "" {
		fields.Set("action", "publish")
	}
	r := b.post("/admin/posts", fields)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: status %d: %.500s", r.StatusCode, r.body)
	}
	return r.Header.Get("Location")
}

func TestPostPageIsExactlyOneFullHEntry(t *testing.T) {
	ts := newSite(t).withPassword()
	ts.account.UpdateProfile(context.Background(), account.Profile{Name: "Ada", Photo: "https://ada.example/me.png"})
	b := ts.browser()
	b.login()
	path := publish(t, b, url.Values{
		"title": {"Task 3: an HTTP server in Go"}, "content": {"Built it with `net/http` and #golang. <script>alert(1)</script>"},
		"tags": {"go101, Web"}, "in_reply_to": {"https://course.example/go101/tasks/3?lang=en&v=2"},
	})
	if path != "/posts/task-3-an-http-server-in-go" {
		t.Fatalf("slug path %q", path)
	}
	visitor := ts.browser()
	r := visitor.get(path).mustStatus(t, http.StatusOK)
	if strings.Contains(r.body, "<script>alert") {
		t.Fatal("script survived sanitising")
	}
	data := parseMF(t, ts, path, r.body)
	es := entries(data.Items)
	if len(es) != 1 {
		t.Fatalf("%d h-entries on the post page, want exactly 1", len(es))
	}
	e := es[0]
	abs := ts.cfg.BaseURL + path
	checks := map[string][]string{
		"name":        {"Task 3: an HTTP server in Go"},
		"url":         {abs},
		"uid":         {abs},
		"in-reply-to": {"https://course.example/go101/tasks/3?lang=en&v=2"},
		"category":    {"go101", "web", "golang"},
	}
	for prop, want := range checks {
		if got := props(e, prop); !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", prop, got, want)
		}
	}
	for _, prop := range []string{"published", "updated"} {
		got := props(e, prop)
		if len(got) != 1 {
			t.Fatalf("%s: %v", prop, got)
		}
		if _, err := time.Parse(time.RFC3339, got[0]); err != nil {
			t.Errorf("%s %q is not RFC 3339 with an offset: %v", prop, got[0], err)
		}
	}
	content := props(e, "content")
	if len(content) != 1 || !strings.Contains(content[0], "Built it with") {
		t.Errorf("content %q", content)
	}
	authors := e.Properties["author"]
	if len(authors) != 1 {
		t.Fatalf("author: %v", authors)
	}
	author, ok := authors[0].(*microformats.Microformat)
	if !ok || !slices.Contains(author.Type, "h-card") || props(author, "name")[0] != "Ada" ||
		props(author, "url")[0] != ts.cfg.BaseURL+"/" {
		t.Errorf("author h-card: %+v", authors[0])
	}
}

func TestEditKeepsURLAndSetsUpdated(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	path := publish(t, b, url.Values{"title": {"First title"}, "content": {"Body"}})
	posts, _ := ts.journal.List(context.Background(), ple.Query{})
	id := posts[0].ID
	time.Sleep(1100 * time.Millisecond) // published and updated differ by whole seconds in markup
	r := b.post("/admin/posts/"+itoa(id), url.Values{"csrf": {b.csrf("/admin/posts/" + itoa(id) + "/edit")},
		"title": {"A completely new title"}, "content": {"Body, edited"}, "action": {"publish"}})
	if loc := r.mustStatus(t, http.StatusSeeOther).Header.Get("Location"); loc != path {
		t.Fatalf("edit moved the post to %q", loc)
	}
	page := ts.browser().get(path).mustStatus(t, http.StatusOK).mustContain(t, "A completely new title", "Body, edited")
	e := entries(parseMF(t, ts, path, page.body).Items)[0]
	pub, _ := time.Parse(time.RFC3339, props(e, "published")[0])
	upd, _ := time.Parse(time.RFC3339, props(e, "updated")[0])
	if !upd.After(pub) {
		t.Errorf("dt-updated %v not after dt-published %v", upd, pub)
	}
}

func TestDeleteAnswers410WithTombstone(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	path := publish(t, b, url.Values{"title": {"Short lived"}, "content": {"Soon gone"}})
	posts, _ := ts.journal.List(context.Background(), ple.Query{})
	b.post("/admin/posts/"+itoa(posts[0].ID)+"/delete", url.Values{"csrf": {b.csrf("/admin/posts")}}).mustStatus(t, http.StatusSeeOther)
	r := ts.browser().get(path).mustStatus(t, http.StatusGone)
	es := entries(parseMF(t, ts, path, r.body).Items)
	if len(es) != 1 || !strings.Contains(strings.Join(props(es[0], "content"), ""), "deleted") {
		t.Fatalf("tombstone h-entry: %+v", es)
	}
	if strings.Contains(r.body, "Soon gone") {
		t.Error("the tombstone still shows the content")
	}
	// The slug is never reused.
	again := publish(t, b, url.Values{"title": {"Short lived"}, "content": {"New one"}})
	if again == path {
		t.Fatal("a new post took a deleted post's URL")
	}
	ts.browser().get("/").mustContain(t, "New one")
	if strings.Contains(ts.browser().get("/").body, "Soon gone") {
		t.Error("deleted post still on the home page")
	}
}

func TestDraftsAreOwnerOnly(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	loc := publish(t, b, url.Values{"title": {"Half done"}, "content": {"WIP"}, "action": {"draft"}})
	if !strings.HasSuffix(loc, "/edit") {
		t.Fatalf("draft saved to %q", loc)
	}
	ts.browser().get("/posts/half-done").mustStatus(t, http.StatusNotFound)
	b.get("/posts/half-done").mustStatus(t, http.StatusOK).mustContain(t, "draft")
	if strings.Contains(ts.browser().get("/").body, "Half done") {
		t.Error("draft on the public home page")
	}
	b.get("/admin/posts").mustContain(t, "Half done", "draft")
}

func TestEditorKeepsTextOnError(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	r := b.post("/admin/posts", url.Values{"csrf": {b.csrf("/admin/posts/new")}, "title": {"Keep me"},
		"content": {"All this text"}, "in_reply_to": {"javascript:alert(1)"}, "action": {"publish"}})
	r.mustStatus(t, http.StatusBadRequest).mustContain(t, "Keep me", "All this text", "absolute http(s) URL")
	// Preview renders without saving.
	r = b.post("/admin/posts", url.Values{"csrf": {b.csrf("/admin/posts/new")}, "content": {"**bold** #tag"}, "action": {"preview"}})
	r.mustStatus(t, http.StatusOK).mustContain(t, "<strong>bold</strong>")
	if posts, _ := ts.journal.List(context.Background(), ple.Query{Drafts: true}); len(posts) != 0 {
		t.Fatalf("preview or a refused post was saved: %d posts", len(posts))
	}
	// The live preview endpoint needs the CSRF token.
	b.post("/admin/posts/preview", url.Values{"content": {"x"}}).mustStatus(t, http.StatusForbidden)
	b.post("/admin/posts/preview", url.Values{"csrf": {b.csrf("/admin/posts/new")}, "content": {"_hi_"}}).
		mustStatus(t, http.StatusOK).mustContain(t, "<em>hi</em>")
}

func TestImageUploadInEditor(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	r := b.postMultipart("/admin/posts", map[string]string{"csrf": b.csrf("/admin/posts/new"), "title": "Pic",
		"content": "Look:", "action": "upload"}, "image", "diagram.png", pngBytes(t))
	r.mustStatus(t, http.StatusOK).mustContain(t, "Look:", "![diagram](/media/")
	r = b.postMultipart("/admin/posts", map[string]string{"csrf": b.csrf("/admin/posts/new"), "content": "Look:", "action": "upload"},
		"image", "notes.txt", []byte("plain text, not an image"))
	r.mustStatus(t, http.StatusBadRequest).mustContain(t, "must be a PNG, JPEG, GIF or WebP", "Look:")
}

func TestHomeTagAndTaskPagesAreHFeeds(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	publish(t, b, url.Values{"title": {"One"}, "content": {"about #go"}})
	publish(t, b, url.Values{"title": {"Two"}, "content": {"about #rust"}})
	publish(t, b, url.Values{"title": {"Write a parser"}, "content": {"Task for #go learners"}, "is_task": {"1"}})
	for path, want := range map[string][]string{
		"/":        {"Write a parser", "Two", "One"},
		"/tags/go": {"Write a parser", "One"},
		"/tasks":   {"Write a parser"},
	} {
		r := ts.browser().get(path).mustStatus(t, http.StatusOK)
		data := parseMF(t, ts, path, r.body)
		var feed *microformats.Microformat
		for _, it := range data.Items {
			if slices.Contains(it.Type, "h-feed") {
				feed = it
			}
		}
		if feed == nil {
			t.Fatalf("%s: no h-feed", path)
		}
		if a := feed.Properties["author"]; len(a) != 1 {
			t.Errorf("%s: h-feed author %v", path, a)
		}
		var names []string
		for _, e := range entries(feed.Children) {
			names = append(names, props(e, "name")...)
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s lists %q, want %q", path, names, want)
		}
		// Autodiscovery of the right feeds.
		prefix := strings.TrimSuffix(path, "/") + "/"
		if path == "/" {
			prefix = "/"
		}
		for _, f := range []string{"feed.xml", "feed.atom", "feed.json"} {
			if !slices.Contains(data.Rels["alternate"], ts.cfg.BaseURL+prefix+f) {
				t.Errorf("%s lacks autodiscovery of %s%s: %v", path, prefix, f, data.Rels["alternate"])
			}
		}
	}
}

func TestPostsAPI(t *testing.T) {
	ts := newSite(t)
	tok := ts.token()
	r := ts.api(http.MethodPost, "/api/posts", tok, `{"title": "From a script", "content": "Hello #api", "tags": ["Auto"]}`)
	r.mustStatus(t, http.StatusCreated)
	var ref struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	json.Unmarshal([]byte(r.body), &ref)
	if ref.URL != ts.cfg.BaseURL+"/posts/from-a-script" || r.Header.Get("Location") != ref.URL {
		t.Fatalf("created %+v, Location %q", ref, r.Header.Get("Location"))
	}
	page := ts.browser().get("/posts/from-a-script").mustStatus(t, http.StatusOK)
	e := entries(parseMF(t, ts, "/posts/from-a-script", page.body).Items)[0]
	if got := props(e, "category"); !slices.Equal(got, []string{"auto", "api"}) {
		t.Errorf("categories %q", got)
	}
	ts.api(http.MethodPatch, "/api/posts/"+itoa(ref.ID), tok, `{"title": "Renamed"}`).mustStatus(t, http.StatusOK).
		mustContain(t, "/posts/from-a-script")
	ts.browser().get("/posts/from-a-script").mustContain(t, "Renamed", "Hello")
	ts.api(http.MethodPost, "/api/posts", tok, `{"title": ""}`).mustStatus(t, http.StatusBadRequest).mustContain(t, "title or some text")
	ts.api(http.MethodPost, "/api/posts", tok, `{"title": "x", "in_reply_to": "ftp://x"}`).mustStatus(t, http.StatusBadRequest)
	ts.api(http.MethodDelete, "/api/posts/"+itoa(ref.ID), tok, "").mustStatus(t, http.StatusNoContent)
	ts.browser().get("/posts/from-a-script").mustStatus(t, http.StatusGone)
	ts.api(http.MethodPatch, "/api/posts/999", tok, `{"title": "x"}`).mustStatus(t, http.StatusNotFound)
	ts.api(http.MethodDelete, "/api/posts/999", tok, "").mustStatus(t, http.StatusNotFound)
}
