package bake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// badgeNamespaces are the namespace URIs an SVG badge element may be in.
var badgeNamespaces = map[string]bool{
	NamespaceOB2:                               true,
	"http://openbadges.org/":                   true,
	"https://openbadges.org":                   true,
	"https://openbadges.org/":                  true,
	NamespaceOB3:                               true,
	NamespaceOB3 + "/":                         true,
	"https://purl.imsglobal.org/spec/ob/v3p0":  true,
	NamespaceCLR:                               true,
	NamespaceCLR + "/":                         true,
	"https://purl.imsglobal.org/spec/clr/v2p0": true,
}

const badgePrefix = "openbadges"

// svgElem is one badge element found in an SVG.
type svgElem struct {
	start, end int // bytes of the whole element, start tag to end tag
	prefix     string
	local      string
	ns         string
	nsKnown    bool
	text       []byte
	verify     string
}

// svgDoc is what parseSVG learns about a document.
type svgDoc struct {
	rootStart, rootEnd int    // bytes of the root start tag
	rootRaw            string // the root's qualified name as written, e.g. "svg" or "svg:svg"
	rootSelfClosing    bool
	// prefixInUse: the "openbadges" prefix names something other than a
	// badge element (the root, an attribute, another element), so BakeSVG
	// must not rebind it on the root.
	prefixInUse bool
	elems       []svgElem
}

type nsFrame struct {
	name  xml.Name // raw (prefix in Space)
	decls map[string]string
}

// parseSVG checks that b is a well-formed UTF-8 XML document with an <svg>
// root, no DTD internal subset and no markup declarations, at most
// MaxSVGDepth deep, and collects every badge element (not nested in
// another).
func parseSVG(b []byte) (*svgDoc, error) {
	if len(b) > MaxImageBytes {
		return nil, tooLargeImage(SVG, len(b))
	}
	d := newXMLDecoder(b)
	var (
		doc      svgDoc
		stack    []nsFrame
		cur      *svgElem // the badge element being read
		curDepth int      // len(stack) inside cur
		rootSeen bool
		rootDone bool
	)
	lookup := func(prefix string) (string, bool) {
		if prefix == "xml" {
			return "http://www.w3.org/XML/1998/namespace", true
		}
		for i := len(stack) - 1; i >= 0; i-- {
			if u, ok := stack[i].decls[prefix]; ok {
				return u, true
			}
		}
		return "", false
	}
	for {
		start := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(d, err)
		}
		end := int(d.InputOffset())
		switch t := tok.(type) {
		case xml.Directive:
			if err := checkDirective(t, rootSeen); err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(stack) == 0 {
				c := []byte(t)
				if start == 0 {
					c = bytes.TrimPrefix(c, utf8BOM)
				}
				if !isXMLSpace(c) {
					return nil, formatErr(SVG, where(d), nil, "the SVG is not well-formed: text outside the root element (%s)", where(d))
				}
			} else if cur != nil && len(stack) == curDepth {
				if len(cur.text)+len(t) > MaxPayloadBytes+64<<10 {
					return nil, formatErr(SVG, where(d), ErrTooLarge, "the SVG's <%s> element holds more than %d bytes, over the limit", qname(cur.prefix, cur.local), MaxPayloadBytes)
				}
				cur.text = append(cur.text, t...)
			}
		case xml.StartElement:
			if rootDone {
				return nil, formatErr(SVG, where(d), nil, "the SVG is not well-formed: a second root element <%s> (%s)", qname(t.Name.Space, t.Name.Local), where(d))
			}
			if len(stack) >= MaxSVGDepth {
				return nil, formatErr(SVG, where(d), ErrTooLarge, "the SVG nests elements more than %d deep (%s)", MaxSVGDepth, where(d))
			}
			f := nsFrame{name: t.Name}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					f.decl("", a.Value)
				case a.Name.Space == "xmlns":
					f.decl(a.Name.Local, a.Value)
				}
			}
			stack = append(stack, f)
			ns, declared := lookup(t.Name.Space)
			if cur == nil {
				for _, a := range t.Attr {
					if a.Name.Space == badgePrefix {
						doc.prefixInUse = true
					}
				}
			}
			if !rootSeen {
				rootSeen = true
				if t.Name.Local != "svg" {
					return nil, formatErr(SVG, where(d), ErrNotImage, "the file is XML but not an SVG: its root element is <%s>", qname(t.Name.Space, t.Name.Local))
				}
				doc.rootStart, doc.rootEnd = start, end
				doc.rootRaw = qname(t.Name.Space, t.Name.Local)
				doc.rootSelfClosing = end >= 2 && b[end-2] == '/'
				doc.prefixInUse = doc.prefixInUse || t.Name.Space == badgePrefix
				continue
			}
			if cur != nil {
				continue
			}
			known := badgeNamespaces[ns]
			if (t.Name.Local != ElementAssertion && t.Name.Local != ElementCredential) || (!known && t.Name.Space != badgePrefix) {
				doc.prefixInUse = doc.prefixInUse || t.Name.Space == badgePrefix
				continue
			}
			if !declared {
				ns = ""
			}
			e := svgElem{start: start, prefix: t.Name.Space, local: t.Name.Local, ns: ns, nsKnown: known}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local == "verify" {
					e.verify = a.Value
				}
			}
			doc.elems = append(doc.elems, e)
			cur = &doc.elems[len(doc.elems)-1]
			curDepth = len(stack)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, formatErr(SVG, where(d), nil, "the SVG is not well-formed: unexpected end tag </%s> (%s)", qname(t.Name.Space, t.Name.Local), where(d))
			}
			top := stack[len(stack)-1].name
			if top != t.Name {
				return nil, formatErr(SVG, where(d), nil, "the SVG is not well-formed: <%s> is closed by </%s> (%s)", qname(top.Space, top.Local), qname(t.Name.Space, t.Name.Local), where(d))
			}
			if cur != nil && len(stack) == curDepth {
				cur.end = end
				cur = nil
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				rootDone = true
			}
		}
	}
	if !rootSeen {
		return nil, formatErr(SVG, "", ErrNotImage, "the file is not an SVG: it has no root element")
	}
	if !rootDone {
		top := stack[len(stack)-1].name
		return nil, formatErr(SVG, where(d), nil, "the SVG is cut off: <%s> is never closed", qname(top.Space, top.Local))
	}
	return &doc, nil
}

func (f *nsFrame) decl(prefix, uri string) {
	if f.decls == nil {
		f.decls = make(map[string]string, 2)
	}
	f.decls[prefix] = uri
}

// checkDirective allows only a DOCTYPE naming an external DTD (never
// fetched), before the root element.
func checkDirective(dir xml.Directive, rootSeen bool) error {
	s := bytes.TrimLeft(dir, " \t\r\n")
	if !bytes.HasPrefix(s, []byte("DOCTYPE")) {
		head := s
		if i := bytes.IndexAny(head, " \t\r\n"); i >= 0 {
			head = head[:i]
		}
		if len(head) > 20 {
			head = head[:20]
		}
		return formatErr(SVG, "", ErrDTD, "the SVG contains a <!%s …> declaration; DTDs and entity declarations are refused", head)
	}
	if rootSeen {
		return formatErr(SVG, "", nil, "the SVG is not well-formed: a DOCTYPE after the root element")
	}
	if bytes.IndexByte(s, '[') >= 0 {
		return formatErr(SVG, "", ErrDTD, "the SVG has a DOCTYPE with an internal subset (<!DOCTYPE … [ … ]>); DTDs and entity declarations are refused")
	}
	return nil
}

func where(d *xml.Decoder) string {
	line, _ := d.InputPos()
	return fmt.Sprintf("line %d", line)
}

func qname(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

type charsetError struct{ label string }

func (e *charsetError) Error() string {
	return fmt.Sprintf("the SVG declares encoding %q; only UTF-8 is supported", e.label)
}

func xmlError(d *xml.Decoder, err error) error {
	var ce *charsetError
	if errors.As(err, &ce) {
		return formatErr(SVG, "", nil, "%s", ce.Error())
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg := strings.TrimPrefix(se.Msg, "xml: ")
		if msg == "unexpected EOF" {
			return formatErr(SVG, fmt.Sprintf("line %d", se.Line), err, "the SVG is cut off at line %d", se.Line)
		}
		return formatErr(SVG, fmt.Sprintf("line %d", se.Line), err, "the SVG is not well-formed XML at line %d: %s", se.Line, msg)
	}
	return formatErr(SVG, where(d), err, "the SVG cannot be read (%s): %v", where(d), err)
}

// pick returns the element Unbake uses: the first credential, else the
// first assertion.
func (doc *svgDoc) pick() *svgElem {
	for i := range doc.elems {
		if doc.elems[i].local == ElementCredential {
			return &doc.elems[i]
		}
	}
	if len(doc.elems) > 0 {
		return &doc.elems[0]
	}
	return nil
}

// UnbakeSVG extracts the badge from an SVG: the character data (CDATA or
// text) of its <openbadges:credential> or <openbadges:assertion> element,
// else that element's verify= attribute.
func UnbakeSVG(b []byte) (Baked, error) {
	doc, err := parseSVG(b)
	if err != nil {
		return Baked{}, err
	}
	e := doc.pick()
	if e == nil {
		return Baked{}, ErrNotBaked
	}
	name := qname(e.prefix, e.local)
	out := Baked{Kind: SVG, Keyword: e.local, Namespace: e.ns, Verify: e.verify}
	if len(e.verify) > MaxPayloadBytes {
		return Baked{}, formatErr(SVG, name, ErrTooLarge, "the verify attribute of the SVG's <%s> element is %d bytes, over the %d-byte limit", name, len(e.verify), MaxPayloadBytes)
	}
	p := trimSpace(e.text)
	if len(p) == 0 {
		p = trimSpace([]byte(e.verify))
	}
	if len(p) == 0 {
		return Baked{}, formatErr(SVG, name, nil, "the SVG's <%s> element is empty: no CDATA and no verify attribute", name)
	}
	if len(p) > MaxPayloadBytes {
		return Baked{}, formatErr(SVG, name, ErrTooLarge, "the SVG's <%s> element holds %d bytes, over the %d-byte limit", name, len(p), MaxPayloadBytes)
	}
	out.Payload = bytes.Clone(p)
	if len(doc.elems) > 1 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the SVG has %d badge elements; used the first <%s>", len(doc.elems), name))
	}
	if !e.nsKnown {
		if e.ns == "" {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the prefix of <%s> is not declared; matched by its name", name))
		} else {
			out.Warnings = append(out.Warnings, fmt.Sprintf("<%s> is in the unknown namespace %q; matched by its name", name, e.ns))
		}
	}
	return out, nil
}

// svgTarget maps BakeSVG's element argument to a local name and namespace.
func svgTarget(element string) (local, ns string, ok bool) {
	switch element {
	case ElementAssertion, KeywordOB2:
		return ElementAssertion, NamespaceOB2, true
	case ElementCredential, KeywordOB3:
		return ElementCredential, NamespaceOB3, true
	case KeywordCLR:
		return ElementCredential, NamespaceCLR, true
	}
	return "", "", false
}

// BakeSVG returns a copy of svg with the badge baked in. element is
// "assertion" (Open Badges 2.0, namespace http://openbadges.org),
// "credential" (Open Badges 3.0, https://purl.imsglobal.org/ob/v3p0), or a PNG
// keyword: "openbadges" = assertion, "openbadgecredential" = credential,
// "clrcredential" = credential in the CLR 2.0 namespace.
//
// Every existing badge element is removed; the root <svg> gets
// xmlns:openbadges bound to the element's namespace (added, or rewritten if
// bound elsewhere); the new element is inserted as the root's first child.
// payload (JSON) goes into the body as CDATA (a "]]>" inside is split across
// two sections; a payload with a carriage return is written as escaped text
// instead, since XML would turn a literal CR into LF); verify, when not
// empty, becomes the verify= attribute (OB 2.0: the hosted assertion URL or
// the signature; OB 3.0 VC-JWT: the compact JWS with an empty payload). At
// least one of payload and verify must be non-blank. Everything else in the
// document is kept byte for byte.
func BakeSVG(svg []byte, element string, payload []byte, verify string) ([]byte, error) {
	local, ns, ok := svgTarget(element)
	if !ok {
		return nil, fmt.Errorf("bake: unknown SVG element %q (want %s or %s, or a PNG keyword)", element, ElementAssertion, ElementCredential)
	}
	if len(trimSpace(payload)) == 0 && len(trimSpace([]byte(verify))) == 0 {
		return nil, fmt.Errorf("bake: both the payload and the verify value are empty")
	}
	if len(trimSpace(payload)) == 0 {
		payload = nil
	}
	for _, v := range [][]byte{payload, []byte(verify)} {
		if len(v) > MaxPayloadBytes {
			return nil, fmt.Errorf("bake: the payload is %d bytes, over the %d-byte limit: %w", len(v), MaxPayloadBytes, ErrTooLarge)
		}
		if err := checkXMLText(v); err != nil {
			return nil, err
		}
	}
	doc, err := parseSVG(svg)
	if err != nil {
		return nil, err
	}

	root, rebound := rewriteRoot(svg[doc.rootStart:doc.rootEnd], doc.rootSelfClosing, ns, !doc.prefixInUse)

	var el bytes.Buffer
	el.Grow(len(payload) + len(verify) + len(ns) + 100)
	el.WriteString("\n<" + badgePrefix + ":" + local)
	if !rebound {
		// The root binds "openbadges" to another URI that the document
		// uses: declare ours on the element alone.
		el.WriteString(" xmlns:" + badgePrefix + `="`)
		xml.EscapeText(&el, []byte(ns))
		el.WriteByte('"')
	}
	if verify != "" {
		el.WriteString(` verify="`)
		xml.EscapeText(&el, []byte(verify))
		el.WriteByte('"')
	}
	el.WriteByte('>')
	writeBody(&el, payload)
	el.WriteString("</" + badgePrefix + ":" + local + ">")

	out := make([]byte, 0, len(svg)+el.Len()+len(ns)+40)
	out = append(out, svg[:doc.rootStart]...)
	out = append(out, root...)
	out = append(out, el.Bytes()...)
	pos := doc.rootEnd
	if doc.rootSelfClosing {
		out = append(out, "\n</"+doc.rootRaw+">"...)
	}
	for _, e := range doc.elems {
		out = append(out, svg[pos:e.start]...)
		pos = e.end
	}
	out = append(out, svg[pos:]...)
	if len(out) > MaxImageBytes {
		return nil, formatErr(SVG, "", ErrTooLarge, "the baked SVG would be %d bytes, over the %d-byte limit", len(out), MaxImageBytes)
	}
	return out, nil
}

func writeBody(w *bytes.Buffer, p []byte) {
	if len(p) == 0 {
		return
	}
	if bytes.IndexByte(p, '\r') >= 0 {
		xml.EscapeText(w, p)
		return
	}
	w.WriteString("<![CDATA[")
	for {
		i := bytes.Index(p, []byte("]]>"))
		if i < 0 {
			break
		}
		// End the section after "]]" and start a new one with ">".
		w.Write(p[:i+2])
		w.WriteString("]]><![CDATA[")
		p = p[i+2:]
	}
	w.Write(p)
	w.WriteString("]]>")
}

// checkXMLText refuses what XML 1.0 cannot carry at all.
func checkXMLText(b []byte) error {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return fmt.Errorf("bake: the payload is not valid UTF-8 (byte %d)", i)
		}
		if !isXMLChar(r) {
			return fmt.Errorf("bake: the payload contains %U at byte %d, which XML cannot carry", r, i)
		}
		i += n
	}
	return nil
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// rewriteRoot returns the root start tag with xmlns:openbadges bound to ns:
// one is added when there is none, a declaration bound elsewhere is
// rewritten; unless !mayRebind, when the root keeps what it has and rebound
// is false if that is not already ns. A
// self-closing tag comes back as an open tag ("…>"). The tag was already
// checked by the XML parser, so the scan only has to find attribute
// boundaries.
func rewriteRoot(tag []byte, selfClosing bool, ns string, mayRebind bool) (out []byte, rebound bool) {
	var esc bytes.Buffer
	xml.EscapeText(&esc, []byte(ns))
	val := esc.Bytes()

	out = make([]byte, 0, len(tag)+len(ns)+32)
	rebound = true
	i := 1 // after '<'
	for i < len(tag) && !isSpaceOrEnd(tag[i]) {
		i++
	}
	last := 0 // copied up to here
	found := false
	for {
		for i < len(tag) && isXMLSpace(tag[i:i+1]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			break
		}
		nameStart := i
		for i < len(tag) && tag[i] != '=' && !isXMLSpace(tag[i:i+1]) {
			i++
		}
		name := string(tag[nameStart:i])
		for i < len(tag) && tag[i] != '\'' && tag[i] != '"' {
			i++
		}
		if i >= len(tag) {
			break
		}
		q := tag[i]
		i++
		valStart := i
		for i < len(tag) && tag[i] != q {
			i++
		}
		if name == "xmlns:"+badgePrefix {
			found = true
			switch {
			case bytes.Equal(tag[valStart:i], val):
			case mayRebind:
				out = append(out, tag[last:valStart]...)
				out = append(out, val...)
				last = i
			default:
				rebound = false
			}
		}
		i++ // closing quote
	}
	endAt := len(tag) - 1 // the '>'
	if selfClosing {
		endAt = len(tag) - 2 // the "/>"
	}
	out = append(out, tag[last:endAt]...)
	switch {
	case !found && !mayRebind:
		rebound = false
	case !found:
		out = append(out, " xmlns:"+badgePrefix+`="`...)
		out = append(out, val...)
		out = append(out, '"')
	}
	return append(out, '>'), rebound
}

func isSpaceOrEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'
}
