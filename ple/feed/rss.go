package feed

import (
	"io"
	"time"
)

// WriteRSS writes f as RSS 2.0 with the atom (self and hub links), content
// (content:encoded), dc (dc:creator) and thr (RFC 4685 in-reply-to)
// namespaces.
//
// Channel: title, link, description (Title when Description is empty),
// language, lastBuildDate (RFC 1123Z; omitted when LastUpdated is zero),
// managingEditor (only when Author.Email is set), dc:creator, generator,
// image (when IconURL is set), atom:link rel=self and rel=hub.
// Item: title (EntryTitle), link, guid (isPermaLink when ID is the URL),
// pubDate, atom:updated, description (the summary, HTML-escaped as RSS
// readers expect HTML there), content:encoded (CDATA), category per tag
// (domain TagBaseURL), dc:creator, thr:in-reply-to.
func WriteRSS(w io.Writer, f Feed) error {
	return flush(w, func(b []byte) []byte { return appendRSS(b, f) })
}

func appendRSS(b []byte, f Feed) []byte {
	b = append(b, xmlHeader...)
	b = append(b, `<rss version="2.0" xmlns:atom="`+nsAtom+`" xmlns:content="`+nsContent+
		`" xmlns:dc="`+nsDC+`" xmlns:thr="`+nsThr+`">`+"\n<channel>\n"...)
	const ci = "  "
	b = appendElem(b, ci, "title", f.Title)
	b = appendElem(b, ci, "link", f.HomeURL)
	desc := f.Description
	if desc == "" {
		desc = f.Title
	}
	b = appendElem(b, ci, "description", desc)
	b = appendElemIf(b, ci, "language", f.Language)
	if u := f.LastUpdated(); !u.IsZero() {
		b = appendTime(b, ci, "lastBuildDate", u, time.RFC1123Z)
	}
	if f.Author.Email != "" {
		name := f.Author.Email
		if f.Author.Name != "" {
			name += " (" + f.Author.Name + ")"
		}
		b = appendElem(b, ci, "managingEditor", name)
	}
	b = appendElemIf(b, ci, "dc:creator", f.Author.Name)
	b = appendElem(b, ci, "generator", Generator)
	if f.IconURL != "" {
		b = append(b, ci+"<image>\n"...)
		b = appendElem(b, ci+"  ", "url", f.IconURL)
		b = appendElem(b, ci+"  ", "title", f.Title)
		b = appendElem(b, ci+"  ", "link", f.HomeURL)
		b = append(b, ci+"</image>\n"...)
	}
	if f.SelfURL != "" {
		b = appendLink(b, ci, "atom:link", "self", f.SelfURL, "application/rss+xml")
	}
	for _, h := range f.HubURLs {
		b = appendLink(b, ci, "atom:link", "hub", h, "")
	}
	for i := range f.Entries {
		b = appendRSSItem(b, &f, &f.Entries[i])
	}
	return append(b, "</channel>\n</rss>\n"...)
}

func appendRSSItem(b []byte, f *Feed, e *Entry) []byte {
	const ii = "    "
	b = append(b, "  <item>\n"...)
	b = appendElem(b, ii, "title", EntryTitle(*e))
	b = appendElemIf(b, ii, "link", e.link())
	if id := e.id(); id != "" {
		b = append(b, ii+"<guid"...)
		if id == e.link() {
			b = append(b, ` isPermaLink="true">`...)
		} else {
			b = append(b, ` isPermaLink="false">`...)
		}
		b = appendText(b, id)
		b = append(b, "</guid>\n"...)
	}
	if p := e.published(); !p.IsZero() {
		b = appendTime(b, ii, "pubDate", p, time.RFC1123Z)
	}
	if u := e.updated(); !u.IsZero() {
		b = appendTime(b, ii, "atom:updated", u, time.RFC3339)
	}
	if e.Summary != "" {
		b = append(b, ii+"<description>"...)
		b = appendHTMLText(b, e.Summary)
		b = append(b, "</description>\n"...)
	}
	if e.ContentHTML != "" {
		b = append(b, ii+"<content:encoded>"...)
		b = appendCDATA(b, e.ContentHTML)
		b = append(b, "</content:encoded>\n"...)
	}
	for _, t := range e.Tags {
		if t = tag(t); t == "" {
			continue
		}
		b = append(b, ii+"<category"...)
		if f.TagBaseURL != "" {
			b = appendAttr(b, "domain", f.TagBaseURL)
		}
		b = append(b, '>')
		b = appendText(b, t)
		b = append(b, "</category>\n"...)
	}
	b = appendElemIf(b, ii, "dc:creator", f.Author.Name)
	if e.InReplyTo != "" {
		b = appendInReplyTo(b, ii, e.InReplyTo)
	}
	return append(b, "  </item>\n"...)
}
