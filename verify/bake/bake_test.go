package bake

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// testPNG encodes a small w×h RGBA image. noise makes it incompressible.
func testPNG(t testing.TB, w, h int, noise bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range img.Pix {
		if noise {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			img.Pix[i] = byte(x)
		} else {
			img.Pix[i] = byte(i * 7)
		}
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const plainSVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
  <title>Badge</title>
  <circle cx="5" cy="5" r="4" fill="#E44D26"/>
</svg>
`

const ob3JSON = `{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],"type":["VerifiableCredential","OpenBadgeCredential"],"name":"Zażółć gęślą jaźń"}`

const compactJWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOmV4YW1wbGUuY29tIn0.c2lnbmF0dXJl"

func TestDetect(t *testing.T) {
	p := testPNG(t, 2, 2, false)
	cases := []struct {
		name string
		in   string
		kind Kind
		ok   bool
	}{
		{"png", string(p), PNG, true},
		{"svg", plainSVG, SVG, true},
		{"svg no decl", `<svg/>`, SVG, true},
		{"svg bom doctype comment", "\ufeff<?xml version=\"1.0\"?>\n<!-- hi -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", SVG, true},
		{"prefixed svg", `<s:svg xmlns:s="http://www.w3.org/2000/svg"/>`, SVG, true},
		{"html", `<html><body/></html>`, "", false},
		{"json", ob3JSON, "", false},
		{"jws", compactJWS, "", false},
		{"text before root", `hello <svg/>`, "", false},
		{"png prefix only", "\x89PNG\r\n", "", false},
		{"empty", "", "", false},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", "", false},
	}
	for _, c := range cases {
		k, ok := Detect([]byte(c.in))
		if k != c.kind || ok != c.ok {
			t.Errorf("%s: Detect = %q, %v; want %q, %v", c.name, k, ok, c.kind, c.ok)
		}
	}
}

func TestUnbakeDispatch(t *testing.T) {
	p, err := BakePNG(testPNG(t, 3, 3, false), KeywordOB3, []byte(ob3JSON))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unbake(p)
	if err != nil || got.Kind != PNG || string(got.Payload) != ob3JSON {
		t.Fatalf("Unbake(png) = %+v, %v", got, err)
	}
	s, err := BakeSVG([]byte(plainSVG), ElementCredential, []byte(ob3JSON), "")
	if err != nil {
		t.Fatal(err)
	}
	got, err = Unbake(s)
	if err != nil || got.Kind != SVG || string(got.Payload) != ob3JSON {
		t.Fatalf("Unbake(svg) = %+v, %v", got, err)
	}

	_, err = Unbake(testPNG(t, 3, 3, false))
	if !errors.Is(err, ErrNotBaked) {
		t.Errorf("plain PNG: err = %v, want ErrNotBaked", err)
	}
	_, err = Unbake([]byte(plainSVG))
	if !errors.Is(err, ErrNotBaked) {
		t.Errorf("plain SVG: err = %v, want ErrNotBaked", err)
	}
	_, err = Unbake([]byte(ob3JSON))
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrNotImage) {
		t.Errorf("JSON: err = %v, want a FormatError wrapping ErrNotImage", err)
	}
	big := make([]byte, MaxImageBytes+1)
	copy(big, pngSignature)
	if _, err := Unbake(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize: err = %v, want ErrTooLarge", err)
	}
}

func TestBakeGeneric(t *testing.T) {
	// JSON goes into the SVG body, a JWS into verify=.
	s, err := Bake([]byte(plainSVG), KeywordOB3, []byte(ob3JSON))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(s, []byte("<![CDATA["+ob3JSON+"]]>")) {
		t.Errorf("JSON not in CDATA:\n%s", s)
	}
	s, err = Bake([]byte(plainSVG), KeywordOB3, []byte(compactJWS))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(s, []byte(`<openbadges:credential verify="`+compactJWS+`"></openbadges:credential>`)) {
		t.Errorf("JWS not in verify=:\n%s", s)
	}
	got, err := UnbakeSVG(s)
	if err != nil || string(got.Payload) != compactJWS || got.Verify != compactJWS {
		t.Errorf("UnbakeSVG = %+v, %v", got, err)
	}
	s, err = Bake([]byte(plainSVG), KeywordCLR, []byte(ob3JSON))
	if err != nil {
		t.Fatal(err)
	}
	got, err = UnbakeSVG(s)
	if err != nil || got.Namespace != NamespaceCLR || got.Keyword != ElementCredential {
		t.Errorf("CLR: %+v, %v", got, err)
	}
	p, err := Bake(testPNG(t, 2, 2, false), KeywordOB2, []byte("https://example.org/assertions/1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = Unbake(p)
	if err != nil || got.Keyword != KeywordOB2 || string(got.Payload) != "https://example.org/assertions/1" {
		t.Errorf("PNG: %+v, %v", got, err)
	}
	if _, err := Bake([]byte(plainSVG), "badge", []byte(ob3JSON)); err == nil {
		t.Error("unknown keyword accepted")
	}
	if _, err := Bake([]byte("GIF89a"), KeywordOB3, []byte(ob3JSON)); !errors.Is(err, ErrNotImage) {
		t.Errorf("GIF: err = %v, want ErrNotImage", err)
	}
}

// errorReadsWell checks that err is a *FormatError whose message contains
// every fragment.
func errorReadsWell(t *testing.T, name string, err error, fragments ...string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("%s: err = %v (%T), want *FormatError", name, err, err)
		return
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: error %q does not mention %q", name, err, f)
		}
	}
}
