package bake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"unicode/utf8"
)

// chunk is one PNG chunk, located in the file.
type chunk struct {
	typ  string // four ASCII letters
	off  int    // offset of the length field
	end  int    // offset just after the CRC
	data []byte // aliases the input
}

// walkPNG validates the signature, every chunk's framing and CRC, that the
// first chunk is a 13-byte IHDR and that IEND is reached, calling fn for each
// chunk (IHDR and IEND included) in order. It returns the offset just after
// IEND. Bytes after IEND are ignored.
func walkPNG(b []byte, fn func(c chunk) error) (int, error) {
	if len(b) > MaxImageBytes {
		return 0, tooLargeImage(PNG, len(b))
	}
	if !bytes.HasPrefix(b, pngSignature) {
		return 0, formatErr(PNG, "", ErrNotImage, "the file is not a PNG: the 8-byte PNG signature is missing")
	}
	off := len(pngSignature)
	prev := ""
	for n := 0; ; n++ {
		rest := len(b) - off
		if rest == 0 {
			if prev == "" {
				return 0, formatErr(PNG, "", nil, "the PNG is cut off: it has a signature and no chunks")
			}
			return 0, formatErr(PNG, prev, nil, "the PNG is cut off after chunk %s: it ends without an IEND chunk", prev)
		}
		if rest < 12 {
			return 0, formatErr(PNG, prev, nil, "the PNG is cut off after %s: %d stray bytes where a chunk header should be", orStart(prev), rest)
		}
		length := binary.BigEndian.Uint32(b[off:])
		typ := b[off+4 : off+8]
		if !isChunkType(typ) {
			return 0, formatErr(PNG, "", nil, "the PNG is damaged: %s is followed by a chunk with the invalid type %q at byte %d", orStart(prev), typ, off+4)
		}
		name := string(typ)
		if length > 1<<31-1 {
			return 0, formatErr(PNG, name, nil, "the PNG is damaged: chunk %s declares %d data bytes, over the PNG maximum of 2^31-1", name, length)
		}
		if int64(length) > int64(rest-12) {
			return 0, formatErr(PNG, name, nil, "the PNG is cut off in chunk %s: it declares %d data bytes but only %d remain", name, length, max(rest-12, 0))
		}
		data := b[off+8 : off+8+int(length)]
		end := off + 12 + int(length)
		stored := binary.BigEndian.Uint32(b[end-4:])
		if sum := crc32.Update(crc32.ChecksumIEEE(typ), crc32.IEEETable, data); sum != stored {
			return 0, formatErr(PNG, name, nil, "the PNG is damaged: chunk %s at byte %d has a bad CRC (stored %08x, computed %08x)", name, off, stored, sum)
		}
		if n == 0 {
			if name != "IHDR" {
				return 0, formatErr(PNG, name, nil, "the PNG is damaged: its first chunk is %s, not IHDR", name)
			}
			if length != 13 {
				return 0, formatErr(PNG, name, nil, "the PNG is damaged: its IHDR chunk has %d bytes, not 13", length)
			}
		} else if name == "IHDR" {
			return 0, formatErr(PNG, name, nil, "the PNG is damaged: it has a second IHDR chunk at byte %d", off)
		}
		if fn != nil {
			if err := fn(chunk{typ: name, off: off, end: end, data: data}); err != nil {
				return 0, err
			}
		}
		off = end
		prev = name
		if name == "IEND" {
			return off, nil
		}
	}
}

func orStart(prev string) string {
	if prev == "" {
		return "the signature"
	}
	return "chunk " + prev
}

func isChunkType(t []byte) bool {
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// badgeKeyword returns the keyword of a tEXt, zTXt or iTXt chunk when it is
// one of ours.
func badgeKeyword(c chunk) (string, bool) {
	if c.typ != "tEXt" && c.typ != "iTXt" && c.typ != "zTXt" {
		return "", false
	}
	i := bytes.IndexByte(c.data, 0)
	if i < 0 {
		return "", false
	}
	k := string(c.data[:i])
	return k, validKeyword(k)
}

// rank orders badge chunks: lower is preferred.
func rank(typ, keyword string) int {
	r := 0
	switch keyword {
	case KeywordOB3:
		r = 0
	case KeywordCLR:
		r = 1
	case KeywordOB2:
		r = 2
	}
	if typ == "tEXt" {
		r += 3
	}
	return r
}

// UnbakePNG extracts the badge from a PNG. See the package documentation for
// which chunk wins when there are several.
func UnbakePNG(b []byte) (Baked, error) {
	var (
		best       Baked
		bestRank   = -1
		found      int
		compressed []string
	)
	_, err := walkPNG(b, func(c chunk) error {
		kw, ok := badgeKeyword(c)
		if !ok {
			return nil
		}
		what := c.typ + " " + kw
		var text []byte
		switch c.typ {
		case "zTXt":
			compressed = append(compressed, what)
			return nil
		case "tEXt":
			text = latin1ToUTF8(c.data[len(kw)+1:])
		case "iTXt":
			t, isCompressed, err := parseITXt(c.data[len(kw)+1:], kw)
			if err != nil {
				return err
			}
			if isCompressed {
				compressed = append(compressed, what)
				return nil
			}
			text = t
		}
		found++
		r := rank(c.typ, kw)
		if bestRank >= 0 && r >= bestRank {
			return nil
		}
		text = trimSpace(text)
		if len(text) == 0 {
			return formatErr(PNG, c.typ, nil, "the PNG's %s chunk holds no text", what)
		}
		if len(text) > MaxPayloadBytes {
			return formatErr(PNG, c.typ, ErrTooLarge, "the PNG's %s chunk holds %d bytes, over the %d-byte limit", what, len(text), MaxPayloadBytes)
		}
		best = Baked{Kind: PNG, Keyword: kw, Chunk: c.typ, Payload: text}
		bestRank = r
		return nil
	})
	if err != nil {
		return Baked{}, err
	}
	if bestRank < 0 {
		if len(compressed) > 0 {
			return Baked{}, formatErr(PNG, "", ErrCompressed, "the PNG's %s chunk is compressed, which Open Badges forbids; re-bake it uncompressed", compressed[0])
		}
		return Baked{}, ErrNotBaked
	}
	if found > 1 {
		best.Warnings = append(best.Warnings, fmt.Sprintf("the PNG has %d badge chunks; used %s %s", found, best.Chunk, best.Keyword))
	}
	for _, w := range compressed {
		best.Warnings = append(best.Warnings, fmt.Sprintf("ignored a compressed %s chunk", w))
	}
	if best.Chunk == "tEXt" {
		best.Warnings = append(best.Warnings, fmt.Sprintf("tEXt %s is the legacy (pre-2.0) way of baking", best.Keyword))
	}
	return best, nil
}

// parseITXt parses what follows "keyword\0" in an iTXt chunk: compression
// flag, method, language tag\0, translated keyword\0, text.
func parseITXt(d []byte, kw string) (text []byte, compressed bool, err error) {
	bad := func(why string) error {
		return formatErr(PNG, "iTXt", nil, "the PNG's iTXt %s chunk is malformed: %s", kw, why)
	}
	if len(d) < 2 {
		return nil, false, bad("it ends before the compression flag")
	}
	flag, method := d[0], d[1]
	switch flag {
	case 0:
	case 1:
		return nil, true, nil
	default:
		return nil, false, bad(fmt.Sprintf("the compression flag is %d, not 0 or 1", flag))
	}
	_ = method // must be 0 when compressed; meaningless when not
	d = d[2:]
	i := bytes.IndexByte(d, 0)
	if i < 0 {
		return nil, false, bad("the language tag is not terminated")
	}
	d = d[i+1:]
	i = bytes.IndexByte(d, 0)
	if i < 0 {
		return nil, false, bad("the translated keyword is not terminated")
	}
	d = d[i+1:]
	if !utf8.Valid(d) {
		return nil, false, bad("the text is not valid UTF-8")
	}
	return d, false, nil
}

func latin1ToUTF8(b []byte) []byte {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// BakePNG returns a copy of img with payload baked in: every existing
// openbadges/openbadgecredential/clrcredential iTXt, tEXt or zTXt chunk is
// removed and one uncompressed iTXt (keyword, flag 0, method 0, empty
// language tag, empty translated keyword, payload) is inserted right after
// IHDR. Every other chunk is copied verbatim; bytes after IEND are dropped.
// img must be a valid PNG (same checks as UnbakePNG); payload must be
// non-blank UTF-8 of at most MaxPayloadBytes.
func BakePNG(img []byte, keyword string, payload []byte) ([]byte, error) {
	if err := checkPayload(keyword, payload); err != nil {
		return nil, err
	}
	text := makeITXt(keyword, payload)
	out := make([]byte, 0, len(img)+len(text)+12)
	out = append(out, pngSignature...)
	_, err := walkPNG(img, func(c chunk) error {
		if _, ours := badgeKeyword(c); ours {
			return nil
		}
		out = append(out, img[c.off:c.end]...)
		if c.typ == "IHDR" {
			out = appendChunk(out, "iTXt", text)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) > MaxImageBytes {
		return nil, formatErr(PNG, "", ErrTooLarge, "the baked PNG would be %d bytes, over the %d-byte limit", len(out), MaxImageBytes)
	}
	return out, nil
}

func checkPayload(keyword string, payload []byte) error {
	if !validKeyword(keyword) {
		return fmt.Errorf("bake: unknown keyword %q (want %s, %s or %s)", keyword, KeywordOB2, KeywordOB3, KeywordCLR)
	}
	if len(trimSpace(payload)) == 0 {
		return fmt.Errorf("bake: the payload is empty")
	}
	if len(payload) > MaxPayloadBytes {
		return fmt.Errorf("bake: the payload is %d bytes, over the %d-byte limit: %w", len(payload), MaxPayloadBytes, ErrTooLarge)
	}
	if !utf8.Valid(payload) {
		return fmt.Errorf("bake: the payload is not valid UTF-8")
	}
	return nil
}

func makeITXt(keyword string, payload []byte) []byte {
	d := make([]byte, 0, len(keyword)+5+len(payload))
	d = append(d, keyword...)
	d = append(d, 0, 0, 0, 0, 0) // keyword NUL, flag 0, method 0, language NUL, translated keyword NUL
	return append(d, payload...)
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}
