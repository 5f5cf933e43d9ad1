package courses

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

func TestConditionalGet(t *testing.T) {
	f := newFixture(t)
	lm := "Mon, 02 Jun 2025 10:00:00 GMT"
	f.site.set("/feeds/rss.xml", page{body: fixtureFile(t, "rss.xml"), etag: `"v1"`, lastModified: lm})
	c := f.follow(t, "/feeds/rss.xml")
	before := f.tasks(t, c.ID)

	f.clock.Advance(time.Hour)
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	reqs := f.site.requests("/feeds/rss.xml")
	last := reqs[len(reqs)-1]
	if last.Get("If-None-Match") != `"v1"` || last.Get("If-Modified-Since") != lm {
		t.Errorf("conditional headers = %q, %q", last.Get("If-None-Match"), last.Get("If-Modified-Since"))
	}
	if reqs[0].Get("If-None-Match") != "" {
		t.Errorf("first fetch was conditional")
	}
	got := f.course(t, c.ID)
	if got.Status != StatusOK || !got.FetchedAt.Equal(f.clock.Now()) || !got.NextFetchAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("after 304: %+v", got)
	}
	if after := f.tasks(t, c.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("a 304 changed tasks")
	}

	// A new version: new validators are stored and used next time.
	f.site.set("/feeds/rss.xml", page{body: strings.Replace(fixtureFile(t, "rss.xml"), "Task 2: Set up your blog", "Task 2: Set up a blog", 1),
		etag: `"v2"`})
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := byTitle(f.tasks(t, c.ID))["Task 2: Set up a blog"]; !ok {
		t.Errorf("changed title not applied")
	}
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	reqs = f.site.requests("/feeds/rss.xml")
	if h := reqs[len(reqs)-1]; h.Get("If-None-Match") != `"v2"` || h.Get("If-Modified-Since") != "" {
		t.Errorf("validators after change: %q, %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
	}
}

// TestBadFeedsMarkTheCourse walks one course through every kind of bad
// answer: each marks the course with a readable error, keeps its tasks and
// pushes the next fetch further out; a good fetch then clears it all.
func TestBadFeedsMarkTheCourse(t *testing.T) {
	f := newFixture(t)
	good := page{body: fixtureFile(t, "rss.xml"), contentType: "application/rss+xml"}
	f.site.set("/feed", good)
	c := f.follow(t, "/feed")
	tasksBefore := f.tasks(t, c.ID)
	steps := []struct {
		name string
		p    page
		want string
	}{
		{"broken XML", page{body: `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a`}, "the feed's XML is broken"},
		{"HTML page", page{contentType: "text/html", body: `<!doctype html><html><head><title>x</title></head></html>`}, "not an RSS, Atom or JSON feed"},
		{"broken JSON", page{contentType: "application/feed+json", body: `{"version": "https://jsonfeed.org/version/1.1", "items": [`}, "the JSON feed is broken"},
		{"server error", page{status: 500, body: "oops"}, "the course site answered 500 Internal Server Error"},
		{"oversize", page{body: `<rss version="2.0"><channel>` + strings.Repeat("<!-- padding -->", 300000) + `</channel></rss>`}, "the feed is larger than 4 MiB"},
		{"stall", page{stall: true}, "the course site timed out"},
		{"gone", page{status: http.StatusGone}, "the feed is gone (410)"},
	}
	prevDelay := time.Duration(0)
	for i, st := range steps {
		f.clock.Advance(time.Minute)
		f.site.set("/feed", st.p)
		err := f.svc.Refresh(ctx, c.ID)
		fe := feedErr(t, err)
		got := f.course(t, c.ID)
		if got.Status != StatusError || !strings.Contains(got.Error, st.want) || fe.Msg != got.Error {
			t.Errorf("%s: status %q error %q (returned %q); want %q", st.name, got.Status, got.Error, fe.Msg, st.want)
		}
		if got.Failures != i+1 {
			t.Errorf("%s: failures = %d, want %d", st.name, got.Failures, i+1)
		}
		delay := got.NextFetchAt.Sub(f.clock.Now())
		if delay <= prevDelay && delay != MaxBackoff || delay > MaxBackoff {
			t.Errorf("%s: next fetch in %v after %v", st.name, delay, prevDelay)
		}
		prevDelay = delay
		if after := f.tasks(t, c.ID); !reflect.DeepEqual(tasksBefore, after) {
			t.Errorf("%s: tasks changed", st.name)
		}
		if !got.FetchedAt.Equal(f.clock.Now()) || got.Name != c.Name || got.Hashtag != c.Hashtag {
			t.Errorf("%s: course now %+v", st.name, got)
		}
	}
	if prevDelay != MaxBackoff {
		t.Errorf("backoff after %d failures = %v; want the %v cap", len(steps), prevDelay, MaxBackoff)
	}

	// Retry-After on 429 and 503 is a minimum delay.
	f.site.set("/feed", page{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "172800"}})
	fe := feedErr(t, f.svc.Refresh(ctx, c.ID))
	if fe.StatusCode != 429 || fe.RetryAfter != 48*time.Hour {
		t.Errorf("429: %+v", fe)
	}
	if got := f.course(t, c.ID); got.NextFetchAt.Sub(f.clock.Now()) != 48*time.Hour {
		t.Errorf("Retry-After ignored: next fetch in %v", got.NextFetchAt.Sub(f.clock.Now()))
	}

	f.site.set("/feed", good)
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatalf("good fetch: %v", err)
	}
	got := f.course(t, c.ID)
	if got.Status != StatusOK || got.Error != "" || got.Failures != 0 || !got.NextFetchAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("after recovery: %+v", got)
	}
	if after := f.tasks(t, c.ID); !reflect.DeepEqual(tasksBefore, after) {
		t.Errorf("tasks changed by the recovery fetch")
	}
}

func TestRefreshUnknownCourse(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.Refresh(ctx, 42); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Refresh(42) = %v", err)
	}
}

func rssFeed(items ...string) string {
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>Dup course</title><link>{{BASE}}/</link>` +
		strings.Join(items, "") + `</channel></rss>`
}

func rssItem(title, link, guid string) string {
	s := "<item><title>" + title + "</title>"
	if link != "" {
		s += "<link>" + link + "</link>"
	}
	if guid != "" {
		s += "<guid>" + guid + "</guid>"
	}
	return s + "</item>"
}

func TestDuplicateItems(t *testing.T) {
	f := newFixture(t)
	f.site.set("/feed", page{body: rssFeed(
		rssItem("A", "{{BASE}}/a", "g-a"),
		rssItem("A again (same GUID)", "{{BASE}}/a2", "g-a"),
		rssItem("B", "{{BASE}}/b", "g-b"),
		rssItem("B again (same link)", "{{BASE}}/b", "g-b2"),
		rssItem("C no guid", "{{BASE}}/c", ""),
		rssItem("C again no guid", "{{BASE}}/c", ""),
		rssItem("D no link", "", ""),
		rssItem("D no link", "", ""),
	)})
	c := f.follow(t, "/feed")
	want := []string{"A", "B", "C no guid", "D no link"}
	check := func(when string) {
		t.Helper()
		ts := f.tasks(t, c.ID)
		var titles []string
		for _, task := range ts {
			titles = append(titles, task.Title)
		}
		if !reflect.DeepEqual(titles, want) { // undated items keep feed order
			t.Errorf("%s: tasks %q; want %q", when, titles, want)
		}
	}
	check("first fetch")
	for i := range 2 {
		if err := f.svc.Refresh(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("refresh %d", i+1))
	}
}

func TestGUIDsAddedLaterDoNotDuplicate(t *testing.T) {
	f := newFixture(t)
	f.site.set("/feed", page{body: rssFeed(rssItem("One", "{{BASE}}/1", ""), rssItem("Two", "{{BASE}}/2", ""))})
	c := f.follow(t, "/feed")
	f.site.set("/feed", page{body: rssFeed(rssItem("One", "{{BASE}}/1", "urn:one"), rssItem("Two", "{{BASE}}/2", "urn:two"))})
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	ts := f.tasks(t, c.ID)
	if len(ts) != 2 || ts[0].GUID != "urn:one" || ts[1].GUID != "urn:two" || ts[0].Removed() || ts[1].Removed() {
		t.Fatalf("tasks = %+v", ts)
	}
	// The link changes under the same GUID: the task keeps its URL, so
	// answers pointing at it still match.
	f.site.set("/feed", page{body: rssFeed(rssItem("One, moved", "{{BASE}}/one", "urn:one"), rssItem("Two", "{{BASE}}/2", "urn:two"))})
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	ts = f.tasks(t, c.ID)
	if len(ts) != 2 || ts[0].Title != "One, moved" || ts[0].URL != f.site.url("/1") {
		t.Errorf("after link change: %q %q (%d tasks)", ts[0].Title, ts[0].URL, len(ts))
	}
}

func TestDroppedItemKeepsTaskAndAnswers(t *testing.T) {
	f := newFixture(t)
	full := rssFeed(rssItem("Keep", "{{BASE}}/keep", "k"), rssItem("Drop", "{{BASE}}/drop", "d"))
	f.site.set("/feed", page{body: full})
	c := f.follow(t, "/feed")
	drop := byTitle(f.tasks(t, c.ID))["Drop"]
	post := f.insertPost(t, "my-answer", drop.ID, drop.URL)
	if task, _ := f.svc.Task(ctx, drop.ID); task.State != StateAnswered {
		t.Errorf("state after answer = %s", task.State)
	}

	f.clock.Advance(time.Hour)
	f.site.set("/feed", page{body: rssFeed(rssItem("Keep", "{{BASE}}/keep", "k"))})
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	ts := byTitle(f.tasks(t, c.ID))
	if len(ts) != 2 || !ts["Drop"].RemovedAt.Equal(f.clock.Now()) || ts["Keep"].Removed() || ts["Drop"].State != StateAnswered {
		t.Fatalf("after drop: %+v", ts)
	}
	var taskID int64
	if err := f.db.R.QueryRow(`SELECT task_id FROM posts WHERE id = ?`, post).Scan(&taskID); err != nil || taskID != drop.ID {
		t.Errorf("post task_id = %d, %v", taskID, err)
	}
	if got := f.course(t, c.ID); got.Tasks != 2 || got.OpenTasks != 1 {
		t.Errorf("counts = %d/%d", got.Tasks, got.OpenTasks)
	}

	// It comes back.
	f.site.set("/feed", page{body: full})
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := byTitle(f.tasks(t, c.ID))["Drop"]; got.Removed() || got.ID != drop.ID {
		t.Errorf("after return: %+v", got)
	}

	// An empty feed marks everything removed and deletes nothing.
	f.site.set("/feed", page{body: rssFeed()})
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	for _, task := range f.tasks(t, c.ID) {
		if !task.Removed() {
			t.Errorf("%q not marked removed", task.Title)
		}
	}
}

func TestConcurrentRefreshes(t *testing.T) {
	f := newFixture(t)
	f.site.set("/feed", page{body: fixtureFile(t, "rss.xml")})
	c := f.follow(t, "/feed")
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- f.svc.Refresh(ctx, c.ID) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := f.course(t, c.ID); got.Tasks != 3 {
		t.Errorf("tasks = %d", got.Tasks)
	}
}
