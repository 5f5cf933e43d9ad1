package webmention

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseLinkHeader(t *testing.T) {
	cases := []struct {
		in   []string
		want []Link
	}{
		{[]string{`</a>; rel=webmention`}, []Link{{"/a", []string{"webmention"}}}},
		{[]string{`<https://x.example/a>; rel="webmention"`}, []Link{{"https://x.example/a", []string{"webmention"}}}},
		{[]string{`</a>; rel="WebMention Other"`}, []Link{{"/a", []string{"webmention", "other"}}}},
		{[]string{`</e>; rel="other", </w>; rel="webmention"`}, []Link{{"/e", []string{"other"}}, {"/w", []string{"webmention"}}}},
		{[]string{`</e>; rel="other"`, `</w>; rel=webmention`}, []Link{{"/e", []string{"other"}}, {"/w", []string{"webmention"}}}},
		// Commas inside quoted strings and <> do not split.
		{[]string{`</a,b>; title="x, y"; rel="webmention", </c>`}, []Link{{"/a,b", []string{"webmention"}}, {"/c", nil}}},
		// Only the first rel counts; parameter names are case-insensitive.
		{[]string{`</a>; REL=other; rel=webmention`}, []Link{{"/a", []string{"other"}}}},
		// Escapes in quoted strings; spaces around '='.
		{[]string{`</a>; title="a \"q\""; rel = "webmention"`}, []Link{{"/a", []string{"webmention"}}}},
		// Garbage before a link-value is skipped; unterminated < ends parsing.
		{[]string{`junk, </a>; rel=webmention, <oops`}, []Link{{"/a", []string{"webmention"}}}},
		{[]string{``, ` , ,`}, nil},
		// Empty reference: the page itself.
		{[]string{`<>; rel=webmention`}, []Link{{"", []string{"webmention"}}}},
	}
	for _, c := range cases {
		if got := ParseLinkHeader(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseLinkHeader(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestFindInLinkHeaders(t *testing.T) {
	base := mustURL(t, "https://target.example/dir/page?x=1#frag")
	cases := []struct {
		h    http.Header
		want string
	}{
		{http.Header{"Link": {`<ep>; rel=webmention`}}, "https://target.example/dir/ep"},
		{http.Header{"Link": {`<>; rel=webmention`}}, "https://target.example/dir/page?x=1"},
		{http.Header{"Link": {`</ep?q=yes#f>; rel=webmention`}}, "https://target.example/ep?q=yes"},
		{http.Header{"Link": {`</no>; rel="not-webmention"`, `</no>; rel="webmentions"`}}, ""},
		{http.Header{"Link": {`<javascript:alert(1)>; rel=webmention`, `</ok>; rel=webmention`}}, "https://target.example/ok"},
		{http.Header{"Link": {`<ftp://x/>; rel=webmention`}}, ""},
		{http.Header{"LinK": {`</odd>; rel=webmention`}}, "https://target.example/odd"},
		{http.Header{}, ""},
	}
	for _, c := range cases {
		if got := FindInLinkHeaders(c.h, base); got != c.want {
			t.Errorf("FindInLinkHeaders(%v) = %q, want %q", c.h, got, c.want)
		}
	}
}

func TestFindInHTML(t *testing.T) {
	base := mustURL(t, "https://target.example/a/b")
	cases := []struct {
		name, doc, want string
	}{
		{"link", `<link rel="webmention" href="/ep">`, "https://target.example/ep"},
		{"a upper-case rel", `<a REL="WEBMENTION" HREF="ep">x</a>`, "https://target.example/a/ep"},
		{"token list", `<link rel="me webmention" href="/ep">`, "https://target.example/ep"},
		{"substring is not a token", `<link rel="webmentions" href="/bad"><link rel="xwebmention" href="/bad">`, ""},
		{"comment", `<!-- <link rel="webmention" href="/bad"> -->`, ""},
		{"escaped", `<pre>&lt;link rel="webmention" href="/bad"&gt;</pre>`, ""},
		{"script text", `<script>var s = '<a rel="webmention" href="/bad">';</script>`, ""},
		{"textarea text", `<textarea><link rel="webmention" href="/bad"></textarea><a rel=webmention href=/ok>`, "https://target.example/ok"},
		{"no href skipped", `<link rel="webmention"><a rel="webmention" href="/ok">`, "https://target.example/ok"},
		{"empty href is the page", `<link rel="webmention" href="">`, "https://target.example/a/b"},
		{"whitespace href", "<link rel=webmention href=\" \t/ep\n \">", "https://target.example/ep"},
		{"first of duplicate attributes", `<link rel="webmention" href="/first" href="/second">`, "https://target.example/first"},
		{"other element", `<b rel="webmention" href="/bad">x</b>`, ""},
		{"base ignored", `<base href="https://elsewhere.example/"><link rel=webmention href="ep">`, "https://target.example/a/ep"},
		{"bad scheme skipped", `<a rel=webmention href="javascript:alert(1)">x</a><a rel=webmention href="/ok">`, "https://target.example/ok"},
		{"fragment dropped", `<a rel=webmention href="/ep?q=1#x">x</a>`, "https://target.example/ep?q=1"},
		{"self-closing", `<link rel="webmention" href="/ep" />`, "https://target.example/ep"},
	}
	for _, c := range cases {
		got, ok := FindInHTML([]byte(c.doc), base)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: FindInHTML = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

func TestDiscoverEdges(t *testing.T) {
	big := "<!doctype html><head><link rel=webmention href=/ep></head><body>" + strings.Repeat("<p>filler</p>", 200000) // > 1 MiB
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/none", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><p>no endpoint</p>`))
	})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Link", `</ep>; rel=webmention`)
		w.Write(make([]byte, 2<<20))
	})
	mux.HandleFunc("/json-with-html-inside", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"x":"<link rel=webmention href=/bad>"}`))
	})
	mux.HandleFunc("/untyped", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no sniffing by the server
		w.Write([]byte(`<!DOCTYPE html><html><link rel=webmention href=/ep>`))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(big))
	})
	mux.HandleFunc("/accept", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Accept"), "text/html") {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
		w.Header().Set("Link", `</ep>; rel=webmention`)
	})
	s := serve(t, mux)
	c := testClient(t)
	ctx := context.Background()

	for _, p := range []string{"/image", "/untyped", "/big", "/accept"} {
		if ep, err := Discover(ctx, c, s.URL+p); err != nil || ep != s.URL+"/ep" {
			t.Errorf("%s: Discover = %q, %v", p, ep, err)
		}
	}
	for _, p := range []string{"/none", "/json-with-html-inside"} {
		if _, err := Discover(ctx, c, s.URL+p); !errors.Is(err, ErrNoEndpoint) {
			t.Errorf("%s: %v, want ErrNoEndpoint", p, err)
		}
		if res, err := SendMention(ctx, c, "https://me.example/p", s.URL+p); err != nil || res.Outcome != NoEndpoint {
			t.Errorf("%s: SendMention = %+v, %v; want NoEndpoint, nil", p, res, err)
		}
	}
	var se *SendError
	_, err := Discover(ctx, c, s.URL+"/missing")
	if !errors.As(err, &se) || se.Retryable || se.Status != 404 || se.Op != "discover" {
		t.Errorf("404 target: %#v", err)
	}
	_, err = Discover(ctx, c, s.URL+"/down")
	if !errors.As(err, &se) || !se.Retryable || se.RetryAfter.Seconds() != 30 {
		t.Errorf("503 target: %#v", err)
	}
	for _, bad := range []string{"", "ftp://x.example/", "/relative", "https://user:pw@x.example/"} {
		if _, err := Discover(ctx, c, bad); !errors.As(err, &se) || se.Retryable {
			t.Errorf("Discover(%q) = %v, want a permanent SendError", bad, err)
		}
	}
}
