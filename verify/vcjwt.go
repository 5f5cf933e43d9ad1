package verify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// jwtClaims are the registered claims VC-JWT maps onto the credential;
// they are not JSON-LD terms of the credential.
var jwtClaims = []string{"iss", "sub", "jti", "nbf", "exp", "iat", "aud"}

// allowedJWTHeaders are the only headers VC-JWT credentials carry
// (credentials.md a.5).
var allowedJWTHeaders = map[string]bool{"alg": true, "kid": true, "jwk": true, "typ": true, "cty": true}

// fromVCJWT verifies a compact JWS that carries a Verifiable Credential:
// VCDM 1.1 in a vc claim, or a VCDM 2.0 credential as the payload. It
// returns the credential document (nil when none could be read).
func (r *run) fromVCJWT(s string, purpose vcPurpose, depth int) map[string]any {
	j, jerr := parseJWS(s)
	if j == nil {
		r.add(CheckParse, StatusFail, "%v", jerr)
		return nil
	}
	var claims map[string]any
	if err := json.Unmarshal(j.Payload, &claims); err != nil {
		r.add(CheckParse, StatusFail, "the JWT payload is not a JSON object: %v", err)
		return nil
	}
	return r.vcFromJWT(j, jerr, claims, purpose, depth)
}

// vcFromJWT verifies a parsed VC-JWT whose payload is claims.
func (r *run) vcFromJWT(j *compactJWS, jerr error, claims map[string]any, purpose vcPurpose, depth int) map[string]any {
	doc := claims
	if inner, ok := claims["vc"].(map[string]any); ok {
		doc = cloneMap(inner)
	} else if _, has := claims["vc"]; has {
		r.add(CheckParse, StatusFail, "the JWT's vc claim is not an object")
		return nil
	} else {
		doc = cloneMap(claims)
		for _, k := range jwtClaims {
			delete(doc, k)
		}
	}
	if r.rep.Format == "" {
		r.rep.Format = FormatOB3JWT
	}
	v := &vc{run: r, doc: doc, jwt: j, claims: claims, jwtErr: jerr, purpose: purpose, depth: depth}
	v.pipeline()
	return doc
}

// checkJWT checks the JOSE header, the claims against the credential, the
// key and the signature.
func (v *vc) checkJWT() {
	j := v.jwt
	if v.jwtErr != nil {
		v.add(CheckSignature, StatusFail, "%v", v.jwtErr)
		v.add(CheckKey, StatusSkip, "the signature algorithm is refused")
		return
	}
	for k := range j.Header {
		if !allowedJWTHeaders[k] {
			v.add(CheckSignature, StatusWarn, "the JWT header has an unexpected %q parameter", k)
		}
	}
	if typ := str(j.Header["typ"]); typ != "" && typ != "JWT" && !strings.HasPrefix(typ, "vc+") && typ != "vc+ld+json+jwt" {
		v.add(CheckSignature, StatusWarn, "the JWT typ is %q", typ)
	}
	if !v.checkClaims() {
		return
	}
	res := v.jwtKey()
	v.add(CheckKey, res.key, "%s", res.keyMsg)
	v.keyFrom = res.keyFrom
	if res.key == StatusError {
		v.add(CheckSignature, StatusError, "the signature could not be checked without the key")
		return
	}
	if res.key == StatusFail {
		v.add(CheckSignature, StatusFail, "no usable key: %s", res.keyMsg)
		return
	}
	if err := j.verify(res.method.Key); err != nil {
		v.add(CheckSignature, StatusFail, "the signature no longer matches the content (%s: %v)", j.Alg, err)
		return
	}
	v.sigOK = true
	v.add(CheckSignature, StatusPass, "%s signature", j.Alg)
	if res.keyFrom == keyEmbedded {
		v.add(CheckIssuer, StatusWarn, "not issuer-verified: the key is asserted by the JWT itself and nothing links it to %s", v.issuerID)
	} else {
		v.add(CheckIssuer, StatusPass, "signed by a key of %s", v.issuerID)
	}
}

// checkClaims cross-checks iss, jti, sub, nbf and exp against the
// credential: a JWT whose claims disagree with the credential it carries
// is refused, since a relying party could read either.
func (v *vc) checkClaims() bool {
	c := v.claims
	_, fromVCClaim := c["vc"]
	mismatch := func(claim, want, got string) bool {
		v.add(CheckSignature, StatusFail, "the JWT claim %s (%s) does not match the credential's %s", claim, got, want)
		v.add(CheckKey, StatusSkip, "the claims do not match")
		return false
	}
	if iss := str(c["iss"]); iss != "" && iss != v.issuerID {
		return mismatch("iss", "issuer id "+v.issuerID, iss)
	} else if iss == "" && fromVCClaim {
		v.add(CheckSignature, StatusFail, "the VC-JWT has no iss claim")
		return false
	}
	if jti := str(c["jti"]); jti != "" && getStr(v.doc, "id") != "" && jti != getStr(v.doc, "id") {
		return mismatch("jti", "id "+getStr(v.doc, "id"), jti)
	}
	if sub := str(c["sub"]); sub != "" {
		subs := v.subjects()
		if len(subs) > 0 && getStr(subs[0], "id") != "" && getStr(subs[0], "id") != sub {
			return mismatch("sub", "credentialSubject.id "+getStr(subs[0], "id"), sub)
		}
	}
	fromKey, from, untilKey, until := v.dates()
	if ok, msg := sameInstant(c["nbf"], from); !ok {
		return mismatch("nbf", fromKey, msg)
	}
	if ok, msg := sameInstant(c["exp"], until); !ok {
		return mismatch("exp", untilKey, msg)
	}
	if fromVCClaim {
		// VCDM 1.1 allows the claims to stand for the credential fields.
		if from == "" && c["nbf"] != nil {
			if n, ok := number(c["nbf"]); ok {
				v.doc["issuanceDate"] = time.Unix(int64(n), 0).UTC().Format(time.RFC3339)
			}
		}
		if getStr(v.doc, "id") == "" && str(c["jti"]) != "" {
			v.doc["id"] = str(c["jti"])
		}
	}
	return true
}

// sameInstant compares a NumericDate claim with a credential date-time.
// An absent claim agrees with anything.
func sameInstant(claim any, dt string) (bool, string) {
	if claim == nil {
		return true, ""
	}
	n, ok := number(claim)
	if !ok {
		return false, fmt.Sprintf("%v is not a NumericDate", claim)
	}
	if dt == "" {
		return true, ""
	}
	t, ok := parseDateTime(dt)
	if !ok {
		return true, "" // the date check reports the unreadable date
	}
	if t.Unix() != int64(n) {
		return false, time.Unix(int64(n), 0).UTC().Format(time.RFC3339)
	}
	return true, ""
}
