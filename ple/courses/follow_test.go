package courses

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
)

func fixtureFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serveCourse puts the three feed variants and the course page on the site.
func serveCourse(t testing.TB, s *site) {
	s.set("/feeds/rss.xml", page{contentType: "application/rss+xml", body: fixtureFile(t, "rss.xml")})
	s.set("/feeds/atom.xml", page{contentType: "application/atom+xml", body: fixtureFile(t, "atom.xml")})
	s.set("/feed.json", page{contentType: "application/feed+json", body: fixtureFile(t, "feed.json")})
	s.set("/course/", page{contentType: "text/html; charset=utf-8", body: fixtureFile(t, "page.html")})
}

func checkDescription(t *testing.T, task Task) {
	t.Helper()
	d := strings.ToLower(task.DescriptionHTML)
	for _, bad := range []string{"<script", "javascript:", "onclick", "onerror"} {
		if strings.Contains(d, bad) {
			t.Errorf("task %q: description keeps %q: %s", task.Title, bad, task.DescriptionHTML)
		}
	}
}

func TestFollowRSS(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	c := f.follow(t, "/feeds/rss.xml")
	base := f.site.url("")
	if c.Name != "Open Learning 101" || c.SiteURL != base+"/course/" || c.FeedURL != base+"/feeds/rss.xml" ||
		c.InputURL != c.FeedURL || c.Hashtag != "ol101" || c.Status != StatusOK || c.Error != "" {
		t.Errorf("course = %+v", c)
	}
	if c.Tasks != 3 || c.OpenTasks != 3 || c.FetchedAt.IsZero() || !c.NextFetchAt.Equal(f.clock.Now().Add(DefaultPollInterval)) {
		t.Errorf("course counts and times = %+v", c)
	}
	ts := f.tasks(t, c.ID)
	if len(ts) != 3 {
		t.Fatalf("got %d tasks, want 3", len(ts))
	}
	// Newest first.
	want := []struct {
		title, url, tag string
		published       string
	}{
		{"Task 3: Reflect & share", base + "/tasks?id=3&lang=en", "reflection", "2025-06-02T10:00:00Z"},
		{"Task 2: Set up your blog", base + "/tasks/2/", "setup", "2025-05-26T10:00:00Z"},
		{"Task 1: Introduce yourself", base + "/tasks/1", "ol101", "2025-05-19T10:00:00Z"},
	}
	for i, w := range want {
		got := ts[i]
		if got.Title != w.title || got.URL != w.url || got.Hashtag != w.tag || !got.PublishedAt.Equal(date(w.published)) {
			t.Errorf("task %d = %q %q #%s %v; want %q %q #%s %s", i, got.Title, got.URL, got.Hashtag, got.PublishedAt,
				w.title, w.url, w.tag, w.published)
		}
		if got.State != StateOpen || got.Removed() || got.CourseName != c.Name || got.CourseHashtag != "ol101" {
			t.Errorf("task %d: state %s removed %v course %q #%s", i, got.State, got.Removed(), got.CourseName, got.CourseHashtag)
		}
		checkDescription(t, got)
	}
	if !ts[0].DueAt.Equal(date("2025-06-09T23:59:00Z")) || !ts[1].DueAt.IsZero() {
		t.Errorf("due dates: %v, %v", ts[0].DueAt, ts[1].DueAt)
	}
	if !strings.Contains(ts[0].DescriptionHTML, `href="`+base+`/guide"`) || !strings.Contains(ts[0].DescriptionHTML, "<b>share</b>") {
		t.Errorf("description not absolutised or formatting lost: %s", ts[0].DescriptionHTML)
	}
	if ts[2].DescriptionHTML != "<p>Say hi to the group.</p>" {
		t.Errorf("escaped HTML description = %q", ts[2].DescriptionHTML)
	}
	if ts[0].GUID != "task-3" || ts[2].GUID != base+"/tasks/1" {
		t.Errorf("dedupe keys: %q, %q", ts[0].GUID, ts[2].GUID)
	}
}

func TestFollowAtom(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	c := f.follow(t, "/feeds/atom.xml")
	base := f.site.url("")
	if c.Name != "Atom Course" || c.SiteURL != base+"/atom-course/" || c.Hashtag != "atomics" {
		t.Errorf("course = %+v", c)
	}
	ts := f.tasks(t, c.ID)
	if len(ts) != 2 {
		t.Fatalf("got %d tasks, want 2", len(ts))
	}
	w2, w1 := ts[0], ts[1]
	if w2.Title != "Week 2 essay" || w2.URL != base+"/atom/week-2?id=3&lang=en" || w2.GUID != "urn:uuid:week-2" ||
		!w2.PublishedAt.Equal(date("2025-06-02T10:00:00Z")) || !w2.DueAt.Equal(date("2025-06-16T00:00:00Z")) ||
		w2.Hashtag != "atomics" {
		t.Errorf("week 2 = %+v", w2)
	}
	if !strings.Contains(w2.DescriptionHTML, `href="`+base+`/feeds/notes.html"`) {
		t.Errorf("relative link not resolved against the feed URL: %s", w2.DescriptionHTML)
	}
	checkDescription(t, w2)
	// The link is kept byte for byte: gofeed would lower-case the scheme
	// and percent-encode the path.
	wantURL := "HTTP://" + strings.TrimPrefix(base, "http://") + "/atom/café/"
	if w1.URL != wantURL || w1.Hashtag != "week1" || !w1.PublishedAt.Equal(date("2025-05-26T10:00:00Z")) || !w1.DueAt.IsZero() {
		t.Errorf("week 1 = %q #%s %v %v; want URL %q", w1.URL, w1.Hashtag, w1.PublishedAt, w1.DueAt, wantURL)
	}
	if got, err := f.svc.TaskByURL(ctx, wantURL); err != nil || got.ID != w1.ID {
		t.Errorf("TaskByURL(exact) = %v, %v", got.ID, err)
	}
}

func TestFollowJSONFeed(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	c := f.follow(t, "/feed.json")
	base := f.site.url("")
	if c.Name != "JSON Course" || c.SiteURL != base+"/json-course/" || c.Hashtag != "makers" {
		t.Errorf("course = %+v", c)
	}
	ts := f.tasks(t, c.ID)
	if len(ts) != 2 {
		t.Fatalf("got %d tasks, want 2", len(ts))
	}
	j2, j1 := ts[0], ts[1]
	if j2.Title != "Build a thing" || j2.URL != base+"/json/2?id=3&lang=en" || j2.Hashtag != "making" || j2.GUID != "j2" {
		t.Errorf("j2 = %+v", j2)
	}
	checkDescription(t, j2)
	if !strings.Contains(j2.DescriptionHTML, `href="`+base+`/docs"`) || !strings.Contains(j2.DescriptionHTML, `src="`+base+`/pic.png"`) {
		t.Errorf("j2 description: %s", j2.DescriptionHTML)
	}
	// A relative item URL is resolved against the feed URL.
	if j1.URL != base+"/json/1/" || j1.DescriptionHTML != "Plain text only" || !j1.PublishedAt.Equal(date("2025-05-26T08:00:00Z")) ||
		j1.Hashtag != "makers" {
		t.Errorf("j1 = %+v", j1)
	}
}

func TestFollowPageAutodiscovery(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	c := f.follow(t, "/course/")
	if c.FeedURL != f.site.url("/feeds/atom.xml") || c.InputURL != f.site.url("/course/") || c.Name != "Atom Course" {
		t.Fatalf("followed %q (input %q, %q); want the Atom feed", c.FeedURL, c.InputURL, c.Name)
	}
	if c.Tasks != 2 {
		t.Errorf("tasks = %d", c.Tasks)
	}
	// The page again, and the feed it named: the same course.
	for _, u := range []string{"/course/", "/feeds/atom.xml"} {
		again, created, err := f.svc.Follow(ctx, f.site.url(u))
		if err != nil || created || again.ID != c.ID {
			t.Errorf("Follow(%s) again = %d, %v, %v; want %d, false", u, again.ID, created, err, c.ID)
		}
	}

	// A page whose best feed is broken falls back to the next one.
	f.site.set("/other/", page{contentType: "text/html", body: `<html><head>
		<link rel="alternate" type="application/atom+xml" href="/missing.xml">
		<base href="/feeds/"><link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>`})
	c2, created, err := f.svc.Follow(ctx, f.site.url("/other/"))
	if err != nil || !created || c2.FeedURL != f.site.url("/feeds/rss.xml") {
		t.Errorf("Follow(other) = %q, %v, %v", c2.FeedURL, created, err)
	}
}

func TestFollowTwice(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	c := f.follow(t, "/feeds/rss.xml")
	n := len(f.site.requests("/feeds/rss.xml"))
	again, created, err := f.svc.Follow(ctx, "  "+f.site.url("/feeds/rss.xml")+" ")
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("second Follow = %d, %v, %v", again.ID, created, err)
	}
	if len(f.site.requests("/feeds/rss.xml")) != n {
		t.Errorf("following again fetched the feed")
	}
	if f.countCourses(t) != 1 {
		t.Errorf("courses = %d", f.countCourses(t))
	}
}

func TestFollowRefusesBadURLs(t *testing.T) {
	f := newFixture(t)
	for _, u := range []string{"", "   ", "ftp://example.com/feed", "javascript:alert(1)", "file:///etc/passwd",
		"example.com/feed", "http://", "https://user:pw@example.com/feed", "http://" + strings.Repeat("a", 3000)} {
		_, _, err := f.svc.Follow(ctx, u)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Msg == "" {
			t.Errorf("Follow(%q) = %v; want a ValidationError", u, err)
		}
	}
	if f.countCourses(t) != 0 {
		t.Error("a course was stored")
	}
}

func TestFollowFailuresCreateNothing(t *testing.T) {
	f := newFixture(t)
	f.site.set("/broken.xml", page{body: `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a`})
	f.site.set("/not-a-feed.txt", page{contentType: "text/plain", body: "hello"})
	f.site.set("/nofeed.html", page{contentType: "text/html", body: `<!doctype html><html><head><title>x</title></head><body>hi</body></html>`})
	f.site.set("/deadlinks.html", page{contentType: "text/html", body: `<html><head><link rel="alternate" type="application/rss+xml" href="/gone.xml"></head></html>`})
	// Announced (refused before reading) and streamed (refused at the cap).
	big := "<rss>" + strings.Repeat(" ", int(MaxFeedBody)) + "</rss>"
	f.site.set("/big.xml", page{body: big, header: map[string]string{"Content-Length": fmt.Sprint(len(big))}})
	f.site.set("/big-chunked.xml", page{body: big})
	f.site.set("/slow.xml", page{stall: true})
	f.site.set("/error.xml", page{status: 500, body: "oops"})
	cases := []struct {
		path, want string
	}{
		{"/missing.xml", "the course site answered 404 Not Found"},
		{"/error.xml", "the course site answered 500 Internal Server Error"},
		{"/broken.xml", "the feed's XML is broken"},
		{"/not-a-feed.txt", "not an RSS, Atom or JSON feed"},
		{"/nofeed.html", `no feed found at ` + f.site.url("/nofeed.html") + `: the page has no <link rel="alternate"> to an RSS, Atom or JSON feed`},
		{"/deadlinks.html", "the feed " + f.site.url("/gone.xml") + " named by the page: the course site answered 404 Not Found"},
		{"/big.xml", "the feed is larger than 4 MiB"},
		{"/big-chunked.xml", "the feed is larger than 4 MiB"},
		{"/slow.xml", "timed out"},
	}
	for _, c := range cases {
		_, created, err := f.svc.Follow(ctx, f.site.url(c.path))
		if err == nil || created {
			t.Errorf("Follow(%s) = %v, %v; want an error", c.path, created, err)
			continue
		}
		fe := feedErr(t, err)
		if !strings.Contains(fe.Msg, c.want) {
			t.Errorf("Follow(%s) error = %q; want it to contain %q", c.path, fe.Msg, c.want)
		}
	}
	if _, _, err := f.svc.Follow(ctx, f.site.url("/nofeed.html")); !errors.Is(err, ErrNoFeedFound) {
		t.Errorf("errors.Is(ErrNoFeedFound) = false for %v", err)
	}
	if _, _, err := f.svc.Follow(ctx, f.site.url("/not-a-feed.txt")); !errors.Is(err, ErrNotFeed) {
		t.Errorf("errors.Is(ErrNotFeed) = false for %v", err)
	}
	if f.countCourses(t) != 0 {
		t.Errorf("%d courses stored after failures", f.countCourses(t))
	}
	var n int
	if err := f.db.R.QueryRow(`SELECT count(*) FROM tasks`).Scan(&n); err != nil || n != 0 {
		t.Errorf("tasks = %d, %v", n, err)
	}
}

func TestListGetUnfollow(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	a := f.follow(t, "/feeds/rss.xml")
	b := f.follow(t, "/feed.json")
	list, err := f.svc.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID { // by name: JSON…, Open…
		t.Fatalf("List = %+v, %v", list, err)
	}
	ts := f.tasks(t, a.ID)
	post := f.insertPost(t, "answer", ts[0].ID, ts[0].URL)
	if err := f.svc.Unfollow(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after Unfollow = %v", err)
	}
	if _, err := f.svc.Tasks(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Tasks after Unfollow = %v", err)
	}
	if err := f.svc.Unfollow(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Unfollow twice = %v", err)
	}
	var irt string
	var taskID *int64
	if err := f.db.R.QueryRow(`SELECT in_reply_to, task_id FROM posts WHERE id = ?`, post).Scan(&irt, &taskID); err != nil {
		t.Fatal(err)
	}
	if irt != ts[0].URL || taskID != nil {
		t.Errorf("post after unfollow: in_reply_to %q task_id %v", irt, taskID)
	}
	// Following again links the answer back.
	a2 := f.follow(t, "/feeds/rss.xml")
	task, err := f.svc.TaskByURL(ctx, ts[0].URL)
	if err != nil || task.CourseID != a2.ID || task.State != StateAnswered {
		t.Errorf("after re-follow: %+v, %v", task, err)
	}
	origins, err := f.svc.FollowedOrigins(ctx)
	if err != nil || len(origins) != 1 || origins[0] != f.site.url("") {
		t.Errorf("FollowedOrigins = %v, %v", origins, err)
	}
}

func TestTaskByURLIsExact(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	f.follow(t, "/feeds/rss.xml")
	base := f.site.url("")
	if _, err := f.svc.TaskByURL(ctx, base+"/tasks/2/"); err != nil {
		t.Errorf("exact URL: %v", err)
	}
	for _, u := range []string{base + "/tasks/2", base + "/tasks?lang=en&id=3", base + "/tasks/1/", "", strings.ToUpper(base) + "/tasks/1"} {
		if _, err := f.svc.TaskByURL(ctx, u); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TaskByURL(%q) = %v; want ErrNotFound", u, err)
		}
	}
}
