package webmention

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
)

// Tests talk only to httptest servers on 127.0.0.1, through a netx client
// that allows private addresses (the dial guard itself is netx's to test).

func testClient(t testing.TB) *netx.Client {
	t.Helper()
	c := netx.New(netx.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func oneTimeKey() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// rocks rebuilds webmention.rocks discovery tests 1–23
// (aaronpk/webmention.rocks lib/Rocks/DiscoveryTestData.php) on loopback.
// Every page may be fetched once (a second GET fails the test: #23's URLs
// answer once, and discovery must never fetch twice); HEAD fails the test
// (we never HEAD; rocks would append ?head=true to Link endpoints); a POST to
// a false endpoint fails the test; the correct endpoint records the POST.
type rocks struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	gets map[string]int
	got  map[int][]url.Values // correct-endpoint POSTs per test
	key1 string               // #23 one-time page key
	key2 string               // #23 one-time endpoint key
}

func newRocks(t *testing.T) *rocks {
	r := &rocks{t: t, gets: map[string]int{}, got: map[int][]url.Values{}, key1: oneTimeKey(), key2: oneTimeKey()}
	r.srv = serve(t, r)
	return r
}

func (r *rocks) base() string { return r.srv.URL }

func (r *rocks) page(n int) string { return r.base() + "/test/" + strconv.Itoa(n) }

func (r *rocks) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	t := r.t
	if req.Method == http.MethodHead {
		t.Errorf("HEAD %s: discovery must use one GET only", req.URL)
		http.Error(w, "no HEAD here", http.StatusBadRequest)
		return
	}
	path := req.URL.Path
	if req.Method == http.MethodGet {
		r.mu.Lock()
		r.gets[path]++
		n := r.gets[path]
		r.mu.Unlock()
		if n > 1 {
			t.Errorf("GET %s fetched %d times", path, n)
			http.Error(w, "this URL was already used", http.StatusGone)
			return
		}
		r.servePage(w, req)
		return
	}
	if req.Method != http.MethodPost {
		t.Errorf("unexpected %s %s", req.Method, req.URL)
		return
	}
	r.receive(w, req)
}

const rocksHead = `<!doctype html><html><head><meta charset="utf-8"><title>Discovery Test</title>`

func (r *rocks) servePage(w http.ResponseWriter, req *http.Request) {
	b := r.base()
	html := func(head, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "%s%s</head><body><p>This post advertises its endpoint.</p>%s</body></html>", rocksHead, head, body)
	}
	switch req.URL.Path {
	case "/test/1":
		w.Header().Set("Link", "</test/1/webmention>; rel=webmention")
		html("", "")
	case "/test/2":
		w.Header().Set("Link", "<"+b+"/test/2/webmention>; rel=webmention")
		html("", "")
	case "/test/3":
		html(`<link rel="webmention" href="/test/3/webmention">`, "")
	case "/test/4":
		html(`<link href="`+b+`/test/4/webmention" rel="webmention">`, "")
	case "/test/5":
		html("", `<a rel="webmention" href="/test/5/webmention">endpoint</a>`)
	case "/test/6":
		html("", `<a href="`+b+`/test/6/webmention" rel="webmention">endpoint</a>`)
	case "/test/7":
		w.Header()["LinK"] = []string{"<" + b + "/test/7/webmention>; rel=webmention"} // odd casing on the wire
		html("", "")
	case "/test/8":
		w.Header().Set("Link", "<"+b+`/test/8/webmention>; rel="webmention"`)
		html("", "")
	case "/test/9":
		html(`<link rel="webmention somethingelse" href="/test/9/webmention">`, "")
	case "/test/10":
		w.Header().Set("Link", "<"+b+`/test/10/webmention>; rel="webmention somethingelse"`)
		html("", "")
	case "/test/11":
		w.Header().Set("Link", "<"+b+`/test/11/webmention>; rel="webmention"`)
		html(`<link rel="webmention" href="/test/11/webmention/error">`, `<a rel="webmention" href="/test/11/webmention/error">false endpoint</a>`)
	case "/test/12":
		html(`<link rel="not-webmention" href="/test/12/webmention/error">`, `<a href="/test/12/webmention" rel="webmention">endpoint</a>`)
	case "/test/13":
		html("", `<!-- <a href="/test/13/webmention/error" rel="webmention"></a> --><a href="/test/13/webmention" rel="webmention">endpoint</a>`)
	case "/test/14":
		html("", `<code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code><a href="/test/14/webmention" rel="webmention">endpoint</a>`)
	case "/test/15":
		html(`<link rel="webmention" href="">`, "")
	case "/test/16":
		html("", `<a href="/test/16/webmention" rel="webmention">endpoint</a><link rel="webmention" href="/test/16/webmention/error">`)
	case "/test/17":
		html("", `<link rel="webmention" href="/test/17/webmention"><a href="/test/17/webmention/error" rel="webmention">false</a>`)
	case "/test/18":
		w.Header().Add("Link", "<"+b+`/test/18/webmention/error>; rel="other"`)
		w.Header().Add("Link", "<"+b+`/test/18/webmention>; rel="webmention"`)
		html("", "")
	case "/test/19":
		w.Header().Set("Link", "<"+b+`/test/19/webmention/error>; rel="other", <`+b+`/test/19/webmention>; rel="webmention"`)
		html("", "")
	case "/test/20":
		html(`<link rel="webmention">`, `<a href="/test/20/webmention" rel="webmention">endpoint</a>`)
	case "/test/21":
		html(`<link rel="webmention" href="/test/21/webmention?query=yes">`, "")
	case "/test/22":
		html(`<link rel="webmention" href="22/webmention">`, "")
	case "/test/23/page":
		// Relative redirect: /test/23/page + "page/K1" = /test/23/page/K1.
		w.Header().Set("Location", "page/"+r.key1)
		w.WriteHeader(http.StatusFound)
	case "/test/23/page/" + r.key1:
		ep := "webmention-endpoint/" + r.key2
		w.Header().Set("Link", "<"+ep+">; rel=webmention")
		html("", `<a href="`+ep+`" rel="webmention">endpoint</a>`)
	default:
		r.t.Errorf("GET of unknown page %s", req.URL)
		http.NotFound(w, req)
	}
}

// receive takes the POSTs. correct maps an endpoint path to its test.
func (r *rocks) receive(w http.ResponseWriter, req *http.Request) {
	t := r.t
	raw, _ := io.ReadAll(req.Body)
	form, err := url.ParseQuery(string(raw))
	if err != nil || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("POST %s: bad form %q (%s)", req.URL, raw, req.Header.Get("Content-Type"))
	}
	path := req.URL.Path
	n := -1
	switch {
	case strings.HasSuffix(path, "/error"):
		t.Errorf("POST to false endpoint %s", req.URL)
		http.Error(w, "false endpoint", http.StatusBadRequest)
		return
	case path == "/test/15":
		n = 15
	case path == "/test/23/page/webmention-endpoint/"+r.key2:
		n = 23
	case strings.HasPrefix(path, "/test/") && strings.HasSuffix(path, "/webmention"):
		n, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "/test/"), "/webmention"))
	}
	if n <= 0 || n == 20 && path == "/test/20" {
		t.Errorf("POST to wrong endpoint %s", req.URL)
		http.Error(w, "not an endpoint", http.StatusBadRequest)
		return
	}
	if n == 21 {
		if req.URL.Query().Get("query") != "yes" {
			t.Errorf("#21: query=yes missing from the endpoint URL %s", req.URL)
		}
		if form.Has("query") {
			t.Errorf("#21: query moved into the body: %q", raw)
		}
	}
	r.mu.Lock()
	used := len(r.got[n])
	r.got[n] = append(r.got[n], form)
	r.mu.Unlock()
	if n == 23 && used > 0 {
		t.Errorf("#23 endpoint used twice")
		http.Error(w, "one-time endpoint already used", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "Webmention accepted")
}

func TestWebmentionRocksDiscovery(t *testing.T) {
	r := newRocks(t)
	c := testClient(t)
	const source = "https://learner.example/posts/rocks"
	for n := 1; n <= 23; n++ {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			target := r.page(n)
			want := target + "/webmention"
			switch n {
			case 15:
				want = target
			case 21:
				want = target + "/webmention?query=yes"
			case 23:
				target = r.page(23) + "/page"
				want = target + "/webmention-endpoint/" + r.key2
			}
			res, err := SendMention(context.Background(), c, source, target)
			if err != nil {
				t.Fatalf("SendMention: %v", err)
			}
			if res.Outcome != Accepted || res.Status != http.StatusAccepted || res.Endpoint != want {
				t.Errorf("got %+v, want accepted (202) by %s", res, want)
			}
			r.mu.Lock()
			got := r.got[n]
			r.mu.Unlock()
			if len(got) != 1 {
				t.Fatalf("endpoint received %d POSTs, want 1", len(got))
			}
			if got[0].Get("source") != source || got[0].Get("target") != target || len(got[0]) != 2 {
				t.Errorf("endpoint got %v, want exactly source=%s target=%s", got[0], source, target)
			}
		})
	}
	// Every page was fetched exactly once (the handler fails on a second).
	r.mu.Lock()
	defer r.mu.Unlock()
	for n := 1; n <= 22; n++ {
		if c := r.gets["/test/"+strconv.Itoa(n)]; c != 1 {
			t.Errorf("/test/%d fetched %d times", n, c)
		}
	}
	if r.gets["/test/23/page"] != 1 || r.gets["/test/23/page/"+r.key1] != 1 {
		t.Errorf("#23 fetches: %v", r.gets)
	}
}
