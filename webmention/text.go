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
	// Last, once nothing else can bring a '<' next to a letter.
	return defuseTags(string(buf))
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// stripTags removes what reads as markup from s, which is already plain text
// (the parser decoded it): tags, comments, and the contents of script, style
// and the other raw-text elements, whose text could itself look like tags.
// Text is kept raw, so an entity such as "&lt;b&gt;" stays those characters
// and never turns into a tag.
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
				b.Write(z.Raw())
			}
		case xhtml.StartTagToken:
			if n, _ := z.TagName(); isRawText(n) {
				skip++
			}
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); isRawText(n) && skip > 0 {
				skip--
			}
		}
	}
}

// defuseTags replaces a '<' that would still start a tag, comment or end tag
// ("<<a>b" strips to "<b"; "x </" is left as text) with '‹', so a plain-text
// field never holds anything a careless consumer could take for markup.
func defuseTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	b := []byte(s)
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '<' {
			continue
		}
		if c := b[i+1]; c == '/' || c == '!' || c == '?' || (c|0x20) >= 'a' && (c|0x20) <= 'z' {
			b = append(b[:i], append([]byte("‹"), b[i+1:]...)...)
		}
	}
	return string(b)
}

// isRawText: elements whose content the tokenizer returns as one raw text.
func isRawText(name []byte) bool {
	switch atom.Lookup(name) {
	case atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp, atom.Iframe,
		atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext:
		return true
	}
	return false
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
// than MaxContentBytes (or the raw HTML longer than twice that) it is
// replaced by the escaped text excerpt, since cutting HTML would break it;
// a mention is shown as a comment, and its source is a link away.
func sanitizeContent(raw, text string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	if len(raw) > 2*MaxContentBytes {
		// Sanitising would almost surely exceed the cap too; skip the work.
		return "<p>" + html.EscapeString(text) + "</p>"
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
			raw := string(z.Raw()) // Raw is only valid until the next call
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Img {
				if alt, ok := attrValue(z, "alt"); ok && strings.TrimSpace(alt) != "" {
					b.WriteString(html.EscapeString(alt))
				}
				continue
			}
			if !hasAttr {
				b.WriteString(raw)
				continue
			}
			// Rebuild tags with attributes: drop id, name and rel; links
			// get rel="nofollow ugc".
			b.WriteByte('<')
			b.Write(name)
			hasHref := false
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "id", "name", "rel":
					continue
				case "href":
					hasHref = true
				}
				b.WriteByte(' ')
				b.Write(k)
				b.WriteString(`="`)
				b.WriteString(html.EscapeString(string(v)))
				b.WriteByte('"')
			}
			if hasHref && (a == atom.A || a == atom.Area) {
				b.WriteString(` rel="` + linkRel + `"`)
			}
			if tt == xhtml.SelfClosingTagToken {
				b.WriteString("/")
			}
			b.WriteByte('>')
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); atom.Lookup(n) != atom.Img {
				b.WriteString("</")
				b.Write(n)
				b.WriteByte('>')
			}
		case xhtml.TextToken:
			// bluemonday's output text is already escaped.
			b.Write(z.Raw())
		}
		// Comments and doctypes are dropped (bluemonday leaves none).
	}
}
