package webmention

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/cairn-pl/cairn/internal/netx"
)

// ErrNoEndpoint means the target advertises no Webmention endpoint. It is not
// a failure to retry: SendMention reports it as Result.Outcome NoEndpoint.
var ErrNoEndpoint = errors.New("webmention: target advertises no endpoint")

// MaxDiscoveryBody is how much of a target page discovery reads. A longer
// page is cut there, not refused: endpoints live in <head> or near the top.
const MaxDiscoveryBody = netx.MaxPageBody

// discoverAccept prefers HTML (the only body we read) but still takes any
// type, since a Link header on an image or PDF target is a valid endpoint.
const discoverAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

// Link is one link-value of an HTTP Link header (RFC 8288).
type Link struct {
	URL string   // the URI reference between < and >, as written (unresolved)
	Rel []string // the rel parameter's tokens, lower-cased; empty when absent
}

// ParseLinkHeader parses Link header field values: several fields, each a
// comma-separated list of `<uri>; param=value; param="quoted, value"`.
// Commas inside <> and quoted strings do not split. Only the first rel
// parameter of a link counts (RFC 8288 §3.3). Malformed link-values are
// skipped; parsing never fails.
func ParseLinkHeader(values []string) []Link {
	var links []Link
	for _, v := range values {
		links = parseLinkValue(v, links)
	}
	return links
}

func parseLinkValue(s string, links []Link) []Link {
	i := 0
	for i < len(s) {
		// Skip separators between link-values.
		for i < len(s) && (s[i] == ',' || s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] != '<' {
			i = skipLinkValue(s, i) // not a link-value: drop it
			continue
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			break
		}
		link := Link{URL: s[i+1 : i+1+end]}
		i += end + 2
		relSeen := false
		// Parameters until the comma that ends this link-value.
		for i < len(s) && s[i] != ',' {
			if s[i] != ';' {
				i++ // stray character: ignore
				continue
			}
			i++
			i = skipOWS(s, i)
			start := i
			for i < len(s) && s[i] != '=' && s[i] != ';' && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			name := asciiLower(s[start:i])
			i = skipOWS(s, i)
			var val string
			if i < len(s) && s[i] == '=' {
				i = skipOWS(s, i+1)
				val, i = paramValue(s, i)
			}
			if name == "rel" && !relSeen {
				relSeen = true
				link.Rel = strings.FieldsFunc(asciiLower(val), isHTMLSpace)
			}
		}
		links = append(links, link)
	}
	return links
}

// paramValue reads a token or a quoted-string starting at i.
func paramValue(s string, i int) (string, int) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		i++
		for i < len(s) {
			switch c := s[i]; c {
			case '\\':
				if i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
			case '"':
				return b.String(), i + 1
			default:
				b.WriteByte(c)
				i++
			}
		}
		return b.String(), i
	}
	start := i
	for i < len(s) && s[i] != ';' && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return s[start:i], i
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// skipLinkValue moves past a malformed link-value to the next top-level comma,
// honouring quoted strings.
func skipLinkValue(s string, i int) int {
	inQuote := false
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				return i + 1
			}
		}
	}
	return i
}

// FindInLinkHeaders returns the first Link header endpoint with the rel token
// "webmention", resolved against base (the target's URL after redirects) with
// its fragment dropped, or "" when there is none. Every Link field counts, in
// order; references that do not resolve to an absolute http(s) URL are skipped.
func FindInLinkHeaders(h http.Header, base *url.URL) string {
	values := h.Values("Link")
	// A header built by hand may carry a non-canonical key ("LinK"); the
	// canonical key comes first, others in a stable order.
	var odd []string
	for k := range h {
		if k != "Link" && strings.EqualFold(k, "Link") {
			odd = append(odd, k)
		}
	}
	sort.Strings(odd)
	for _, k := range odd {
		values = append(values, h[k]...)
	}
	for _, l := range ParseLinkHeader(values) {
		for _, r := range l.Rel {
			if r != "webmention" {
				continue
			}
			if u, ok := resolve(base, l.URL); ok {
				return withoutFragment(u).String()
			}
			break
		}
	}
	return ""
}

// FindInHTML returns the href of the first <link> or <a> element, in document
// order, whose rel has the token "webmention", resolved against base (the
// target's URL after redirects; <base> is ignored, as the Webmention spec
// resolves against the target URL) with the fragment dropped. It uses the
// x/net/html tokenizer, so comments, escaped markup and script or style text
// are never links. An element without href is skipped; href="" is the page
// itself. References that do not resolve to an absolute http(s) URL are
// skipped.
func FindInHTML(body []byte, base *url.URL) (string, bool) {
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return "", false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if !hasAttr {
				continue
			}
			if a := atom.Lookup(name); a != atom.A && a != atom.Link {
				continue
			}
			rel, href, hasHref := relHref(z)
			if !hasHref || !hasRelTokenBytes(rel, "webmention") {
				continue
			}
			if u, ok := resolve(base, string(href)); ok {
				return withoutFragment(u).String(), true
			}
		}
	}
}

// relHref reads the first rel and href attributes of the current tag (HTML
// keeps the first of duplicated attributes). The slices are valid until the
// tokenizer moves on.
func relHref(z *html.Tokenizer) (rel, href []byte, hasHref bool) {
	var relSeen bool
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "rel":
			if !relSeen {
				rel, relSeen = v, true
			}
		case "href":
			if !hasHref {
				href, hasHref = v, true
			}
		}
		if !more {
			return rel, href, hasHref
		}
	}
}

// hasRelTokenBytes is hasRelToken without allocating.
func hasRelTokenBytes(rel []byte, tok string) bool {
	for i := 0; i < len(rel); {
		for i < len(rel) && isHTMLSpace(rune(rel[i])) {
			i++
		}
		start := i
		for i < len(rel) && !isHTMLSpace(rune(rel[i])) {
			i++
		}
		if i-start == len(tok) {
			match := true
			for j := 0; j < len(tok); j++ {
				c := rel[start+j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				if c != tok[j] {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
	}
	return false
}

// Discover finds target's Webmention endpoint (Webmention §3.1.2). It makes
// exactly one GET (no HEAD first: webmention.rocks #23 URLs answer once),
// follows redirects within the client's limit, and resolves the endpoint
// against the final URL. The Link header wins over the HTML; the HTML is read
// only for text/html or application/xhtml+xml (or an untyped body that sniffs
// as HTML), at most MaxDiscoveryBody bytes of it.
//
// A target without an endpoint gives an error matching ErrNoEndpoint; every
// other failure is a *SendError with Op "discover" saying whether to retry.
func Discover(ctx context.Context, client *netx.Client, target string) (string, error) {
	if _, ok := parseHTTPURL(target); !ok {
		return "", &SendError{Op: "discover", URL: target, Msg: "target is not an absolute http(s) URL"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", &SendError{Op: "discover", URL: target, Msg: "bad target URL", Err: err}
	}
	req.Header.Set("Accept", discoverAccept)
	// client.Do rather than Fetch: discovery reads only a prefix of the body
	// and only when it is HTML, so a large page or an image target with a
	// Link header is not refused for its size.
	resp, err := client.Do(req)
	if err != nil {
		return "", netError("discover", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", statusError("discover", target, resp, nil)
	}
	final := resp.Request.URL
	if ep := FindInLinkHeaders(resp.Header, final); ep != "" {
		return ep, nil
	}
	ct := resp.Header.Get("Content-Type")
	if ct != "" && !isHTMLType(ct) {
		return "", &SendError{Op: "discover", URL: target, Status: resp.StatusCode, Msg: "no endpoint in the Link header of a non-HTML target", Err: ErrNoEndpoint}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDiscoveryBody))
	if err != nil {
		return "", netError("discover", target, err)
	}
	if ct == "" && !isHTMLType(http.DetectContentType(body)) {
		return "", &SendError{Op: "discover", URL: target, Status: resp.StatusCode, Msg: "no endpoint in the Link header of a non-HTML target", Err: ErrNoEndpoint}
	}
	if ep, ok := FindInHTML(body, final); ok {
		return ep, nil
	}
	return "", &SendError{Op: "discover", URL: target, Status: resp.StatusCode, Msg: "no endpoint in the Link header or the HTML", Err: ErrNoEndpoint}
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil && mt == "" {
		mt, _, _ = strings.Cut(ct, ";")
		mt = asciiLower(strings.TrimSpace(mt))
	}
	return mt
}

func isHTMLType(ct string) bool {
	mt := mediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}
