package verify

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/ledger"
)

// ledgerService is the DID document service type under which a Cairn
// issuer publishes its ledger (cairn-ledger/1).
const ledgerService = "CairnLedger"

// checkLedger checks the credential against its issuer's ledger when the
// issuer keeps one: the record's digest, its audit path, the block's hash,
// proof of work and signature, the chain to the head, no revocation
// record, and no fork from the head the holder saw before.
func (v *vc) checkLedger() {
	if !strings.HasPrefix(v.issuerID, "did:web:") {
		v.add(CheckLedger, StatusSkip, "the issuer keeps no ledger Cairn can read")
		return
	}
	endpoint, err := v.ledgerEndpoint()
	if err != nil {
		v.add(CheckLedger, StatusError, "the issuer's DID document could not be read for its ledger: %v", err)
		return
	}
	if endpoint == "" {
		v.add(CheckLedger, StatusSkip, "the issuer publishes no ledger")
		return
	}
	id := getStr(v.doc, "id")
	if id == "" {
		v.add(CheckLedger, StatusFail, "the credential has no id to look up in the issuer's ledger")
		return
	}
	raw, err := v.asIssued()
	if err != nil {
		v.add(CheckLedger, StatusError, "%v", err)
		return
	}
	var last *ledger.HeadRef
	if h, ok := v.opts.LedgerHeads[v.issuerID]; ok {
		last = &ledger.HeadRef{Index: h.Index, Hash: h.Hash}
	}
	client := ledger.Client{Fetch: v.didFetch()}
	cc, err := client.CredentialCheck(v.ctx, endpoint, v.issuerID, id, last)
	if err != nil {
		st := StatusFail
		if did.IsUnreachable(err) {
			st = StatusError
		}
		v.add(CheckLedger, st, "the issuer's ledger %s: %v", endpoint, err)
		return
	}
	if cc.Proof == nil {
		if doc, err := client.Document(v.ctx, endpoint); err == nil && doc.Pending > 0 {
			v.add(CheckLedger, StatusWarn, "not in a sealed block of the issuer's ledger yet (%d records wait to be sealed)", doc.Pending)
			return
		}
		v.add(CheckLedger, StatusFail, "the issuer's ledger %s has no record of this credential", endpoint)
		return
	}
	cc.Credential = raw
	cc.Keys = ledger.DIDKeys(v.didFetch(), didOptions)
	res := ledger.VerifyCredential(v.ctx, *cc)
	switch res.Status {
	case ledger.StatusPass:
		msg := fmt.Sprintf("recorded in block %d of the issuer's ledger", res.Block)
		if cc.Head != nil {
			msg += fmt.Sprintf("; the chain to the head (block %d) holds", cc.Head.Index)
			v.rep.Ledger = &LedgerHead{Issuer: v.issuerID, Index: cc.Head.Index, Hash: cc.Head.Hash}
		}
		st := StatusPass
		if a, ok := v.checkAnchors(cc, res.Block); ok {
			switch {
			case a.Status == StatusPass:
				msg += "; " + a.Message
			case a.Status != "":
				st, msg = a.Status, a.Message+" (and: "+msg+")"
			}
		}
		v.add(CheckLedger, st, "%s", msg)
	case ledger.StatusError:
		v.add(CheckLedger, StatusError, "%s", res.Message)
	default:
		v.add(CheckLedger, StatusFail, "%s", res.Message)
	}
}

// asIssued returns the credential as its issuer recorded it: the compact
// JWS, or the JSON (the ledger digest is over its JCS form, so key order
// and spacing do not matter).
func (v *vc) asIssued() ([]byte, error) {
	if v.jwt != nil {
		return []byte(string(v.jwt.SigningInput) + "." + base64.RawURLEncoding.EncodeToString(v.jwt.Signature)), nil
	}
	b, err := json.Marshal(v.doc)
	if err != nil {
		return nil, fmt.Errorf("the credential cannot be serialised for the ledger digest: %v", err)
	}
	return b, nil
}

// ledgerEndpoint finds the issuer's ledger in its DID document, through
// the shared cache when there is one.
func (v *vc) ledgerEndpoint() (string, error) {
	if e, ok := v.opts.Cache.ledgerEndpoint(v.issuerID); ok {
		return e, nil
	}
	e, err := did.ServiceEndpoint(v.ctx, v.issuerID, ledgerService, v.didFetch(), didOptions)
	if err == nil {
		v.opts.Cache.putLedgerEndpoint(v.issuerID, e)
	}
	return e, err
}

// checkAnchors hands the ledger's anchors to Options.LedgerAnchors with
// the hashes of the blocks VerifyCredential just verified, from the
// credential's block to the head.
func (v *vc) checkAnchors(cc *ledger.CredentialCheck, block int64) (Check, bool) {
	if v.opts.LedgerAnchors == nil || len(cc.Anchors) == 0 {
		return Check{}, false
	}
	hashes := make(map[int64]string, len(cc.Blocks))
	for _, b := range cc.Blocks {
		if b.Index >= block {
			hashes[b.Index] = b.Hash
		}
	}
	return v.opts.LedgerAnchors(v.ctx, cc.Anchors, block, hashes)
}
