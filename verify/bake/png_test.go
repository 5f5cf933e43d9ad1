package bake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/png"
	"strings"
	"testing"
)

// badgeChunks lists "type keyword" for every badge text chunk in a PNG.
func badgeChunks(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	if _, err := walkPNG(b, func(c chunk) error {
		if kw, ok := badgeKeyword(c); ok {
			out = append(out, c.typ+" "+kw)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// chunkTypes lists the chunk types of a PNG in order.
func chunkTypes(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	if _, err := walkPNG(b, func(c chunk) error { out = append(out, c.typ); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// withChunks inserts raw chunks after IHDR (or before IEND when atEnd).
func withChunks(t *testing.T, img []byte, atEnd bool, chunks ...[]byte) []byte {
	t.Helper()
	out := append([]byte{}, pngSignature...)
	if _, err := walkPNG(img, func(c chunk) error {
		if atEnd && c.typ == "IEND" {
			for _, ch := range chunks {
				out = append(out, ch...)
			}
		}
		out = append(out, img[c.off:c.end]...)
		if !atEnd && c.typ == "IHDR" {
			for _, ch := range chunks {
				out = append(out, ch...)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func rawChunk(typ string, data []byte) []byte { return appendChunk(nil, typ, data) }

func iTXt(kw string, flag byte, text string) []byte {
	d := append([]byte(kw), 0, flag, 0)
	d = append(d, "en"...)
	d = append(d, 0)
	d = append(d, "Badge"...)
	d = append(d, 0)
	return rawChunk("iTXt", append(d, text...))
}

func tEXt(kw string, text []byte) []byte {
	return rawChunk("tEXt", append(append([]byte(kw), 0), text...))
}

func TestPNGRoundTrip(t *testing.T) {
	img := testPNG(t, 16, 16, false)
	for _, kw := range []string{KeywordOB3, KeywordCLR, KeywordOB2} {
		for _, payload := range []string{ob3JSON, compactJWS, "https://example.org/assertions/1"} {
			out, err := BakePNG(img, kw, []byte(payload))
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnbakePNG(out)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != PNG || got.Keyword != kw || got.Chunk != "iTXt" || string(got.Payload) != payload || len(got.Warnings) != 0 {
				t.Errorf("%s: got %+v", kw, got)
			}
			// Still a valid PNG (image/png checks every CRC), iTXt right after IHDR.
			if _, err := png.Decode(bytes.NewReader(out)); err != nil {
				t.Errorf("%s: image/png rejects the baked file: %v", kw, err)
			}
			if ct := chunkTypes(t, out); ct[0] != "IHDR" || ct[1] != "iTXt" {
				t.Errorf("chunk order %v", ct)
			}
		}
	}
	// The exact iTXt layout the specs show.
	out, _ := BakePNG(img, KeywordOB3, []byte("x"))
	want := rawChunk("iTXt", []byte("openbadgecredential\x00\x00\x00\x00\x00x"))
	if !bytes.Contains(out, want) {
		t.Error("iTXt layout differs from keyword NUL 0 0 NUL NUL text")
	}
	// The input is not modified.
	if !bytes.Equal(img, testPNG(t, 16, 16, false)) {
		t.Error("BakePNG modified its input")
	}
}

func TestPNGRebakeReplaces(t *testing.T) {
	img := testPNG(t, 8, 8, false)
	// Start from a file carrying every kind of old badge chunk.
	dirty := withChunks(t, img, true,
		iTXt(KeywordOB2, 0, "old2"),
		tEXt(KeywordOB2, []byte("http://old.example")),
		iTXt(KeywordCLR, 1, "\x78\x9c"),
		rawChunk("zTXt", []byte("openbadgecredential\x00\x00\x78\x9c")),
		tEXt("Comment", []byte("keep me")),
		iTXt("openbadgesX", 0, "not ours"),
	)
	out, err := BakePNG(dirty, KeywordOB3, []byte(ob3JSON))
	if err != nil {
		t.Fatal(err)
	}
	out, err = BakePNG(out, KeywordOB3, []byte(compactJWS)) // and again
	if err != nil {
		t.Fatal(err)
	}
	if bc := badgeChunks(t, out); len(bc) != 1 || bc[0] != "iTXt openbadgecredential" {
		t.Errorf("badge chunks after re-baking: %v", bc)
	}
	if !bytes.Contains(out, []byte("keep me")) || !bytes.Contains(out, []byte("openbadgesX")) {
		t.Error("unrelated text chunks were dropped")
	}
	got, err := UnbakePNG(out)
	if err != nil || string(got.Payload) != compactJWS || len(got.Warnings) != 0 {
		t.Errorf("got %+v, %v", got, err)
	}
	if _, err := png.Decode(bytes.NewReader(out)); err != nil {
		t.Error(err)
	}
	// Bytes after IEND are dropped.
	out2, err := BakePNG(append(append([]byte{}, img...), "trailing junk"...), KeywordOB2, []byte("u"))
	if err != nil || bytes.HasSuffix(out2, []byte("junk")) {
		t.Errorf("trailing data: %v", err)
	}
}

func TestPNGChoice(t *testing.T) {
	img := testPNG(t, 4, 4, false)
	cases := []struct {
		name          string
		chunks        [][]byte
		kw, chunk, pl string
		warnings      int
	}{
		{"legacy tEXt latin-1", [][]byte{tEXt(KeywordOB2, []byte("  https://example.org/caf\xe9  \n"))}, KeywordOB2, "tEXt", "https://example.org/café", 1},
		{"iTXt with language and translated keyword", [][]byte{iTXt(KeywordOB2, 0, "\n{\"a\":1}\n")}, KeywordOB2, "iTXt", `{"a":1}`, 0},
		{"ob3 beats ob2", [][]byte{iTXt(KeywordOB2, 0, "two"), iTXt(KeywordOB3, 0, "three")}, KeywordOB3, "iTXt", "three", 1},
		{"clr beats ob2", [][]byte{iTXt(KeywordOB2, 0, "two"), iTXt(KeywordCLR, 0, "clr")}, KeywordCLR, "iTXt", "clr", 1},
		{"iTXt beats tEXt", [][]byte{tEXt(KeywordOB3, []byte("t")), iTXt(KeywordOB2, 0, "i")}, KeywordOB2, "iTXt", "i", 1},
		{"first of a kind", [][]byte{iTXt(KeywordOB3, 0, "first"), iTXt(KeywordOB3, 0, "second")}, KeywordOB3, "iTXt", "first", 1},
		{"compressed skipped", [][]byte{iTXt(KeywordOB3, 1, "\x78\x9c"), iTXt(KeywordOB2, 0, "plain")}, KeywordOB2, "iTXt", "plain", 1},
	}
	for _, c := range cases {
		got, err := UnbakePNG(withChunks(t, img, true, c.chunks...))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Keyword != c.kw || got.Chunk != c.chunk || string(got.Payload) != c.pl || len(got.Warnings) != c.warnings {
			t.Errorf("%s: got %q %s %q warnings %q", c.name, got.Keyword, got.Chunk, got.Payload, got.Warnings)
		}
	}
}

func TestPNGMalformed(t *testing.T) {
	img := testPNG(t, 32, 32, true)
	baked, err := BakePNG(img, KeywordOB3, []byte(ob3JSON))
	if err != nil {
		t.Fatal(err)
	}
	var idat, iend int
	_, _ = walkPNG(baked, func(c chunk) error {
		switch c.typ {
		case "IDAT":
			idat = c.off
		case "IEND":
			iend = c.off
		}
		return nil
	})
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, baked...)) }

	cases := []struct {
		name     string
		in       []byte
		sentinel error
		frag     []string
	}{
		{"not a PNG", []byte("GIF89a......"), ErrNotImage, []string{"not a PNG"}},
		{"signature only", pngSignature, nil, []string{"cut off", "no chunks"}},
		{"cut off in IDAT", baked[:idat+40], nil, []string{"cut off in chunk IDAT"}},
		{"cut off before IEND", baked[:iend], nil, []string{"without an IEND"}},
		{"cut off in IEND", baked[:iend+7], nil, []string{"cut off after chunk IDAT", "stray bytes"}},
		{"bad CRC in IDAT", mod(func(b []byte) []byte { b[idat+20] ^= 0xff; return b }), nil, []string{"chunk IDAT", "bad CRC"}},
		{"bad CRC in iTXt", mod(func(b []byte) []byte { b[33+30] ^= 1; return b }), nil, []string{"chunk iTXt", "bad CRC"}},
		{"length overflow", mod(func(b []byte) []byte { binary.BigEndian.PutUint32(b[idat:], 0xfffffff0); return b }), nil, []string{"chunk IDAT", "2^31-1"}},
		{"length past the end", mod(func(b []byte) []byte { binary.BigEndian.PutUint32(b[idat:], 1<<30); return b }), nil, []string{"cut off in chunk IDAT", "1073741824"}},
		{"bad chunk type", mod(func(b []byte) []byte { b[idat+4] = '1'; return b }), nil, []string{"invalid type"}},
		{"no IHDR first", withChunksRaw(pngSignature, rawChunk("IDAT", nil), rawChunk("IEND", nil)), nil, []string{"first chunk is IDAT"}},
		{"short IHDR", withChunksRaw(pngSignature, rawChunk("IHDR", make([]byte, 5)), rawChunk("IEND", nil)), nil, []string{"IHDR", "not 13"}},
		{"second IHDR", withChunks(t, img, true, rawChunk("IHDR", make([]byte, 13))), nil, []string{"second IHDR"}},
		{"compressed iTXt only", withChunks(t, img, false, iTXt(KeywordOB3, 1, "\x78\x9c\x03\x00")), ErrCompressed, []string{"iTXt openbadgecredential", "compressed"}},
		{"zTXt only", withChunks(t, img, false, rawChunk("zTXt", []byte("openbadges\x00\x00\x78\x9c"))), ErrCompressed, []string{"zTXt openbadges", "compressed"}},
		{"iTXt missing NULs", withChunks(t, img, false, rawChunk("iTXt", []byte("openbadges\x00\x00\x00en"))), nil, []string{"iTXt openbadges", "malformed", "language tag"}},
		{"iTXt bad flag", withChunks(t, img, false, rawChunk("iTXt", []byte("openbadges\x00\x07\x00\x00\x00x"))), nil, []string{"compression flag is 7"}},
		{"iTXt bad UTF-8", withChunks(t, img, false, iTXt(KeywordOB2, 0, "caf\xe9")), nil, []string{"not valid UTF-8"}},
		{"iTXt empty", withChunks(t, img, false, iTXt(KeywordOB3, 0, " \n ")), nil, []string{"iTXt openbadgecredential", "no text"}},
		{"payload too large", withChunks(t, img, false, iTXt(KeywordOB3, 0, strings.Repeat("a", MaxPayloadBytes+1))), ErrTooLarge, []string{"over the 1048576-byte limit"}},
		{"image too large", append(append([]byte{}, pngSignature...), make([]byte, MaxImageBytes)...), ErrTooLarge, []string{"over the 4194304-byte limit"}},
	}
	for _, c := range cases {
		_, err := UnbakePNG(c.in)
		errorReadsWell(t, c.name, err, c.frag...)
		if c.sentinel != nil && !errors.Is(err, c.sentinel) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.sentinel)
		}
		// BakePNG refuses what UnbakePNG finds broken (except badge-chunk
		// contents, which it removes anyway).
		if c.sentinel == nil && !strings.Contains(c.name, "iTXt") {
			if _, err := BakePNG(c.in, KeywordOB3, []byte("x")); err == nil {
				t.Errorf("%s: BakePNG accepted it", c.name)
			}
		}
	}
	// Not baked.
	if _, err := UnbakePNG(img); !errors.Is(err, ErrNotBaked) {
		t.Errorf("plain PNG: %v", err)
	}
	if _, err := UnbakePNG(withChunks(t, img, false, tEXt("Comment", []byte("openbadges")))); !errors.Is(err, ErrNotBaked) {
		t.Errorf("other tEXt: %v", err)
	}
}

func withChunksRaw(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestBakePNGArguments(t *testing.T) {
	img := testPNG(t, 2, 2, false)
	cases := []struct {
		name    string
		kw      string
		payload []byte
	}{
		{"unknown keyword", "OpenBadges", []byte("x")},
		{"empty", KeywordOB3, nil},
		{"blank", KeywordOB3, []byte(" \n")},
		{"bad UTF-8", KeywordOB3, []byte("\xff")},
		{"too large", KeywordOB3, bytes.Repeat([]byte("a"), MaxPayloadBytes+1)},
	}
	for _, c := range cases {
		if _, err := BakePNG(img, c.kw, c.payload); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	// A result over MaxImageBytes is refused, so baked files always unbake.
	big := withChunks(t, img, true, rawChunk("prVt", make([]byte, MaxImageBytes-MaxPayloadBytes/2)))
	if _, err := UnbakePNG(big); !errors.Is(err, ErrNotBaked) {
		t.Fatalf("big PNG: %v", err)
	}
	if _, err := BakePNG(big, KeywordOB3, bytes.Repeat([]byte("a"), MaxPayloadBytes)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize result: err = %v", err)
	}
}
