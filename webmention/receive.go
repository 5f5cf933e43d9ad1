package webmention

import (
	"mime"
	"net/url"
)

// MaxRequestBody caps a received Webmention request body. A real request is
// two URLs (a few hundred bytes); GoBlog allows 10 KB.
const MaxRequestBody = 16 << 10

// Request is a received Webmention that passed the synchronous checks and
// can be queued for verification.
type Request struct {
	Source string // as sent
	Target string // as sent, fragment included: verification looks for exactly this
	Page   string // Target without its fragment: the page of ours it is about (store mentions under it)
}

// RequestError is a request the sender got wrong. Reason is safe to show in
// the 400 response body; the handler answers every RequestError with 400 Bad
// Request (Webmention §3.2.1).
type RequestError struct {
	Reason string
}

func (e *RequestError) Error() string { return "webmention: " + e.Reason }

func badRequest(reason string) error { return &RequestError{Reason: reason} }

// ParseRequest checks a received Webmention request (Webmention §3.2.1)
// before it is queued. contentType is the request's Content-Type header and
// body its raw body. The checks, in order:
//   - body at most MaxRequestBody bytes;
//   - Content-Type application/x-www-form-urlencoded (parameters such as
//     charset are allowed and ignored: the form is percent-encoded);
//   - a well-formed form with exactly one non-empty source and target (other
//     parameters, e.g. vouch, are ignored);
//   - both absolute http(s) URLs with a host, no user:password@ and at most
//     MaxURLLength bytes;
//   - source and target are not the same document: compared without
//     fragments, with scheme and host case and default ports ignored, so
//     source=https://me.example/p#c with target=https://me.example/p is
//     refused;
//   - isOurs(target without its fragment) is true: the target is a page of
//     ours that accepts mentions. It runs last, as it may query the store. A
//     nil isOurs accepts nothing.
//
// Any failure is a *RequestError.
func ParseRequest(contentType string, body []byte, isOurs func(target *url.URL) bool) (Request, error) {
	if len(body) > MaxRequestBody {
		return Request{}, badRequest("request body too large (the limit is 16 KiB)")
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && err != mime.ErrInvalidMediaParameter {
		mt = ""
	}
	if mt != "application/x-www-form-urlencoded" {
		return Request{}, badRequest("Content-Type must be application/x-www-form-urlencoded")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Request{}, badRequest("malformed form body")
	}
	src, err := formURL(form, "source")
	if err != nil {
		return Request{}, err
	}
	tgt, err := formURL(form, "target")
	if err != nil {
		return Request{}, err
	}
	if sameDocument(src, tgt) {
		return Request{}, badRequest("source and target must be different URLs")
	}
	page := withoutFragment(tgt)
	if isOurs == nil || !isOurs(withoutFragment(tgt)) {
		return Request{}, badRequest("target is not a page on this site that accepts Webmentions")
	}
	return Request{Source: form.Get("source"), Target: form.Get("target"), Page: page.String()}, nil
}

func formURL(form url.Values, name string) (*url.URL, error) {
	vs := form[name]
	switch {
	case len(vs) == 0 || vs[0] == "":
		return nil, badRequest("missing " + name)
	case len(vs) > 1:
		return nil, badRequest("more than one " + name)
	case len(vs[0]) > MaxURLLength:
		return nil, badRequest(name + " URL too long")
	}
	u, ok := parseHTTPURL(vs[0])
	if !ok {
		return nil, badRequest(name + " must be an absolute http or https URL")
	}
	return u, nil
}
