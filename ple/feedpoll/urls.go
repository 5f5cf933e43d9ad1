package feedpoll

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxInputURL bounds a pasted URL.
const MaxInputURL = 2048

// CheckInputURL trims a URL someone pasted and refuses, with a
// *ValidationError, one that cannot be polled: empty (prompt is the
// message, which says what to paste), longer than MaxInputURL, not http(s),
// without a host, or carrying a user name or password. noun names the URL
// in the messages ("the course URL").
func CheckInputURL(raw, prompt, noun string) (string, error) {
	in := strings.TrimSpace(raw)
	if in == "" {
		return "", &ValidationError{Msg: prompt}
	}
	if len(in) > MaxInputURL {
		return "", &ValidationError{Msg: fmt.Sprintf("the URL is longer than %d characters", MaxInputURL)}
	}
	u, err := url.Parse(in)
	if err != nil {
		return "", &ValidationError{Msg: "that is not a valid URL"}
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", &ValidationError{Msg: noun + " must start with http:// or https://"}
	}
	if u.Hostname() == "" {
		return "", &ValidationError{Msg: noun + " has no host name"}
	}
	if u.User != nil {
		return "", &ValidationError{Msg: noun + " must not contain a user name or password"}
	}
	return in, nil
}

// ExactURL keeps an absolute http(s) link byte for byte (task URLs and
// in-reply-to are compared as written, so normalising would break
// matches), resolves a relative one against base, and gives "" for
// anything else ("", javascript:, mailto:, control characters, invalid
// UTF-8, unparseable).
func ExactURL(link string, base *url.URL) string {
	link = strings.TrimSpace(link)
	if link == "" || strings.ContainsAny(link, "\x00\r\n\t") || !utf8.ValidString(link) {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if u.IsAbs() {
		if IsHTTPURL(link) {
			return link
		}
		return ""
	}
	if base == nil {
		return ""
	}
	abs := base.ResolveReference(u).String()
	if !IsHTTPURL(abs) {
		return ""
	}
	return abs
}

// IsHTTPURL reports whether s is an absolute http(s) URL with a host.
func IsHTTPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// HostOf returns the host name of a URL, or "" (a name of last resort
// for a feed without a title).
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
