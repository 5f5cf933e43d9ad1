package ledger

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// gRSShopper's blockchain.json (research/seed-systems.md a.6 and d.1): a
// port of a blockchain tutorial, hashed with HMAC-SHA256 under the public
// key "secret", in two modes:
//
//   - intended: block i's previous_hash is H(block i-1) and the proof of
//     work is over str(proof i-1) + str(proof i);
//   - legacy (as deployed in 2018): every previous_hash is H(genesis) and
//     the proof of work is over str(proof i) alone, so every proof is 761.
//
// H(block) = base64(HMAC-SHA256("secret", JSON::XS canonical encoding of
// the block)); PoWok(s) = base64(HMAC-SHA256("secret", s)) starts with
// "00" ("0000" in the pre-course variant).

// GRSShopper mode names.
const (
	ModeIntended = "intended"
	ModeLegacy   = "legacy"
	ModeBoth     = "both"    // a chain too short to tell the two apart
	ModeNeither  = "neither" // broken in both modes
)

// grsHMACKey is the literal key of the gRSShopper module.
var grsHMACKey = []byte("secret")

// GRSShopperChain is a parsed blockchain.json.
type GRSShopperChain struct {
	// Blocks are the chain's blocks as decoded (numbers as json.Number,
	// so their text is re-encoded exactly as it was hashed).
	Blocks  []map[string]any
	Pending int // current_transactions not yet mined
	Nodes   int
}

// LooksLikeGRSShopper reports whether data is a JSON object with a
// "chain" member (a blockchain.json or a cmd=chain answer).
func LooksLikeGRSShopper(data []byte) bool {
	var probe struct {
		Chain json.RawMessage `json:"chain"`
	}
	return json.Unmarshal(data, &probe) == nil && len(probe.Chain) > 0 && probe.Chain[0] == '['
}

// ParseGRSShopper parses blockchain.json (single-line as gRSShopper writes
// it, or pretty-printed) or the {"chain": [...], "length": n} answer of
// app.cgi?cmd=chain.
func ParseGRSShopper(data []byte) (*GRSShopperChain, error) {
	if len(data) > maxInput {
		return nil, fmt.Errorf("gRSShopper chain: %d bytes, more than %d", len(data), maxInput)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top struct {
		Chain   []json.RawMessage `json:"chain"`
		Pending []json.RawMessage `json:"current_transactions"`
		Nodes   []json.RawMessage `json:"nodes"`
	}
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("gRSShopper chain: %w", err)
	}
	if dec.More() {
		return nil, errors.New("gRSShopper chain: trailing data after the JSON object")
	}
	if top.Chain == nil {
		return nil, errors.New(`gRSShopper chain: no "chain" array`)
	}
	c := &GRSShopperChain{Pending: len(top.Pending), Nodes: len(top.Nodes)}
	for i, raw := range top.Chain {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var b map[string]any
		if err := d.Decode(&b); err != nil || b == nil {
			return nil, fmt.Errorf("gRSShopper chain: block %d is not a JSON object", i)
		}
		c.Blocks = append(c.Blocks, b)
	}
	return c, nil
}

// GRSShopperHash is H(block): base64(HMAC-SHA256("secret", canonical
// JSON)). It fails for text that JSON::XS could not have hashed
// (characters beyond Latin-1).
func GRSShopperHash(block map[string]any) (string, error) {
	var buf []byte
	buf, err := appendPerlJSON(buf, block)
	if err != nil {
		return "", err
	}
	return grsMAC(buf), nil
}

// GRSShopperPoW reports whether base64(HMAC-SHA256("secret", s)) starts
// with prefix ("00", or "0000" for pre-course files).
func GRSShopperPoW(s, prefix string) bool {
	return strings.HasPrefix(grsMAC([]byte(s)), prefix)
}

func grsMAC(data []byte) string {
	m := hmac.New(sha256.New, grsHMACKey)
	m.Write(data)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// appendPerlJSON encodes v as JSON::XS->new->canonical() does: keys
// sorted, no white space, "/" not escaped, non-ASCII written as
// characters, which Digest::SHA then hashes as Latin-1 bytes.
func appendPerlJSON(dst []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case json.Number:
		return append(dst, x...), nil
	case string:
		return appendPerlString(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendPerlJSON(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // byte order of UTF-8 is code point order, Perl's sort
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendPerlString(dst, k); err != nil {
				return nil, err
			}
			dst = append(dst, ':')
			if dst, err = appendPerlJSON(dst, x[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}

func appendPerlString(dst []byte, s string) ([]byte, error) {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"':
			dst = append(dst, '\\', '"')
		case r == '\\':
			dst = append(dst, '\\', '\\')
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\f':
			dst = append(dst, '\\', 'f')
		case r == '\b':
			dst = append(dst, '\\', 'b')
		case r < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexd[r>>4], hexd[r&0xf])
		case r == utf8.RuneError:
			return nil, errors.New("text that is not valid UTF-8")
		case r < 0x100:
			dst = append(dst, byte(r)) // Latin-1: one byte, as Digest::SHA hashes it
		default:
			return nil, fmt.Errorf("character %U beyond Latin-1, which gRSShopper could not hash", r)
		}
	}
	return append(dst, '"'), nil
}

// GRSShopperMode is the outcome of one verification mode.
type GRSShopperMode struct {
	Holds   bool   `json:"holds"`
	Block   int    `json:"block,omitempty"` // the first broken block (position in the chain) when it does not hold
	Problem string `json:"problem,omitempty"`
}

// GRSShopperResult says which mode a chain verifies in.
type GRSShopperResult struct {
	Blocks       int            `json:"blocks"`
	Transactions int            `json:"transactions"`
	Pending      int            `json:"pending"`
	Mode         string         `json:"mode"`   // ModeIntended, ModeLegacy, ModeBoth or ModeNeither
	Prefix       string         `json:"prefix"` // the proof-of-work prefix every proof meets: "00" or "0000"
	Intended     GRSShopperMode `json:"intended"`
	Legacy       GRSShopperMode `json:"legacy"`
	Notes        []string       `json:"notes,omitempty"`
}

// Status is pass when a mode holds, else fail.
func (r *GRSShopperResult) Status() Status {
	if r.Mode == ModeNeither {
		return StatusFail
	}
	return StatusPass
}

// Message is one line for a report.
func (r *GRSShopperResult) Message() string {
	switch r.Mode {
	case ModeIntended:
		return fmt.Sprintf("gRSShopper chain of %d blocks verifies in the intended mode (each block chained to the one before)", r.Blocks)
	case ModeLegacy:
		return fmt.Sprintf("gRSShopper chain of %d blocks verifies in the legacy mode, as deployed in 2018 (every block hangs from genesis, each proof of work over its own proof)", r.Blocks)
	case ModeBoth:
		return fmt.Sprintf("gRSShopper chain of %d blocks verifies in both modes (too short to tell them apart)", r.Blocks)
	}
	return fmt.Sprintf("gRSShopper chain broken in both modes: intended at %s; legacy at %s", r.Intended.Problem, r.Legacy.Problem)
}

// perlStr is Perl's string value of a scalar: a number's text, a string
// itself, undef as "".
func perlStr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case json.Number:
		return string(x)
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return ""
	}
	b, _ := appendPerlJSON(nil, v)
	return string(b)
}

// VerifyGRSShopper checks c in both modes and says which holds.
func VerifyGRSShopper(c *GRSShopperChain) *GRSShopperResult {
	r := &GRSShopperResult{Blocks: len(c.Blocks), Pending: c.Pending, Prefix: "00"}
	hashes := make([]string, len(c.Blocks))
	hashErr := make([]error, len(c.Blocks))
	for i, b := range c.Blocks {
		hashes[i], hashErr[i] = GRSShopperHash(b)
		if txs, ok := b["transactions"].([]any); ok {
			r.Transactions += len(txs)
		}
	}
	// Index: the tutorial numbers from 0 or 1; the 2018 package always
	// wrote 0.
	var indexProblem string
	indexBlock := 0
	allZero := true
	offset := int64(-1)
	for i, b := range c.Blocks {
		n, ok := b["index"].(json.Number)
		v, err := n.Int64()
		if !ok || err != nil {
			indexProblem, indexBlock = fmt.Sprintf("block %d: index %v is not an integer", i, b["index"]), i
			break
		}
		if v != 0 {
			allZero = false
		}
		if i == 0 {
			if v != 0 && v != 1 {
				indexProblem, indexBlock = fmt.Sprintf("block 0: index %d, want 0 or 1", v), 0
				break
			}
			offset = v
		} else if v != int64(i)+offset && !(v == 0 && allZero) {
			indexProblem, indexBlock = fmt.Sprintf("block %d: index %d, want %d", i, v, int64(i)+offset), i
			break
		}
	}
	if allZero && len(c.Blocks) > 1 && indexProblem == "" {
		r.Notes = append(r.Notes, "every index is 0, as the 2018 package wrote them")
	}
	strong := true
	check := func(legacy bool) GRSShopperMode {
		if indexProblem != "" {
			return GRSShopperMode{Block: indexBlock, Problem: indexProblem}
		}
		for i := 1; i < len(c.Blocks); i++ {
			linkTo := i - 1
			if legacy {
				linkTo = 0
			}
			if hashErr[linkTo] != nil {
				return GRSShopperMode{Block: linkTo, Problem: fmt.Sprintf("block %d: %v", linkTo, hashErr[linkTo])}
			}
			prev, ok := c.Blocks[i]["previous_hash"].(string)
			if !ok || prev != hashes[linkTo] {
				return GRSShopperMode{Block: i, Problem: fmt.Sprintf("block %d: previous_hash is not the hash of block %d", i, linkTo)}
			}
			s := perlStr(c.Blocks[i]["proof"])
			if !legacy {
				s = perlStr(c.Blocks[i-1]["proof"]) + s
			}
			if !GRSShopperPoW(s, "00") {
				return GRSShopperMode{Block: i, Problem: fmt.Sprintf("block %d: proof %s fails the proof of work over %q", i, perlStr(c.Blocks[i]["proof"]), s)}
			}
			if !GRSShopperPoW(s, "0000") {
				strong = false
			}
		}
		return GRSShopperMode{Holds: true}
	}
	r.Intended = check(false)
	intendedStrong := strong
	strong = true
	r.Legacy = check(true)
	switch {
	case r.Intended.Holds && r.Legacy.Holds:
		r.Mode = ModeBoth
		strong = strong && intendedStrong
	case r.Intended.Holds:
		r.Mode = ModeIntended
		strong = intendedStrong
	case r.Legacy.Holds:
		r.Mode = ModeLegacy
	default:
		r.Mode = ModeNeither
		strong = false
	}
	if strong && len(c.Blocks) > 1 {
		r.Prefix = "0000"
		r.Notes = append(r.Notes, `every proof meets the "0000" prefix of the pre-course variant`)
	}
	if r.Mode == ModeLegacy && len(c.Blocks) > 2 {
		r.Notes = append(r.Notes, "in the legacy mode no hash covers the blocks after genesis: their contents could change undetected")
	}
	if len(c.Blocks) > 0 {
		if pv, ok := c.Blocks[0]["previous_hash"].(json.Number); !ok || pv != "100" {
			r.Notes = append(r.Notes, "genesis previous_hash is not the number 100 that gRSShopper writes")
		}
	}
	r.Notes = append(r.Notes, `the hashes are HMACs under the published key "secret" with a two-character proof of work: they detect accidental edits, not an operator rewriting the chain`)
	return r
}
