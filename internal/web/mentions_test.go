package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/webmention"
)

func postForm(ts *testSite, path, ctype, body string) response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return ts.browser().do(req)
}

func TestReceiveWebmentionValidation(t *testing.T) {
	ts := newSite(t)
	post, err := ts.journal.Create(context.Background(), ple.Draft{Title: "Target post", Content: "x"})
	if err != nil {
		t.Fatal(err)
	}
	target := ts.cfg.BaseURL + post.Path()
	form := func(source, target string) string { return url.Values{"source": {source}, "target": {target}}.Encode() }
	const ct = "application/x-www-form-urlencoded"
	for name, tc := range map[string]struct{ ctype, body string }{
		"garbage source (R-2 1)": {ct, form("qwertyuiop", target)},
		"garbage target (R-2 2)": {ct, form("https://elsewhere.example/p", "asdfghjkl")},
		"both garbage (R-2 3)":   {ct, form("zxcvb", "nmlkj")},
		"json body":              {"application/json", `{"source":"https://elsewhere.example/p","target":"` + target + `"}`},
		"ftp source":             {ct, form("ftp://elsewhere.example/p", target)},
		"target not ours":        {ct, form("https://elsewhere.example/p", "https://other.example/posts/x")},
		"target does not exist":  {ct, form("https://elsewhere.example/p", ts.cfg.BaseURL+"/posts/nope")},
		"source equals target":   {ct, form(target, target)},
		"missing source":         {ct, url.Values{"target": {target}}.Encode()},
		"oversize body":          {ct, form("https://elsewhere.example/"+strings.Repeat("a", 17<<10), target)},
	} {
		r := postForm(ts, "/webmention", tc.ctype, tc.body)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400 (%s)", name, r.StatusCode, r.body)
		}
	}
	if ms, _ := ts.mentions.List(context.Background(), "", 10); len(ms) != 0 {
		t.Fatalf("invalid requests stored %d mentions", len(ms))
	}
	// Valid: 202, no Location; the fragment of the target is ignored.
	r := postForm(ts, "/webmention", ct, form("https://elsewhere.example/reply", target+"#comments"))
	r.mustStatus(t, http.StatusAccepted)
	if r.Header.Get("Location") != "" {
		t.Error("202 with a Location")
	}
	// Host case does not matter.
	postForm(ts, "/webmention", ct, form("https://elsewhere.example/other", strings.Replace(target, "localhost", "LOCALHOST", 1))).
		mustStatus(t, http.StatusAccepted)
	// The same source and target again within 30 s: 429.
	postForm(ts, "/webmention", ct, form("https://elsewhere.example/reply", target+"#comments")).mustStatus(t, http.StatusTooManyRequests)
	ms, _ := ts.mentions.List(context.Background(), "", 10)
	if len(ms) != 2 || ms[0].Status != "queued" {
		t.Fatalf("mentions %+v", ms)
	}
	// Every page names the endpoint.
	page := ts.browser().get(post.Path())
	if !strings.Contains(page.Header.Get("Link"), `/webmention>; rel="webmention"`) ||
		!strings.Contains(page.body, `<link rel="webmention" href="`+ts.cfg.BaseURL+`/webmention">`) {
		t.Errorf("endpoint not advertised: %q", page.Header.Get("Link"))
	}
}

// sourceSite plays another site that mentions our posts; its page can be
// changed between verifications.
type sourceSite struct {
	srv  *httptest.Server
	page atomic.Value // string; "410" answers Gone
}

func newSourceSite(t *testing.T) *sourceSite {
	s := &sourceSite{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := s.page.Load().(string)
		if body == "410" {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func TestMentionLifecycle(t *testing.T) {
	ts := newSite(t).withPassword()
	ctx := context.Background()
	post, _ := ts.journal.Create(ctx, ple.Draft{Title: "Target post", Content: "x"})
	target := ts.cfg.BaseURL + post.Path()
	src := newSourceSite(t)
	source := src.srv.URL + "/reply"
	src.page.Store(`<html><body><article class="h-entry"><a class="p-author h-card" href="/">Eve <img src="x" onerror="alert(1)"></a>
<div class="e-content">Nice post! <script>alert(1)</script><a href="javascript:alert(2)">click</a></div>
<a class="u-in-reply-to" href="` + target + `">in reply to</a></article></body></html>`)

	send := func() {
		t.Helper()
		postForm(ts, "/webmention", "application/x-www-form-urlencoded",
			url.Values{"source": {source}, "target": {target}}.Encode()).mustStatus(t, http.StatusAccepted)
		if _, err := ts.jobs.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	send()
	ms, _ := ts.mentions.List(ctx, "", 10)
	if len(ms) != 1 || ms[0].Status != "pending" || ms[0].Type != "reply" || ms[0].AuthorName == "" {
		t.Fatalf("after verification: %+v", ms)
	}
	if strings.Contains(ts.browser().get(post.Path()).body, "Nice post") {
		t.Fatal("a pending mention is shown")
	}
	b := ts.browser()
	b.login()
	b.get("/admin/mentions").mustContain(t, "Nice post", "Approve")
	b.post(fmt.Sprintf("/admin/mentions/%d/approve", ms[0].ID), url.Values{"csrf": {b.csrf("/admin/mentions")}}).
		mustStatus(t, http.StatusSeeOther)
	page := ts.browser().get(post.Path()).mustStatus(t, http.StatusOK).mustContain(t, "Nice post", "p-comment h-cite", `rel="nofollow ugc`)
	for _, bad := range []string{"<script>alert(1)", "javascript:alert", `onerror="alert`} {
		if strings.Contains(page.body, bad) {
			t.Errorf("XSS payload %q rendered", bad)
		}
	}
	e := entries(parseMF(t, ts, post.Path(), page.body).Items)[0]
	if len(e.Properties["comment"]) != 1 {
		t.Errorf("h-entry comments: %v", e.Properties["comment"])
	}

	// The source drops the link: re-verified, the mention is removed.
	src.page.Store(`<html><body><article class="h-entry"><div class="e-content">Changed my mind</div></article></body></html>`)
	if err := ts.mentions.Reverify(ctx, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	ts.jobs.RunOnce(ctx)
	if m, _ := ts.mentions.Get(ctx, ms[0].ID); m.Status != "deleted" {
		t.Fatalf("status after the link was removed: %q", m.Status)
	}
	if strings.Contains(ts.browser().get(post.Path()).body, "Nice post") {
		t.Fatal("a removed mention is still shown")
	}
	// 410 Gone also deletes.
	src.page.Store("410")
	ts.mentions.Reverify(ctx, ms[0].ID)
	ts.jobs.RunOnce(ctx)
	if m, _ := ts.mentions.Get(ctx, ms[0].ID); m.Status != "deleted" {
		t.Fatalf("status after 410: %q", m.Status)
	}
}

func TestMentionLinkOnlyInCommentOrTextIsRejected(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	post, _ := ts.journal.Create(ctx, ple.Draft{Title: "Target", Content: "x"})
	target := ts.cfg.BaseURL + post.Path()
	for name, html := range map[string]string{
		"comment": `<html><body><!-- <a href="` + target + `">x</a> --><p>hi</p></body></html>`,
		"text":    `<html><body><p>I read ` + target + ` today</p></body></html>`,
	} {
		src := newSourceSite(t)
		src.page.Store(html)
		postForm(ts, "/webmention", "application/x-www-form-urlencoded",
			url.Values{"source": {src.srv.URL + "/" + name}, "target": {target}}.Encode()).mustStatus(t, http.StatusAccepted)
	}
	ts.jobs.RunOnce(ctx)
	ms, _ := ts.mentions.List(ctx, "", 10)
	for _, m := range ms {
		if m.Status != "rejected" {
			t.Errorf("%s: status %q, want rejected", m.Source, m.Status)
		}
	}
}

// TestTwoInstancesAnswerAndAward: learner A answers a task hosted by
// instance B; B receives and verifies A's mention; B's award post replies
// to A's answer; A verifies it and files an award in its inbox, and the
// task becomes awarded. B's award page is served beside B's Cairn from the
// same origin: issuer mode, which will write such pages, is a later issue.
func TestTwoInstancesAnswerAndAward(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	bSrv := httptest.NewServer(mux)
	var aSrv *httptest.Server
	defer bSrv.Close()
	b := newSite(t, func(c *config.Config) { c.BaseURL = bSrv.URL })
	var awardPage atomic.Value
	mux.HandleFunc("/issuer/awards/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, awardPage.Load())
	})
	// B's credential: an Open Badges 2.0 hosted assertion (issuer mode, which
	// will sign Open Badges 3.0 ones, is a later issue).
	ob2 := func(path string, doc func() map[string]any) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/ld+json")
			json.NewEncoder(w).Encode(doc())
		})
	}
	ob2("/issuer/profile", func() map[string]any {
		return map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": bSrv.URL + "/issuer/profile",
			"name": "Course B", "url": bSrv.URL, "email": "badges@b.example"}
	})
	ob2("/issuer/achievements/1", func() map[string]any {
		return map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": bSrv.URL + "/issuer/achievements/1",
			"name": "Week 1 Writer", "description": "Wrote week 1.", "image": bSrv.URL + "/badge.png",
			"criteria": map[string]any{"narrative": "Answer week 1."}, "issuer": bSrv.URL + "/issuer/profile"}
	})
	ob2("/issuer/credentials/1.json", func() map[string]any {
		return map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": bSrv.URL + "/issuer/credentials/1.json",
			"recipient": map[string]any{"type": "url", "hashed": false, "identity": "http://" + aSrv.Listener.Addr().String() + "/"},
			"badge":     bSrv.URL + "/issuer/achievements/1", "issuedOn": "2026-11-01T10:00:00Z",
			"verification": map[string]any{"type": "HostedBadge"}}
	})
	mux.Handle("/", b.site.Handler())

	aSrv = httptest.NewUnstartedServer(nil)
	aURL := "http://" + aSrv.Listener.Addr().String()
	a := newSite(t, func(c *config.Config) { c.BaseURL = aURL }).withPassword()
	aSrv.Config.Handler = a.site.Handler()
	aSrv.Start()
	defer aSrv.Close()

	task, _ := b.journal.Create(ctx, ple.Draft{Title: "Week 1 task", Content: "Write something", IsTask: true})
	taskURL := bSrv.URL + task.Path()

	// A follows B's tasks (which makes B's origin trusted on A) and answers.
	if _, _, err := a.courses.Follow(ctx, bSrv.URL+"/tasks"); err != nil {
		t.Fatal(err)
	}
	answer, err := a.journal.Create(ctx, ple.Draft{Title: "My answer", Content: "Here it is", InReplyTo: taskURL})
	if err != nil {
		t.Fatal(err)
	}
	answerURL := aURL + answer.Path()
	runDue(t, a) // A sends its Webmention to B
	out, _ := a.mentions.OutgoingFor(ctx, answer.ID)
	if len(out) != 1 || out[0].Target != taskURL || out[0].Status != "sent" {
		t.Fatalf("A's outgoing mentions: %+v", out)
	}
	b.jobs.RunOnce(ctx) // B verifies it
	bm, _ := b.mentions.List(ctx, "", 10)
	if len(bm) != 1 || bm[0].Source != answerURL || bm[0].Type != "reply" || bm[0].Status != "pending" {
		t.Fatalf("B's mentions: %+v", bm)
	}

	// B awards a badge with a reply to A's answer, and tells A.
	awardPage.Store(`<html><body><article class="h-entry">
<a class="p-author h-card" href="` + bSrv.URL + `/">Course B</a>
<p>In reply to <a class="u-in-reply-to" href="` + answerURL + `">your answer</a></p>
<span class="p-category">badge</span>
<div class="p-x-badge h-cite"><a class="u-url p-name" href="` + bSrv.URL + `/issuer/achievements/1">Week 1 Writer</a>
<img class="u-photo" src="` + bSrv.URL + `/badge.png" alt=""></div>
<a class="p-x-recipient h-card" href="` + aURL + `/">A</a>
<a class="u-x-evidence" href="` + answerURL + `">evidence</a>
<a class="u-x-credential" href="` + bSrv.URL + `/issuer/credentials/1.json">credential</a>
<div class="e-content">Congratulations, you earned Week 1 Writer.</div></article></body></html>`)
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	res, err := webmention.SendMention(ctx, client, bSrv.URL+"/issuer/awards/1", answerURL)
	if err != nil || res.Outcome != webmention.Accepted {
		t.Fatalf("B's award mention: %+v %v", res, err)
	}
	a.jobs.RunOnce(ctx)
	am, _ := a.mentions.List(ctx, "", 10)
	if len(am) != 1 || am[0].Type != "award" || am[0].Status != "approved" {
		t.Fatalf("A's mentions: %+v", am)
	}
	awards, _ := a.mentions.Awards(ctx)
	if len(awards) != 1 || awards[0].BadgeName != "Week 1 Writer" || awards[0].Evidence != answerURL ||
		awards[0].CredentialURL != bSrv.URL+"/issuer/credentials/1.json" {
		t.Fatalf("A's award inbox: %+v", awards)
	}
	tasks, _ := a.courses.Tasks(ctx, 1)
	if len(tasks) != 1 || tasks[0].State != "awarded" {
		t.Fatalf("A's task: %+v", tasks)
	}
	ab := a.browser()
	ab.login()
	ab.get("/admin/awards").mustContain(t, "Week 1 Writer", "Course B", "Accept into wallet")
	ab.get(answer.Path()).mustContain(t, "Webmentions sent", "sent")

	// Accepting the award imports B's credential into A's wallet.
	r := a.api(http.MethodPost, fmt.Sprintf("/api/awards/%d/accept", awards[0].ID), a.token(), "").mustStatus(t, http.StatusCreated)
	var accepted struct {
		WalletID int64 `json:"wallet_id"`
		Report   struct {
			Verdict string `json:"verdict"`
			Format  string `json:"format"`
		} `json:"report"`
	}
	json.Unmarshal([]byte(r.body), &accepted)
	if accepted.WalletID == 0 || accepted.Report.Verdict != "valid" || accepted.Report.Format != "ob2-hosted" {
		t.Fatalf("accept: %s", r.body)
	}
	if got, _ := a.mentions.Award(ctx, awards[0].ID); got.State != "accepted" {
		t.Fatalf("award state %q", got.State)
	}
	ab.get("/admin/awards").mustContain(t, "accepted")
}

// runDue runs a site's queued jobs, including those delayed a little (the
// send debounce), without sleeping.
func runDue(t *testing.T, ts *testSite) {
	t.Helper()
	if _, err := ts.db.W.Exec("UPDATE jobs SET run_at = 0 WHERE state = 'queued'"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.jobs.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestReceiveIsRateLimitedPerAddress(t *testing.T) {
	ts := newSite(t, func(c *config.Config) { c.WebmentionRate = 3 })
	post, _ := ts.journal.Create(context.Background(), ple.Draft{Title: "Target", Content: "x"})
	target := ts.cfg.BaseURL + post.Path()
	for i := range 4 {
		r := postForm(ts, "/webmention", "application/x-www-form-urlencoded",
			url.Values{"source": {fmt.Sprintf("https://elsewhere.example/%d", i)}, "target": {target}}.Encode())
		want := http.StatusAccepted
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		r.mustStatus(t, want)
	}
}

// BenchmarkReceiveWebmention: accepted POST /webmention requests, each
// durably stored with its verification job (group commit), in process.
func BenchmarkReceiveWebmention(b *testing.B) {
	ts := newSite(b, func(c *config.Config) { c.WebmentionRate = 0 })
	post, _ := ts.journal.Create(context.Background(), ple.Draft{Title: "Target", Content: "x"})
	target := ts.cfg.BaseURL + post.Path()
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := url.Values{"source": {fmt.Sprintf("https://elsewhere.example/%d", n.Add(1))}, "target": {target}}.Encode()
			req := httptest.NewRequest(http.MethodPost, "/webmention", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := ts.site.Test(req, -1)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				b.Error(err, resp.StatusCode)
				return
			}
		}
	})
}

// receiver plays other sites that take Webmentions; it records every
// (target, source) it is sent.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	received []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	mux := http.NewServeMux()
	mux.HandleFunc("/page/", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Link", `</endpoint>; rel="webmention"`)
		fmt.Fprint(w, "<html><body>a page</body></html>")
	})
	mux.HandleFunc("/endpoint", func(w http.ResponseWriter, req *http.Request) {
		req.ParseForm()
		r.mu.Lock()
		r.received = append(r.received, strings.TrimPrefix(req.PostForm.Get("target"), r.srv.URL))
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.received
	r.received = nil
	slices.Sort(out)
	return out
}

func TestSendingOnPublishUpdateAndDelete(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	rcv := newReceiver(t)
	a, b := rcv.srv.URL+"/page/a", rcv.srv.URL+"/page/b"
	post, err := ts.journal.Create(ctx, ple.Draft{Title: "Links", Content: "See [a](" + a + ") and [b](" + b + ") and [home](/)."})
	if err != nil {
		t.Fatal(err)
	}
	runDue(t, ts)
	if got := rcv.take(); !slices.Equal(got, []string{"/page/a", "/page/b"}) {
		t.Fatalf("on publish sent to %v", got)
	}
	// Update removing b: both are sent again (b must learn the link is gone).
	content := "Only [a](" + a + ") now."
	if _, err := ts.journal.Update(ctx, post.ID, ple.Patch{Content: &content}); err != nil {
		t.Fatal(err)
	}
	runDue(t, ts)
	if got := rcv.take(); !slices.Equal(got, []string{"/page/a", "/page/b"}) {
		t.Fatalf("on update sent to %v", got)
	}
	// Delete: every target ever sent hears it again, and the post is 410.
	if err := ts.journal.Delete(ctx, post.ID); err != nil {
		t.Fatal(err)
	}
	runDue(t, ts)
	if got := rcv.take(); !slices.Equal(got, []string{"/page/a", "/page/b"}) {
		t.Fatalf("on delete sent to %v", got)
	}
	out, _ := ts.mentions.OutgoingFor(ctx, post.ID)
	if len(out) != 2 || out[0].Status != "sent" || out[1].Status != "sent" {
		t.Fatalf("outgoing %+v", out)
	}
	// A draft sends nothing.
	ts.journal.Create(ctx, ple.Draft{Title: "Draft", Content: "[a](" + a + ")", Draft: true})
	runDue(t, ts)
	if got := rcv.take(); len(got) != 0 {
		t.Fatalf("a draft sent to %v", got)
	}
}
