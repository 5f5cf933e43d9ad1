package wallet_test

import (
	"encoding/json"
	"testing"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
)

// The wallet remembers the head of each issuer's ledger it verified
// against, so a later rewrite of that ledger is reported as a fork.
func TestOB3LedgerFork(t *testing.T) {
	o := newOB3Wallet(t)
	is := testissuer.NewVC(t)
	is.EnableLedger()
	doc := is.Sign(is.Credential(1), sign.RDFC)
	is.RecordAward(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	c := o.mustImport(t, raw)
	wantCheck(t, c, verify.CheckLedger, verify.StatusPass, "block 0")

	// Unchanged, it still passes against the remembered head.
	rep, err := o.w.Reverify(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ch, _ := rep.Check(verify.CheckLedger); ch.Status != verify.StatusPass {
		t.Fatalf("second verification: %+v", ch)
	}

	is.RewriteLedger()
	rep, err = o.w.Reverify(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ch, _ := rep.Check(verify.CheckLedger); ch.Status != verify.StatusFail || rep.Verdict != verify.VerdictInvalid {
		t.Fatalf("after a rewrite: %+v (verdict %s)", ch, rep.Verdict)
	}
}
