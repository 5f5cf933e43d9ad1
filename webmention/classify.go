package webmention

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"willnorris.com/go/microformats"
)

// describeHTML fills m from the source's microformats. A document the tree
// parser refuses (more than 512 nested elements) stays a plain mention.
func describeHTML(m *Mention, body []byte, sourceURL *url.URL) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil || doc == nil {
		return
	}
	data := microformats.ParseNode(doc, sourceURL)
	if data == nil {
		return
	}
	classify(m, data, sourceURL)
}

// classify reads the primary h-entry (Webmention §3.2.4: update from the
// primary object's properties) and, failing that, the page's representative
// h-card.
//
// The primary h-entry is a top-level h-entry: the one whose url is the
// source, else the first. A page whose top-level items hold no h-entry (an
// h-feed, a bare h-card) has none, and the mention is a plain mention.
//
// Type: in-reply-to naming the target makes a reply (an award when the
// badge markup is complete, see award); like-of, repost-of or bookmark-of
// naming the target make a like, repost or bookmark. A response to some other
// URL that merely links the target is a mention. "Naming" accepts a URL
// string or an h-cite's url, equal to the target with or without fragments.
func classify(m *Mention, data *microformats.Data, source *url.URL) {
	rhc := representativeCard(data, source)
	entry := primaryEntry(data, source)
	if entry == nil {
		if rhc != nil {
			m.Author = cardAuthor(rhc, source)
		}
		return
	}
	switch {
	case names(entry, "in-reply-to", m.Target):
		m.Type = TypeReply
		if a := award(entry, source); a != nil {
			m.Type, m.Award = TypeAward, a
		}
	case names(entry, "like-of", m.Target):
		m.Type = TypeLike
	case names(entry, "repost-of", m.Target):
		m.Type = TypeRepost
	case names(entry, "bookmark-of", m.Target):
		m.Type = TypeBookmark
	}
	m.Author = entryAuthor(entry, rhc, source)
	m.URL = firstURL(entry, "url", source)
	m.Published = parseTime(firstString(entry, "published"))

	// Content: e-content, else summary, else name.
	var contentHTML, contentText string
	if vs := entry.Properties["content"]; len(vs) > 0 {
		switch v := vs[0].(type) {
		case map[string]string:
			contentHTML, contentText = v["html"], v["value"]
		case *microformats.Microformat:
			contentHTML, contentText = v.HTML, v.Value
		case string:
			contentText = v
		}
	}
	name := firstString(entry, "name")
	hasContent := strings.TrimSpace(contentText) != "" || strings.TrimSpace(contentHTML) != ""
	if !hasContent {
		if s := firstString(entry, "summary"); strings.TrimSpace(s) != "" {
			contentText, hasContent = s, true
		}
	}
	m.Text = plainText(contentText, MaxTextRunes)
	switch {
	case contentHTML != "":
		m.Content = sanitizeContent(contentHTML, m.Text)
	case m.Text != "":
		m.Content = "<p>" + html.EscapeString(m.Text) + "</p>"
	}
	if !hasContent {
		// Without content the name is the text (often implied from the
		// whole entry: not a title).
		m.Text = plainText(name, MaxTextRunes)
		return
	}
	if t := plainText(name, MaxTitleRunes); t != "" && !sameText(t, plainText(contentText, MaxTitleRunes*4)) {
		m.Title = t
	}
}

// sameText: the name repeats the content (a note whose name the parser
// implied or the author copied), possibly cut short.
func sameText(name, content string) bool {
	name = strings.TrimSuffix(name, "…")
	content = strings.TrimSuffix(content, "…")
	return name == content || (len(name) >= 40 && strings.HasPrefix(content, name))
}

func hasType(mf *microformats.Microformat, typ string) bool {
	for _, t := range mf.Type {
		if t == typ {
			return true
		}
	}
	return false
}

func primaryEntry(data *microformats.Data, source *url.URL) *microformats.Microformat {
	var first *microformats.Microformat
	for _, it := range data.Items {
		if !hasType(it, "h-entry") {
			continue
		}
		if first == nil {
			first = it
		}
		if source != nil {
			for _, u := range stringsOf(it, "url") {
				if sameURLString(u, source.String()) {
					return it
				}
			}
		}
	}
	return first
}

// representativeCard implements the representative h-card algorithm
// (microformats.org/wiki/representative-h-card-parsing; the rhc package is
// not in microformats v1.2.0) over the top-level items: an h-card whose uid
// and url are the page; else one whose url is also a rel=me link; else the
// only h-card, if its url is the page.
func representativeCard(data *microformats.Data, page *url.URL) *microformats.Microformat {
	var cards []*microformats.Microformat
	for _, it := range data.Items {
		if hasType(it, "h-card") {
			cards = append(cards, it)
		}
	}
	if len(cards) == 0 || page == nil {
		return nil
	}
	pageURL := page.String()
	isPage := func(vs []string) bool {
		for _, v := range vs {
			if sameURLString(v, pageURL) {
				return true
			}
		}
		return false
	}
	for _, c := range cards {
		if isPage(stringsOf(c, "uid")) && isPage(stringsOf(c, "url")) {
			return c
		}
	}
	for _, c := range cards {
		for _, u := range stringsOf(c, "url") {
			for _, me := range data.Rels["me"] {
				if sameURLString(u, me) {
					return c
				}
			}
		}
	}
	if len(cards) == 1 && isPage(stringsOf(cards[0], "url")) {
		return cards[0]
	}
	return nil
}

// entryAuthor: p-author h-card; else an author URL (filled in from the
// representative h-card when that card is the same person) or name; else the
// representative h-card.
func entryAuthor(entry, rhc *microformats.Microformat, source *url.URL) Author {
	for _, v := range entry.Properties["author"] {
		switch a := v.(type) {
		case *microformats.Microformat:
			if hasType(a, "h-card") {
				au := cardAuthor(a, source)
				if au.Name == "" {
					au.Name = plainText(a.Value, MaxNameRunes)
				}
				return au
			}
			if u, ok := resolve(source, a.Value); ok {
				return authorFromURL(u.String(), rhc, source)
			}
			return Author{Name: plainText(a.Value, MaxNameRunes)}
		case string:
			if u, ok := resolve(source, a); ok && looksLikeURL(a) {
				return authorFromURL(u.String(), rhc, source)
			}
			if n := plainText(a, MaxNameRunes); n != "" {
				return Author{Name: n}
			}
		}
	}
	if rhc != nil {
		return cardAuthor(rhc, source)
	}
	return Author{}
}

// looksLikeURL tells a p-author "https://ada.example/" or "/about" from a
// plain name such as "Ada", which would otherwise resolve as a relative URL.
func looksLikeURL(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/")
}

func authorFromURL(u string, rhc *microformats.Microformat, source *url.URL) Author {
	if rhc != nil {
		for _, cu := range stringsOf(rhc, "url") {
			if sameURLString(cu, u) {
				a := cardAuthor(rhc, source)
				a.URL = u
				return a
			}
		}
	}
	return Author{URL: u}
}

func cardAuthor(card *microformats.Microformat, source *url.URL) Author {
	return Author{
		Name:  plainText(firstString(card, "name"), MaxNameRunes),
		URL:   firstURL(card, "url", source),
		Photo: firstURL(card, "photo", source),
	}
}

// award recognises the DESIGN "Badge award post" markup on an entry that is
// already a reply to the target: p-category "badge", a p-x-badge h-cite with
// name, url and photo, u-x-evidence and u-x-credential, and optionally a
// p-x-recipient h-card. Anything missing → nil (the entry stays a reply).
func award(entry *microformats.Microformat, source *url.URL) *Award {
	badgeCat := false
	for _, c := range stringsOf(entry, "category") {
		if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(c), "#"), "badge") {
			badgeCat = true
			break
		}
	}
	if !badgeCat {
		return nil
	}
	var badge *microformats.Microformat
	for _, v := range entry.Properties["x-badge"] {
		if mf, ok := v.(*microformats.Microformat); ok && hasType(mf, "h-cite") {
			badge = mf
			break
		}
	}
	if badge == nil {
		return nil
	}
	a := &Award{
		BadgeName:  plainText(firstString(badge, "name"), MaxTitleRunes),
		BadgeURL:   firstURL(badge, "url", source),
		BadgeImage: firstURL(badge, "photo", source),
		Evidence:   firstURL(entry, "x-evidence", source),
		Credential: firstURL(entry, "x-credential", source),
	}
	if a.BadgeName == "" {
		a.BadgeName = plainText(badge.Value, MaxTitleRunes)
	}
	if a.BadgeName == "" || a.BadgeURL == "" || a.BadgeImage == "" || a.Evidence == "" || a.Credential == "" {
		return nil
	}
	if rs := entry.Properties["x-recipient"]; len(rs) > 0 {
		switch r := rs[0].(type) {
		case *microformats.Microformat:
			a.Recipient = firstURL(r, "url", source)
			a.RecipientName = plainText(firstString(r, "name"), MaxNameRunes)
		case string:
			if u, ok := resolve(source, r); ok && looksLikeURL(r) {
				a.Recipient = u.String()
			} else {
				a.RecipientName = plainText(r, MaxNameRunes)
			}
		}
	}
	return a
}

// names reports whether property prop of entry names target: a URL string,
// or an embedded item (h-cite) whose url or value is target. Fragments are
// ignored on both sides; nothing else is normalised.
func names(entry *microformats.Microformat, prop, target string) bool {
	t := stripFragment(target)
	match := func(s string) bool {
		s = strings.TrimSpace(s)
		return s == target || (s != "" && stripFragment(s) == t)
	}
	for _, v := range entry.Properties[prop] {
		switch x := v.(type) {
		case string:
			if match(x) {
				return true
			}
		case map[string]string:
			if match(x["value"]) {
				return true
			}
		case *microformats.Microformat:
			if match(x.Value) {
				return true
			}
			for _, u := range stringsOf(x, "url") {
				if match(u) {
					return true
				}
			}
		}
	}
	return false
}

func stripFragment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// stringsOf returns the string values of prop: plain strings, the value of
// {value, alt} and {value, html} objects, and the value of embedded items.
func stringsOf(mf *microformats.Microformat, prop string) []string {
	var out []string
	for _, v := range mf.Properties[prop] {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]string:
			out = append(out, x["value"])
		case *microformats.Microformat:
			out = append(out, x.Value)
		}
	}
	return out
}

func firstString(mf *microformats.Microformat, prop string) string {
	for _, s := range stringsOf(mf, prop) {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// firstURL returns the first value of prop that resolves to an absolute
// http(s) URL, or "".
func firstURL(mf *microformats.Microformat, prop string, base *url.URL) string {
	for _, s := range stringsOf(mf, prop) {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if u, ok := resolve(base, s); ok {
			return u.String()
		}
	}
	return ""
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05-07",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTime reads the ISO 8601 / RFC 3339 forms microformats publishers use;
// times without a zone are taken as UTC. Unreadable → zero.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
