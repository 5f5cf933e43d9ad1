package webmention

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// LinksIn returns the URLs a post links to, the targets to notify: href of
// a and area, src of img, video, audio and source (the elements receivers
// check, Webmention §3.2.2), in document order, without duplicates.
//
// A URL is returned exactly as written when it is already an absolute
// http(s) URL (fragment and all): receivers such as webmention.rocks compare
// the target with the link in our post as raw strings, so sending a
// normalised form would fail verification. Relative URLs are resolved
// against base (the post's permalink) and come back absolute; with a nil base
// they are skipped. Other schemes (mailto:, javascript:, data:) are skipped.
//
// The caller adds in-reply-to and the like-of/repost-of/bookmark-of URLs
// when they are not in the content, and removes its own host (mentions of
// our own pages are handled internally, not over HTTP).
func LinksIn(entryHTML string, base *url.URL) []string {
	z := html.NewTokenizer(strings.NewReader(entryHTML))
	var out []string
	seen := map[string]bool{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		attr := linkAttr(atom.Lookup(name))
		if attr == "" || attr == "href" && atom.Lookup(name) == atom.Link {
			continue
		}
		val, found := attrValue(z, attr)
		if !found {
			continue
		}
		raw := cleanRef(val)
		u, ok := resolve(base, raw)
		if !ok {
			continue
		}
		s := u.String()
		if abs, ok := parseHTTPURL(raw); ok && abs.IsAbs() {
			s = raw
		}
		if raw == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
}
