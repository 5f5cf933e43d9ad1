package markdown

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	// tagRE matches a start tag; sanitised output escapes '<' and '>' in
	// text and attribute values, so tags are exactly these spans.
	tagRE = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	// attrRE matches one attribute of a tag and its value.
	attrRE = regexp.MustCompile(`\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?`)
	onAttr = regexp.MustCompile(`(?i)^on[a-z]+$`)
)

// checkSafeHTML checks the properties the sanitiser must guarantee: no
// script element, no event-handler attribute, no "javascript:" in attribute
// values other than URLs, and href/src URLs that a browser would read as
// http, https, mailto or relative. ("javascript:" may appear inside a
// relative URL's path or fragment, as in href="#javascript:x", where it
// is inert; the fuzzer finds such cases.)
func checkSafeHTML(h string) error {
	if strings.Contains(strings.ToLower(h), "<script") {
		return fmt.Errorf("<script in %q", h)
	}
	for _, tag := range tagRE.FindAllString(h, -1) {
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			name, val := strings.ToLower(m[1]), html.UnescapeString(m[2])
			if onAttr.MatchString(name) {
				return fmt.Errorf("event handler in tag %q", tag)
			}
			if name != "href" && name != "src" {
				if strings.Contains(strings.ToLower(val), "javascript:") {
					return fmt.Errorf("javascript: in tag %q", tag)
				}
				continue
			}
			// What a browser would see: tabs and newlines removed, C0
			// controls and spaces trimmed.
			lenient := strings.ToLower(strings.TrimFunc(
				strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(val),
				func(r rune) bool { return r <= ' ' }))
			for _, bad := range []string{"javascript:", "vbscript:", "data:", "file:"} {
				if strings.HasPrefix(lenient, bad) {
					return fmt.Errorf("%s URL in tag %q", bad, tag)
				}
			}
			u, err := url.Parse(val)
			if err != nil {
				return fmt.Errorf("unparseable %s in %q", name, tag)
			}
			switch strings.ToLower(u.Scheme) {
			case "", "http", "https", "mailto":
			default:
				return fmt.Errorf("scheme %q in tag %q", u.Scheme, tag)
			}
		}
	}
	return nil
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"",
		"I learned #Go and #go101 today",
		"# Title #tag\n\n#1 a#b `#code` &#39; page#section",
		"[#link](https://x.example/#frag) https://x.example/#frag <https://x.example/#y>",
		"```go\n#fenced\nfunc main() {}\n```\n\n    #indented",
		"#Lernen #über #u\u0308ber #日本語 (#paren) **#bold** _#em_",
		"| a | b |\n|:--|--:|\n| #cell | [x](y) |\n\n- [ ] #task\n- [x] done",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1))",
		"![x](javascript:alert(1)) ![y](data:text/html;base64,PHNjcmlwdD4=)",
		"<img src=x onerror=alert(1)> <iframe src=x></iframe> <svg onload=alert(1)>",
		"> quote\n>> nested\n\n1. one\n   - two\n     > three",
		"*em* **strong** ~~del~~ `code` \\#escaped www.example.com ada@example.com",
		"[ref][r] ![img][r]\n\n[r]: https://x.example \"title\"",
		"line  \nbreak\\\nend &amp; &copy; &#x27; &#0; \x00 \xff",
		strings.Repeat("word ", 80) + "#end",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := Render(src)
		if err != nil {
			if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooComplex) {
				return
			}
			t.Fatalf("Render error: %v", err) // includes recovered panics
		}
		if err := checkSafeHTML(r.HTML); err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(r.HTML) || !utf8.ValidString(r.Summary) {
			t.Fatalf("invalid UTF-8 in output")
		}
		if n := utf8.RuneCountInString(r.Summary); n > SummaryRunes {
			t.Fatalf("Summary has %d runes", n)
		}
		if r.Summary != strings.Join(strings.Fields(r.Summary), " ") {
			t.Fatalf("Summary whitespace not collapsed: %q", r.Summary)
		}
		seen := map[string]bool{}
		for _, tag := range r.Hashtags {
			if tag == "" || NormaliseTag(tag) != tag {
				t.Fatalf("hashtag %q is not normalised (%q)", tag, NormaliseTag(tag))
			}
			if seen[tag] {
				t.Fatalf("duplicate hashtag %q", tag)
			}
			seen[tag] = true
			if !strings.Contains(r.HTML, `href="`+TagHref(tag)+`"`) {
				t.Fatalf("hashtag %q has no link in %q", tag, r.HTML)
			}
		}
	})
}

func FuzzNormaliseTag(f *testing.F) {
	for _, s := range []string{"#Go", "u\u0308ber", "İstanbul", "ǅ", "ß", strings.Repeat("-", 64) + "a", "a\u0301\u0301", "ﬃ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormaliseTag(s)
		if NormaliseTag(n) != n {
			t.Fatalf("NormaliseTag(%q) = %q, again %q", s, n, NormaliseTag(n))
		}
		if utf8.RuneCountInString(n) > MaxTagRunes {
			t.Fatalf("too long: %q", n)
		}
		sl := Slugify(s)
		if len(sl) > MaxSlugBytes || Slugify(sl) != sl || strings.Contains(sl, "--") ||
			strings.HasPrefix(sl, "-") || strings.HasSuffix(sl, "-") {
			t.Fatalf("Slugify(%q) = %q", s, sl)
		}
		for _, c := range []byte(sl) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				t.Fatalf("Slugify(%q) = %q has %q", s, sl, c)
			}
		}
	})
}
