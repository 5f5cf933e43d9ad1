package verify

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/multiformats/go-multibase"

	"github.com/cairn-pl/cairn/verify/ld"
)

// Proof suites Cairn verifies (credentials.md a.5).
const (
	suiteRDFC        = "eddsa-rdfc-2022"
	suiteJCS         = "eddsa-jcs-2022"
	suiteEddsa2022   = "eddsa-2022" // the pre-release name of eddsa-rdfc-2022
	suiteRDFErrata   = "eddsa-rdf-2022"
	typeDataIntegrit = "DataIntegrityProof"
	typeEd2020       = "Ed25519Signature2020"
)

// proofResult is the outcome of one proof.
type proofResult struct {
	sig, sigMsg string // signature check status and message
	key, keyMsg string // key check status and message
	keyFrom     string
}

// checkProofs verifies every embedded proof. One proof that holds is
// enough (the VC data model), but all are reported.
func (v *vc) checkProofs() {
	proofs := objects(v.doc["proof"])
	if len(proofs) == 0 {
		v.add(CheckSignature, StatusFail, "the credential has no proof")
		v.add(CheckKey, StatusSkip, "no proof, so no key")
		return
	}
	const maxProofs = 8
	if len(proofs) > maxProofs {
		proofs = proofs[:maxProofs]
	}
	var results []proofResult
	for _, p := range proofs {
		results = append(results, v.verifyProof(p))
	}
	best := results[0]
	for _, res := range results[1:] {
		if severity(res.sig) < severity(best.sig) || severity(res.sig) == severity(best.sig) && severity(res.key) < severity(best.key) {
			best = res
		}
	}
	msg := best.sigMsg
	if len(results) > 1 {
		var parts []string
		for i, res := range results {
			parts = append(parts, fmt.Sprintf("proof %d: %s", i+1, res.sigMsg))
		}
		msg = strings.Join(parts, "; ")
	}
	v.add(CheckSignature, best.sig, "%s", msg)
	v.add(CheckKey, best.key, "%s", best.keyMsg)
	v.keyFrom = best.keyFrom
	v.sigOK = best.sig == StatusPass || best.sig == StatusWarn
	if v.sigOK && best.keyFrom == keyEmbedded {
		v.add(CheckIssuer, StatusWarn, "not issuer-verified: the key is asserted by the credential itself and nothing links it to %s", v.issuerID)
	} else if v.sigOK {
		v.add(CheckIssuer, StatusPass, "signed by a key of %s", v.issuerID)
	}
}

// verifyProof checks one Data Integrity or Ed25519Signature2020 proof.
func (v *vc) verifyProof(p map[string]any) proofResult {
	fail := func(format string, args ...any) proofResult {
		return proofResult{sig: StatusFail, sigMsg: fmt.Sprintf(format, args...), key: StatusSkip, keyMsg: "the proof was not checked"}
	}
	typ, suite := getStr(p, "type"), getStr(p, "cryptosuite")
	warn := ""
	switch {
	case typ == typeDataIntegrit && (suite == suiteRDFC || suite == suiteJCS):
	case typ == typeDataIntegrit && suite == suiteEddsa2022:
		warn = "the proof uses the pre-release cryptosuite name eddsa-2022"
		suite = suiteRDFC
	case typ == typeDataIntegrit && suite == suiteRDFErrata:
		warn = "the proof names the cryptosuite eddsa-rdf-2022 (a spec erratum for eddsa-rdfc-2022)"
		suite = suiteRDFC
	case typ == typeEd2020:
		suite = typeEd2020
	default:
		v.checkProofTerms(p)
		what := fmt.Sprintf("the proof type %q is not supported", typ)
		if typ == typeDataIntegrit {
			what = fmt.Sprintf("the cryptosuite %q is not supported", suite)
		}
		return proofResult{sig: StatusError, sigMsg: what, key: StatusSkip, keyMsg: "the proof was not checked"}
	}
	if pp := getStr(p, "proofPurpose"); pp != "assertionMethod" {
		return fail("the proof's purpose is %q, not assertionMethod", pp)
	}
	if created := getStr(p, "created"); created != "" {
		t, ok := parseDateTime(created)
		if !ok {
			return fail("the proof's created %q is not a date-time", created)
		}
		if t.After(v.now.Add(clockSkew)) {
			return fail("the proof was created in the future (%s)", t.UTC().Format(time.RFC3339))
		}
	}
	if exp := getStr(p, "expires"); exp != "" {
		if t, ok := parseDateTime(exp); ok && !t.After(v.now) {
			return fail("the proof expired on %s", t.UTC().Format(time.RFC3339))
		}
	}
	sig, err := decodeProofValue(getStr(p, "proofValue"))
	if err != nil {
		return fail("%v", err)
	}
	data, err := v.signingInput(p, suite)
	if err != nil {
		return fail("%v", err)
	}
	vmID := idOf(p["verificationMethod"])
	res := v.resolveKey(vmID)
	if res.key == StatusError || res.key == StatusFail {
		res.sig = StatusError
		res.sigMsg = "the signature could not be checked without the key"
		if res.key == StatusFail {
			res.sig = StatusFail
			res.sigMsg = "no usable key: " + res.keyMsg
		}
		return res.proofResult
	}
	pub, ok := res.method.Key.(ed25519.PublicKey)
	if !ok {
		res.sig, res.sigMsg = StatusFail, fmt.Sprintf("the key %s is not an Ed25519 key", vmID)
		return res.proofResult
	}
	if !ed25519.Verify(pub, data, sig) {
		res.sig, res.sigMsg = StatusFail, "the signature no longer matches the content ("+suite+")"
		return res.proofResult
	}
	res.sig, res.sigMsg = StatusPass, fmt.Sprintf("%s proof by %s", suite, vmID)
	if warn != "" {
		res.sig, res.sigMsg = StatusWarn, res.sigMsg+"; "+warn
	}
	return res.proofResult
}

// checkProofTerms checks a proof Cairn cannot verify for undefined terms:
// a proof of an unknown type is data the credential's contexts must still
// define (the supported suites are checked when canonicalised).
func (v *vc) checkProofTerms(p map[string]any) {
	cfg := cloneMap(p)
	cfg["@context"] = v.doc["@context"]
	var ut *ld.UndefinedTermError
	if err := ld.CheckTerms(cfg); errors.As(err, &ut) {
		v.add(CheckContext, StatusFail, "a proof uses terms the contexts do not define: %s", strings.Join(ut.Terms, ", "))
	}
}

// decodeProofValue reads a base58btc multibase Ed25519 signature.
func decodeProofValue(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("the proof has no proofValue")
	}
	enc, sig, err := multibase.Decode(s)
	if err != nil || enc != multibase.Base58BTC {
		return nil, fmt.Errorf("the proofValue is not base58btc multibase")
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("the proofValue holds %d bytes, not a 64-byte Ed25519 signature", len(sig))
	}
	return sig, nil
}

// signingInput computes SHA-256(canonical proof configuration) ‖
// SHA-256(canonical document): proof first, as the Data Integrity specs
// and the 1EdTech test vector have it.
func (v *vc) signingInput(p map[string]any, suite string) ([]byte, error) {
	cfg := cloneMap(p)
	delete(cfg, "proofValue")
	cfg["@context"] = v.doc["@context"]
	var canonCfg, canonDoc []byte
	var err error
	if suite == suiteJCS {
		if canonCfg, err = jcsBytes(cfg); err != nil {
			return nil, fmt.Errorf("the proof configuration cannot be canonicalised (JCS): %v", err)
		}
		if canonDoc, err = jcsBytes(withoutProof(v.doc)); err != nil {
			return nil, fmt.Errorf("the credential cannot be canonicalised (JCS): %v", err)
		}
	} else {
		if v.canonDoc == nil {
			if v.canonErr == nil {
				v.canonDoc, v.canonErr = ld.Canonize(withoutProof(v.doc))
			}
			if v.canonErr != nil {
				return nil, fmt.Errorf("the credential cannot be canonicalised (RDFC-1.0): %v", v.canonErr)
			}
		}
		canonDoc = v.canonDoc
		if canonCfg, err = ld.Canonize(cfg); err != nil {
			return nil, fmt.Errorf("the proof configuration cannot be canonicalised (RDFC-1.0): %v", err)
		}
	}
	hc := sha256.Sum256(canonCfg)
	hd := sha256.Sum256(canonDoc)
	return append(hc[:], hd[:]...), nil
}

// jcsBytes serialises a decoded JSON value with RFC 8785.
func jcsBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(b)
}
