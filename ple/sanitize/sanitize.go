// Package sanitize holds the HTML policies for everything Cairn shows:
// the owner's rendered Markdown and, stricter, HTML from outside (course
// feed items, later mentions and credential fields). Policies are built
// once; bluemonday policies are safe for concurrent use.
package sanitize

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

var (
	postOnce, externalOnce sync.Once
	postPolicy             *bluemonday.Policy
	externalPolicy         *bluemonday.Policy
)

// classNames allowed on the owner's content: microformats the renderer
// itself emits (hashtag links) and goldmark's code-block language classes.
var classNames = regexp.MustCompile(`^(language-[\w+-]+|hashtag)$`)

// Post sanitises HTML rendered from the owner's Markdown. It keeps the
// formatting Markdown can produce (headings, lists, tables, code, images,
// links) and drops script, style, event handlers and non-http(s) links.
func Post(h string) string {
	postOnce.Do(func() {
		p := bluemonday.UGCPolicy()
		p.AllowURLSchemes("http", "https", "mailto")
		p.RequireParseableURLs(true)
		p.AllowAttrs("class").Matching(classNames).OnElements("code", "a", "span")
		p.AllowAttrs("rel").Matching(regexp.MustCompile(`^tag$`)).OnElements("a")
		p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
		p.AllowAttrs("type", "checked", "disabled").OnElements("input")
		p.AllowElements("input", "del", "s", "mark", "figure", "figcaption")
		// Alt text and titles are prose ("Screenshot: server logs");
		// bluemonday's default pattern drops them at the first colon. The
		// values are attribute-escaped either way.
		p.AllowAttrs("alt", "title").OnElements("img")
		p.AllowAttrs("title").OnElements("a", "abbr")
		// Own content may link anywhere without nofollow.
		p.RequireNoFollowOnLinks(false)
		postPolicy = p
	})
	return postPolicy.Sanitize(h)
}

// External sanitises HTML from other sites. Relative links and images are
// resolved against base (the feed or page they came from); links get
// rel="nofollow noopener" and open in a new tab; only http(s) survives.
func External(h string, base *url.URL) string {
	externalOnce.Do(func() {
		p := bluemonday.UGCPolicy()
		p.AllowURLSchemes("http", "https")
		p.RequireParseableURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		externalPolicy = p
	})
	if base != nil {
		h = Absolutise(h, base)
	}
	return externalPolicy.Sanitize(h)
}

// strictPolicy strips every tag; built once, as building a policy costs
// more than using it.
var strictPolicy = sync.OnceValue(bluemonday.StrictPolicy)

// Text strips every tag and returns plain, unescaped text (titles from
// feeds); templates escape it again on output.
func Text(s string) string {
	return strings.TrimSpace(html.UnescapeString(strictPolicy().Sanitize(s)))
}

var hrefOrSrc = regexp.MustCompile(`(?i)\b(href|src)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'<>=` + "`" + `]+))`)

// Absolutise resolves relative href and src attributes against base, so
// links work wherever the HTML is shown: a task description on the
// learner's site, a post's content in a feed reader.
func Absolutise(h string, base *url.URL) string {
	return hrefOrSrc.ReplaceAllStringFunc(h, func(m string) string {
		parts := hrefOrSrc.FindStringSubmatch(m)
		raw := parts[3] + parts[4] + parts[5] // only one of the three forms matched
		ref, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || ref.IsAbs() {
			return m
		}
		return parts[1] + `="` + strings.ReplaceAll(base.ResolveReference(ref).String(), `"`, "%22") + `"`
	})
}
