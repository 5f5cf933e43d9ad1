package feedpoll

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/cairn-pl/cairn/internal/store"
)

// maxDiscoverBytes bounds how much of a page autodiscovery reads: the
// <link>s belong in <head>, near the top.
const maxDiscoverBytes = 1 << 20

// maxCandidates is how many autodiscovered feeds Find tries, best first.
const maxCandidates = 3

// Found is the feed an input URL led to: a new one (Feed and Parsed set)
// or one already polled (Existing set).
type Found[T, E any] struct {
	FeedURL string   // the URL to poll: the input itself, or the page's feed that worked
	Feed    *Fetched // the feed's response (its Validators start the conditional GETs)
	Parsed  T        // what parse made of the feed
	Page    *Fetched // the page the input was, or nil when the input was the feed

	Existing *E // the feed already polled at the input or at a feed the page names
}

// Find looks for the feed behind in, a URL CheckInputURL accepted: in
// itself, or, when it is an HTML page, the first of the feeds its
// autodiscovery links name (best type first, at most maxCandidates) that
// fetches and parses.
//
// existing looks a URL up among the feeds already polled (feed or input
// URL; store.ErrNotFound when none). It is asked about in before anything
// is fetched and about each of a page's feeds before that one is, so
// pasting a URL again, or a page leading to a feed already polled, adds
// nothing and fetches no more than needed.
//
// Every failure to find a feed is a *FeedError saying why in words: the
// fetch, the parse (ErrNotFeed, ErrBrokenFeed), a page without feeds
// (ErrNoFeedFound), or the first of the page's feeds that failed.
func Find[T, E any](ctx context.Context, f *Fetcher, in string, parse func(body []byte, u *url.URL) (T, error),
	existing func(ctx context.Context, u string) (E, error)) (Found[T, E], error) {
	if e, err := existing(ctx, in); err == nil {
		return Found[T, E]{Existing: &e}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Found[T, E]{}, err
	}
	page, err := f.Get(ctx, in, Validators{})
	if err != nil {
		return Found[T, E]{}, err
	}
	parsed, err := parse(page.Body, page.URL)
	if err == nil {
		return Found[T, E]{FeedURL: in, Feed: page, Parsed: parsed}, nil
	}
	if !errors.Is(err, ErrNotFeed) || !LooksLikeHTML(page.ContentType, page.Body) {
		return Found[T, E]{}, asFeedError(in, err)
	}
	cands := DiscoverFeeds(page.Body, page.URL)
	if len(cands) == 0 {
		return Found[T, E]{}, &FeedError{URL: in, Err: ErrNoFeedFound,
			Msg: "no feed found at " + in + `: the page has no <link rel="alternate"> to an RSS, Atom or JSON feed`}
	}
	var first error
	for _, cand := range cands[:min(len(cands), maxCandidates)] {
		if e, err := existing(ctx, cand); err == nil {
			return Found[T, E]{Existing: &e}, nil
		}
		feed, err := f.Get(ctx, cand, Validators{})
		if err == nil {
			parsed, err = parse(feed.Body, feed.URL)
		}
		if err == nil {
			return Found[T, E]{FeedURL: cand, Feed: feed, Parsed: parsed, Page: page}, nil
		}
		if first == nil {
			fe := asFeedError(cand, err)
			first = &FeedError{URL: cand, StatusCode: fe.StatusCode, Err: fe,
				Msg: fmt.Sprintf("the feed %s named by the page: %s", cand, fe.Msg)}
		}
	}
	return Found[T, E]{}, first
}

// feedTypeRank orders autodiscovered feeds, lower first. Atom comes first
// (ids and dates are mandatory, extensions such as a due date survive
// gofeed), then RSS (extensions survive), then JSON Feed (gofeed drops its
// _extensions, so due dates and in-reply-to would be lost). Plain
// application/json comes last: WordPress and others label their REST API
// links that way.
var feedTypeRank = map[string]int{
	"application/atom+xml":  0,
	"application/rss+xml":   1,
	"application/rdf+xml":   1,
	"application/feed+json": 2,
	"application/json":      3,
}

// DiscoverFeeds returns the feed URLs a page names with
// <link rel="alternate" type="…"> (RSS, Atom, JSON Feed), resolved against
// the page's <base href> or its final URL, best type first and in document
// order within a type, without duplicates. Only <link> elements count
// (not <a rel="alternate">), wherever they appear: some templates put them
// in the body.
func DiscoverFeeds(body []byte, pageURL *url.URL) []string {
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
		attrs := tagAttrs(z)
		if a == atom.Base {
			if !haveBase {
				haveBase = true
				if u, err := pageURL.Parse(strings.TrimSpace(attrs["href"])); err == nil && IsHTTPURL(u.String()) {
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
		if err != nil || !IsHTTPURL(u.String()) {
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

// tagAttrs reads the current tag's attributes; the first of a repeated
// one wins, as in browsers.
func tagAttrs(z *html.Tokenizer) map[string]string {
	attrs := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		key := string(k)
		if _, dup := attrs[key]; !dup {
			attrs[key] = string(v)
		}
		if !more {
			return attrs
		}
	}
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

// LooksLikeHTML reports whether a response is an HTML page: by its media
// type, or, when the server says nothing useful, by its first bytes.
func LooksLikeHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		if mt == "text/html" || mt == "application/xhtml+xml" {
			return true
		}
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 1024)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html")) ||
		bytes.Contains(head, []byte("<head"))
}
