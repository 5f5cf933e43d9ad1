package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/ledger"
)

// issuer is a did:key issuer, so keys resolve offline.
type issuer struct {
	DID  string
	VM   string
	Priv ed25519.PrivateKey
}

func newIssuer(t testing.TB, seed byte) issuer {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	priv := ed25519.NewKeyFromSeed(s)
	mk := did.EncodeMultikey(priv.Public().(ed25519.PublicKey))
	return issuer{DID: "did:key:" + mk, VM: "did:key:" + mk + "#" + mk, Priv: priv}
}

func (is issuer) sign(msg []byte) []byte { return ed25519.Sign(is.Priv, msg) }

var keys = ledger.DIDKeys(nil, did.Options{})

func credentialJSON(n int) []byte {
	return fmt.Appendf(nil, `{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:cred-%d","type":["VerifiableCredential","OpenBadgeCredential"],"issuer":"did:example","credentialSubject":{"id":"https://learner%d.example/"}}`, n, n)
}

func award(t testing.TB, n int) ledger.Record {
	t.Helper()
	d, err := ledger.Digest(credentialJSON(n))
	if err != nil {
		t.Fatal(err)
	}
	rh := sha256.Sum256(fmt.Appendf(nil, "salt%d", n))
	return ledger.Record{Type: ledger.TypeAward, Credential: fmt.Sprintf("urn:uuid:cred-%d", n), Digest: d,
		Achievement: "https://issuer.example/issuer/achievements/1", Recipient: "sha256$" + hex.EncodeToString(rh[:]),
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(n) * time.Second).Format(time.RFC3339)}
}

// seal builds, mines and signs the block after prev holding records.
func seal(t testing.TB, is issuer, prev *ledger.Block, records []ledger.Record, difficulty int) ledger.Block {
	t.Helper()
	b := ledger.Block{Index: 0, PreviousHash: ledger.GenesisPreviousHash, Records: records,
		Timestamp: "2026-01-02T03:04:05Z"}
	if prev != nil {
		b.Index, b.PreviousHash = prev.Index+1, prev.Hash
	}
	root, _, err := ledger.RecordsRoot(records)
	if err != nil {
		t.Fatal(err)
	}
	b.MerkleRoot = root.String()
	if err := ledger.Mine(&b, difficulty); err != nil {
		t.Fatal(err)
	}
	if err := ledger.SignBlock(&b, is.VM, is.sign); err != nil {
		t.Fatal(err)
	}
	return b
}

// chain builds blocks of perBlock awards each, numbered from 0.
func chain(t testing.TB, is issuer, blocks, perBlock, difficulty int) []ledger.Block {
	t.Helper()
	var out []ledger.Block
	n := 0
	for i := 0; i < blocks; i++ {
		recs := make([]ledger.Record, perBlock)
		for j := range recs {
			recs[j] = award(t, n)
			n++
		}
		var prev *ledger.Block
		if i > 0 {
			prev = &out[i-1]
		}
		out = append(out, seal(t, is, prev, recs, difficulty))
	}
	return out
}

func export(t testing.TB, is issuer, blocks []ledger.Block) *ledger.Export {
	t.Helper()
	e := &ledger.Export{Document: ledger.Document{Format: ledger.Format, Issuer: is.DID, Key: is.VM, Anchors: []json.RawMessage{}}, Blocks: blocks}
	if len(blocks) > 0 {
		last := blocks[len(blocks)-1]
		e.Head = &ledger.Head{Index: last.Index, Hash: last.Hash, Signature: last.Signature}
	}
	return e
}

// roundTrip sends blocks through JSON, as a verifier receives them.
func roundTrip(t testing.TB, blocks []ledger.Block) []ledger.Block {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ledger.ParseBlocks(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func verifyChain(blocks []ledger.Block, is issuer) ledger.Result {
	return ledger.VerifyChain(context.Background(), blocks, ledger.ChainOptions{Issuer: is.DID, Keys: keys})
}
