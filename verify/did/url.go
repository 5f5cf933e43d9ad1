package did

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// webDID is a parsed did:web DID.
type webDID struct {
	DID      string   // the DID without fragment
	Fragment string   // without '#', "" if none
	Host     string   // host name or IP, no brackets
	Port     string   // "" for the default
	Path     []string // decoded path segments
}

func (w *webDID) hostPort() string {
	h := w.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if w.Port != "" {
		h += ":" + w.Port
	}
	return h
}

// url returns the URL of the DID document with the given scheme.
func (w *webDID) url(scheme string) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(w.hostPort())
	if len(w.Path) == 0 {
		b.WriteString("/.well-known/did.json")
		return b.String()
	}
	for _, p := range w.Path {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	b.WriteString("/did.json")
	return b.String()
}

// parseWebDID parses "did:web:host[%3Aport][:path…][#fragment]".
func parseWebDID(s string) (*webDID, error) {
	const prefix = "did:web:"
	if !strings.HasPrefix(s, prefix) {
		return nil, invalid(KindMalformed, s, "not a did:web DID")
	}
	didPart, frag, hasFrag := strings.Cut(s, "#")
	if hasFrag && frag == "" {
		return nil, invalid(KindMalformed, s, "empty fragment")
	}
	if strings.ContainsAny(didPart, "?/ ") {
		return nil, invalid(KindMalformed, s, "did:web DID URLs with a path or query are not supported")
	}
	msi := didPart[len(prefix):]
	segs := strings.Split(msi, ":")
	if segs[0] == "" {
		return nil, invalid(KindMalformed, s, "did:web has no host")
	}
	hostport, err := url.PathUnescape(segs[0])
	if err != nil {
		return nil, invalidErr(KindMalformed, s, err, "bad percent-encoding in the host")
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") || strings.Count(hostport, ":") == 1 {
		h, p, err := net.SplitHostPort(hostport)
		if err != nil {
			if !strings.HasPrefix(hostport, "[") || !strings.HasSuffix(hostport, "]") {
				return nil, invalidErr(KindMalformed, s, err, "bad host or port %q", hostport)
			}
			h, p = hostport[1:len(hostport)-1], ""
		}
		host, port = h, p
		if port == "" && strings.HasSuffix(hostport, ":") {
			return nil, invalid(KindMalformed, s, "empty port")
		}
		if port != "" {
			n, err := strconv.Atoi(port)
			if err != nil || n < 1 || n > 65535 || port[0] == '0' {
				return nil, invalid(KindMalformed, s, "bad port %q", port)
			}
		}
	}
	if !validHost(host) {
		return nil, invalid(KindMalformed, s, "bad host %q", host)
	}
	w := &webDID{DID: didPart, Fragment: frag, Host: host, Port: port}
	for _, seg := range segs[1:] {
		p, err := url.PathUnescape(seg)
		if err != nil {
			return nil, invalidErr(KindMalformed, s, err, "bad percent-encoding in path segment %q", seg)
		}
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "/\\") || hasControl(p) {
			return nil, invalid(KindMalformed, s, "bad path segment %q", seg)
		}
		w.Path = append(w.Path, p)
	}
	return w, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// validHost accepts an IP literal (no zone) or a DNS name of letters,
// digits, '-', '_' and dots.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// WebDIDURL returns the https URL of the DID document of a did:web DID
// (a fragment is ignored): did:web:example.com → https://example.com/.well-known/did.json,
// did:web:example.com%3A8443:users:alice → https://example.com:8443/users/alice/did.json.
func WebDIDURL(did string) (string, error) {
	w, err := parseWebDID(did)
	if err != nil {
		return "", err
	}
	return w.url("https"), nil
}

// DIDFromWebOrigin returns the did:web DID of an http(s) origin, optionally
// with a path: https://example.com:8443 → did:web:example.com%3A8443,
// https://example.com/users/alice → did:web:example.com:users:alice. The
// default port of the scheme is dropped; the host is lowercased. It returns ""
// when origin is not an absolute http(s) URL without user info, query or
// fragment.
func DIDFromWebOrigin(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if !validHost(host) {
		return ""
	}
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	enc := func(s string) string {
		s = url.PathEscape(s)
		r := strings.NewReplacer(":", "%3A", "[", "%5B", "]", "%5D")
		return r.Replace(s)
	}
	h := host
	if strings.Contains(host, ":") {
		h = "[" + host + "]"
	}
	if port != "" {
		h += ":" + port
	}
	var b strings.Builder
	b.WriteString("did:web:")
	b.WriteString(enc(h))
	for _, seg := range strings.Split(strings.Trim(u.Path, "/"), "/") {
		if seg == "" {
			continue
		}
		if seg == "." || seg == ".." {
			return ""
		}
		b.WriteByte(':')
		b.WriteString(enc(seg))
	}
	return b.String()
}

// isPrivateHost reports whether host (no brackets, no port) is "localhost" or
// an IP literal in 127/8, ::1, 10/8, 172.16/12, 192.168/16 or fc00::/7. Other
// names are never private here: they would need DNS, which this package does
// not do (the dialler checks the address it connects to).
func isPrivateHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return false
	}
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate()
}

// candidates returns the URLs to try for u: always https first; plain http
// after it only when opt allows it and the host is loopback or private.
// u's own scheme does not matter (an http id is upgraded to https).
func candidates(u *url.URL, opt Options) []string {
	s := *u
	s.Fragment, s.RawFragment = "", ""
	s.Scheme = "https"
	out := []string{s.String()}
	if opt.AllowHTTPForPrivate && isPrivateHost(u.Hostname()) {
		s.Scheme = "http"
		out = append(out, s.String())
	}
	return out
}

func webCandidates(w *webDID, opt Options) []string {
	out := []string{w.url("https")}
	if opt.AllowHTTPForPrivate && isPrivateHost(w.Host) {
		out = append(out, w.url("http"))
	}
	return out
}

// parseHTTPURL parses an absolute http(s) URL without user info.
func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, invalidErr(KindMalformed, s, err, "not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, invalid(KindUnsupported, s, "scheme %q cannot be fetched", u.Scheme)
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, invalid(KindMalformed, s, "URL has no host")
	}
	if u.User != nil {
		return nil, invalid(KindMalformed, s, "URL has user info")
	}
	h := u.Hostname()
	if !validHost(h) {
		return nil, invalid(KindMalformed, s, "bad host %q", h)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, invalid(KindMalformed, s, "bad port %q", p)
		}
	}
	return u, nil
}
