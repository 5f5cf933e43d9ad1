package feed

import (
	"io"
	"time"
)

// WriteAtom writes f as Atom 1.0 (RFC 4287) with Atom Threading (RFC 4685).
//
// Feed: id (HomeURL), title, subtitle, updated (LastUpdated, or the Unix
// epoch for an empty feed with no Updated: Atom requires the element),
// author (name, uri, email), link rel=alternate (text/html), rel=self
// (application/atom+xml), rel=hub per hub, icon, generator; xml:lang from
// Language. Entry: id, title (EntryTitle), link rel=alternate, published,
// updated, category (term and label the tag, scheme TagBaseURL), summary
// (text), content type="html" (escaped), and thr:in-reply-to (ref and
// href the task URL). Entries inherit the feed author.
func WriteAtom(w io.Writer, f Feed) error {
	return flush(w, func(b []byte) []byte { return appendAtom(b, f) })
}

func appendAtom(b []byte, f Feed) []byte {
	b = append(b, xmlHeader...)
	b = append(b, `<feed xmlns="`+nsAtom+`" xmlns:thr="`+nsThr+`"`...)
	if f.Language != "" {
		b = appendAttr(b, "xml:lang", f.Language)
	}
	b = append(b, ">\n"...)
	const fi = "  "
	b = appendElem(b, fi, "id", f.HomeURL)
	b = appendElem(b, fi, "title", f.Title)
	b = appendElemIf(b, fi, "subtitle", f.Description)
	u := f.LastUpdated()
	if u.IsZero() {
		u = time.Unix(0, 0)
	}
	b = appendTime(b, fi, "updated", u, time.RFC3339)
	b = append(b, fi+"<author>\n"...)
	name := f.Author.Name
	if name == "" {
		name = f.Title // atom:name is required
	}
	b = appendElem(b, fi+"  ", "name", name)
	b = appendElemIf(b, fi+"  ", "uri", f.Author.URL)
	b = appendElemIf(b, fi+"  ", "email", f.Author.Email)
	b = append(b, fi+"</author>\n"...)
	if f.HomeURL != "" {
		b = appendLink(b, fi, "link", "alternate", f.HomeURL, "text/html")
	}
	if f.SelfURL != "" {
		b = appendLink(b, fi, "link", "self", f.SelfURL, "application/atom+xml")
	}
	for _, h := range f.HubURLs {
		b = appendLink(b, fi, "link", "hub", h, "")
	}
	b = appendElemIf(b, fi, "icon", f.IconURL)
	b = appendElem(b, fi, "generator", Generator)
	for i := range f.Entries {
		b = appendAtomEntry(b, &f, &f.Entries[i])
	}
	return append(b, "</feed>\n"...)
}

func appendAtomEntry(b []byte, f *Feed, e *Entry) []byte {
	const ei = "    "
	b = append(b, "  <entry>\n"...)
	b = appendElem(b, ei, "id", e.id())
	b = appendElem(b, ei, "title", EntryTitle(*e))
	if l := e.link(); l != "" {
		b = appendLink(b, ei, "link", "alternate", l, "text/html")
	}
	if p := e.published(); !p.IsZero() {
		b = appendTime(b, ei, "published", p, time.RFC3339)
	}
	u := e.updated()
	if u.IsZero() {
		u = time.Unix(0, 0) // atom:updated is required
	}
	b = appendTime(b, ei, "updated", u, time.RFC3339)
	for _, t := range e.Tags {
		if t = tag(t); t == "" {
			continue
		}
		b = append(b, ei+"<category"...)
		b = appendAttr(b, "term", t)
		if f.TagBaseURL != "" {
			b = appendAttr(b, "scheme", f.TagBaseURL)
		}
		b = appendAttr(b, "label", t)
		b = append(b, "/>\n"...)
	}
	b = appendElemIf(b, ei, "summary", e.Summary)
	if e.ContentHTML != "" {
		b = append(b, ei+`<content type="html">`...)
		b = appendText(b, e.ContentHTML)
		b = append(b, "</content>\n"...)
	}
	if e.InReplyTo != "" {
		b = appendInReplyTo(b, ei, e.InReplyTo)
	}
	return append(b, "  </entry>\n"...)
}
