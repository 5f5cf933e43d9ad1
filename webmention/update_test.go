package webmention

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

// The webmention.rocks update and delete tests (B.3: U-1, U-2, D-1) from the
// sender's side. A fixture "learner" site serves our post, whose content the
// test edits and finally deletes (410 with a tombstone); a fixture receiver
// hands out a fresh one-time endpoint (?key=) on every GET of a target page,
// refuses a key used twice, and on each POST fetches the source and records
// what it links to, as rocks does.

type postSite struct {
	mu    sync.Mutex
	links []string
	gone  bool
}

func (p *postSite) set(links []string, gone bool) {
	p.mu.Lock()
	p.links, p.gone = links, gone
	p.mu.Unlock()
}

// entry renders the post's e-content: what LinksIn reads.
func (p *postSite) entry() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	b.WriteString("<p>Notes on the update tests.</p>")
	for _, l := range p.links {
		fmt.Fprintf(&b, `<p>See <a href="%s">this page</a>.</p>`, l)
	}
	return b.String()
}

func (p *postSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	gone := p.gone
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if gone {
		w.WriteHeader(http.StatusGone)
		io.WriteString(w, `<!doctype html><article class="h-entry"><p class="e-content">Deleted</p></article>`)
		return
	}
	fmt.Fprintf(w, `<!doctype html><article class="h-entry"><h1 class="p-name">Update test</h1><div class="e-content">%s</div></article>`, p.entry())
}

type receipt struct {
	target      string
	sourceCode  int
	sourceLinks map[string]bool
}

type updateReceiver struct {
	t      *testing.T
	mu     sync.Mutex
	keys   map[string]string // one-time key → target path; "" once used
	disc   map[string]int    // GETs per target path (= discoveries)
	log    []receipt
	hc     *http.Client
	srvURL string
}

func (u *updateReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := u.t
	switch r.Method {
	case http.MethodGet:
		key := oneTimeKey()
		u.mu.Lock()
		u.disc[r.URL.Path]++
		u.keys[key] = r.URL.Path
		u.mu.Unlock()
		w.Header().Set("Link", `</endpoint?key=`+key+`>; rel="webmention"`)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!doctype html><title>update test target</title>")
	case http.MethodPost:
		key := r.URL.Query().Get("key")
		u.mu.Lock()
		path, ok := u.keys[key]
		u.keys[key] = ""
		u.mu.Unlock()
		if !ok || path == "" {
			t.Errorf("POST with unknown or used one-time key %q", key)
			http.Error(w, "invalid or used key", http.StatusBadRequest)
			return
		}
		r.ParseForm()
		target := r.PostForm.Get("target")
		if target != u.srvURL+path {
			t.Errorf("key for %s used for target %s", path, target)
		}
		resp, err := u.hc.Get(r.PostForm.Get("source"))
		if err != nil {
			t.Errorf("fetch source: %v", err)
			http.Error(w, "source unreachable", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		u.mu.Lock()
		u.log = append(u.log, receipt{target: path, sourceCode: resp.StatusCode, sourceLinks: rawHrefs(string(body))})
		u.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}
}

// rawHrefs is the rocks receiver's check: <a href> values as raw strings.
func rawHrefs(doc string) map[string]bool {
	out := map[string]bool{}
	z := html.NewTokenizer(strings.NewReader(doc))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if t := z.Token(); t.Data == "a" {
			for _, a := range t.Attr {
				if a.Key == "href" {
					out[a.Val] = true
				}
			}
		}
	}
	return out
}

type updateFixture struct {
	t       *testing.T
	post    *postSite
	postURL string
	rcv     *updateReceiver
	sent    []string // targets ever sent: the caller's sent_mentions table
}

func newUpdateFixture(t *testing.T) *updateFixture {
	post := &postSite{}
	ps := serve(t, post)
	rcv := &updateReceiver{t: t, keys: map[string]string{}, disc: map[string]int{}, hc: ps.Client()}
	rs := serve(t, rcv)
	rcv.srvURL = rs.URL
	return &updateFixture{t: t, post: post, postURL: ps.URL + "/post", rcv: rcv}
}

func (f *updateFixture) target(path string) string { return f.rcv.srvURL + path }

// publish is what the caller's job does on publish, update and delete: send
// to every target in the post now, then to every target sent before and no
// longer linked (S10, S13), discovering afresh each time.
func (f *updateFixture) publish() []string {
	f.t.Helper()
	var now []string
	f.post.mu.Lock()
	gone := f.post.gone
	f.post.mu.Unlock()
	if !gone {
		base, _ := url.Parse(f.postURL)
		now = LinksIn(f.post.entry(), base)
	}
	targets := append([]string(nil), now...)
	for _, s := range f.sent {
		if !contains(targets, s) {
			targets = append(targets, s)
		}
	}
	c := testClient(f.t)
	for _, tg := range targets {
		res, err := SendMention(context.Background(), c, f.postURL, tg)
		if err != nil || res.Outcome != Accepted {
			f.t.Fatalf("send to %s: %+v, %v", tg, res, err)
		}
		if !contains(f.sent, tg) {
			f.sent = append(f.sent, tg)
		}
	}
	return targets
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f *updateFixture) receipts() []receipt {
	f.rcv.mu.Lock()
	defer f.rcv.mu.Unlock()
	return append([]receipt(nil), f.rcv.log...)
}

func (f *updateFixture) discoveries(path string) int {
	f.rcv.mu.Lock()
	defer f.rcv.mu.Unlock()
	return f.rcv.disc[path]
}

// TestUpdateU1: (1) link /update/1 only and send; (2) add /update/1/part/2
// and send to it; its source must still link /update/1; (3) re-send to
// /update/1, whose source must now link part/2.
func TestUpdateU1(t *testing.T) {
	f := newUpdateFixture(t)
	t1, t2 := f.target("/update/1"), f.target("/update/1/part/2")

	f.post.set([]string{t1}, false)
	if got := f.publish(); len(got) != 1 || got[0] != t1 {
		t.Fatalf("step 1 targets %v", got)
	}
	log := f.receipts()
	if len(log) != 1 || log[0].target != "/update/1" || !log[0].sourceLinks[t1] || log[0].sourceLinks[t2] {
		t.Fatalf("step 1: %+v", log)
	}

	f.post.set([]string{t1, t2}, false)
	f.publish()
	log = f.receipts()
	if len(log) != 3 {
		t.Fatalf("steps 2–3: %d receipts, want 3: %+v", len(log), log)
	}
	for _, r := range log[1:] {
		if !r.sourceLinks[t1] || !r.sourceLinks[t2] {
			t.Errorf("update receipt for %s: source links %v, want both", r.target, r.sourceLinks)
		}
	}
	if log[1].target == log[2].target {
		t.Errorf("update sent twice to %s", log[1].target)
	}
	if d := f.discoveries("/update/1"); d != 2 {
		t.Errorf("/update/1 discovered %d times, want once per send (2)", d)
	}
	if d := f.discoveries("/update/1/part/2"); d != 1 {
		t.Errorf("part/2 discovered %d times, want 1", d)
	}
}

// TestUpdateU2: (1) link /update/2 and /update/2/part/2, send both; (2) remove
// part/2 and re-send to both, including the removed target, whose source no
// longer links it.
func TestUpdateU2(t *testing.T) {
	f := newUpdateFixture(t)
	t1, t2 := f.target("/update/2"), f.target("/update/2/part/2")
	f.post.set([]string{t1, t2}, false)
	f.publish()
	f.post.set([]string{t1}, false)
	if got := f.publish(); len(got) != 2 || got[0] != t1 || got[1] != t2 {
		t.Fatalf("step 2 targets %v, want the current link then the removed one", got)
	}
	log := f.receipts()
	if len(log) != 4 {
		t.Fatalf("%d receipts, want 4: %+v", len(log), log)
	}
	for i, r := range log {
		switch {
		case i < 2 && !(r.sourceLinks[t1] && r.sourceLinks[t2]):
			t.Errorf("step 1 receipt %d: %+v", i, r)
		case i >= 2 && (!r.sourceLinks[t1] || r.sourceLinks[t2]):
			t.Errorf("step 2 receipt %d for %s: source still links part/2 or lost /update/2: %v", i, r.target, r.sourceLinks)
		}
	}
	if log[3].target != "/update/2/part/2" {
		t.Errorf("removed target not re-sent: %+v", log[3])
	}
	for _, p := range []string{"/update/2", "/update/2/part/2"} {
		if d := f.discoveries(p); d != 2 {
			t.Errorf("%s discovered %d times, want 2", p, d)
		}
	}
}

// TestDeleteD1: (1) link /delete/1 and send (source 200, linking); (2) delete
// the post (410 + tombstone) and re-send.
func TestDeleteD1(t *testing.T) {
	f := newUpdateFixture(t)
	t1 := f.target("/delete/1")
	f.post.set([]string{t1}, false)
	f.publish()
	f.post.set(nil, true)
	if got := f.publish(); len(got) != 1 || got[0] != t1 {
		t.Fatalf("delete targets %v, want the previously sent %s", got, t1)
	}
	log := f.receipts()
	if len(log) != 2 {
		t.Fatalf("%d receipts, want 2", len(log))
	}
	if log[0].sourceCode != 200 || !log[0].sourceLinks[t1] {
		t.Errorf("step 1 (must not be 410 yet): %+v", log[0])
	}
	if log[1].sourceCode != http.StatusGone || log[1].sourceLinks[t1] {
		t.Errorf("step 2: %+v, want 410 without the link", log[1])
	}
	if d := f.discoveries("/delete/1"); d != 2 {
		t.Errorf("/delete/1 discovered %d times, want 2", d)
	}
}
