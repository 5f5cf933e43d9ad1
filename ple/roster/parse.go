package roster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"willnorris.com/go/microformats"

	"github.com/cairn-pl/cairn/ple/feedpoll"
	"github.com/cairn-pl/cairn/ple/sanitize"
)

// Limits on what one feed puts in the store.
const (
	maxItems    = 500
	maxTitle    = 300
	maxExcerpt  = 600
	maxReplies  = 10
	maxPostTags = 30
	maxURL      = 2048
)

// feedData is a learner's feed read into what the roster keeps.
type feedData struct {
	Type    string
	Title   string
	SiteURL string
	Author  string // the feed's author name, or ""
	Items   []postData
}

// postData is one harvested post.
type postData struct {
	GUID        string
	URL         string // absolute http(s), or ""
	Title       string // plain text
	Excerpt     string // plain text, cut
	PublishedAt time.Time
	InReplyTo   []string // absolute http(s) URLs exactly as given
	Tags        []string // lower-case, without '#'
}

// parseFeed reads a learner's feed fetched from feedURL. It is pure; its
// errors are feedpoll.Parse's (ErrNotFeed, ErrBrokenFeed, a panic inside
// gofeed as a broken feed).
func parseFeed(body []byte, feedURL *url.URL) (*feedData, error) {
	f, err := feedpoll.Parse(body)
	if err != nil {
		return nil, err
	}
	fd := &feedData{Type: f.FeedType, Title: plain(f.Title, maxTitle), SiteURL: absURL(f.Link, feedURL)}
	if f.Author != nil {
		fd.Author = plain(f.Author.Name, maxTitle)
	}
	if fd.Author == "" {
		for _, a := range f.Authors {
			if a != nil && strings.TrimSpace(a.Name) != "" {
				fd.Author = plain(a.Name, maxTitle)
				break
			}
		}
	}
	var jsonReplies map[string][]string
	if f.FeedType == "json" {
		jsonReplies = jsonFeedReplies(body, feedURL)
	}
	seen := map[string]bool{}
	for _, it := range f.Items {
		if len(fd.Items) == maxItems {
			break
		}
		if it == nil {
			continue
		}
		p := parseItem(it, feedURL)
		if seen[p.GUID] {
			continue
		}
		seen[p.GUID] = true
		if len(p.InReplyTo) == 0 && jsonReplies != nil {
			p.InReplyTo = jsonReplies[strings.TrimSpace(it.GUID)]
			if len(p.InReplyTo) == 0 {
				p.InReplyTo = jsonReplies[p.URL]
			}
		}
		fd.Items = append(fd.Items, p)
	}
	return fd, nil
}

func parseItem(it *gofeed.Item, feedURL *url.URL) postData {
	p := postData{Title: plain(it.Title, maxTitle), PublishedAt: feedpoll.Published(it)}
	link, guid := strings.TrimSpace(it.Link), strings.TrimSpace(it.GUID)
	p.URL = absURL(link, feedURL)
	if p.URL == "" && link == "" && isHTTPURL(guid) {
		p.URL = guid // an RSS permalink GUID without <link>
	}
	p.GUID = feedpoll.ItemKey(it, it.Title, it.Published, it.Description)
	text := plain(sanitize.Text(feedpoll.Content(it)), 1<<16)
	p.Excerpt = cut(text, maxExcerpt)

	// thr:in-reply-to (RFC 4685), whatever prefix the feed bound it to.
	for _, byName := range it.Extensions {
		for name, exts := range byName {
			if !strings.EqualFold(name, "in-reply-to") {
				continue
			}
			for _, e := range exts {
				for _, cand := range []string{e.Attrs["href"], e.Attrs["ref"], e.Value} {
					if u := absURL(cand, feedURL); u != "" {
						p.InReplyTo = appendUnique(p.InReplyTo, u, maxReplies)
						break
					}
				}
			}
		}
	}
	slices.Sort(p.InReplyTo) // map order above is random

	for _, c := range it.Categories {
		if t := feedpoll.NormalizeTag(c); t != "" {
			p.Tags = appendUnique(p.Tags, t, maxPostTags)
		}
	}
	for _, t := range textHashtags(p.Title + "\n" + text) {
		p.Tags = appendUnique(p.Tags, t, maxPostTags)
	}
	return p
}

// jsonFeedReplies reads in-reply-to from a JSON Feed, which gofeed drops:
// Cairn writes "_cairn": {"in_reply_to": URL}; a bare "in_reply_to" is
// read too. Keys are item ids and urls.
func jsonFeedReplies(body []byte, feedURL *url.URL) map[string][]string {
	var doc struct {
		Items []struct {
			ID        any    `json:"id"`
			URL       string `json:"url"`
			InReplyTo string `json:"in_reply_to"`
			Cairn     struct {
				InReplyTo string `json:"in_reply_to"`
			} `json:"_cairn"`
		} `json:"items"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	out := map[string][]string{}
	for _, it := range doc.Items {
		r := absURL(it.Cairn.InReplyTo, feedURL)
		if r == "" {
			r = absURL(it.InReplyTo, feedURL)
		}
		if r == "" {
			continue
		}
		if id := strings.TrimSpace(fmt.Sprint(it.ID)); it.ID != nil && id != "" {
			out[id] = []string{r}
		}
		if u := absURL(it.URL, feedURL); u != "" {
			out[u] = []string{r}
		}
	}
	return out
}

// pageData is what a learner's page says about itself in microformats.
type pageData struct {
	InReplyTo []string // of the post's h-entry
	Tags      []string // its p-category values
	Name      string   // the representative h-card's name
	SiteURL   string   // the representative h-card's url
}

// parsePage reads the microformats of a page at pageURL: the h-entry
// whose url is the page (else the first top-level h-entry) gives
// in-reply-to and categories; the h-card whose url is the page or its
// origin (else the first top-level one, else the h-entry's author) gives
// the learner's name.
func parsePage(body []byte, pageURL *url.URL) (pd pageData) {
	defer func() {
		if recover() != nil {
			pd = pageData{}
		}
	}()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil || doc == nil {
		return pd
	}
	data := microformats.ParseNode(doc, pageURL)
	if data == nil {
		return pd
	}
	var entry, card *microformats.Microformat
	page := pageURL.String()
	origin := pageURL.Scheme + "://" + pageURL.Host + "/"
	var feedAuthor *microformats.Microformat
	for _, it := range data.Items {
		switch {
		case hasType(it, "h-entry"):
			if entry == nil || slices.Contains(urlsOf(it, "url", pageURL), page) {
				if entry == nil || !slices.Contains(urlsOf(entry, "url", pageURL), page) {
					entry = it
				}
			}
		case hasType(it, "h-card"):
			us := urlsOf(it, "url", pageURL)
			if card == nil || slices.Contains(us, page) || slices.Contains(us, origin) {
				if card == nil || !(slices.Contains(urlsOf(card, "url", pageURL), page) ||
					slices.Contains(urlsOf(card, "url", pageURL), origin)) {
					card = it
				}
			}
		case hasType(it, "h-feed"):
			if a := firstCard(it, "author"); a != nil && feedAuthor == nil {
				feedAuthor = a
			}
		}
	}
	if entry != nil {
		for _, u := range urlsOf(entry, "in-reply-to", pageURL) {
			pd.InReplyTo = appendUnique(pd.InReplyTo, u, maxReplies)
		}
		for _, c := range stringsOf(entry, "category") {
			if t := feedpoll.NormalizeTag(c); t != "" {
				pd.Tags = appendUnique(pd.Tags, t, maxPostTags)
			}
		}
		if card == nil {
			card = firstCard(entry, "author")
		}
	}
	if card == nil {
		card = feedAuthor
	}
	if card != nil {
		pd.Name = plain(firstString(card, "name"), maxTitle)
		if us := urlsOf(card, "url", pageURL); len(us) > 0 {
			pd.SiteURL = us[0]
		}
	}
	return pd
}

func hasType(mf *microformats.Microformat, typ string) bool {
	return mf != nil && slices.Contains(mf.Type, typ)
}

func firstCard(mf *microformats.Microformat, prop string) *microformats.Microformat {
	for _, v := range mf.Properties[prop] {
		if c, ok := v.(*microformats.Microformat); ok && hasType(c, "h-card") {
			return c
		}
	}
	return nil
}

func stringsOf(mf *microformats.Microformat, prop string) []string {
	var out []string
	for _, v := range mf.Properties[prop] {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case *microformats.Microformat:
			out = append(out, v.Value)
		case map[string]string:
			out = append(out, v["value"])
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

// urlsOf returns the absolute http(s) URLs of a u- property: strings, or
// an embedded h-cite's url (else its value).
func urlsOf(mf *microformats.Microformat, prop string, base *url.URL) []string {
	var out []string
	for _, v := range mf.Properties[prop] {
		var raw string
		switch v := v.(type) {
		case string:
			raw = v
		case *microformats.Microformat:
			if us := stringsOf(v, "url"); len(us) > 0 {
				raw = us[0]
			} else {
				raw = v.Value
			}
		case map[string]string:
			raw = v["value"]
		}
		if u := absURL(raw, base); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// absURL is feedpoll.ExactURL (an absolute http(s) URL kept exactly as
// given, since in-reply-to and task URLs are compared as written; a
// relative one resolved against base; "" for anything else), stricter for
// what learners' feeds and pages claim: no spaces, at most maxURL bytes,
// and no user name or password (see isHTTPURL).
func absURL(raw string, base *url.URL) string {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxURL || strings.ContainsRune(raw, ' ') {
		return ""
	}
	if u := feedpoll.ExactURL(raw, base); isHTTPURL(u) {
		return u
	}
	return ""
}

// isHTTPURL is feedpoll.IsHTTPURL without credentials: the roster keeps
// and shows learners' URLs, and one carrying a password is none it
// should.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.User == nil && feedpoll.IsHTTPURL(s)
}

// textHashtags returns the valid #tags of plain text (among its first 50
// "#" words), without repeats, at most maxPostTags.
func textHashtags(text string) []string {
	var out []string
	for t := range feedpoll.Hashtags(text, 50) {
		out = appendUnique(out, t, maxPostTags)
	}
	return out
}

// plain makes s single-spaced valid UTF-8 text of at most n runes. Titles
// go through sanitize.Text first where they may hold markup.
func plain(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsAny(s, "<&") {
		s = sanitize.Text(s)
	}
	return cut(strings.Join(strings.Fields(s), " "), n)
}

// cut shortens s to at most n runes, at a word boundary when one is near.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	c := string(r[:n-1])
	if i := strings.LastIndexByte(c, ' '); i > len(c)/2 {
		c = c[:i]
	}
	return strings.TrimRight(c, " ,.;:") + "…"
}

func appendUnique(list []string, v string, limit int) []string {
	if v == "" || slices.Contains(list, v) || len(list) >= limit {
		return list
	}
	return append(list, v)
}
