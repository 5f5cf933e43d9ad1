package roster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/feed"
)

// issuerBase is the issuer's own origin. Nothing fetches it: it only names
// the task URLs that learners' posts answer.
const issuerBase = "https://issuer.example"

// learnerSite plays a learner's site on loopback: a home page with an
// h-card and autodiscovery, a Cairn Atom feed (thr:in-reply-to), an RSS
// feed without in-reply-to whose post pages carry u-in-reply-to, and a
// feed that can be switched to broken.
type learnerSite struct {
	srv        *httptest.Server
	broken     atomic.Bool
	mu         sync.Mutex
	atomGets   int
	atom304    int
	pageGets   map[string]int
	task1URL   string // as the learner's posts write it
	task2Loose string // task 2 with http:// and a trailing slash
}

func newLearnerSite(t *testing.T, task1, task2 string) *learnerSite {
	ls := &learnerSite{pageGets: map[string]int{}, task1URL: task1,
		task2Loose: strings.Replace(task2, "https://", "http://", 1) + "/"}
	mux := http.NewServeMux()
	base := func() string { return ls.srv.URL }
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><head><title>Ada's notes</title>
<link rel="alternate" type="application/atom+xml" href="/feed.atom"></head>
<body><div class="h-card"><a class="p-name u-url" href="%s/">Ada Lovelace</a></div></body></html>`, base())
	})
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		ls.mu.Lock()
		ls.atomGets++
		if r.Header.Get("If-None-Match") == `"a1"` {
			ls.atom304++
			ls.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		ls.mu.Unlock()
		w.Header().Set("ETag", `"a1"`)
		w.Header().Set("Content-Type", "application/atom+xml")
		pub := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		err := feed.WriteAtom(w, feed.Feed{
			Title: "Ada's notes", HomeURL: base() + "/", SelfURL: base() + "/feed.atom",
			Author: feed.Person{Name: "Ada Lovelace", URL: base() + "/"},
			Entries: []feed.Entry{
				{URL: base() + "/posts/a1", Title: "My server", ContentHTML: "<p>Here is my server.</p>",
					Published: pub, InReplyTo: ls.task1URL},
				{URL: base() + "/posts/a2", Title: "My tests", ContentHTML: "<p>Tests!</p>",
					Published: pub.Add(time.Hour), InReplyTo: ls.task2Loose},
				{URL: base() + "/posts/a3", Title: "A reply elsewhere", ContentHTML: "<p>Not for the course.</p>",
					Published: pub.Add(2 * time.Hour), InReplyTo: "https://elsewhere.example/posts/1"},
			},
		})
		if err != nil {
			t.Error(err)
		}
	})
	rss := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Bob writes</title><link>%[1]s/bob/</link><description>Bob's blog</description>
<item><title>Tests, at last</title><link>%[1]s/bob/r1</link><guid>%[1]s/bob/r1</guid>
<pubDate>Mon, 02 Mar 2026 09:00:00 +0000</pubDate><description>I wrote tests.</description></item>
<item><title>A server in Go</title><link>%[1]s/bob/r2</link><guid>%[1]s/bob/r2</guid>
<pubDate>Tue, 03 Mar 2026 09:00:00 +0000</pubDate><description>&lt;p&gt;My answer #T1-Server &lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>Holiday photos</title><link>%[1]s/bob/r3</link><guid>%[1]s/bob/r3</guid>
<pubDate>Wed, 04 Mar 2026 09:00:00 +0000</pubDate><description>Nothing to do with the course #holiday</description></item>
</channel></rss>`, base())
	}
	mux.HandleFunc("/bob/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		if ls.broken.Load() {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<rss version="2.0"><channel><title>Bob</title><item><title>unclosed`)
			return
		}
		rss(w)
	})
	mux.HandleFunc("/bob/{post}", func(w http.ResponseWriter, r *http.Request) {
		ls.mu.Lock()
		ls.pageGets[r.PathValue("post")]++
		ls.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		reply := ""
		if r.PathValue("post") == "r1" {
			reply = fmt.Sprintf(`<p>In reply to <a class="u-in-reply-to" href="%s">task two</a></p>`, ls.task2Loose)
		}
		fmt.Fprintf(w, `<!doctype html><html><body><article class="h-entry"><h1 class="p-name">Post</h1>%s
<div class="e-content">Text</div><a class="u-url" href="%s%s">link</a></article></body></html>`, reply, base(), r.URL.Path)
	})
	mux.HandleFunc("/gone.xml", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) })
	ls.srv = httptest.NewServer(mux)
	t.Cleanup(ls.srv.Close)
	return ls
}

type fixture struct {
	svc     *Service
	db      *store.DB
	journal *ple.Journal
	task1   string
	task2   string
	site    *learnerSite
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.New(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := jobs.New(db, jobs.Config{Logger: logger})
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: 3 * time.Second})
	c := courses.New(db, client, q, logger)
	j := ple.NewJournal(db, c, q, logger, issuerBase)
	ctx := context.Background()
	p1, err := j.Create(ctx, ple.Draft{Title: "Task one: a server", Content: "Write a server.", Tags: []string{"t1-server", "go"}, IsTask: true})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := j.Create(ctx, ple.Draft{Title: "Task two: tests", Content: "Test it.", Tags: []string{"t2-tests", "go"}, IsTask: true})
	if err != nil {
		t.Fatal(err)
	}
	// An ordinary post is not a task.
	if _, err := j.Create(ctx, ple.Draft{Title: "News", Content: "Hello #holiday"}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, journal: j, task1: issuerBase + p1.Path(), task2: issuerBase + p2.Path()}
	f.svc = New(db, client, q, JournalTasks(j, issuerBase, nil), logger, issuerBase)
	f.svc.RegisterJobs()
	f.site = newLearnerSite(t, f.task1, f.task2)
	return f
}

func (f *fixture) submissions(t *testing.T) map[string]Submission {
	t.Helper()
	list, err := f.svc.Submissions(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Submission{}
	for _, s := range list {
		out[s.PostURL] = s
	}
	return out
}

func TestJournalTasks(t *testing.T) {
	f := newFixture(t)
	tasks, err := f.svc.tasks.Tasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 {
		t.Fatalf("tasks = %+v", tasks)
	}
	got := map[string]string{}
	for _, tk := range tasks {
		got[tk.URL] = tk.Hashtag
	}
	if got[f.task1] != "t1-server" || got[f.task2] != "t2-tests" {
		t.Fatalf("hashtags = %v", got)
	}
}

func TestHarvestMatchesPostsToTasks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base := f.site.srv.URL

	// Added by the home page: autodiscovery finds the Atom feed, the h-card
	// (and the feed author) names the learner.
	ada, created, err := f.svc.Add(ctx, base+"/")
	if err != nil || !created {
		t.Fatalf("add ada: %v %v", created, err)
	}
	if ada.FeedURL != base+"/feed.atom" || ada.Name != "Ada Lovelace" || ada.Status != StatusOK {
		t.Fatalf("ada = %+v", ada)
	}
	bob, _, err := f.svc.Add(ctx, base+"/bob/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	if bob.Name != "Bob writes" || bob.SiteURL != base+"/bob/" {
		t.Fatalf("bob = %+v", bob)
	}
	again, created, err := f.svc.Add(ctx, base+"/bob/feed.xml")
	if err != nil || created || again.ID != bob.ID {
		t.Fatalf("adding again: %+v %v %v", again, created, err)
	}

	subs := f.submissions(t)
	want := map[string]struct{ task, by string }{
		base + "/posts/a1": {f.task1, ByInReplyTo}, // thr:in-reply-to, exact
		base + "/posts/a2": {f.task2, ByInReplyTo}, // http + trailing slash of our origin
		base + "/bob/r1":   {f.task2, ByInReplyTo}, // u-in-reply-to on the page
		base + "/bob/r2":   {f.task1, ByHashtag},   // #T1-Server in the text
	}
	if len(subs) != len(want) {
		t.Fatalf("submissions = %+v", subs)
	}
	for post, w := range want {
		s, ok := subs[post]
		if !ok || s.TaskURL != w.task || s.MatchedBy != w.by || s.State != StateNew {
			t.Errorf("%s: %+v, want %v", post, s, w)
		}
	}
	if s := subs[base+"/bob/r2"]; strings.Contains(s.Excerpt, "<") || !strings.Contains(s.Excerpt, "My answer") ||
		s.LearnerName != "Bob writes" || s.TaskTitle != "Task one: a server" {
		t.Errorf("r2 = %+v", s)
	}
	if s := subs[base+"/posts/a1"]; s.LearnerName != "Ada Lovelace" || s.PostTitle != "My server" || s.PublishedAt.IsZero() {
		t.Errorf("a1 = %+v", s)
	}
	// Posts whose feed item named an in-reply-to were not fetched again.
	f.site.mu.Lock()
	pages := maps(f.site.pageGets)
	f.site.mu.Unlock()
	if pages != "r1=1 r2=1 r3=1" {
		t.Errorf("page fetches: %s", pages)
	}

	// A second poll: 304 for Atom, the same items for RSS. Nothing twice.
	if err := f.svc.Refresh(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Refresh(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.submissions(t)); n != 4 {
		t.Fatalf("after second poll: %d submissions", n)
	}
	if f.site.atom304 != 1 {
		t.Errorf("conditional GET: %d 304s", f.site.atom304)
	}
	f.site.mu.Lock()
	pages = maps(f.site.pageGets)
	f.site.mu.Unlock()
	if pages != "r1=1 r2=1 r3=1" {
		t.Errorf("pages fetched again: %s", pages)
	}
	var posts int
	f.db.R.QueryRow(`SELECT count(*) FROM roster_posts`).Scan(&posts)
	if posts != 6 {
		t.Errorf("%d posts stored, want 6", posts)
	}

	// Filters.
	list, _ := f.svc.Submissions(ctx, Filter{TaskURL: f.task2})
	if len(list) != 2 {
		t.Errorf("task 2 filter: %+v", list)
	}
}

func maps(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func TestBrokenFeedMarksOnlyThatLearner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob, _, err := f.svc.Add(ctx, f.site.srv.URL+"/bob/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	ada, _, err := f.svc.Add(ctx, f.site.srv.URL+"/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.submissions(t))
	f.site.broken.Store(true)
	err = f.svc.Refresh(ctx, bob.ID)
	var fe *courses.FeedError
	if !errors.As(err, &fe) {
		t.Fatalf("refresh of a broken feed: %v", err)
	}
	got, _ := f.svc.Get(ctx, bob.ID)
	if got.Status != StatusError || !strings.Contains(got.Error, "broken") || got.Failures != 1 || got.Posts != 3 {
		t.Fatalf("bob after broken fetch: %+v", got)
	}
	if !got.NextFetchAt.After(time.Now()) {
		t.Errorf("no backoff: %v", got.NextFetchAt)
	}
	if a, _ := f.svc.Get(ctx, ada.ID); a.Status != StatusOK {
		t.Errorf("ada changed: %+v", a)
	}
	if n := len(f.submissions(t)); n != before {
		t.Errorf("submissions %d → %d", before, n)
	}
	// The sweeper records the failure without failing.
	f.db.W.Exec(`UPDATE roster_learners SET next_fetch_at = 0`)
	if _, err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, bob.ID); got.Failures != 2 {
		t.Errorf("failures after sweep: %d", got.Failures)
	}
	f.site.broken.Store(false)
	if err := f.svc.Refresh(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, bob.ID); got.Status != StatusOK || got.Error != "" || got.Failures != 0 {
		t.Errorf("after recovery: %+v", got)
	}

	// A feed that is not there is refused and stores nothing.
	if _, _, err := f.svc.Add(ctx, f.site.srv.URL+"/gone.xml"); !errors.As(err, &fe) || fe.StatusCode != 404 {
		t.Fatalf("add 404: %v", err)
	}
	if _, _, err := f.svc.Add(ctx, "ftp://x"); err == nil {
		t.Fatal("ftp accepted")
	}
	list, _ := f.svc.List(ctx)
	if len(list) != 2 {
		t.Fatalf("roster = %+v", list)
	}
}

func TestVerifiedMentionToTaskIsSubmission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := store.Now()
	insert := func(source, target, status, typ string, verified bool) {
		var v any
		if verified {
			v = now
		}
		if _, err := f.db.W.Exec(`INSERT INTO mentions (source, target, status, type, author_name, author_url, title,
			content_text, received_at, verified_at, updated_at) VALUES (?, ?, ?, ?, 'Cleo', 'https://cleo.example/', 'My answer',
			'Here it is', ?, ?, ?)`, source, target, status, typ, now, v, now); err != nil {
			t.Fatal(err)
		}
	}
	insert("https://cleo.example/answer", f.task1, "approved", "reply", true)
	insert("https://cleo.example/pending", f.task2+"/", "pending", "mention", true) // trailing slash tolerated
	insert("https://cleo.example/queued", f.task1, "queued", "", false)             // not verified yet
	insert("https://cleo.example/like", f.task1, "approved", "like", true)          // a like is no answer
	insert("https://cleo.example/other", issuerBase+"/posts/news", "approved", "reply", true)
	insert("https://cleo.example/rejected", f.task1, "rejected", "reply", true)

	n, err := f.svc.SyncMentions(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sync: %d %v", n, err)
	}
	subs := f.submissions(t)
	s := subs["https://cleo.example/answer"]
	if s.TaskURL != f.task1 || s.MatchedBy != ByWebmention || s.LearnerName != "Cleo" || s.LearnerURL != "https://cleo.example/" {
		t.Fatalf("mention submission: %+v", s)
	}
	if subs["https://cleo.example/pending"].TaskURL != f.task2 {
		t.Fatalf("pending mention: %+v", subs)
	}
	if n, _ := f.svc.SyncMentions(ctx); n != 0 {
		t.Fatalf("second sync added %d", n)
	}
	if len(f.submissions(t)) != 2 {
		t.Fatal("duplicates")
	}
}

type fakeAwarder struct {
	mu    sync.Mutex
	calls []string
	fail  string
}

func (a *fakeAwarder) Achievements(context.Context) ([]Achievement, error) {
	return []Achievement{{ID: "badge-1", Name: "Server builder"}, {ID: "token-1", Name: "Score", IsToken: true}}, nil
}

func (a *fakeAwarder) Award(_ context.Context, ach, evidence, subject string, amount *float64) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if evidence == a.fail {
		return "", errors.New("signing failed")
	}
	amt := ""
	if amount != nil {
		amt = fmt.Sprint(*amount)
	}
	a.calls = append(a.calls, ach+" "+evidence+" "+subject+" "+amt)
	return issuerBase + "/issuer/awards/" + fmt.Sprint(len(a.calls)), nil
}

func TestAwardAndDismiss(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.Add(ctx, f.site.srv.URL+"/bob/feed.xml"); err != nil {
		t.Fatal(err)
	}
	subs, _ := f.svc.Submissions(ctx, Filter{})
	if len(subs) != 2 {
		t.Fatalf("subs = %+v", subs)
	}
	if _, err := f.svc.Award(ctx, nil, []int64{subs[0].ID}, "badge-1", nil); !errors.Is(err, ErrIssuerOff) {
		t.Fatalf("nil awarder: %v", err)
	}
	a := &fakeAwarder{fail: subs[1].PostURL}
	amount := 3.0
	res, err := f.svc.Award(ctx, a, []int64{subs[0].ID, subs[1].ID}, "token-1", &amount)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].AwardURL == "" || res[1].Err == nil {
		t.Fatalf("results = %+v", res)
	}
	if a.calls[0] != "token-1 "+subs[0].PostURL+" "+f.site.srv.URL+"/bob/ 3" {
		t.Fatalf("award call = %q", a.calls[0])
	}
	got, _ := f.svc.Submission(ctx, subs[0].ID)
	if got.State != StateAwarded || got.AwardURL != res[0].AwardURL {
		t.Fatalf("after award: %+v", got)
	}
	if err := f.svc.Dismiss(ctx, subs[0].ID); err == nil {
		t.Fatal("dismissed an awarded submission")
	}
	if err := f.svc.Dismiss(ctx, subs[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Submission(ctx, subs[1].ID); got.State != StateDismissed {
		t.Fatalf("after dismiss: %+v", got)
	}
	// Harvesting again keeps the decision.
	f.db.W.Exec(`UPDATE roster_learners SET etag = '', next_fetch_at = 0`)
	if _, err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Submission(ctx, subs[1].ID); got.State != StateDismissed {
		t.Fatalf("after re-harvest: %+v", got)
	}
	if err := f.svc.Dismiss(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("dismiss unknown: %v", err)
	}
}

func TestTaskPublishedLaterMatchesOnSweep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.Add(ctx, f.site.srv.URL+"/bob/feed.xml"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.submissions(t)); n != 2 {
		t.Fatalf("%d submissions", n)
	}
	// The issuer publishes a task with #holiday: Bob's r3 now answers it.
	if _, err := f.journal.Create(ctx, ple.Draft{Title: "Task three", Content: "Rest.", Tags: []string{"holiday"}, IsTask: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if s, ok := f.submissions(t)[f.site.srv.URL+"/bob/r3"]; !ok || s.MatchedBy != ByHashtag {
		t.Fatalf("r3 = %+v", s)
	}
}

func TestSharedHashtagMatchesNoTask(t *testing.T) {
	ix := &taskIndex{exact: map[string]Task{}, loose: map[string]Task{}, byTag: map[string]Task{}}
	_ = ix
	s := &Service{tasks: TasksFunc(func(context.Context) ([]Task, error) {
		return []Task{{URL: "https://i.example/a", Hashtag: "el30"}, {URL: "https://i.example/b", Hashtag: "el30"},
			{URL: "https://i.example/c", Hashtag: "only-c"}}, nil
	})}
	got, err := s.loadTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m := got.matchOne(nil, []string{"el30"}); len(m) != 0 {
		t.Fatalf("shared tag matched %+v", m)
	}
	if m := got.matchOne(nil, []string{"el30", "only-c"}); len(m) != 1 || m[0].task.URL != "https://i.example/c" {
		t.Fatalf("own tag: %+v", m)
	}
}

func TestLooseMatchOnlyOnOwnOrigin(t *testing.T) {
	s := New(nil, nil, nil, TasksFunc(func(context.Context) ([]Task, error) {
		return []Task{{URL: "https://issuer.example/posts/t1"}, {URL: "https://other.example/t/2/"},
			{URL: "https://issuer.example/posts/q?x=1"}}, nil
	}), nil, "https://issuer.example")
	ix, err := s.loadTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]string{
		"https://issuer.example/posts/t1":     "https://issuer.example/posts/t1",
		"http://issuer.example/posts/t1/":     "https://issuer.example/posts/t1",
		"https://ISSUER.example/posts/t1":     "https://issuer.example/posts/t1",
		"https://issuer.example/posts/t1#x":   "",
		"https://issuer.example/posts/t1x":    "",
		"https://other.example/t/2/":          "https://other.example/t/2/",
		"https://other.example/t/2":           "", // not our origin: exact only
		"http://other.example/t/2/":           "",
		"https://issuer.example/posts/q?x=1":  "https://issuer.example/posts/q?x=1",
		"https://issuer.example/posts/q?x=2":  "",
		"http://issuer.example:8080/posts/t1": "",
	} {
		got, _ := ix.byURL(u)
		if got.URL != want {
			t.Errorf("%s → %q, want %q", u, got.URL, want)
		}
	}
}

const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>Class</title></head><body>
<outline text="Ada" type="rss" xmlUrl="BASE/feed.atom"/>
<outline text="Group"><outline text="Bob" type="rss" xmlUrl="BASE/bob/feed.xml"/></outline>
<outline text="Gone" type="rss" xmlUrl="BASE/gone.xml"/>
</body></opml>`

func TestImportOPML(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.Add(ctx, f.site.srv.URL+"/feed.atom"); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.ImportOPML(ctx, strings.NewReader(strings.ReplaceAll(opml, "BASE", f.site.srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Existing != 1 || rep.Failed != 1 || rep.Entries[2].Error == "" {
		t.Fatalf("report = %+v", rep)
	}
	if _, err := f.svc.ImportOPML(ctx, bytes.NewReader([]byte("<html></html>"))); err == nil {
		t.Fatal("not OPML accepted")
	}
	list, _ := f.svc.List(ctx)
	if len(list) != 2 {
		t.Fatalf("roster = %+v", list)
	}
	// Removing a learner keeps their submissions.
	before := len(f.submissions(t))
	if err := f.svc.Remove(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if len(f.submissions(t)) != before {
		t.Fatal("removing a learner dropped submissions")
	}
	if err := f.svc.Remove(ctx, list[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
}

func TestScheduleAndRefreshJobs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob, _, err := f.svc.Add(ctx, f.site.srv.URL+"/bob/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.svc.Schedule(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	f.db.R.QueryRow(`SELECT count(*) FROM jobs WHERE kind = ?`, JobPoll).Scan(&n)
	if n != 1 {
		t.Fatalf("%d sweepers queued", n)
	}
	for range 2 {
		if err := f.svc.EnqueueRefresh(ctx, bob.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.db.R.QueryRow(`SELECT count(*) FROM jobs WHERE kind = ?`, JobRefresh).Scan(&n)
	if n != 1 {
		t.Fatalf("%d refreshes queued", n)
	}
	if err := f.svc.EnqueueRefresh(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown learner: %v", err)
	}
	ran, err := f.svc.poller.Jobs.RunOnce(ctx)
	if err != nil || ran != 1 {
		t.Fatalf("ran %d: %v", ran, err)
	}
}
