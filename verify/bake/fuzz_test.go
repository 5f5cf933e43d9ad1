package bake

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// checkErr: every failure is ErrNotBaked or a *FormatError.
func checkErr(t *testing.T, err error) {
	t.Helper()
	var fe *FormatError
	if !errors.Is(err, ErrNotBaked) && !errors.As(err, &fe) {
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	if err.Error() == "" {
		t.Fatal("empty error message")
	}
}

func addFixtureSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join(fixturesDir, pattern))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

func FuzzUnbakePNG(f *testing.F) {
	clean := testPNG(f, 3, 3, false)
	baked, err := BakePNG(clean, KeywordOB3, []byte(ob3JSON))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(clean)
	f.Add(baked)
	f.Add(baked[:len(baked)-20])
	bad := bytes.Clone(baked)
	bad[40] ^= 1
	f.Add(bad)
	f.Add(bytes.Join([][]byte{pngSignature, rawChunk("IHDR", make([]byte, 13)), tEXt(KeywordOB2, []byte("http://example.org/caf\xe9")), rawChunk("IEND", nil)}, nil))
	f.Add(bytes.Join([][]byte{pngSignature, rawChunk("IHDR", make([]byte, 13)), iTXt(KeywordCLR, 1, "x"), iTXt(KeywordOB2, 0, "y"), rawChunk("IEND", nil)}, nil))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"))
	f.Add([]byte("not a png"))
	addFixtureSeeds(f, "1edtech-validator/ob20/*.png")

	f.Fuzz(func(t *testing.T, data []byte) {
		// Random mutations rarely keep a CRC valid: also try the input with
		// every CRC repaired, so the fuzzer reaches the chunk parsers.
		checkPNGRoundTrip(t, clean, data)
		if fixed := fixCRCs(data); !bytes.Equal(fixed, data) {
			checkPNGRoundTrip(t, clean, fixed)
		}
	})
}

// fixCRCs returns a copy of b with the CRC of every complete chunk
// recomputed (framing is followed as far as it goes).
func fixCRCs(b []byte) []byte {
	b = bytes.Clone(b)
	if !bytes.HasPrefix(b, pngSignature) {
		return b
	}
	for off := len(pngSignature); off+12 <= len(b); {
		n := int64(binary.BigEndian.Uint32(b[off:]))
		if n > int64(len(b)-off-12) {
			break
		}
		end := off + 12 + int(n)
		binary.BigEndian.PutUint32(b[end-4:], crc32.ChecksumIEEE(b[off+4:end-4]))
		off = end
	}
	return b
}

func checkPNGRoundTrip(t *testing.T, clean, data []byte) {
	t.Helper()
	got, err := UnbakePNG(data)
	if err != nil {
		checkErr(t, err)
		if _, berr := BakePNG(data, KeywordOB3, []byte("x")); berr == nil && !errors.Is(err, ErrNotBaked) && !errors.Is(err, ErrCompressed) && !errors.Is(err, ErrTooLarge) {
			// BakePNG only skips badge-chunk contents; a broken frame must fail both.
			var fe *FormatError
			if errors.As(err, &fe) && fe.Where != "iTXt" && fe.Where != "tEXt" {
				t.Fatalf("UnbakePNG refused (%v) what BakePNG accepted", err)
			}
		}
		return
	}
	if len(got.Payload) == 0 || got.Kind != PNG {
		t.Fatalf("bad result %+v", got)
	}
	// Re-bake into a clean image and into the input itself.
	for _, img := range [][]byte{clean, data} {
		out, err := BakePNG(img, got.Keyword, got.Payload)
		if err != nil {
			t.Fatalf("re-bake: %v", err)
		}
		again, err := UnbakePNG(out)
		if err != nil {
			t.Fatalf("unbake re-baked: %v", err)
		}
		if !bytes.Equal(again.Payload, got.Payload) || again.Keyword != got.Keyword || again.Chunk != "iTXt" {
			t.Fatalf("round trip: %q %q -> %q %q", got.Keyword, got.Payload, again.Keyword, again.Payload)
		}
		n := 0
		_, _ = walkPNG(out, func(c chunk) error {
			if _, ok := badgeKeyword(c); ok {
				n++
			}
			return nil
		})
		if n != 1 {
			t.Fatalf("%d badge chunks after re-baking", n)
		}
	}
}

func FuzzUnbakeSVG(f *testing.F) {
	clean := []byte(plainSVG)
	baked, err := BakeSVG(clean, ElementCredential, []byte(`{"a":"]]>"}`), "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(clean)
	f.Add(baked)
	f.Add(baked[:len(baked)-10])
	f.Add([]byte(billionLaughs))
	f.Add([]byte(`<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a"/></svg>`))
	f.Add([]byte(`<svg><openbadges:credential verify="a.b.c"></openbadges:credential></svg>`))
	f.Add([]byte(`<s:svg xmlns:s="http://www.w3.org/2000/svg" xmlns:x="https://purl.imsglobal.org/clr/v2p0" a='>'><x:credential>&#13;{}&#13;</x:credential></s:svg>`))
	f.Add([]byte("\ufeff<!DOCTYPE svg PUBLIC \"a\" \"b\"><svg/>"))
	f.Add([]byte(`<svg><g></h></svg>`))
	f.Add([]byte(`<openbadges:svg xmlns:openbadges="http://www.w3.org/2000/svg"><openbadges:credential>{}</openbadges:credential></openbadges:svg>`))
	addFixtureSeeds(f, "bakery/*.svg")
	addFixtureSeeds(f, "1edtech-validator/ob30/*.svg")

	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := UnbakeSVG(data)
		if err != nil {
			checkErr(t, err)
			return
		}
		if len(got.Payload) == 0 || got.Kind != SVG {
			t.Fatalf("bad result %+v", got)
		}
		el := got.Keyword
		if got.Namespace == NamespaceCLR {
			el = KeywordCLR
		}
		for _, img := range [][]byte{clean, data} {
			out, err := BakeSVG(img, el, got.Payload, got.Verify)
			if err != nil {
				t.Fatalf("re-bake: %v", err)
			}
			again, err := UnbakeSVG(out)
			if err != nil {
				t.Fatalf("unbake re-baked: %v\n%s", err, out)
			}
			if !bytes.Equal(again.Payload, got.Payload) || again.Keyword != got.Keyword || again.Verify != got.Verify || len(again.Warnings) != 0 {
				t.Fatalf("round trip: %+v -> %+v\n%s", got, again, out)
			}
			if a, b := rootName(img), rootName(out); a != b {
				t.Fatalf("root element changed from %v to %v\n%s", a, b, out)
			}
		}
	})
}

// rootName is the root element's namespace-resolved name.
func rootName(b []byte) xml.Name {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{Local: "error: " + err.Error()}
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name
		}
	}
}
