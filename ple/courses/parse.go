package courses

import (
	"bytes"
	"encoding/xml"
	"io"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/cairn-pl/cairn/ple/feedpoll"
	"github.com/cairn-pl/cairn/ple/sanitize"
)

// Limits on what one feed can put in the store. A 4 MiB feed could
// otherwise hold tens of thousands of tiny items or a megabyte-long title.
const (
	// MaxItems is how many items of one feed become tasks (the first ones
	// in document order, which feeds put newest first). Items past it are
	// ignored, so tasks made from them earlier are marked removed.
	MaxItems = 1000
	// maxTitle caps task and course titles, in runes.
	maxTitle = 300
)

// ParsedFeed is a course feed read into what Cairn keeps of it. Every string
// in it is safe to store: titles are plain text, descriptions sanitised HTML.
type ParsedFeed struct {
	Type    string // "rss", "atom" or "json"
	Title   string // plain text; may be empty
	SiteURL string // the feed's home page (absolute http(s)), or ""
	Hashtag string // the course hashtag: lower-case, no '#', or ""
	Items   []ParsedItem
}

// ParsedItem is one feed item, the raw material of a task.
type ParsedItem struct {
	// GUID is the dedupe key: the item's GUID (Atom id, JSON Feed id),
	// else its link, else "sha256:" + hash of title and published date.
	GUID string
	// URL is the item's link exactly as the feed gives it when it is an
	// absolute http(s) URL; a relative link is resolved against the feed
	// URL; any other scheme gives "" (a task nobody can answer by URL).
	URL             string
	Title           string // plain text, no markup
	DescriptionHTML string // sanitised by sanitize.External
	Hashtag         string // item category, else #tag in its text, else the course hashtag
	PublishedAt     time.Time
	DueAt           time.Time
}

// Sentinel causes of parse failures; FeedError unwraps to them. They are
// feedpoll's, which reads every feed with gofeed.
var (
	// ErrNotFeed means the document is not an RSS, Atom or JSON feed.
	ErrNotFeed = feedpoll.ErrNotFeed
	// ErrBrokenFeed means the document looked like a feed but could not be read.
	ErrBrokenFeed = feedpoll.ErrBrokenFeed
)

// ParseFeed reads a feed document fetched from feedURL (the final URL,
// after redirects) into tasks-to-be. It is pure: no store, no network.
// Items sharing a GUID or a URL are collapsed to the first one, so a feed
// never yields duplicate tasks. Parsing goes through gofeed.Parser.Parse;
// never ParseURL, which would bypass internal/netx.
//
// Errors are written for people (see feedpoll.Parse); errors.Is finds
// ErrNotFeed or ErrBrokenFeed in them.
func ParseFeed(body []byte, feedURL *url.URL) (*ParsedFeed, error) {
	f, err := feedpoll.Parse(body)
	if err != nil {
		return nil, err
	}
	if f.FeedType == "atom" {
		exactAtomLinks(body, f.Items)
	}
	pf := &ParsedFeed{
		Type:    f.FeedType,
		Title:   cleanTitle(f.Title),
		SiteURL: feedpoll.ExactURL(f.Link, feedURL),
	}
	pf.Hashtag = firstValidTag(f.Categories)
	if pf.Hashtag == "" {
		pf.Hashtag = textHashtag(pf.Title)
	}
	if pf.Hashtag == "" {
		pf.Hashtag = textHashtag(plainText(f.Description))
	}
	seenGUID := map[string]bool{}
	seenURL := map[string]bool{}
	for _, it := range f.Items {
		if len(pf.Items) == MaxItems {
			break
		}
		if it == nil {
			continue
		}
		pi := parseItem(it, feedURL, pf.Hashtag)
		if seenGUID[pi.GUID] || (pi.URL != "" && seenURL[pi.URL]) {
			continue // a duplicate of an earlier item: the first one wins
		}
		seenGUID[pi.GUID] = true
		if pi.URL != "" {
			seenURL[pi.URL] = true
		}
		pf.Items = append(pf.Items, pi)
	}
	return pf, nil
}

func parseItem(it *gofeed.Item, feedURL *url.URL, courseTag string) ParsedItem {
	pi := ParsedItem{Title: cleanTitle(it.Title), PublishedAt: feedpoll.Published(it), DueAt: dueDate(it)}
	link, guid := strings.TrimSpace(it.Link), strings.TrimSpace(it.GUID)
	pi.URL = feedpoll.ExactURL(link, feedURL)
	if pi.URL == "" && link == "" && feedpoll.IsHTTPURL(guid) {
		pi.URL = guid // an RSS permalink GUID without <link>
	}
	pi.GUID = feedpoll.ItemKey(it, it.Title, it.Published)
	pi.DescriptionHTML = description(feedpoll.Content(it), feedURL)

	pi.Hashtag = firstValidTag(it.Categories)
	if pi.Hashtag == "" {
		pi.Hashtag = textHashtag(pi.Title)
	}
	if pi.Hashtag == "" {
		pi.Hashtag = textHashtag(htmlText(pi.DescriptionHTML))
	}
	if pi.Hashtag == "" {
		pi.Hashtag = courseTag
	}
	return pi
}

// description sanitises an item's HTML for display. Relative URLs are
// resolved against the feed URL on the parsed tree rather than by
// sanitize.External's regexp, which only sees quoted href and src
// (<img src=x> would stay relative and load from the learner's site).
func description(h string, base *url.URL) string {
	if strings.TrimSpace(h) == "" {
		return ""
	}
	if hasURLAttr(h) {
		h = absolutiseHTML(h, base)
	}
	// Every URL attribute is absolute now; a nil base skips External's
	// own (regexp) pass.
	return strings.ToValidUTF8(strings.TrimSpace(sanitize.External(h, nil)), "\uFFFD")
}

// hasURLAttr is a cheap test for whether absolutiseHTML could change h.
func hasURLAttr(h string) bool {
	if !strings.Contains(h, "=") {
		return false
	}
	l := strings.ToLower(h)
	for a := range urlAttrs {
		if strings.Contains(l, a) {
			return true
		}
	}
	return false
}

// urlAttrs are the attributes absolutiseHTML resolves.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true, "background": true}

func absolutiseHTML(h string, base *url.URL) string {
	if base == nil {
		return h
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(h), ctx)
	if err != nil {
		return h
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if voidElements[n.Data] {
				// Foreign content can give a void element children, which
				// html.Render refuses: lift them out after it.
				for c := n.LastChild; c != nil; c = n.LastChild {
					n.RemoveChild(c)
					if n.Parent != nil {
						n.Parent.InsertBefore(c, n.NextSibling)
					}
				}
			}
			for i, a := range n.Attr {
				if a.Namespace != "" || !urlAttrs[strings.ToLower(a.Key)] {
					continue
				}
				ref, err := url.Parse(strings.TrimSpace(a.Val))
				if err == nil && !ref.IsAbs() {
					n.Attr[i].Val = base.ResolveReference(ref).String()
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	walk(root)
	var b strings.Builder
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		var nb strings.Builder
		if err := html.Render(&nb, n); err != nil {
			continue // a tree html.Render cannot write: drop that part
		}
		b.WriteString(nb.String())
	}
	return b.String()
}

// voidElements are the elements html.Render writes without children.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"keygen": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

// tagLike matches the start of something a browser would read as markup.
var tagLike = regexp.MustCompile(`<[a-zA-Z/!?]`)

// entityLike matches an HTML character reference.
var entityLike = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);`)

// strictPolicy strips all markup. It is what sanitize.Text uses, built
// once here: sanitize.Text builds a new policy on every call, which cost
// more than parsing the feed.
var strictPolicy = sync.OnceValue(bluemonday.StrictPolicy)

// plainText is sanitize.Text with the cached policy.
func plainText(s string) string {
	return strings.TrimSpace(html.UnescapeString(strictPolicy().Sanitize(s)))
}

// htmlText returns the text of sanitised HTML (for finding #tags): the
// text nodes, unescaped, separated by spaces.
func htmlText(h string) string {
	if !strings.ContainsAny(h, "<&") {
		return h
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		default:
			b.WriteByte(' ')
		}
	}
}

// cleanTitle makes a feed title plain text. Feeds often escape HTML inside
// titles, and sometimes escape it twice, so sanitize.Text runs until the
// result stops containing anything tag-like; whatever still does after a
// few rounds (deliberately nested escapes) has its '<' replaced by '‹'.
// A lone '<' as in "a < b" is text and stays.
func cleanTitle(s string) string {
	t := s
	for range 4 {
		if !tagLike.MatchString(t) && !entityLike.MatchString(t) {
			break
		}
		next := plainText(t)
		if next == t {
			break
		}
		t = next
	}
	if tagLike.MatchString(t) {
		t = strings.ReplaceAll(t, "<", "‹")
	}
	t = strings.Join(strings.Fields(t), " ")
	if utf8.RuneCountInString(t) > maxTitle {
		r := []rune(t)
		t = strings.TrimSpace(string(r[:maxTitle-1])) + "…"
	}
	return strings.ToValidUTF8(t, "�")
}

// NormalizeTag turns a category or "#tag" into Cairn's hashtag form:
// lower-case, without '#', only letters, digits, '-' and '_', with at least
// one letter (so "#1" in "issue #1" is not a tag), at most 64 bytes. It
// returns "" when s is not a valid tag. The roster matches posts to tasks
// by the same form (feedpoll.NormalizeTag).
func NormalizeTag(s string) string { return feedpoll.NormalizeTag(s) }

func firstValidTag(cats []string) string {
	for _, c := range cats {
		if t := NormalizeTag(c); t != "" {
			return t
		}
	}
	return ""
}

// textHashtag returns the first valid #tag in plain text, or "". It looks
// at the first 20 "#" words only: a course tags itself early.
func textHashtag(text string) string {
	for t := range feedpoll.Hashtags(text, 20) {
		return t
	}
	return ""
}

// dueDate looks for a due date the course put on the item: an extension
// element named due or dueDate in any namespace (<cairn:due>, <ple:dueDate>)
// or an unprefixed RSS <due>. JSON Feed items have none: gofeed drops
// JSON Feed _extensions.
func dueDate(it *gofeed.Item) time.Time {
	// Map order is random: look in sorted order so a feed with several
	// due elements always gives the same answer.
	for _, prefix := range slices.Sorted(maps.Keys(it.Extensions)) {
		byName := it.Extensions[prefix]
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			switch strings.ToLower(name) {
			case "due", "duedate", "due-date", "due_date":
				for _, e := range byName[name] {
					if t, ok := parseDue(e.Value); ok {
						return t
					}
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(it.Custom)) {
		switch strings.ToLower(name) {
		case "due", "duedate":
			if t, ok := parseDue(it.Custom[name]); ok {
				return t
			}
		}
	}
	return time.Time{}
}

var dueLayouts = []string{time.RFC3339, time.RFC1123Z, time.RFC1123, "2006-01-02T15:04:05", "2006-01-02"}

// parseDue reads RFC 3339, RFC 1123 (with zone name or offset) or a bare
// date, which means midnight UTC at the start of that day.
func parseDue(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dueLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// exactAtomLinks puts back the bytes of each entry's link. gofeed passes
// every Atom href through url.Parse and String (to apply xml:base), which
// can rewrite an absolute URL (scheme case, non-ASCII paths, spaces). Task
// URLs must stay exactly as the feed gives them, so for each entry whose
// raw alternate href is absolute and round-trips to what gofeed returned,
// the raw href is used instead. Relative hrefs keep gofeed's resolution.
// If the document cannot be tokenised the same way, nothing changes.
func exactAtomLinks(body []byte, items []*gofeed.Item) {
	raw := atomEntryHrefs(body)
	if len(raw) != len(items) {
		return
	}
	for i, it := range items {
		h := strings.TrimLeft(raw[i], " ")
		if it == nil || h == "" || h == it.Link {
			continue
		}
		u, err := url.Parse(h)
		if err != nil || !u.IsAbs() || u.String() != it.Link {
			continue
		}
		it.Link = h
	}
}

// atomEntryHrefs returns the raw href of the first alternate link (rel
// empty or "alternate", as gofeed picks it) of each <entry> directly
// inside the root element, "" for an entry without one; nil on any
// tokenising error.
func atomEntryHrefs(body []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out []string
	depth, inEntry, have := 0, false, false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			switch {
			case depth == 2 && name == "entry":
				inEntry, have = true, false
				out = append(out, "")
			case depth == 3 && inEntry && !have && name == "link":
				rel, href, hasHref := "", "", false
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "rel":
						rel = a.Value
					case "href":
						href, hasHref = a.Value, true
					}
				}
				if (rel == "" || rel == "alternate") && hasHref {
					out[len(out)-1], have = href, true
				}
			}
		case xml.EndElement:
			if depth == 2 {
				inEntry = false
			}
			depth--
		}
	}
}
