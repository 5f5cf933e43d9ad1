package testissuer

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cairn-pl/cairn/verify/ledger"
)

// memLedger is the OB 3.0 issuer's cairn-ledger/1 ledger, kept in memory:
// each recorded award or revocation is sealed at once in a block of its
// own (difficulty 1, so tests stay fast).
type memLedger struct {
	blocks  []ledger.Block
	pending int
	epoch   int // changes the timestamps of a rewritten history
}

// EnableLedger makes the issuer keep a ledger: its DID document names it
// (service CairnLedger) and /ledger, /ledger/blocks and /ledger/proof
// answer as a Cairn issuer's do.
func (is *VC) EnableLedger() {
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.ledger == nil {
		is.ledger = &memLedger{}
	}
}

// LedgerURL is the issuer's /ledger.
func (is *VC) LedgerURL() string { return is.Origin + "/ledger" }

// RecordAward seals a block recording the award of doc (the signed
// credential as issued).
func (is *VC) RecordAward(doc map[string]any) {
	is.t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		is.t.Fatal(err)
	}
	digest, err := ledger.Digest(raw)
	if err != nil {
		is.t.Fatal(err)
	}
	is.seal(ledger.Record{Type: ledger.TypeAward, Credential: idOf(doc), Digest: digest,
		Achievement: is.Origin + "/achievements/web", Recipient: "sha256$" + fmt.Sprintf("%064x", 1),
		Time: Now.Add(-time.Hour).Format(time.RFC3339)})
}

// RecordRevocation seals a block recording the revocation of credential id.
func (is *VC) RecordRevocation(id, reason string) {
	is.seal(ledger.Record{Type: ledger.TypeRevocation, Credential: id, Digest: "sha256:" + fmt.Sprintf("%064x", 0),
		Achievement: is.Origin + "/achievements/web", Recipient: "sha256$" + fmt.Sprintf("%064x", 1),
		Time: Now.Format(time.RFC3339), Reason: reason})
}

// SetLedgerPending sets how many records the /ledger document says wait.
func (is *VC) SetLedgerPending(n int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.ledger.pending = n
}

// RewriteLedger rebuilds the chain from genesis with the same records but
// new timestamps, so every block hash changes: the history a holder saw
// is gone (a fork).
func (is *VC) RewriteLedger() {
	is.mu.Lock()
	old := is.ledger.blocks
	is.ledger.blocks = nil
	is.ledger.epoch++
	is.mu.Unlock()
	for _, b := range old {
		for _, r := range b.Records {
			is.seal(r)
		}
	}
}

func (is *VC) seal(r ledger.Record) {
	is.t.Helper()
	is.mu.Lock()
	defer is.mu.Unlock()
	l := is.ledger
	b := ledger.Block{Index: int64(len(l.blocks)), Records: []ledger.Record{r}, PreviousHash: ledger.GenesisPreviousHash,
		Timestamp: Now.Add(time.Duration(len(l.blocks)+1000*l.epoch) * time.Second).Format(time.RFC3339)}
	if n := len(l.blocks); n > 0 {
		b.PreviousHash = l.blocks[n-1].Hash
	}
	root, _, err := ledger.RecordsRoot(b.Records)
	if err != nil {
		is.t.Fatal(err)
	}
	b.MerkleRoot = root.String()
	if err := ledger.Mine(&b, 1); err != nil {
		is.t.Fatal(err)
	}
	if err := ledger.SignBlock(&b, is.VM, func(m []byte) []byte { return ed25519.Sign(is.Key, m) }); err != nil {
		is.t.Fatal(err)
	}
	l.blocks = append(l.blocks, b)
}

// serveLedger answers the /ledger endpoints; ok is false for other paths.
func (is *VC) serveLedger(w http.ResponseWriter, r *http.Request) bool {
	is.mu.Lock()
	defer is.mu.Unlock()
	l := is.ledger
	if l == nil {
		return false
	}
	var body any
	switch r.URL.Path {
	case "/ledger":
		doc := ledger.Document{Format: ledger.Format, Issuer: is.DID, Key: is.VM, Pending: l.pending, Anchors: []json.RawMessage{}}
		if n := len(l.blocks); n > 0 {
			h := l.blocks[n-1]
			doc.Head = &ledger.Head{Index: h.Index, Hash: h.Hash, Signature: h.Signature}
		}
		body = doc
	case "/ledger/blocks":
		from, _ := strconv.Atoi(r.URL.Query().Get("from"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit <= 0 || limit > 100 {
			limit = 100
		}
		out := []ledger.Block{}
		for i := from; i >= 0 && i < len(l.blocks) && len(out) < limit; i++ {
			out = append(out, l.blocks[i])
		}
		body = out
	case "/ledger/proof":
		id := r.URL.Query().Get("credential")
		for i := len(l.blocks) - 1; i >= 0; i-- {
			b := l.blocks[i]
			if b.Records[0].Credential == id && b.Records[0].Type == ledger.TypeAward {
				body = ledger.Proof{Record: b.Records[0], LeafIndex: 0, TreeSize: 1, AuditPath: []string{}, Block: b.Header()}
				break
			}
		}
		if body == nil {
			http.NotFound(w, r)
			return true
		}
	default:
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
	return true
}
