package feed

import (
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The XML writers append into a pooled buffer and hand it to the
// io.Writer in one Write. The escapers below clean as they go (see clean),
// so no field can make the document ill-formed.

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooled keeps one unusually large feed from pinning its buffer.
const maxPooled = 4 << 20

func flush(w io.Writer, build func([]byte) []byte) error {
	bp := bufPool.Get().(*[]byte)
	b := build((*bp)[:0])
	_, err := w.Write(b)
	if cap(b) <= maxPooled {
		*bp = b[:0]
		bufPool.Put(bp)
	}
	return err
}

// appendEscaped appends s XML-escaped for character data (attr false) or
// a double-quoted attribute value (attr true), dropping forbidden
// characters and replacing invalid UTF-8 with U+FFFD.
func appendEscaped(b []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		n := 1
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\r':
				esc = "&#xD;"
			case '"':
				if !attr {
					i++
					continue
				}
				esc = "&quot;"
			case '\n':
				if !attr {
					i++
					continue
				}
				esc = "&#xA;"
			case '\t':
				if !attr {
					i++
					continue
				}
				esc = "&#x9;"
			default:
				if c >= 0x20 {
					i++
					continue
				}
				// other C0 controls: dropped
			}
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				esc = "\uFFFD"
			case xmlChar(r):
				i += n
				continue
			}
			// else U+FFFE / U+FFFF: dropped
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += n
		last = i
	}
	return append(b, s[last:]...)
}

func appendText(b []byte, s string) []byte { return appendEscaped(b, s, false) }

// appendCDATA appends s as CDATA sections, splitting at each "]]>" so it
// cannot close the section early, and writing each CR as &#xD; between
// sections, since XML parsers turn a literal CR (or CRLF) into LF. s is
// cleaned first: dropping a forbidden character could otherwise join a
// "]]" and a ">".
func appendCDATA(b []byte, s string) []byte {
	s = clean(s)
	b = append(b, "<![CDATA["...)
	last := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\r':
			b = append(b, s[last:i]...)
			b = append(b, "]]>&#xD;<![CDATA["...)
			last = i + 1
		case s[i] == '>' && i >= 2 && s[i-1] == ']' && s[i-2] == ']' && i-2 >= last:
			b = append(b, s[last:i]...)
			b = append(b, "]]><![CDATA["...)
			last = i
		}
	}
	b = append(b, s[last:]...)
	return append(b, "]]>"...)
}

// appendElem appends <name>text</name> on its own indented line.
func appendElem(b []byte, indent, name, text string) []byte {
	b = append(b, indent...)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// appendElemIf is appendElem when text is not empty.
func appendElemIf(b []byte, indent, name, text string) []byte {
	if text == "" {
		return b
	}
	return appendElem(b, indent, name, text)
}

// appendTime appends <name>t</name> formatted with layout, in UTC.
func appendTime(b []byte, indent, name string, t time.Time, layout string) []byte {
	b = append(b, indent...)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = t.UTC().AppendFormat(b, layout)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// appendAttr appends ` name="value"`.
func appendAttr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendEscaped(b, value, true)
	return append(b, '"')
}

// appendLink appends an empty link-like element: <name rel=… href=… type=…/>
// (type omitted when empty).
func appendLink(b []byte, indent, name, rel, href, typ string) []byte {
	b = append(b, indent...)
	b = append(b, '<')
	b = append(b, name...)
	b = appendAttr(b, "rel", rel)
	b = appendAttr(b, "href", href)
	if typ != "" {
		b = appendAttr(b, "type", typ)
	}
	return append(b, "/>\n"...)
}

// appendInReplyTo appends the RFC 4685 in-reply-to element for a task URL.
func appendInReplyTo(b []byte, indent, url string) []byte {
	b = append(b, indent...)
	b = append(b, "<thr:in-reply-to"...)
	b = appendAttr(b, "ref", url)
	b = appendAttr(b, "href", url)
	b = appendAttr(b, "type", "text/html")
	return append(b, "/>\n"...)
}

// appendHTMLText appends plain text s escaped twice, once as HTML and once
// as XML: for RSS <description>, which readers treat as HTML, so a summary
// mentioning "<div>" shows it instead of losing it.
func appendHTMLText(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "<>&") {
		return appendText(b, s)
	}
	return appendText(b, htmlEscaper.Replace(s))
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsThr     = "http://purl.org/syndication/thread/1.0"
)
