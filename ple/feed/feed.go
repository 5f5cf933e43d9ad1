// Package feed writes the journal's outgoing feeds: RSS 2.0, Atom 1.0
// (RFC 4287, with Atom Threading RFC 4685) and JSON Feed 1.1. It is pure:
// no store, no HTTP; the caller fills a Feed and serves the bytes with the
// matching MIME constant.
//
// The writers are hand-written (see research/indieweb.md F.1 for why not
// gorilla/feeds). Every string is cleaned of characters XML 1.0 forbids
// (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) and invalid UTF-8
// becomes U+FFFD, in all three formats alike, so the XML is always
// well-formed and the formats agree. Output is deterministic: the same Feed
// gives the same bytes, so an ETag over them is stable. All dates are
// written in UTC, to the second.
//
// Untitled entries (notes): RSS and Atom carry the title EntryTitle derives
// (the summary cut to about 80 characters, else the publication date);
// JSON Feed omits the title, as its spec allows for microposts.
package feed

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MIME types to serve each format with.
const (
	MIMERSS  = "application/rss+xml; charset=utf-8"
	MIMEAtom = "application/atom+xml; charset=utf-8"
	MIMEJSON = "application/feed+json; charset=utf-8"
)

// Generator is the name written in each feed's generator field.
const Generator = "Cairn"

// Feed is one feed, format-neutral. Entries are written in the order
// given (callers pass newest first).
type Feed struct {
	Title       string
	Description string // plain text; RSS falls back to Title when empty
	Language    string // e.g. "en"; optional
	HomeURL     string // absolute URL of the HTML page this feed mirrors; also the Atom feed id
	SelfURL     string // absolute URL of this feed in the format being written (set it per writer call)
	HubURLs     []string
	Author      Person
	IconURL     string    // optional
	TagBaseURL  string    // optional: category domain (RSS) / scheme (Atom), e.g. "https://me.example/tags/"
	Updated     time.Time // newest change; zero means the newest entry date (see Feed.LastUpdated)
	Entries     []Entry
}

// Person is the feed's author.
type Person struct {
	Name  string
	URL   string // absolute; optional
	Email string // optional; written in RSS managingEditor and Atom only
	Photo string // absolute; optional; JSON Feed avatar
}

// Entry is one post.
type Entry struct {
	ID          string // stable id, normally the permalink; "" means URL
	URL         string // permalink; "" means ID
	Title       string // "" for untitled notes (see EntryTitle)
	Summary     string // plain text
	ContentHTML string // sanitised HTML, absolute URLs preferred
	Published   time.Time
	Updated     time.Time // zero means Published
	Tags        []string  // without '#' (a leading '#' is dropped)
	InReplyTo   string    // the task URL this post answers, exactly as given; "" if none
}

// untitledMax is the length, in runes, past which a summary used as a title
// is cut.
const untitledMax = 80

// EntryTitle is the title RSS and Atom show for e: its Title when set,
// otherwise its summary with whitespace collapsed and cut at a word boundary
// to at most about 80 characters (with "…"), otherwise its publication
// date as "2006-01-02 15:04 UTC". Pages that need the same fallback should
// call it too.
func EntryTitle(e Entry) string {
	if t := strings.TrimSpace(clean(e.Title)); t != "" {
		return t
	}
	if s := strings.Join(strings.Fields(clean(e.Summary)), " "); s != "" {
		return truncate(s, untitledMax)
	}
	return e.published().Format("2006-01-02 15:04 UTC")
}

// truncate cuts s (single-spaced) to at most max runes plus "…", at the
// last space when there is one in the second half.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n, cut := 0, len(s)
	for i := range s {
		if n == max {
			cut = i
			break
		}
		n++
	}
	head := s[:cut]
	if sp := strings.LastIndexByte(head, ' '); sp > len(head)/2 {
		head = head[:sp]
	}
	return strings.TrimRight(head, " .,;:") + "…"
}

// LastUpdated is f.Updated or, when zero, the newest entry date; the zero
// time when there is neither.
func (f Feed) LastUpdated() time.Time {
	if !f.Updated.IsZero() {
		return f.Updated.UTC()
	}
	var t time.Time
	for _, e := range f.Entries {
		if u := e.updated(); u.After(t) {
			t = u
		}
	}
	return t
}

// LinkHeader is the value of an HTTP Link header advertising the WebSub
// hubs and the feed's self URL (W3C WebSub §4), "" when there are no hubs.
func (f Feed) LinkHeader() string {
	if len(f.HubURLs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, h := range f.HubURLs {
		b.WriteString("<" + h + `>; rel="hub", `)
	}
	b.WriteString("<" + f.SelfURL + `>; rel="self"`)
	return b.String()
}

func (e Entry) id() string {
	if e.ID != "" {
		return e.ID
	}
	return e.URL
}

func (e Entry) link() string {
	if e.URL != "" {
		return e.URL
	}
	return e.ID
}

// published is Published, else Updated, in UTC.
func (e Entry) published() time.Time {
	if !e.Published.IsZero() {
		return e.Published.UTC()
	}
	return e.Updated.UTC()
}

// updated is Updated, else Published, in UTC.
func (e Entry) updated() time.Time {
	if !e.Updated.IsZero() {
		return e.Updated.UTC()
	}
	return e.Published.UTC()
}

// tag normalises one tag: cleaned, without a leading '#', trimmed.
func tag(t string) string {
	return strings.TrimSpace(strings.TrimPrefix(clean(t), "#"))
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	switch {
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r <= 0xD7FF:
		return true
	case r < 0xE000:
		return false
	case r <= 0xFFFD:
		return true
	case r < 0x10000:
		return false
	}
	return r <= utf8.MaxRune
}

// clean drops the characters XML 1.0 forbids and turns invalid UTF-8 into
// U+FFFD. It does not allocate when s is already clean.
func clean(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !xmlChar(r) {
			return cleanSlow(s, i)
		}
		i += n
	}
	return s
}

func cleanSlow(s string, from int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:from])
	for i := from; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case xmlChar(r):
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
