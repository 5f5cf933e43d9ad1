package webmention

import (
	"net/url"
	"strings"
)

// MaxURLLength caps every URL this package accepts from outside (a received
// source or target, a discovered endpoint, a link in a post).
const MaxURLLength = 2048

// cleanRef prepares an attribute or header value for URL parsing the way the
// WHATWG URL parser does: leading and trailing C0 controls and spaces are
// removed and tabs and newlines anywhere are dropped.
func cleanRef(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
	}
	return s
}

// isHTTPURL reports whether u is an absolute http(s) URL with a host name and
// no user information: the only URLs this package fetches, sends to or
// returns.
func isHTTPURL(u *url.URL) bool {
	return u != nil && (u.Scheme == "http" || u.Scheme == "https") &&
		u.Opaque == "" && u.User == nil && u.Hostname() != ""
}

// parseHTTPURL parses an absolute http(s) URL (see isHTTPURL).
func parseHTTPURL(raw string) (*url.URL, bool) {
	if raw == "" || len(raw) > MaxURLLength {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || !isHTTPURL(u) {
		return nil, false
	}
	return u, true
}

// resolve resolves the reference ref (an attribute or Link value) against
// base and returns the result when it is an absolute http(s) URL. base may be
// nil, and then only absolute references resolve.
func resolve(base *url.URL, ref string) (*url.URL, bool) {
	ref = cleanRef(ref)
	if len(ref) > MaxURLLength {
		return nil, false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil, false
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !isHTTPURL(u) || len(u.String()) > MaxURLLength {
		return nil, false
	}
	return u, true
}

// withoutFragment returns a copy of u with no fragment.
func withoutFragment(u *url.URL) *url.URL {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return &c
}

// sameDocument reports whether a and b name the same document: equal after
// dropping fragments, lower-casing the host, removing a default port and
// writing an empty path as "/". It is deliberately no cleverer than that
// (no path cleaning, no percent-decoding, no trailing-slash folding).
func sameDocument(a, b *url.URL) bool {
	return normalKey(a) == normalKey(b)
}

func normalKey(u *url.URL) string {
	c := *withoutFragment(u)
	host := strings.ToLower(c.Host)
	switch {
	case c.Scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case c.Scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	c.Host = host
	if c.Path == "" && c.RawPath == "" {
		c.Path = "/"
	}
	return c.String()
}

// sameURLString compares two URL strings as sameDocument does; unparsable
// strings compare by equality only.
func sameURLString(a, b string) bool {
	if a == b {
		return true
	}
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil || !isHTTPURL(ua) || !isHTTPURL(ub) {
		return false
	}
	return sameDocument(ua, ub)
}

// asciiLower lower-cases ASCII letters only, so no Unicode case folding can
// turn some other token into "webmention".
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// isHTMLSpace is ASCII whitespace as HTML defines it.
func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}
