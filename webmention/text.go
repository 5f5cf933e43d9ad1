package webmention

import (
	"html"
	"net/url"
	"strings"
	"sync"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits on the text a Mention carries.
const (
	MaxTextRunes    = 500      // Mention.Text
	MaxTitleRunes   = 200      // Mention.Title, Award.BadgeName
	MaxNameRunes    = 100      // Author.Name, Award.RecipientName
	MaxContentBytes = 32 << 10 // Mention.Content; longer content becomes the escaped Text
	linkRel         = "nofollow ugc"
)

// plainText makes outside text safe to store and show as text: tags and
// comments are removed (so no field ever contains markup, even where the
// source had "&lt;script&gt;" as text), control and bidirectional override
// characters are dropped, invalid UTF-8 is replaced, whitespace is collapsed
// to single spaces, and the result is cut to maxRunes runes (with "…").
// It still has to be escaped on output, as all text does.
func plainText(s string, maxRunes int) string {
	if strings.IndexByte(s, '<') >= 0 {
		s = stripTags(s)
	}
	// range yields U+FFFD for invalid UTF-8, so the result is always valid.
	buf := make([]rune, 0, min(len(s), maxRunes+1))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = len(buf) > 0
			continue
		case unicode.IsControl(r), isBidiControl(r), r == '\uFEFF':
			continue
		}
		if space {
			buf = append(buf, ' ')
			space = false
		}
		buf = append(buf, r)
		if len(buf) > maxRunes {
			break
		}
	}
	if len(buf) > maxRunes {
		buf = buf[:maxRunes-1]
		for len(buf) > 0 && buf[len(buf)-1] == ' ' {
			buf = buf[:len(buf)-1]
		}
		buf = append(buf, '…')
	}
	return string(buf)
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// stripTags keeps only the text of s read as an HTML fragment, skipping the
// contents of script and style.
func stripTags(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken:
			if n, _ := z.TagName(); isSkipped(n) {
				skip++
			}
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); isSkipped(n) && skip > 0 {
				skip--
			}
		}
	}
}

func isSkipped(name []byte) bool {
	a := atom.Lookup(name)
	return a == atom.Script || a == atom.Style
}

// contentPolicy is bluemonday's UGC policy with links and cited URLs limited
// to absolute http(s) URLs with a host (UGC also allows mailto: and relative
// URLs). rel is set afterwards by finishContent, since bluemonday can only add
// "nofollow" and "noreferrer", not "ugc".
var contentPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	hostOnly := func(u *url.URL) bool { return u.Host != "" && u.User == nil }
	p.AllowURLSchemeWithCustomPolicy("http", hostOnly)
	p.AllowURLSchemeWithCustomPolicy("https", hostOnly)
	p.AllowURLSchemeWithCustomPolicy("mailto", func(*url.URL) bool { return false })
	return p
})

// sanitizeContent turns a source's e-content HTML into HTML safe to insert
// into our pages: bluemonday UGC (no script, style, event handlers, forms,
// iframes; http(s) links only), then finishContent. If the result is longer
// than MaxContentBytes it is replaced by the escaped text excerpt, since
// cutting HTML would break it.
func sanitizeContent(raw, text string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	out := finishContent(contentPolicy().Sanitize(raw))
	if len(out) > MaxContentBytes {
		return "<p>" + html.EscapeString(text) + "</p>"
	}
	return strings.TrimSpace(out)
}

// finishContent rewrites sanitised HTML: every link gets rel="nofollow ugc"
// (replacing any rel), id and name attributes are dropped (they could clobber
// our page's own ids), and images are replaced by their alt text: a mention
// must not make our readers' browsers fetch from the source's servers
// (tracking pixels, hot-linking).
func finishContent(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s) + 64)
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			t := z.Token()
			if t.DataAtom == atom.Img {
				for _, a := range t.Attr {
					if a.Key == "alt" && strings.TrimSpace(a.Val) != "" {
						b.WriteString(html.EscapeString(a.Val))
						break
					}
				}
				continue
			}
			attrs := t.Attr[:0]
			hasHref := false
			for _, a := range t.Attr {
				switch a.Key {
				case "id", "name", "rel":
					continue
				case "href":
					hasHref = true
				}
				attrs = append(attrs, a)
			}
			if hasHref && (t.DataAtom == atom.A || t.DataAtom == atom.Area) {
				attrs = append(attrs, xhtml.Attribute{Key: "rel", Val: linkRel})
			}
			t.Attr = attrs
			b.WriteString(t.String())
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); atom.Lookup(n) == atom.Img {
				continue
			}
			b.WriteString(z.Token().String())
		case xhtml.TextToken:
			b.WriteString(html.EscapeString(string(z.Text())))
		}
		// Comments and doctypes are dropped (bluemonday leaves none).
	}
}
