package roster

import (
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// FuzzParseFeed feeds hostile documents to the harvester's parsers: the
// feed reader (gofeed plus the JSON Feed in-reply-to pass), the post page
// reader (microformats) and autodiscovery. None may panic, and what they
// keep must be valid UTF-8 with in-reply-to URLs absolute http(s).
func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"><title>t</title><entry><id>1</id><link href="/p/1"/><thr:in-reply-to ref="https://i.example/t/1" href="https://i.example/t/1"/><category term="x"/></entry></feed>`))
	f.Add([]byte(`<rss version="2.0"><channel><title>b</title><item><title>#tag here</title><link>http://l.example/r</link><description>&lt;b&gt;x&lt;/b&gt;</description></item></channel></rss>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","url":"https://l.example/1","content_text":"hi","_cairn":{"in_reply_to":"https://i.example/t"}}]}`))
	f.Add([]byte(`<!doctype html><link rel="alternate" type="application/rss+xml" href="/f"><div class="h-entry"><a class="u-in-reply-to" href="/t/1">t</a><a class="u-url" href="/p">p</a></div><div class="h-card"><a class="p-name u-url" href="/">Me</a></div>`))
	base, _ := url.Parse("https://l.example/feed")
	f.Fuzz(func(t *testing.T, body []byte) {
		if fd, err := parseFeed(body, base); err == nil {
			for _, it := range fd.Items {
				if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Excerpt) || !utf8.ValidString(it.GUID) {
					t.Fatalf("invalid UTF-8 kept: %+v", it)
				}
				for _, r := range it.InReplyTo {
					if !isHTTPURL(r) {
						t.Fatalf("in-reply-to %q kept", r)
					}
				}
			}
		}
		pd := parsePage(body, base)
		for _, r := range pd.InReplyTo {
			if !isHTTPURL(r) {
				t.Fatalf("page in-reply-to %q kept", r)
			}
		}
		for _, u := range feedpoll.DiscoverFeeds(body, base) {
			if !feedpoll.IsHTTPURL(u) {
				t.Fatalf("discovered %q", u)
			}
		}
	})
}
