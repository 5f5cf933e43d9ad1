package bake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is the image format that carries a baked badge.
type Kind string

// The image kinds.
const (
	PNG Kind = "png"
	SVG Kind = "svg"
)

// Limits. See the package documentation for why these values.
const (
	// MaxImageBytes is the largest image Unbake* reads and Bake* writes.
	MaxImageBytes = 4 << 20
	// MaxPayloadBytes is the largest embedded text Unbake* returns and
	// Bake* embeds.
	MaxPayloadBytes = 1 << 20
	// MaxSVGDepth is how deep SVG elements may nest.
	MaxSVGDepth = 256
)

// PNG chunk keywords (iTXt, legacy tEXt).
const (
	KeywordOB2 = "openbadges"          // Open Badges 0.5–2.0
	KeywordOB3 = "openbadgecredential" // Open Badges 3.0
	KeywordCLR = "clrcredential"       // CLR 2.0
)

// SVG element local names.
const (
	ElementAssertion  = "assertion"  // Open Badges 1.x/2.0
	ElementCredential = "credential" // Open Badges 3.0 and CLR 2.0
)

// SVG namespaces BakeSVG writes (and UnbakeSVG reads, with some variants).
const (
	NamespaceOB2 = "http://openbadges.org"
	NamespaceOB3 = "https://purl.imsglobal.org/ob/v3p0"
	NamespaceCLR = "https://purl.imsglobal.org/clr/v2p0"
)

// Baked is what Unbake found.
type Baked struct {
	Kind Kind
	// Keyword is, for PNG, the chunk keyword (openbadges,
	// openbadgecredential, clrcredential); for SVG the element's local name
	// (assertion or credential).
	Keyword string
	// Payload is the embedded text, trimmed of surrounding whitespace: a
	// JSON document, a compact JWS/JWT, or a URL (OB 1.x/2.0 hosted).
	// Never empty when err == nil.
	Payload []byte
	// Verify is, for SVG only, the verify= attribute exactly as written
	// (a URL or a compact JWS) when present.
	Verify string
	// Chunk is, for PNG only, the chunk type the payload came from: "iTXt",
	// or "tEXt" for the legacy (pre-2.0, hosted URL) form.
	Chunk string
	// Namespace is, for SVG only, the namespace URI the element was in ("" when
	// its prefix was not declared). It tells OB 2.0, OB 3.0 and CLR apart.
	Namespace string
	// Warnings are non-fatal oddities worth showing in a verification report:
	// duplicate badge chunks or elements, a skipped compressed chunk, a
	// namespace matched only by its prefix.
	Warnings []string
}

// Errors. Every error from this package other than argument errors of the
// Bake functions is a *FormatError or ErrNotBaked; FormatError unwraps to one
// of the sentinels below when one applies.
var (
	// ErrNotBaked: a well-formed PNG or SVG that carries no badge.
	ErrNotBaked = errors.New("the image carries no Open Badges data")
	// ErrNotImage: the bytes are neither a PNG nor an SVG.
	ErrNotImage = errors.New("not a PNG or SVG image")
	// ErrTooLarge: the image or the payload is over its limit.
	ErrTooLarge = errors.New("too large")
	// ErrCompressed: the only badge text in the PNG is compressed.
	ErrCompressed = errors.New("compressed badge text is not allowed")
	// ErrDTD: the SVG has a DTD internal subset or a markup declaration.
	ErrDTD = errors.New("DTDs and entity declarations are not allowed")
)

// FormatError says what is wrong with an image, in words meant for the
// person who uploaded it.
type FormatError struct {
	Kind  Kind   // PNG, SVG, or "" when the format is unknown
	Where string // the chunk type ("IDAT") or "line N" in an SVG; may be ""
	Msg   string // a full sentence, e.g. "the PNG is cut off in chunk IDAT: …"
	Err   error  // a sentinel (ErrTooLarge, …) or the XML syntax error; may be nil
}

func (e *FormatError) Error() string { return e.Msg }

// Unwrap returns the underlying sentinel or syntax error.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(k Kind, where string, sentinel error, format string, args ...any) *FormatError {
	return &FormatError{Kind: k, Where: where, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// detectWindow bounds how far Detect reads looking for the root element.
const detectWindow = 64 << 10

// Detect tells a PNG (by its 8-byte signature) from an SVG (an XML document
// whose first element is <svg>, possibly prefixed, after an optional BOM, XML
// declaration, comments, processing instructions and DOCTYPE). It reads at
// most the first 64 KiB and does not validate the rest.
func Detect(b []byte) (Kind, bool) {
	if bytes.HasPrefix(b, pngSignature) {
		return PNG, true
	}
	// An XML document starts with '<' after an optional BOM and white
	// space: anything else (JSON, a JWS, a URL) is answered without
	// running the XML tokenizer.
	if lead := bytes.TrimLeft(bytes.TrimPrefix(b, utf8BOM), " \t\r\n"); len(lead) == 0 || lead[0] != '<' {
		return "", false
	}
	if len(b) > detectWindow {
		b = b[:detectWindow]
	}
	d := newXMLDecoder(b)
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "svg" {
				return SVG, true
			}
			return "", false
		case xml.CharData:
			if !isXMLSpace(bytes.TrimPrefix(t, utf8BOM)) {
				return "", false
			}
		case xml.EndElement:
			return "", false
		}
	}
}

// Unbake extracts the badge from a PNG or SVG image. It returns ErrNotBaked
// when a well-formed image carries no badge, and a *FormatError for anything
// malformed, over a limit, or not an image at all.
func Unbake(b []byte) (Baked, error) {
	if len(b) > MaxImageBytes {
		return Baked{}, tooLargeImage("", len(b))
	}
	k, ok := Detect(b)
	switch {
	case ok && k == PNG:
		return UnbakePNG(b)
	case ok && k == SVG:
		return UnbakeSVG(b)
	}
	return Baked{}, formatErr("", "", ErrNotImage, "the file is not a PNG or SVG image")
}

// Bake embeds payload in a PNG or SVG image, whichever img is. keyword is
// one of KeywordOB2, KeywordOB3, KeywordCLR. For SVG the payload goes into
// the element body as CDATA when it is JSON (starts with '{'), otherwise
// (compact JWS, URL) into the verify= attribute, as the specs show; to write
// both (OB 2.0 hosted: JSON body plus verify=URL) call BakeSVG.
func Bake(img []byte, keyword string, payload []byte) ([]byte, error) {
	if len(img) > MaxImageBytes {
		return nil, tooLargeImage("", len(img))
	}
	k, ok := Detect(img)
	switch {
	case ok && k == PNG:
		return BakePNG(img, keyword, payload)
	case ok && k == SVG:
		if !validKeyword(keyword) {
			return nil, fmt.Errorf("bake: unknown keyword %q (want %s, %s or %s)", keyword, KeywordOB2, KeywordOB3, KeywordCLR)
		}
		t := bytes.TrimLeft(payload, " \t\r\n")
		if len(t) > 0 && t[0] == '{' {
			return BakeSVG(img, keyword, payload, "")
		}
		return BakeSVG(img, keyword, nil, string(payload))
	}
	return nil, formatErr("", "", ErrNotImage, "the file is not a PNG or SVG image")
}

func tooLargeImage(k Kind, n int) *FormatError {
	name := "image"
	switch k {
	case PNG:
		name = "PNG"
	case SVG:
		name = "SVG"
	}
	return formatErr(k, "", ErrTooLarge, "the %s is %d bytes, over the %d-byte limit", name, n, MaxImageBytes)
}

var utf8BOM = []byte("\xef\xbb\xbf")

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// trimSpace trims XML whitespace (which is also ASCII JSON whitespace).
func trimSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

func validKeyword(k string) bool {
	return k == KeywordOB2 || k == KeywordOB3 || k == KeywordCLR
}

func newXMLDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.Entity = map[string]string{}
	d.CharsetReader = charsetReader
	return d
}

// charsetReader accepts ASCII declarations (a subset of UTF-8, read as is)
// and refuses every other non-UTF-8 encoding.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	if strings.EqualFold(label, "us-ascii") || strings.EqualFold(label, "ascii") {
		return r, nil
	}
	return nil, &charsetError{label}
}
