package webmention

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Seed corpora are added with f.Add; crashers found by `go test -fuzz` are
// kept under testdata/fuzz/<FuzzName>/ and run with the normal tests.

// checkEndpoint fails unless s is "" or an absolute http(s) URL without a
// fragment: the only thing discovery may return.
func checkEndpoint(t *testing.T, what, s string) {
	t.Helper()
	if s == "" {
		return
	}
	u, ok := parseHTTPURL(s)
	if !ok || u.Fragment != "" || strings.Contains(s, "#") {
		t.Fatalf("%s returned %q: not an absolute http(s) URL without fragment", what, s)
	}
}

var fuzzBase = &url.URL{Scheme: "https", Host: "target.example", Path: "/dir/page", RawQuery: "q=1"}

func FuzzFindInHTML(f *testing.F) {
	for _, s := range []string{
		`<link rel="webmention" href="/ep">`,
		`<a href="ep" rel="WEBMENTION other">x</a>`,
		`<!-- <a rel=webmention href=/bad> --><a rel=webmention href=/ok>`,
		`<code>&lt;a rel=webmention href=/bad&gt;</code>`,
		`<link rel=webmention href="">`,
		`<link rel=webmention><a rel=webmention href="?q=yes#frag">`,
		`<script><a rel=webmention href=/bad></script>`,
		`<a rel=webmention href="javascript:alert(1)">`,
		`<a rel=webmention href="//other.example/ep">`,
		`<a rel=webmention href="http://[::1]:80/ep">`,
		`<a rel=webmention href="https://u:p@x.example/">`,
		"<a rel=webmention href=\"\t\n/e p\">",
		`<a rel=webmention href="%zz">`,
	} {
		f.Add([]byte(s), "https://target.example/dir/page?q=1")
	}
	f.Add([]byte(`<a rel=webmention href=ep>`), "http://x.example")
	f.Add([]byte(`<a rel=webmention href=ep>`), "not a url")
	f.Fuzz(func(t *testing.T, body []byte, base string) {
		b, err := url.Parse(base)
		if err != nil || !isHTTPURL(b) {
			b = fuzzBase
		}
		got, ok := FindInHTML(body, b)
		if ok != (got != "") {
			t.Fatalf("FindInHTML = %q, %v", got, ok)
		}
		checkEndpoint(t, "FindInHTML", got)
		if got, ok := FindInHTML(body, nil); ok {
			checkEndpoint(t, "FindInHTML(nil base)", got)
		}
	})
}

// FuzzLinkHeader fuzzes discovery without the network: the Link header
// first, then the HTML, as Discover does.
func FuzzLinkHeader(f *testing.F) {
	for _, h := range []string{
		`</test/1/webmention>; rel=webmention`,
		`<https://x.example/ep>; rel="webmention somethingelse"`,
		`</e>; rel="other", </w>; rel="webmention"`,
		`</a,b>; title="x, \"y\""; rel=webmention`,
		`<>; rel=webmention`,
		`<javascript:x>; rel=webmention, </ok>; rel=webmention`,
		`junk, <`,
		`</a>; rel`,
		`</a>; rel=; rel=webmention`,
		`<ep?query=yes#f>; REL = "WebMention"`,
	} {
		f.Add(h, []byte(`<link rel=webmention href=/html>`))
	}
	f.Add("", []byte(`<a rel=webmention href=x>`))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		links := ParseLinkHeader([]string{header, header})
		for _, l := range links {
			for _, r := range l.Rel {
				if r == "" || r != asciiLower(r) || strings.ContainsAny(r, " \t\n\r\f") {
					t.Fatalf("bad rel token %q in %q", r, header)
				}
			}
		}
		ep := FindInLinkHeaders(http.Header{"Link": {header}}, fuzzBase)
		checkEndpoint(t, "FindInLinkHeaders", ep)
		if ep == "" {
			ep, _ = FindInHTML(body, fuzzBase)
			checkEndpoint(t, "FindInHTML", ep)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	const ct = "application/x-www-form-urlencoded"
	f.Add(ct, []byte("source=https%3A%2F%2Fthem.example%2Fr&target=https%3A%2F%2Fme.example%2Fp"))
	f.Add(ct+"; charset=utf-8", []byte("source=https://them.example/r&target=https://me.example/p%23c"))
	f.Add(ct, []byte("source=qwerty&target=https://me.example/p"))
	f.Add(ct, []byte("source=https://me.example/p&target=https://me.example/p#x"))
	f.Add(ct, []byte("source=https://ME.example:443/p&target=https://me.example/p"))
	f.Add(ct, []byte("source=ftp://them.example/&target=https://me.example/"))
	f.Add(ct, []byte("source=http://[::1]:80/&target=http://me.example:8080/"))
	f.Add(ct, []byte("source=%zz"))
	f.Add("text/plain", []byte("source=https://them.example/r&target=https://me.example/p"))
	f.Add("", []byte(""))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		isOurs := func(u *url.URL) bool {
			if u.Fragment != "" || u.RawFragment != "" {
				t.Fatalf("isOurs got a fragment: %s", u)
			}
			return strings.HasSuffix(strings.ToLower(u.Hostname()), "me.example")
		}
		req, err := ParseRequest(contentType, body, isOurs)
		if err != nil {
			if _, ok := err.(*RequestError); !ok {
				t.Fatalf("error %T %v is not a *RequestError", err, err)
			}
			return
		}
		src, ok1 := parseHTTPURL(req.Source)
		tgt, ok2 := parseHTTPURL(req.Target)
		if !ok1 || !ok2 {
			t.Fatalf("accepted non-http(s) URLs: %+v", req)
		}
		if sameDocument(src, tgt) {
			t.Fatalf("accepted source == target: %+v", req)
		}
		if strings.Contains(req.Page, "#") || req.Page != withoutFragment(tgt).String() || len(body) > MaxRequestBody {
			t.Fatalf("bad request %+v", req)
		}
	})
}

var markupRE = regexp.MustCompile(`<[a-zA-Z/!?]`)

// checkMention asserts what every Mention promises: URL fields are empty or
// absolute http(s); text fields are plain, valid UTF-8 and within limits;
// Content holds only harmless tags with http(s) links carrying
// rel="nofollow ugc".
func checkMention(t *testing.T, m Mention) {
	t.Helper()
	urls := map[string]string{"URL": m.URL, "Author.URL": m.Author.URL, "Author.Photo": m.Author.Photo}
	texts := map[string]string{"Title": m.Title, "Text": m.Text, "Author.Name": m.Author.Name}
	limits := map[string]int{"Title": MaxTitleRunes, "Text": MaxTextRunes, "Author.Name": MaxNameRunes}
	if a := m.Award; a != nil {
		if m.Type != TypeAward {
			t.Fatalf("Award with type %q", m.Type)
		}
		urls["BadgeURL"], urls["BadgeImage"], urls["Evidence"], urls["Credential"], urls["Recipient"] = a.BadgeURL, a.BadgeImage, a.Evidence, a.Credential, a.Recipient
		texts["BadgeName"], texts["RecipientName"] = a.BadgeName, a.RecipientName
		limits["BadgeName"], limits["RecipientName"] = MaxTitleRunes, MaxNameRunes
	} else if m.Type == TypeAward {
		t.Fatal("award without Award")
	}
	for k, v := range urls {
		if v != "" {
			if _, ok := parseHTTPURL(v); !ok {
				t.Fatalf("%s = %q is not an absolute http(s) URL", k, v)
			}
		}
	}
	for k, v := range texts {
		if !utf8.ValidString(v) || markupRE.MatchString(v) || utf8.RuneCountInString(v) > limits[k] || strings.ContainsAny(v, "\x00\r\n\t\u202e") {
			t.Fatalf("%s = %q is not plain text within %d runes", k, v, limits[k])
		}
	}
	if len(m.Content) > MaxContentBytes+64 || !utf8.ValidString(m.Content) {
		t.Fatalf("Content too long or invalid UTF-8 (%d bytes)", len(m.Content))
	}
	z := html.NewTokenizer(strings.NewReader(m.Content))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		switch tt {
		case html.CommentToken, html.DoctypeToken:
			t.Fatalf("Content has a comment or doctype: %q", m.Content)
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "img", "svg", "math", "object", "embed", "form", "input", "base", "meta", "link", "textarea", "title", "noscript", "plaintext", "xmp", "template", "frame", "frameset", "video", "audio", "source":
				t.Fatalf("Content has <%s>: %q", tok.Data, m.Content)
			}
			var href, rel string
			for _, a := range tok.Attr {
				k := a.Key
				if strings.HasPrefix(k, "on") || k == "style" || k == "id" || k == "name" || k == "srcdoc" || k == "formaction" {
					t.Fatalf("Content has attribute %s: %q", k, m.Content)
				}
				switch k {
				case "href", "src", "cite", "action", "poster", "background":
					if _, ok := parseHTTPURL(a.Val); !ok {
						t.Fatalf("Content has %s=%q", k, a.Val)
					}
				}
				if k == "href" {
					href = a.Val
				}
				if k == "rel" {
					rel = a.Val
				}
			}
			if href != "" && (tok.Data == "a" || tok.Data == "area") && rel != linkRel {
				t.Fatalf("link %q has rel %q", href, rel)
			}
		}
	}
	switch m.Type {
	case TypeReply, TypeLike, TypeRepost, TypeBookmark, TypeMention, TypeAward:
	default:
		t.Fatalf("type %q", m.Type)
	}
}

func FuzzParseMention(f *testing.F) {
	target := clsTarget
	f.Add([]byte(awardPost("")), "text/html; charset=utf-8", target)
	f.Add([]byte(awardPost("evidence")), "text/html", target)
	f.Add([]byte(`<div class="h-entry"><a class="u-in-reply-to" href="`+target+`">re</a><div class="e-content"><script>alert(1)</script><a href="javascript:x">j</a><img src=x onerror=alert(1)><p style="x" onclick="y">t</p></div></div>`), "text/html", target)
	f.Add([]byte(`<div class="h-entry"><a class="p-author h-card" href="javascript:alert(1)"><img class="u-photo" src="data:image/png,x">&lt;b&gt;x</a><a class="u-like-of" href="`+target+`">l</a></div>`), "text/html", target)
	f.Add([]byte(`<div class="h-feed"><div class="h-entry"><a href="`+target+`">x</a></div></div><div class="h-card"><a class="u-url u-uid p-name" href="/">c</a></div>`), "", target)
	f.Add([]byte(`<meta http-equiv="Status" content="410 Gone"><a href="`+target+`">x</a>`), "text/html", target)
	f.Add([]byte(`<base href="/x/"><a href="../posts/task-3">x</a>`), "text/html", target)
	f.Add([]byte(`{"a":["`+target+`"]}`), "application/json", target)
	f.Add([]byte("see "+target), "text/plain; charset=iso-8859-1", target)
	f.Add([]byte("<meta charset=utf-16le><a href=x>"), "text/html", "https://course.example/x")
	f.Add([]byte(`<a href="`+target+`">x</a>`), "image/png", target)
	f.Add([]byte(strings.Repeat("<div>", 600)+`<a href="`+target+`">x</a>`), "text/html", target)
	src := mustURL(f, clsSource)
	f.Fuzz(func(t *testing.T, body []byte, contentType, target string) {
		m, err := ParseMention(body, contentType, src, target)
		if err != nil {
			return
		}
		if m.Target != target {
			t.Fatalf("Target %q, want %q", m.Target, target)
		}
		checkMention(t, m)
	})
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"a <b>c</b>", "<<a>b", "x </", "&lt;b&gt;", "<title><b>x</b></title>y", "\u202eevil\x00", "é é é", "bad \xff"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = 2 + abs(n)%600
		out := plainText(s, n)
		if !utf8.ValidString(out) || markupRE.MatchString(out) || utf8.RuneCountInString(out) > n || strings.ContainsAny(out, "\x00\r\n\t\u202e") {
			t.Fatalf("plainText(%q, %d) = %q", s, n, out)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}
