package courses

import (
	"bytes"
	"mime"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxDiscoverBytes bounds how much of a page autodiscovery reads: the
// <link>s belong in <head>, near the top.
const maxDiscoverBytes = 1 << 20

// feedTypeRank orders autodiscovered feeds, lower first. Atom comes first
// (ids and dates are mandatory, extensions such as a due date survive
// gofeed), then RSS (extensions survive), then JSON Feed (gofeed drops its
// _extensions, so due dates would be lost). Plain application/json comes
// last: WordPress and others label their REST API links that way.
var feedTypeRank = map[string]int{
	"application/atom+xml":  0,
	"application/rss+xml":   1,
	"application/rdf+xml":   1,
	"application/feed+json": 2,
	"application/json":      3,
}

// discoverFeeds returns the feed URLs a page names with
// <link rel="alternate" type="…"> (RSS, Atom, JSON Feed), resolved against
// the page's <base href> or its final URL, best type first and in document
// order within a type, without duplicates. Only <link> elements count
// (not <a rel="alternate">), wherever they appear: some templates put them
// in the body.
func discoverFeeds(body []byte, pageURL *url.URL) []string {
	if len(body) > maxDiscoverBytes {
		body = body[:maxDiscoverBytes]
	}
	type cand struct {
		href string
		rank int
	}
	var cands []cand
	base := pageURL
	haveBase := false
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if (a != atom.Link && a != atom.Base) || !hasAttr {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			key := string(k)
			if _, dup := attrs[key]; !dup {
				attrs[key] = string(v)
			}
			if !more {
				break
			}
		}
		if a == atom.Base {
			if !haveBase {
				haveBase = true
				if u, err := pageURL.Parse(strings.TrimSpace(attrs["href"])); err == nil && isHTTPURL(u.String()) {
					base = u
				}
			}
			continue
		}
		if !hasToken(attrs["rel"], "alternate") {
			continue
		}
		mt, _, err := mime.ParseMediaType(attrs["type"])
		if err != nil {
			continue
		}
		rank, ok := feedTypeRank[mt]
		if !ok {
			continue
		}
		href := strings.TrimSpace(attrs["href"])
		if href == "" {
			continue
		}
		u, err := base.Parse(href)
		if err != nil || !isHTTPURL(u.String()) {
			continue
		}
		u.Fragment, u.RawFragment = "", ""
		cands = append(cands, cand{u.String(), rank})
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return a.rank - b.rank })
	var out []string
	for _, c := range cands {
		if !slices.Contains(out, c.href) {
			out = append(out, c.href)
		}
	}
	return out
}

// hasToken reports whether a space-separated attribute (rel) holds tok,
// ignoring case.
func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}
