package feed

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// JSONVersion is the JSON Feed version URL written in every feed.
const JSONVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url,omitempty"`
	FeedURL     string       `json:"feed_url,omitempty"`
	Description string       `json:"description,omitempty"`
	Icon        string       `json:"icon,omitempty"`
	Language    string       `json:"language,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Hubs        []jsonHub    `json:"hubs,omitempty"`
	Items       []jsonItem   `json:"items"`
}

type jsonAuthor struct {
	Name   string `json:"name,omitempty"`
	URL    string `json:"url,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

type jsonHub struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type jsonItem struct {
	ID            string     `json:"id"`
	URL           string     `json:"url,omitempty"`
	Title         string     `json:"title,omitempty"`
	ContentHTML   string     `json:"content_html"`
	Summary       string     `json:"summary,omitempty"`
	DatePublished string     `json:"date_published,omitempty"`
	DateModified  string     `json:"date_modified,omitempty"`
	Tags          []string   `json:"tags,omitempty"`
	Cairn         *jsonCairn `json:"_cairn,omitempty"`
}

// jsonCairn is Cairn's JSON Feed extension object on an item.
type jsonCairn struct {
	InReplyTo string `json:"in_reply_to,omitempty"`
}

// WriteJSON writes f as JSON Feed 1.1: version, title, home_page_url,
// feed_url (SelfURL), description, icon, language, authors (name, url,
// avatar), hubs ({"type":"WebSub"}), items. Item: id, url, title (omitted
// for untitled entries), content_html (always present, "" when empty, as
// the spec needs content_html or content_text), summary, date_published,
// date_modified (RFC 3339, UTC), tags, and "_cairn": {"in_reply_to": URL}
// for task answers. Compact, and HTML characters are not \u-escaped.
func WriteJSON(w io.Writer, f Feed) error {
	jf := jsonFeed{
		Version:     JSONVersion,
		Title:       clean(f.Title),
		HomePageURL: clean(f.HomeURL),
		FeedURL:     clean(f.SelfURL),
		Description: clean(f.Description),
		Icon:        clean(f.IconURL),
		Language:    clean(f.Language),
		Items:       make([]jsonItem, len(f.Entries)),
	}
	if a := (jsonAuthor{clean(f.Author.Name), clean(f.Author.URL), clean(f.Author.Photo)}); a != (jsonAuthor{}) {
		jf.Authors = []jsonAuthor{a}
	}
	for _, h := range f.HubURLs {
		jf.Hubs = append(jf.Hubs, jsonHub{"WebSub", clean(h)})
	}
	for i := range f.Entries {
		e := &f.Entries[i]
		it := &jf.Items[i]
		it.ID = clean(e.id())
		it.URL = clean(e.link())
		it.Title = strings.TrimSpace(clean(e.Title))
		it.ContentHTML = clean(e.ContentHTML)
		it.Summary = clean(e.Summary)
		if p := e.published(); !p.IsZero() {
			it.DatePublished = p.Format(time.RFC3339)
		}
		if u := e.updated(); !u.IsZero() {
			it.DateModified = u.Format(time.RFC3339)
		}
		for _, t := range e.Tags {
			if t = tag(t); t != "" {
				it.Tags = append(it.Tags, t)
			}
		}
		if e.InReplyTo != "" {
			it.Cairn = &jsonCairn{InReplyTo: clean(e.InReplyTo)}
		}
	}
	bp := bufPool.Get().(*[]byte)
	buf := bytes.NewBuffer((*bp)[:0])
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(jf)
	if err == nil {
		_, err = w.Write(buf.Bytes())
	}
	if buf.Cap() <= maxPooled {
		*bp = buf.Bytes()[:0]
		bufPool.Put(bp)
	}
	return err
}
