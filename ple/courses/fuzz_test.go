package courses

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// fuzzSeeds are feeds of every kind, and things that are not feeds.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "page.html"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, bytes.ReplaceAll(b, []byte("{{BASE}}"), []byte("https://course.example")))
	}
	return append(seeds,
		[]byte(""),
		[]byte("   \n"),
		[]byte("{}"),
		[]byte("null"),
		[]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a`),
		[]byte(`<rss version="2.0"><channel><item><title>a</titl></item></channel></rss>`),
		[]byte(`<rss version="2.0"><channel><item><title><![CDATA[<script>alert(1)</script>T]]></title>`+
			`<description><![CDATA[<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)><svg onload=x>]]></description>`+
			`<link>  javascript:alert(1)</link><guid>dup</guid></item><item><guid>dup</guid></item></channel></rss>`),
		[]byte(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://course.example/a/"><entry xml:base="b/">`+
			`<link href="c?x=1&amp;y=2"/><id>1</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">`+
			`<script>bad()</script><a href="jav&#x09;ascript:alert(1)">x</a></div></content></entry></feed>`),
		[]byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">`+
			`<channel><title>R</title></channel><item><title>i</title><link>https://course.example/i</link></item></rdf:RDF>`),
		[]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":5,"title":["x"]}]}`),
		[]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"/r","content_html":"<script>x</script>","tags":["#Tag"]}]}`),
		[]byte(`<rss version="2.0"><channel><item><title>big</title><link href="`+strings.Repeat("A", 64<<10)+`"/></item></channel></rss>`),
		[]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="`+strings.Repeat("%", 5000)+`"/><title type="html">&amp;lt;b&amp;gt;</title></entry></feed>`),
		[]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>caf\xe9</title><item><title>\xff\xfe</title></item></channel></rss>"),
	)
}

// FuzzIngest feeds arbitrary bytes to ParseFeed, the pure half of
// ingestion that Refresh and Follow use, and checks what it promises:
// no panic, and everything it returns is safe to store and show.
func FuzzIngest(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	base, _ := url.Parse("https://course.example/feeds/feed.xml")
	f.Fuzz(func(t *testing.T, body []byte) {
		pf, err := ParseFeed(body, base)
		if errors.Is(err, feedpoll.ErrParserPanic) {
			t.Fatalf("gofeed panicked (recovered): %v", err)
		}
		if err != nil {
			if !errors.Is(err, ErrNotFeed) && !errors.Is(err, ErrBrokenFeed) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		checkParsed(t, pf)
	})
}

func checkParsed(t *testing.T, pf *ParsedFeed) {
	t.Helper()
	if len(pf.Items) > MaxItems {
		t.Fatalf("%d items", len(pf.Items))
	}
	checkTitle(t, pf.Title)
	checkURL(t, pf.SiteURL)
	checkTag(t, pf.Hashtag)
	guids, urls := map[string]bool{}, map[string]bool{}
	for _, it := range pf.Items {
		checkTitle(t, it.Title)
		checkURL(t, it.URL)
		checkTag(t, it.Hashtag)
		checkHTML(t, it.DescriptionHTML)
		if it.GUID == "" || len(it.GUID) > feedpoll.MaxItemKey || !utf8.ValidString(it.GUID) {
			t.Fatalf("bad dedupe key %q", it.GUID)
		}
		if guids[it.GUID] || (it.URL != "" && urls[it.URL]) {
			t.Fatalf("duplicate item %q %q", it.GUID, it.URL)
		}
		guids[it.GUID], urls[it.URL] = true, true
	}
}

func checkTitle(t *testing.T, s string) {
	t.Helper()
	if tagLike.MatchString(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxTitle {
		t.Fatalf("unsafe title %q", s)
	}
}

func checkURL(t *testing.T, s string) {
	t.Helper()
	if s != "" && (!feedpoll.IsHTTPURL(s) || !utf8.ValidString(s)) {
		t.Fatalf("task URL %q is not http(s)", s)
	}
}

func checkTag(t *testing.T, s string) {
	t.Helper()
	if s != "" && NormalizeTag(s) != s {
		t.Fatalf("hashtag %q is not normal", s)
	}
}

// checkHTML parses a sanitised description as a browser would and looks
// for anything that runs: script elements, event handlers, links or
// sources that are not http(s). The text, and the path of an http(s) URL,
// may mention "javascript:" harmlessly; only a javascript: scheme matters.
func checkHTML(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(strings.ToLower(s), "<script") {
		t.Fatalf("description keeps <script: %q", s)
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatalf("description does not parse: %v", err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "object", "embed", "svg", "math", "form":
				t.Fatalf("description keeps <%s>: %q", n.Data, s)
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" || k == "formaction" {
					t.Fatalf("description keeps %s=: %q", a.Key, s)
				}
				// Browsers ignore whitespace and control characters in a
				// scheme. "javascript:" inside an https URL's path is inert.
				if strings.HasPrefix(strings.Map(dropSpace, v), "javascript:") {
					t.Fatalf("description keeps javascript: in %s: %q", a.Key, s)
				}
				if (k == "href" || k == "src" || k == "cite") && v != "" && !strings.HasPrefix(v, "http://") &&
					!strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "#") {
					t.Fatalf("description keeps %s=%q: %q", a.Key, a.Val, s)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

func dropSpace(r rune) rune {
	if r <= ' ' {
		return -1
	}
	return r
}

// TestIngestSeeds runs the fuzz invariants on the seeds in plain go test.
func TestIngestSeeds(t *testing.T) {
	base, _ := url.Parse("https://course.example/feeds/feed.xml")
	for _, s := range fuzzSeeds(t) {
		pf, err := ParseFeed(s, base)
		if errors.Is(err, feedpoll.ErrParserPanic) {
			t.Fatalf("panic on %q: %v", s[:min(len(s), 60)], err)
		}
		if err == nil {
			checkParsed(t, pf)
		}
	}
}
