package verify_test

import (
	"testing"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
)

// The ledger check: a credential recorded in its issuer's ledger passes
// and reports the head; one not recorded fails (or warns while records
// wait to be sealed); a revocation record fails it; a rewritten history
// that drops the head the holder saw is a fork.
func TestVCLedger(t *testing.T) {
	is := testissuer.NewVC(t)
	doc := is.Sign(is.Credential(1), sign.RDFC)

	r := verifyBytes(t, is, jsonOf(t, doc))
	checkOf(t, r, verify.CheckLedger, verify.StatusSkip, "no ledger")

	is.EnableLedger()
	r = verifyBytes(t, is, jsonOf(t, doc))
	checkOf(t, r, verify.CheckLedger, verify.StatusFail, "no record")
	is.SetLedgerPending(2)
	checkOf(t, verifyBytes(t, is, jsonOf(t, doc)), verify.CheckLedger, verify.StatusWarn, "2 records wait")
	is.SetLedgerPending(0)

	other := is.Sign(is.Credential(2), sign.RDFC)
	is.RecordAward(other)
	is.RecordAward(doc)
	is.RecordAward(is.Sign(is.Credential(3), sign.RDFC))
	r = verifyBytes(t, is, jsonOf(t, doc))
	if r.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s: %+v", r.Verdict, r.Checks)
	}
	checkOf(t, r, verify.CheckLedger, verify.StatusPass, "block 1")
	if r.Ledger == nil || r.Ledger.Index != 2 || r.Ledger.Issuer != is.DID {
		t.Fatalf("ledger head %+v", r.Ledger)
	}
	seen := *r.Ledger

	// A credential changed after it was recorded: its digest differs.
	// A different credential signed under the recorded one's id: its
	// digest is not the recorded one.
	twin := is.Credential(2)
	twin["id"] = doc["id"]
	checkOf(t, verifyBytes(t, is, jsonOf(t, is.Sign(twin, sign.JCS))), verify.CheckLedger, verify.StatusFail, "digest")

	// The issuer rewrites its history: the head the holder saw is gone.
	is.RewriteLedger()
	o := is.Options()
	o.LedgerHeads = map[string]verify.LedgerHead{is.DID: seen}
	r = verify.Verify(t.Context(), jsonOf(t, doc), o)
	checkOf(t, r, verify.CheckLedger, verify.StatusFail, "fork")

	is.RecordRevocation(testissuer.CredentialID(1), "issued in error")
	checkOf(t, verifyBytes(t, is, jsonOf(t, doc)), verify.CheckLedger, verify.StatusFail, "revok")
}
