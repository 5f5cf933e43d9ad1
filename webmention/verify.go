package webmention

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"

	"github.com/cairn-pl/cairn/internal/netx"
)

// Verification outcomes that are not faults. Both mean: drop the mention (or
// delete the one stored for this source and target).
var (
	// ErrSourceGone: the source answered 410 Gone or carries
	// <meta http-equiv="Status" content="410 Gone">.
	ErrSourceGone = errors.New("webmention: source is gone")
	// ErrNoLink: the source does not link to the target (Webmention §3.2.2:
	// a link only in a comment, in text or not at all does not count).
	ErrNoLink = errors.New("webmention: source does not link to target")
	// ErrUnsupportedType: the source is not HTML, JSON or plain text.
	ErrUnsupportedType = errors.New("webmention: unsupported source content type")
)

// Limits for fetching a source (Webmention §4.2 suggests 20 redirects and
// the first 1 MB; the time cap is netx's).
const (
	MaxSourceBody      = netx.MaxPageBody
	MaxSourceRedirects = 20
	verifyAccept       = "text/html, application/json;q=0.8, text/plain;q=0.5"
)

// Mention types.
const (
	TypeReply    = "reply"
	TypeLike     = "like"
	TypeRepost   = "repost"
	TypeBookmark = "bookmark"
	TypeMention  = "mention"
	TypeAward    = "award"
)

// Mention is what a verified source says about the target. Text fields are
// plain text (escape them on output, as always); Content is sanitised HTML
// ready to insert; every URL field is an absolute http(s) URL or "".
type Mention struct {
	Source    string    // the source URL as received
	Target    string    // the target URL as received
	Type      string    // TypeReply, TypeLike, TypeRepost, TypeBookmark, TypeMention or TypeAward
	Author    Author    // p-author, else the page's representative h-card
	Title     string    // p-name when it is a real title (not the content again); ≤ MaxTitleRunes
	Content   string    // sanitised e-content HTML: UGC tags, http(s) links with rel="nofollow ugc", no images
	Text      string    // plain-text excerpt of the content (or summary, or name), ≤ MaxTextRunes
	Published time.Time // dt-published; zero when absent or unreadable
	URL       string    // the h-entry's u-url, if given
	Award     *Award    // set when Type is TypeAward
}

// Author of a mention.
type Author struct {
	Name  string // plain text, ≤ MaxNameRunes
	URL   string
	Photo string // remote image URL: copy or proxy it, never hot-link
}

// Award is what badge-award markup (DESIGN "Badge award post") claims. The
// package does not judge it: whether the author is a trusted issuer, and
// whether the credential verifies, is the caller's business.
type Award struct {
	BadgeName     string // p-x-badge h-cite name
	BadgeURL      string // its u-url
	BadgeImage    string // its u-photo
	Evidence      string // u-x-evidence
	Credential    string // u-x-credential: the credential file (JSON or baked PNG)
	Recipient     string // p-x-recipient h-card url, if given
	RecipientName string // p-x-recipient name, if given
}

// VerifyError is every failure of Verify. Sentinels (ErrSourceGone, ErrNoLink,
// ErrUnsupportedType) are reachable with errors.Is through Err.
type VerifyError struct {
	Source     string
	Status     int           // the source's HTTP status, 0 when there was no response
	Retryable  bool          // network errors, timeouts, 5xx, 408, 429
	RetryAfter time.Duration // from Retry-After on 429/503
	Msg        string
	Err        error
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	b.WriteString("webmention: verify ")
	b.WriteString(e.Source)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Verify fetches source and checks that it links to target (Webmention
// §3.2.2), then reads what it says (ParseMention). The GET goes through
// client with at most MaxSourceRedirects redirects and MaxSourceBody bytes;
// relative links resolve against the final URL.
//
// Every error is a *VerifyError. Callers map them as:
//   - errors.Is(err, ErrSourceGone) or errors.Is(err, ErrNoLink): delete the
//     stored mention for (source, target), or drop the new one;
//   - Retryable: keep what is stored and try again later (after RetryAfter);
//   - otherwise (404, 403, unsupported type, too large, blocked address):
//     drop a new mention; for a stored one, delete it after repeated failures.
func Verify(ctx context.Context, client *netx.Client, source, target string) (Mention, error) {
	if _, ok := parseHTTPURL(source); !ok {
		return Mention{}, &VerifyError{Source: source, Msg: "source is not an absolute http(s) URL"}
	}
	resp, err := client.Get(ctx, source,
		netx.WithHeader("Accept", verifyAccept),
		netx.WithMaxRedirects(MaxSourceRedirects),
		netx.WithMaxBody(MaxSourceBody))
	if err != nil {
		ne := netError("verify", source, err)
		if errors.Is(err, netx.ErrBodyTooLarge) {
			ne.Msg = "source larger than 1 MiB"
		}
		return Mention{}, &VerifyError{Source: source, Retryable: ne.Retryable, Msg: ne.Msg, Err: err}
	}
	if resp.StatusCode == http.StatusGone {
		return Mention{}, &VerifyError{Source: source, Status: resp.StatusCode, Err: ErrSourceGone}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := statusError("verify", source, &http.Response{StatusCode: resp.StatusCode, Header: resp.Header}, nil)
		return Mention{}, &VerifyError{Source: source, Status: se.Status, Retryable: se.Retryable, RetryAfter: se.RetryAfter, Msg: se.Msg}
	}
	m, err := ParseMention(resp.Body, resp.Header.Get("Content-Type"), resp.URL, target)
	if err != nil {
		return Mention{}, &VerifyError{Source: source, Status: resp.StatusCode, Err: err}
	}
	m.Source = source
	return m, nil
}

type kind int

const (
	kindUnsupported kind = iota
	kindHTML
	kindJSON
	kindText
)

func sourceKind(contentType string, body []byte) (kind, string) {
	mt := mediaType(contentType)
	if mt == "" {
		mt = mediaType(http.DetectContentType(body))
	}
	switch {
	case mt == "text/html", mt == "application/xhtml+xml":
		return kindHTML, mt
	case mt == "application/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return kindJSON, mt
	case mt == "text/plain":
		return kindText, mt
	}
	return kindUnsupported, mt
}

// ParseMention is Verify without the fetch: body is the source document as
// served with contentType from sourceURL (the final URL, after redirects).
// It returns ErrSourceGone for a 410 meta tag, ErrNoLink when the source does
// not link to target, ErrUnsupportedType for other media types, and
// otherwise the Mention.
//
// Link rules per media type: HTML, the target must be the value of href on
// a, link or area, or of src on img, video, audio or source: either the raw
// attribute equals target, or it resolves (against sourceURL, or the
// document's <base>) to exactly target; comments and text never count. JSON,
// some string value equals target. Plain text, target occurs in it.
func ParseMention(body []byte, contentType string, sourceURL *url.URL, target string) (Mention, error) {
	m := Mention{Target: target, Type: TypeMention}
	if sourceURL != nil {
		m.Source = sourceURL.String()
	}
	if target == "" {
		return m, ErrNoLink
	}
	k, mt := sourceKind(contentType, body)
	switch k {
	case kindHTML:
		body = toUTF8(body, contentType)
		gone, linked := scanHTML(body, sourceURL, target)
		if gone {
			return m, ErrSourceGone
		}
		if !linked {
			return m, ErrNoLink
		}
		describeHTML(&m, body, sourceURL)
		return m, nil
	case kindJSON:
		if !jsonLinks(body, target) {
			return m, ErrNoLink
		}
		return m, nil
	case kindText:
		body = toUTF8(body, contentType)
		if !bytes.Contains(body, []byte(target)) {
			return m, ErrNoLink
		}
		m.Text = plainText(string(body), MaxTextRunes)
		return m, nil
	}
	if mt == "" {
		mt = "none"
	}
	return m, fmt.Errorf("%w: %s", ErrUnsupportedType, plainText(mt, 100))
}

// toUTF8 decodes a document in a declared legacy encoding (BOM,
// Content-Type charset, or <meta charset> with bytes that are not valid
// UTF-8). Undeclared or already valid UTF-8 documents pass unchanged.
func toUTF8(body []byte, contentType string) []byte {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		return body
	}
	if !certain && utf8.Valid(body) {
		return body
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return body
	}
	return out
}

// linkAttr is the attribute that links each element kind to the target.
func linkAttr(a atom.Atom) string {
	switch a {
	case atom.A, atom.Link, atom.Area:
		return "href"
	case atom.Img, atom.Video, atom.Audio, atom.Source:
		return "src"
	}
	return ""
}

// scanHTML tokenizes body once: gone reports a <meta http-equiv=Status
// content="410 ..."> anywhere; linked reports a link to target. The tokenizer
// has no nesting limit (x/net/html's tree parser refuses more than 512 open
// elements), and a source without the link is refused before any tree is
// built.
func scanHTML(body []byte, sourceURL *url.URL, target string) (gone, linked bool) {
	z := html.NewTokenizer(bytes.NewReader(body))
	var base *url.URL // from <base href>, the first one only
	var relative []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		a := atom.Lookup(name)
		switch a {
		case atom.Meta:
			var equiv, content string
			forAttrs(z, func(k, v string) {
				switch k {
				case "http-equiv":
					equiv = v
				case "content":
					content = v
				}
			})
			if strings.EqualFold(strings.TrimSpace(equiv), "status") && strings.HasPrefix(strings.TrimSpace(content), "410") {
				gone = true
			}
			continue
		case atom.Base:
			if base == nil {
				forAttrs(z, func(k, v string) {
					if k == "href" && base == nil {
						if u, err := url.Parse(cleanRef(v)); err == nil {
							if sourceURL != nil {
								u = sourceURL.ResolveReference(u)
							}
							base = u
						}
					}
				})
			}
			continue
		}
		attr := linkAttr(a)
		if attr == "" || linked {
			continue
		}
		val, found := attrValue(z, attr)
		if !found {
			continue
		}
		if val == target || cleanRef(val) == target {
			linked = true
			continue
		}
		if u, ok := resolve(sourceURL, val); ok && u.String() == target {
			linked = true
			continue
		}
		relative = append(relative, val)
	}
	if !linked && base != nil {
		for _, v := range relative {
			if u, ok := resolve(base, v); ok && u.String() == target {
				linked = true
				break
			}
		}
	}
	return gone, linked
}

// attrValue returns the first value of attribute name on the current tag,
// allocating only for that value.
func attrValue(z *html.Tokenizer, name string) (string, bool) {
	for {
		k, v, more := z.TagAttr()
		if string(k) == name {
			return string(v), true
		}
		if !more {
			return "", false
		}
	}
}

// forAttrs calls f with each attribute of the current tag; HTML keeps the
// first of duplicated attributes, so callers take the first match.
func forAttrs(z *html.Tokenizer, f func(k, v string)) {
	for {
		k, v, more := z.TagAttr()
		f(string(k), string(v))
		if !more {
			return
		}
	}
}

// jsonLinks reports whether any string value in the JSON document equals
// target (object keys do not count). Invalid JSON has no links.
func jsonLinks(body []byte, target string) bool {
	if !json.Valid(body) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var inObject []bool // per open container: true for an object
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
			case '[':
				inObject = append(inObject, false)
				expectKey = false
			case '}', ']':
				inObject = inObject[:len(inObject)-1]
				expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
			}
			continue
		case string:
			if expectKey {
				expectKey = false
				continue
			}
			if t == target {
				return true
			}
		}
		// A value was read: inside an object the next token is a key.
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}
