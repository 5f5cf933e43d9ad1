package webmention

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
)

func TestSendStatuses(t *testing.T) {
	const source, target = "https://me.example/post", "https://them.example/p#c"
	mux := http.NewServeMux()
	status := func(code int, hdr ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Errorf("%s %s with %q", r.Method, r.URL, r.Header.Get("Content-Type"))
			}
			if r.FormValue("source") != source || r.FormValue("target") != target {
				t.Errorf("%s got source=%q target=%q", r.URL, r.FormValue("source"), r.FormValue("target"))
			}
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
			w.Write([]byte("<b>reason</b>\x00 given"))
		}
	}
	mux.Handle("/200", status(200))
	mux.Handle("/201", status(201, "Location", "/status/7"))
	mux.Handle("/202", status(202))
	mux.Handle("/303", status(303, "Location", "https://them.example/status/8"))
	mux.Handle("/400", status(400))
	mux.Handle("/404", status(404))
	mux.Handle("/408", status(408))
	mux.Handle("/410", status(410))
	mux.Handle("/429s", status(429, "Retry-After", "120"))
	mux.Handle("/429d", status(429, "Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)))
	mux.Handle("/429none", status(429))
	mux.Handle("/500", status(500))
	mux.Handle("/503", status(503, "Retry-After", "5"))
	mux.Handle("/301", status(301, "Location", "/202"))
	mux.Handle("/302", status(302, "Location", "/307"))
	mux.Handle("/307", status(307, "Location", "/308"))
	mux.Handle("/308", status(308, "Location", "/201"))
	mux.Handle("/loop", status(307, "Location", "/loop"))
	mux.Handle("/badloc", status(302, "Location", "ftp://x.example/"))
	s := serve(t, mux)
	c := testClient(t)

	type want struct {
		ok        bool
		status    int
		endpoint  string
		location  string
		retry     bool
		minAfter  time.Duration
		maxAfter  time.Duration
		errStatus int
	}
	cases := map[string]want{
		"/200":     {ok: true, status: 200},
		"/201":     {ok: true, status: 201, location: s.URL + "/status/7"},
		"/202":     {ok: true, status: 202},
		"/303":     {ok: true, status: 303, location: "https://them.example/status/8"},
		"/301":     {ok: true, status: 202, endpoint: s.URL + "/202"},
		"/302":     {ok: true, status: 201, endpoint: s.URL + "/201", location: s.URL + "/status/7"},
		"/400":     {errStatus: 400},
		"/404":     {errStatus: 404},
		"/410":     {errStatus: 410},
		"/408":     {errStatus: 408, retry: true},
		"/429s":    {errStatus: 429, retry: true, minAfter: 120 * time.Second, maxAfter: 120 * time.Second},
		"/429d":    {errStatus: 429, retry: true, minAfter: 58 * time.Minute, maxAfter: time.Hour},
		"/429none": {errStatus: 429, retry: true},
		"/500":     {errStatus: 500, retry: true},
		"/503":     {errStatus: 503, retry: true, minAfter: 5 * time.Second, maxAfter: 5 * time.Second},
		"/loop":    {errStatus: 307},
		"/badloc":  {errStatus: 302},
	}
	for path, w := range cases {
		res, err := Send(context.Background(), c, s.URL+path, source, target)
		if w.ok {
			ep := w.endpoint
			if ep == "" {
				ep = s.URL + path
			}
			if err != nil || res.Outcome != Accepted || res.Status != w.status || res.Location != w.location || res.Endpoint != ep {
				t.Errorf("%s: %+v, %v; want %+v", path, res, err, w)
			}
			continue
		}
		var se *SendError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v is not a *SendError", path, err)
			continue
		}
		if se.Status != w.errStatus || se.Retryable != w.retry || se.RetryAfter < w.minAfter || se.RetryAfter > w.maxAfter || se.Op != "send" {
			t.Errorf("%s: %+v, want %+v", path, se, w)
		}
		if retry, after := Retryable(err); retry != se.Retryable || after != se.RetryAfter {
			t.Errorf("%s: Retryable() = %v %v", path, retry, after)
		}
	}
	// The server's text lands in Msg as plain text.
	_, err := Send(context.Background(), c, s.URL+"/400", source, target)
	var se *SendError
	if errors.As(err, &se) && se.Msg != "Bad Request: reason given" {
		t.Errorf("Msg = %q", se.Msg)
	}
}

func TestSendNetworkErrors(t *testing.T) {
	ctx := context.Background()
	// A closed port: a network error, worth retrying.
	s := serve(t, http.NotFoundHandler())
	dead := s.URL
	s.Close()
	_, err := Send(ctx, testClient(t), dead+"/ep", "https://a.example/", "https://b.example/")
	var se *SendError
	if !errors.As(err, &se) || !se.Retryable || se.Status != 0 {
		t.Errorf("closed port: %#v", err)
	}
	// The default client refuses loopback before connecting: permanent, and
	// the cause is still visible.
	_, err = Send(ctx, netx.New(netx.Options{}), "http://127.0.0.1:9/ep", "https://a.example/", "https://b.example/")
	if !errors.As(err, &se) || se.Retryable || !errors.Is(err, netx.ErrBlockedAddress) {
		t.Errorf("loopback endpoint with the default client: %#v", err)
	}
	_, err = SendMention(ctx, netx.New(netx.Options{}), "https://a.example/", "http://127.0.0.1:9/page")
	if !errors.As(err, &se) || se.Retryable || se.Op != "discover" || !errors.Is(err, netx.ErrBlockedAddress) {
		t.Errorf("loopback target with the default client: %#v", err)
	}
	// A cancelled context is retryable (the job is shutting down).
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Send(cctx, testClient(t), "http://127.0.0.1:9/ep", "https://a.example/", "https://b.example/")
	if retry, _ := Retryable(err); !retry || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, bad := range []string{"", "mailto:x@y", "ftp://x.example/", "//x.example/ep"} {
		if _, err := Send(ctx, testClient(t), bad, "https://a.example/", "https://b.example/"); !errors.As(err, &se) || se.Retryable {
			t.Errorf("Send to %q: %v", bad, err)
		}
	}
}

func TestSendKeepsEndpointQuery(t *testing.T) {
	var got url.Values
	var rawQuery string
	s := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rawQuery = r.URL.RawQuery
		r.ParseForm()
		got = r.PostForm
		w.WriteHeader(202)
	}))
	if _, err := Send(context.Background(), testClient(t), s.URL+"/ep?query=yes&b=2", "https://a.example/", "https://b.example/"); err != nil {
		t.Fatal(err)
	}
	if rawQuery != "query=yes&b=2" || len(got) != 2 {
		t.Errorf("query %q, body %v", rawQuery, got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                               0,
		"0":                              0,
		"120":                            2 * time.Minute,
		" 7 ":                            7 * time.Second,
		"-5":                             0,
		"1.5":                            0,
		"soon":                           0,
		"99999999999999999999":           MaxRetryAfter,
		"999999":                         MaxRetryAfter,
		"Mon, 23 Nov 2026 09:10:00 GMT":  10 * time.Minute,
		"Monday, 23-Nov-26 09:00:30 GMT": 30 * time.Second,
		"Mon Nov 23 09:01:00 2026":       time.Minute,
		"Sun, 22 Nov 2026 09:00:00 GMT":  0,
		"Fri, 01 Jan 2100 00:00:00 GMT":  MaxRetryAfter,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLinksIn(t *testing.T) {
	base := mustURL(t, "https://me.example/posts/1")
	doc := `<p>See <a href="https://them.example/p#c">this</a>, <a href="/local">ours</a>,
	<a href="https://them.example/p#c">again</a>, <a href="HTTPS://Them.example/Q">case kept</a>
	<img src="https://img.example/x.png"><video src="v.mp4"></video><audio src="https://a.example/a.mp3"></audio>
	<picture><source src="https://img.example/s.webp"></picture><map><area href="https://area.example/"></map>
	<a href="mailto:x@y.example">mail</a><a href="javascript:alert(1)">js</a><a href="">self</a><a>none</a>
	<link href="https://link.example/"><!-- <a href="https://comment.example/"> -->
	&lt;a href="https://escaped.example/"&gt; <a href=" https://spaced.example/ ">sp</a>
	<iframe src="https://iframe.example/"></iframe><a href="https://user:pw@them.example/">creds</a></p>`
	want := []string{
		"https://them.example/p#c", "https://me.example/local", "HTTPS://Them.example/Q",
		"https://img.example/x.png", "https://me.example/posts/v.mp4", "https://a.example/a.mp3",
		"https://img.example/s.webp", "https://area.example/", "https://spaced.example/",
	}
	got := LinksIn(doc, base)
	if len(got) != len(want) {
		t.Fatalf("LinksIn = %q\nwant %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("LinksIn[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if got := LinksIn(`<a href="/rel">x</a><a href="https://abs.example/">y</a>`, nil); len(got) != 1 || got[0] != "https://abs.example/" {
		t.Errorf("nil base: %q", got)
	}
}
