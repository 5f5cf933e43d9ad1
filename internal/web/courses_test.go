package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/ple"
)

// courseSite plays a course's web site on loopback: an HTML page with
// autodiscovery links and the same tasks as RSS, Atom and JSON Feed. It
// answers 304 to conditional requests and can be switched to a broken feed.
type courseSite struct {
	srv         *httptest.Server
	broken      atomic.Bool
	mu          sync.Mutex
	conditional []string // requests that carried If-None-Match
}

// The task URLs as the feed gives them: a query string with &, a trailing
// slash. Answers must carry them byte for byte.
const (
	task1URL = "/go101/tasks/1?lang=en&v=2"
	task2URL = "/go101/tasks/2/"
)

func newCourseSite(t *testing.T) *courseSite {
	cs := &courseSite{}
	mux := http.NewServeMux()
	mux.HandleFunc("/go101/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><title>Go 101</title>
<link rel="alternate" type="application/atom+xml" href="feed.atom"></head><body><h1>Go 101</h1></body></html>`)
	})
	serve := func(ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if cs.broken.Load() {
				w.Header().Set("Content-Type", ctype)
				fmt.Fprint(w, `<rss version="2.0"><channel><title>Go 101</title><item><title>unclosed`)
				return
			}
			const etag = `"v1"`
			if r.Header.Get("If-None-Match") == etag {
				cs.mu.Lock()
				cs.conditional = append(cs.conditional, r.URL.Path)
				cs.mu.Unlock()
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", ctype)
			fmt.Fprint(w, strings.ReplaceAll(body, "BASE", cs.srv.URL))
		}
	}
	mux.HandleFunc("/go101/feed.xml", serve("application/rss+xml", `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Go 101</title><link>BASE/go101/</link><description>Learn Go #go101</description>
<item><title>Task 1: Hello, web</title><link>BASE/go101/tasks/1?lang=en&amp;v=2</link><guid>t1</guid>
<pubDate>Mon, 02 Nov 2026 09:00:00 +0000</pubDate><category>http</category>
<description>Write a &lt;b&gt;server&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description></item>
<item><title>Task 2: Tests</title><link>BASE/go101/tasks/2/</link><guid>t2</guid>
<pubDate>Mon, 09 Nov 2026 09:00:00 +0000</pubDate><description>Test it #testing</description></item>
<item><title>Task 2: Tests (duplicate)</title><link>BASE/go101/tasks/2/</link><guid>t2</guid></item>
</channel></rss>`))
	mux.HandleFunc("/go101/feed.atom", serve("application/atom+xml", `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Go 101</title><id>BASE/go101/</id><updated>2026-11-09T09:00:00Z</updated>
<link rel="alternate" href="BASE/go101/"/><category term="go101"/>
<entry><title>Task 1: Hello, web</title><id>t1</id><link rel="alternate" href="BASE/go101/tasks/1?lang=en&amp;v=2"/>
<published>2026-11-02T09:00:00Z</published><updated>2026-11-02T09:00:00Z</updated><category term="http"/>
<summary type="html">Write a &lt;b&gt;server&lt;/b&gt;</summary></entry>
<entry><title>Task 2: Tests</title><id>t2</id><link rel="alternate" href="BASE/go101/tasks/2/"/>
<published>2026-11-09T09:00:00Z</published><updated>2026-11-09T09:00:00Z</updated><summary>Test it #testing</summary></entry>
</feed>`))
	mux.HandleFunc("/go101/feed.json", serve("application/feed+json", `{"version": "https://jsonfeed.org/version/1.1",
"title": "Go 101", "home_page_url": "BASE/go101/", "items": [
{"id": "t1", "url": "BASE/go101/tasks/1?lang=en&v=2", "title": "Task 1: Hello, web", "content_html": "Write a <b>server</b>",
 "date_published": "2026-11-02T09:00:00Z", "tags": ["http"]},
{"id": "t2", "url": "BASE/go101/tasks/2/", "title": "Task 2: Tests", "content_text": "Test it #testing",
 "date_published": "2026-11-09T09:00:00Z"}]}`))
	cs.srv = httptest.NewServer(mux)
	t.Cleanup(cs.srv.Close)
	return cs
}

var courseIDInPath = regexp.MustCompile(`^/admin/courses/(\d+)$`)

// follow pastes a URL into the Courses page's form and returns the new
// course's page path.
func follow(t *testing.T, b *browser, u string) string {
	t.Helper()
	r := b.post("/admin/courses", url.Values{"csrf": {b.csrf("/admin/courses")}, "url": {u}})
	if r.StatusCode != http.StatusSeeOther || !courseIDInPath.MatchString(r.Header.Get("Location")) {
		t.Fatalf("follow %s: %d %s %.400s", u, r.StatusCode, r.Header.Get("Location"), r.body)
	}
	return r.Header.Get("Location")
}

func TestFollowCourseFeedsAndAnswerATask(t *testing.T) {
	cs := newCourseSite(t)
	for _, variant := range []string{"/go101/feed.xml", "/go101/feed.atom", "/go101/feed.json", "/go101/"} {
		t.Run(variant, func(t *testing.T) {
			ts := newSite(t).withPassword()
			ctx := context.Background()
			b := ts.browser()
			b.login()
			coursePath := follow(t, b, cs.srv.URL+variant)
			page := b.get(coursePath).mustStatus(t, http.StatusOK).mustContain(t, "Go 101", "Task 1: Hello, web", "Task 2: Tests")
			if strings.Count(page.body, "Task 2: Tests") != 1 {
				t.Errorf("duplicate item became two tasks:\n%s", page.body)
			}

			// The tasks, through the API, with URLs byte for byte.
			tok := ts.token()
			var list []struct {
				ID     int64
				Name   string `json:"name"`
				Status string `json:"status"`
			}
			json.Unmarshal([]byte(ts.api(http.MethodGet, "/api/courses", tok, "").mustStatus(t, http.StatusOK).body), &list)
			if len(list) != 1 || list[0].Status != "ok" {
				t.Fatalf("courses %+v", list)
			}
			var tasks []struct {
				ID    int64  `json:"id"`
				URL   string `json:"url"`
				Title string `json:"title"`
				State string `json:"state"`
			}
			json.Unmarshal([]byte(ts.api(http.MethodGet, "/api/courses/"+itoa(list[0].ID)+"/tasks", tok, "").body), &tasks)
			urls := []string{}
			for _, tk := range tasks {
				urls = append(urls, tk.URL)
			}
			if !slices.Contains(urls, cs.srv.URL+task1URL) || !slices.Contains(urls, cs.srv.URL+task2URL) || len(tasks) != 2 {
				t.Fatalf("task URLs %q", urls)
			}
			var task1 int64
			for _, tk := range tasks {
				if tk.URL == cs.srv.URL+task1URL {
					task1 = tk.ID
				}
			}

			// The task page sanitises the description.
			tp := b.get("/admin/tasks/"+itoa(task1)).mustStatus(t, http.StatusOK).mustContain(t, "<b>server</b>", "Answer this task")
			if strings.Contains(tp.body, "<script>alert") {
				t.Fatal("task description not sanitised")
			}

			// Answer it through the editor opened from the task.
			editor := b.get("/admin/posts/new?task="+itoa(task1)).mustStatus(t, http.StatusOK)
			editor.mustContain(t, `value="`+strings.ReplaceAll(cs.srv.URL+task1URL, "&", "&amp;")+`"`)
			path := publish(t, b, url.Values{"title": {"My web server"}, "content": {"Done: it answers on :8080."},
				"in_reply_to": {cs.srv.URL + task1URL}, "tags": {"go101 http"}})
			answer := ts.browser().get(path).mustStatus(t, http.StatusOK)
			es := entries(parseMF(t, ts, path, answer.body).Items)
			if len(es) != 1 {
				t.Fatalf("%d h-entries", len(es))
			}
			if got := props(es[0], "in-reply-to"); len(got) != 1 || got[0] != cs.srv.URL+task1URL {
				t.Fatalf("in-reply-to %q, want %q byte for byte", got, cs.srv.URL+task1URL)
			}
			answer.mustContain(t, "Task 1: Hello, web") // reply context names the task

			// The task is now answered and lists the answer.
			b.get("/admin/tasks/"+itoa(task1)).mustContain(t, "answered", "My web server")
			json.Unmarshal([]byte(ts.api(http.MethodGet, "/api/courses/"+itoa(list[0].ID)+"/tasks", tok, "").body), &tasks)
			for _, tk := range tasks {
				want := "open"
				if tk.ID == task1 {
					want = "answered"
				}
				if tk.State != want {
					t.Errorf("task %q state %q, want %q", tk.Title, tk.State, want)
				}
			}

			// A refresh is conditional and the site answers 304: nothing changes.
			b.post(coursePath+"/refresh", url.Values{"csrf": {b.csrf(coursePath)}}).mustStatus(t, http.StatusSeeOther)
			b.get(coursePath).mustContain(t, "ok")

			// The feed breaks: the course shows a readable error; tasks and answers stay.
			cs.broken.Store(true)
			defer cs.broken.Store(false)
			if err := ts.courses.Refresh(ctx, list[0].ID); err == nil {
				t.Fatal("refresh of a broken feed reported no error")
			}
			b.get(coursePath).mustContain(t, "error", "Task 1: Hello, web", "Task 2: Tests")
			ts.browser().get(path).mustStatus(t, http.StatusOK)
		})
	}
	if len(cs.conditional) == 0 {
		t.Error("no refresh sent If-None-Match")
	}
}

func TestFollowingBadURLsExplainsAndChangesNothing(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	notAFeed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><head><title>No feed here</title></head><body>hi</body></html>")
	}))
	defer notAFeed.Close()
	for u, status := range map[string]int{"ftp://example.org/feed": http.StatusBadRequest, notAFeed.URL + "/page": http.StatusUnprocessableEntity} {
		r := b.post("/admin/courses", url.Values{"csrf": {b.csrf("/admin/courses")}, "url": {u}})
		r.mustStatus(t, status).mustContain(t, u)
		if !strings.Contains(r.body, "flash error") {
			t.Errorf("%s: no error shown: %.400s", u, r.body)
		}
	}
	if list, _ := ts.courses.List(context.Background()); len(list) != 0 {
		t.Fatalf("a failed follow created %d courses", len(list))
	}
	tok := ts.token()
	ts.api(http.MethodPost, "/api/courses", tok, `{"url": "`+notAFeed.URL+`/page"}`).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `"detail":"no feed found at`)
}

func TestCoursesAPIFollowTwiceAndRefresh(t *testing.T) {
	cs := newCourseSite(t)
	ts := newSite(t)
	tok := ts.token()
	body := `{"url": "` + cs.srv.URL + `/go101/feed.atom"}`
	r := ts.api(http.MethodPost, "/api/courses", tok, body).mustStatus(t, http.StatusCreated)
	var created struct {
		ID      int64  `json:"id"`
		FeedURL string `json:"feed_url"`
		Tasks   []struct {
			URL string `json:"url"`
		} `json:"tasks"`
	}
	json.Unmarshal([]byte(r.body), &created)
	if created.FeedURL != cs.srv.URL+"/go101/feed.atom" || len(created.Tasks) != 2 {
		t.Fatalf("created %+v", created)
	}
	r = ts.api(http.MethodPost, "/api/courses", tok, body).mustStatus(t, http.StatusOK)
	if !strings.Contains(r.body, fmt.Sprintf(`"id":%d`, created.ID)) {
		t.Fatalf("second follow: %s", r.body)
	}
	ts.api(http.MethodPost, "/api/courses/"+itoa(created.ID)+"/refresh", tok, "").mustStatus(t, http.StatusAccepted)
	ts.api(http.MethodPost, "/api/courses/999/refresh", tok, "").mustStatus(t, http.StatusNotFound)
}

func TestOPMLExportImport(t *testing.T) {
	cs := newCourseSite(t)
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	follow(t, b, cs.srv.URL+"/go101/feed.xml")
	r := b.get("/admin/courses/opml").mustStatus(t, http.StatusOK).mustContain(t, "<opml", cs.srv.URL+"/go101/feed.xml")

	other := newSite(t).withPassword()
	ob := other.browser()
	ob.login()
	imp := ob.postMultipart("/admin/courses/import", map[string]string{"csrf": ob.csrf("/admin/courses")}, "opml", "courses.opml", []byte(r.body))
	imp.mustStatus(t, http.StatusOK)
	if list, _ := other.courses.List(context.Background()); len(list) != 1 {
		t.Fatalf("import followed %d courses", len(list))
	}
	bad := ob.postMultipart("/admin/courses/import", map[string]string{"csrf": ob.csrf("/admin/courses")}, "opml", "x.opml", []byte("<opml><body><outline"))
	bad.mustStatus(t, http.StatusBadRequest)
}

// TestLearnerFollowsAnotherCairnsTasks runs two Cairn sites on loopback: an
// instructor who publishes tasks and a learner who follows BASE/tasks and
// answers one.
func TestLearnerFollowsAnotherCairnsTasks(t *testing.T) {
	ln := httptest.NewUnstartedServer(nil)
	issuerURL := "http://" + ln.Listener.Addr().String()
	issuer := newSite(t, func(c *config.Config) { c.BaseURL = issuerURL })
	ln.Config.Handler = issuer.site.Handler()
	ln.Start()
	defer ln.Close()

	ctx := context.Background()
	task, err := issuer.journal.Create(ctx, ple.Draft{Title: "Week 1: write a haiku", Content: "Post it with #poetry101", IsTask: true})
	if err != nil {
		t.Fatal(err)
	}
	issuer.journal.Create(ctx, ple.Draft{Title: "Just a note", Content: "not a task"})

	learner := newSite(t).withPassword()
	b := learner.browser()
	b.login()
	coursePath := follow(t, b, issuerURL+"/tasks")
	page := b.get(coursePath).mustContain(t, "Week 1: write a haiku")
	if strings.Contains(page.body, "Just a note") {
		t.Fatal("the learner followed the whole journal, not the tasks")
	}
	list, _ := learner.courses.List(ctx)
	if len(list) != 1 || list[0].FeedURL != issuerURL+"/tasks/feed.atom" {
		t.Fatalf("followed %+v", list)
	}
	tasks, _ := learner.courses.Tasks(ctx, list[0].ID)
	if len(tasks) != 1 || tasks[0].URL != issuerURL+task.Path() {
		t.Fatalf("tasks %+v, want the issuer's post URL %s", tasks, issuerURL+task.Path())
	}
	path := publish(t, b, url.Values{"title": {"Haiku"}, "content": {"An old silent pond"}, "in_reply_to": {tasks[0].URL}})
	es := entries(parseMF(t, learner, path, learner.browser().get(path).body).Items)
	if got := props(es[0], "in-reply-to"); len(got) != 1 || got[0] != issuerURL+task.Path() {
		t.Fatalf("answer in-reply-to %q", got)
	}
	if tk, _ := learner.courses.Task(ctx, tasks[0].ID); tk.State != "answered" {
		t.Fatalf("task state %q", tk.State)
	}
}
