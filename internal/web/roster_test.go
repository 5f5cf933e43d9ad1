package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/web"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/feed"
	"github.com/cairn-pl/cairn/ple/roster"
	"github.com/cairn-pl/cairn/webmention"
)

// fakeAwarder plays issuer mode for the review queue.
type fakeAwarder struct {
	mu     sync.Mutex
	awards []string // "achievement evidence subject amount"
}

func (a *fakeAwarder) Achievements(context.Context) ([]roster.Achievement, error) {
	return []roster.Achievement{
		{ID: "7", Name: "Other badge"},
		{ID: "8", Name: "Server builder", TaskURLs: []string{"http://localhost:8080/posts/task-one-a-server"}},
		{ID: "9", Name: "Score", IsToken: true},
	}, nil
}

func (a *fakeAwarder) Award(_ context.Context, ach, evidence, subject string, amount *float64) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	amt := ""
	if amount != nil {
		amt = fmt.Sprint(*amount)
	}
	a.awards = append(a.awards, strings.TrimSpace(ach+" "+evidence+" "+subject+" "+amt))
	return fmt.Sprintf("http://localhost:8080/issuer/awards/a%d", len(a.awards)), nil
}

type rosterSite struct {
	*testSite
	roster  *roster.Service
	learner *httptest.Server
	task    string
}

// newRosterSite is newSite with issuer mode's roster wired (awarder nil:
// issuer mode off), one task in the journal, and a learner site on
// loopback: an Atom feed answering the task by thr:in-reply-to and an RSS
// feed carrying its hashtag.
func newRosterSite(t *testing.T, awarder roster.Awarder) *rosterSite {
	t.Helper()
	ts := newSite(t).withPassword()
	ctx := context.Background()
	p, err := ts.journal.Create(ctx, ple.Draft{Title: "Task one: a server", Content: "Write a server.", Tags: []string{"t1-server"}, IsTask: true})
	if err != nil {
		t.Fatal(err)
	}
	rs := &rosterSite{testSite: ts, task: ts.cfg.BaseURL + p.Path()}
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		base := rs.learner.URL
		feed.WriteAtom(w, feed.Feed{Title: "Ada's notes", HomeURL: base + "/", Author: feed.Person{Name: "Ada"},
			Entries: []feed.Entry{
				{URL: base + "/a1", Title: "My server & more", ContentHTML: "<p>Here it is.</p><script>alert(1)</script>",
					Published: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), InReplyTo: rs.task},
				{URL: base + "/a2", Title: "Unrelated", ContentHTML: "<p>Hi</p>", Published: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
			}})
	})
	mux.HandleFunc("/bob.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Bob</title><link>%[1]s/bob</link>
<item><title>Bob's server</title><link>%[1]s/b1</link><category>t1-server</category><description>Done.</description></item>
</channel></rss>`, rs.learner.URL)
	})
	mux.HandleFunc("/a2", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><div class="h-entry"><p class="e-content">Hi</p></div>`)
	})
	mux.HandleFunc("/b1", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><div class="h-entry"><p class="e-content">Done.</p></div>`)
	})
	rs.learner = httptest.NewServer(mux)
	t.Cleanup(rs.learner.Close)

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rs.roster = roster.New(ts.db, ts.net, ts.jobs, roster.JournalTasks(ts.journal, ts.cfg.BaseURL, nil), logger, ts.cfg.BaseURL)
	rs.roster.RegisterJobs()
	site, err := web.New(web.Deps{Config: ts.cfg, Store: ts.db, Account: ts.account, Jobs: ts.jobs, Journal: ts.journal,
		Courses: ts.courses, Mentions: ts.mentions, Wallet: ts.wallet, Logger: logger, Version: "test",
		Roster: rs.roster, Awarder: awarder})
	if err != nil {
		t.Fatal(err)
	}
	ts.site = site
	return rs
}

func TestRosterPagesOwnerOnly(t *testing.T) {
	rs := newRosterSite(t, nil)
	b := rs.browser()
	for _, path := range []string{"/admin/issuer/roster", "/admin/issuer/submissions"} {
		if r := b.get(path); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/login") {
			t.Fatalf("%s for a visitor: %d %s", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	b.post("/admin/issuer/roster", url.Values{"url": {rs.learner.URL + "/feed.atom"}}).mustStatus(t, http.StatusForbidden)
	if list, _ := rs.roster.List(context.Background()); len(list) != 0 {
		t.Fatal("a visitor added a learner")
	}
}

func TestRosterAddAndReviewQueue(t *testing.T) {
	rs := newRosterSite(t, nil)
	b := rs.browser()
	b.login()
	csrf := b.csrf("/admin/issuer/roster")

	// Without the CSRF token: refused.
	b.post("/admin/issuer/roster", url.Values{"url": {rs.learner.URL + "/feed.atom"}}).mustStatus(t, http.StatusForbidden)
	r := b.post("/admin/issuer/roster", url.Values{"csrf": {csrf}, "url": {rs.learner.URL + "/feed.atom"}}).mustStatus(t, http.StatusSeeOther)
	b.get("/admin/issuer/roster").mustStatus(t, http.StatusOK).mustContain(t, "Ada", "Added Ada to the roster")
	// A URL that is not a feed: the reason, nothing stored.
	r = b.post("/admin/issuer/roster", url.Values{"csrf": {csrf}, "url": {rs.learner.URL + "/missing"}})
	r.mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "404")

	q := b.get("/admin/issuer/submissions").mustStatus(t, http.StatusOK)
	q.mustContain(t, "My server &amp; more", "Task one: a server", "Issuer mode is off", "in-reply-to", "Here it is.")
	if strings.Contains(q.body, "<script>alert") || strings.Contains(q.body, "Unrelated") {
		t.Fatalf("queue shows unsanitised or unmatched posts: %s", q.body)
	}
	// Awarding with issuer mode off says so and changes nothing.
	subs, _ := rs.roster.Submissions(context.Background(), roster.Filter{})
	if len(subs) != 1 {
		t.Fatalf("submissions = %+v", subs)
	}
	id := itoa(subs[0].ID)
	b.post("/admin/issuer/submissions/"+id+"/award", url.Values{"csrf": {csrf}, "achievement": {"8"}}).mustStatus(t, http.StatusSeeOther)
	b.get("/admin/issuer/submissions").mustContain(t, "Issuer mode is off: switch it on")
	if x, _ := rs.roster.Submission(context.Background(), subs[0].ID); x.State != roster.StateNew {
		t.Fatalf("state = %s", x.State)
	}

	// Dismiss: 403 without the token, then dismissed.
	b.post("/admin/issuer/submissions/"+id+"/dismiss", url.Values{}).mustStatus(t, http.StatusForbidden)
	b.post("/admin/issuer/submissions/"+id+"/dismiss", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusSeeOther)
	if x, _ := rs.roster.Submission(context.Background(), subs[0].ID); x.State != roster.StateDismissed {
		t.Fatalf("state after dismiss = %s", x.State)
	}
	b.get("/admin/issuer/submissions").mustContain(t, "No new submissions")
	b.get("/admin/issuer/submissions?state=dismissed").mustContain(t, "My server &amp; more")
	b.post("/admin/issuer/submissions/999/dismiss", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusNotFound)
}

func TestReviewQueueAwards(t *testing.T) {
	aw := &fakeAwarder{}
	rs := newRosterSite(t, aw)
	ctx := context.Background()
	for _, u := range []string{"/feed.atom", "/bob.xml"} {
		if _, _, err := rs.roster.Add(ctx, rs.learner.URL+u); err != nil {
			t.Fatal(err)
		}
	}
	subs, _ := rs.roster.Submissions(ctx, roster.Filter{})
	if len(subs) != 2 {
		t.Fatalf("submissions = %+v", subs)
	}
	b := rs.browser()
	b.login()
	q := b.get("/admin/issuer/submissions").mustStatus(t, http.StatusOK)
	q.mustContain(t, "Award Learning Token", "Server builder (this task)", "Bob&#39;s server", "hashtag")
	// The badge linked to the task comes first in each submission's choice.
	if i, j := strings.Index(q.body, "Server builder (this task)"), strings.Index(q.body, `<option value="7">Other badge</option></select>`); i < 0 || j < 0 || i > j {
		t.Fatalf("linked badge not first: %d %d", i, j)
	}
	csrf := b.csrf("/admin/issuer/submissions")
	ada := subs[0]
	if !strings.HasSuffix(ada.PostURL, "/a1") {
		ada = subs[1]
	}
	b.post("/admin/issuer/submissions/"+itoa(ada.ID)+"/award", url.Values{"achievement": {"8"}}).mustStatus(t, http.StatusForbidden)
	if len(aw.awards) != 0 {
		t.Fatal("awarded without CSRF")
	}
	b.post("/admin/issuer/submissions/"+itoa(ada.ID)+"/award", url.Values{"csrf": {csrf}, "achievement": {"8"}}).mustStatus(t, http.StatusSeeOther)
	if len(aw.awards) != 1 || aw.awards[0] != "8 "+rs.learner.URL+"/a1 "+rs.learner.URL+"/" {
		t.Fatalf("awards = %q", aw.awards)
	}
	x, _ := rs.roster.Submission(ctx, ada.ID)
	if x.State != roster.StateAwarded || x.AwardURL != "http://localhost:8080/issuer/awards/a1" {
		t.Fatalf("after award: %+v", x)
	}
	b.get("/admin/issuer/submissions?state=awarded").mustContain(t, "Awarded 1 submission.", "localhost:8080/issuer/awards/a1")

	// A Learning Token with an amount, then bulk: one achievement to several.
	b.post("/admin/issuer/submissions/"+itoa(ada.ID)+"/award", url.Values{"csrf": {csrf}, "achievement": {"9"}, "amount": {"2.5"}}).
		mustStatus(t, http.StatusSeeOther)
	if aw.awards[1] != "9 "+rs.learner.URL+"/a1 "+rs.learner.URL+"/ 2.5" {
		t.Fatalf("token award = %q", aw.awards[1])
	}
	form := url.Values{"csrf": {csrf}, "achievement": {"7"}, "ids": {itoa(subs[0].ID), itoa(subs[1].ID)}}
	b.post("/admin/issuer/submissions/award", form).mustStatus(t, http.StatusSeeOther)
	if len(aw.awards) != 4 {
		t.Fatalf("bulk: %q", aw.awards)
	}
	list, _ := rs.roster.Submissions(ctx, roster.Filter{State: roster.StateAwarded})
	if len(list) != 2 {
		t.Fatalf("awarded = %+v", list)
	}
	// An awarded submission cannot be dismissed.
	b.post("/admin/issuer/submissions/"+itoa(ada.ID)+"/dismiss", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusSeeOther)
	b.get("/admin/issuer/submissions").mustContain(t, "revoke the award")
}

func TestRosterOPMLImport(t *testing.T) {
	rs := newRosterSite(t, nil)
	b := rs.browser()
	b.login()
	csrf := b.csrf("/admin/issuer/roster")
	doc := strings.ReplaceAll(`<?xml version="1.0"?><opml version="2.0"><head/><body>
<outline text="Ada" xmlUrl="BASE/feed.atom"/><outline text="Bob" xmlUrl="BASE/bob.xml"/><outline text="X" xmlUrl="BASE/nope"/>
</body></opml>`, "BASE", rs.learner.URL)
	r := b.postMultipart("/admin/issuer/roster/import", map[string]string{"csrf": csrf}, "opml", "class.opml", []byte(doc))
	r.mustStatus(t, http.StatusOK).mustContain(t, "2 added", "1 failed", "Ada", "Bob")
	b.postMultipart("/admin/issuer/roster/import", map[string]string{"csrf": csrf}, "opml", "x.opml", []byte("<html/>")).
		mustStatus(t, http.StatusBadRequest)
	b.postMultipart("/admin/issuer/roster/import", nil, "opml", "class.opml", []byte(doc)).mustStatus(t, http.StatusForbidden)
	list, _ := rs.roster.List(context.Background())
	if len(list) != 2 {
		t.Fatalf("roster = %+v", list)
	}
	// Remove one.
	b.post("/admin/issuer/roster/"+itoa(list[0].ID)+"/delete", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusSeeOther)
	if l, _ := rs.roster.List(context.Background()); len(l) != 1 {
		t.Fatalf("after remove: %+v", l)
	}
}

func TestRosterAPI(t *testing.T) {
	rs := newRosterSite(t, nil)
	tok := rs.token()
	body := `{"feed_url": "` + rs.learner.URL + `/feed.atom"}`
	if r := rs.api("POST", "/api/issuer/roster", "", body); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.StatusCode)
	}
	r := rs.api("POST", "/api/issuer/roster", tok, body).mustStatus(t, http.StatusCreated)
	var l struct {
		ID      int64  `json:"id"`
		Name    string `json:"name"`
		FeedURL string `json:"feed_url"`
		Status  string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.body), &l); err != nil || l.ID == 0 || l.Name != "Ada" || l.Status != "ok" {
		t.Fatalf("created: %s %v", r.body, err)
	}
	rs.api("POST", "/api/issuer/roster", tok, body).mustStatus(t, http.StatusOK)
	rs.api("POST", "/api/issuer/roster", tok, `{"feed_url": "gopher://x"}`).mustStatus(t, http.StatusBadRequest)
	rs.api("POST", "/api/issuer/roster", tok, `{"feed_url": "`+rs.learner.URL+`/missing"}`).mustStatus(t, http.StatusUnprocessableEntity)

	r = rs.api("GET", "/api/issuer/submissions", tok, "").mustStatus(t, http.StatusOK)
	var subs []map[string]any
	if err := json.Unmarshal([]byte(r.body), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("submissions: %s %v", r.body, err)
	}
	s := subs[0]
	for _, k := range []string{"id", "post_url", "task_url", "learner", "state"} {
		if _, ok := s[k]; !ok {
			t.Fatalf("submission lacks %q: %v", k, s)
		}
	}
	if s["task_url"] != rs.task || s["learner"] != "Ada" || s["state"] != "new" || s["post_url"] != rs.learner.URL+"/a1" {
		t.Fatalf("submission = %v", s)
	}
	rs.api("GET", "/api/issuer/submissions?state=bogus", tok, "").mustStatus(t, http.StatusBadRequest)
	r = rs.api("GET", "/api/issuer/submissions?state=dismissed", tok, "").mustStatus(t, http.StatusOK)
	if strings.TrimSpace(r.body) != "[]" {
		t.Fatalf("dismissed: %s", r.body)
	}
	rs.api("POST", "/api/issuer/submissions/"+fmt.Sprint(s["id"])+"/dismiss", tok, "").mustStatus(t, http.StatusOK).mustContain(t, `"dismissed"`)
	rs.api("GET", "/api/issuer/roster", tok, "").mustStatus(t, http.StatusOK).mustContain(t, `"feed_url"`)
	rs.api("DELETE", "/api/issuer/roster/"+itoa(l.ID), tok, "").mustStatus(t, http.StatusNoContent)
	rs.api("DELETE", "/api/issuer/roster/"+itoa(l.ID), tok, "").mustStatus(t, http.StatusNotFound)
}

// A learner who is not on the roster answers the task and sends a
// Webmention: once verified by the mentions worker it is a submission.
func TestVerifiedMentionBecomesSubmission(t *testing.T) {
	rs := newRosterSite(t, nil)
	ctx := context.Background()
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><article class="h-entry"><h1 class="p-name">Cleo's server</h1>
<p>In reply to <a class="u-in-reply-to" href="%s">the task</a></p><div class="e-content">Mine.</div>
<a class="p-author h-card" href="/">Cleo</a></article>`, rs.task)
	}))
	defer src.Close()
	if err := rs.mentions.Accept(ctx, webmention.Request{Source: src.URL + "/post", Target: rs.task}); err != nil {
		t.Fatal(err)
	}
	if n, _ := rs.roster.SyncMentions(ctx); n != 0 {
		t.Fatal("an unverified mention became a submission")
	}
	if _, err := rs.jobs.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := rs.roster.SyncMentions(ctx); err != nil || n != 1 {
		t.Fatalf("sync: %d %v", n, err)
	}
	subs, _ := rs.roster.Submissions(ctx, roster.Filter{})
	if len(subs) != 1 || subs[0].PostURL != src.URL+"/post" || subs[0].TaskURL != rs.task || subs[0].MatchedBy != roster.ByWebmention ||
		subs[0].LearnerName != "Cleo" {
		t.Fatalf("submissions = %+v", subs)
	}
}
