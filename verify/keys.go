package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cairn-pl/cairn/verify/did"
)

// keyEmbedded names a key the credential asserts about itself.
const keyEmbedded = did.SourceEmbedded

// keyResult is a resolved key with the key check's outcome.
type keyResult struct {
	proofResult
	method *did.Method
}

// didFetch lets the did package fetch through this run's Fetcher (and its
// per-run cache).
func (r *run) didFetch() did.Fetch {
	return func(ctx context.Context, u, accept string) (int, []byte, error) {
		resp, err := r.fetch(u, accept)
		if err != nil {
			return 0, nil, err
		}
		return resp.Status, resp.Body, nil
	}
}

// didOptions: http is tried after https only for loopback and private
// hosts, which the Fetcher itself reaches only when the owner allowed the
// private network (DESIGN.md, Security rules).
var didOptions = did.Options{AllowHTTPForPrivate: true}

// resolveKey finds the key of a verification method and checks that it
// belongs to the issuer and may assert credentials.
func (v *vc) resolveKey(vmID string) keyResult {
	var res keyResult
	if vmID == "" {
		res.key, res.keyMsg = StatusFail, "the proof names no verificationMethod"
		return res
	}
	m, err := v.resolveMethod(vmID)
	if err != nil && did.MayFallBack(err) {
		if sa, ok := did.SelfAsserted(vmID); ok {
			m, err = sa, nil
		}
	}
	if err != nil {
		res.key, res.keyMsg = StatusFail, fmt.Sprintf("the key %s: %v", vmID, err)
		if did.IsUnreachable(err) {
			res.key = StatusError
		}
		return res
	}
	return v.acceptMethod(m)
}

// acceptMethod applies the ownership rules to a resolved method: its
// controller must be the issuer, and it must be listed as an assertion
// method (a self-asserted key passes with a warning).
func (v *vc) acceptMethod(m *did.Method) keyResult {
	res := keyResult{method: m}
	res.keyFrom = m.Source
	if !m.ControlledBy(v.issuerID) && !resolvableIssuer(v.issuerID) && m.Source != did.SourceEmbedded {
		// A urn: issuer cannot publish keys, so no key can be proven to be
		// its own: the signature holds, but it is the key's, not the
		// issuer's (the 1EdTech validator accepts such credentials).
		res.key = StatusWarn
		res.keyFrom = did.SourceEmbedded
		res.keyMsg = fmt.Sprintf("the issuer id %s cannot be resolved, so nothing ties the key %s to it", v.issuerID, m.ID)
		return res
	}
	if !m.ControlledBy(v.issuerID) {
		res.key = StatusFail
		res.keyMsg = fmt.Sprintf("the key %s is controlled by %q, not by the issuer %s", m.ID, m.Controller, v.issuerID)
		return res
	}
	if m.Source == did.SourceEmbedded {
		res.key = StatusWarn
		res.keyMsg = fmt.Sprintf("the key is asserted by the credential itself (%s); nothing fetched ties it to the issuer", m.ID)
		return res
	}
	if !m.AssertionMethod {
		res.key = StatusFail
		res.keyMsg = fmt.Sprintf("the key %s is not listed under its controller's assertionMethod", m.ID)
		return res
	}
	res.key = StatusPass
	res.keyMsg = fmt.Sprintf("%s key of the issuer (%s)", m.Source, m.ID)
	return res
}

// jwtKey finds the key of a VC-JWT: kid as a DID URL or an https URL, else
// the jwk header (self-asserted unless the issuer's JWKS lists it), else
// the issuer's /.well-known/jwks.json by kid (DESIGN.md, report rules).
func (v *vc) jwtKey() keyResult {
	kid := str(v.jwt.Header["kid"])
	var res keyResult
	if strings.HasPrefix(kid, "did:") || isHTTPURL(kid) {
		return v.resolveKey(kid)
	}
	if raw, ok := v.jwt.Header["jwk"]; ok && raw != nil {
		b, _ := json.Marshal(raw)
		pub, jwkKid, err := did.ParseJWK(b)
		if err != nil {
			res.key, res.keyMsg = StatusFail, fmt.Sprintf("the jwk header: %v", err)
			return res
		}
		if kid == "" {
			kid = jwkKid
		}
		if isHTTPURL(v.issuerID) {
			if m, err := did.FindInJWKS(v.ctx, v.issuerID, kid, pub, v.didFetch(), didOptions); err == nil {
				m.Controller = v.issuerID
				return v.acceptMethod(m)
			}
		}
		m := &did.Method{ID: kid, Type: "JsonWebKey", Controller: v.issuerID, Key: pub, Source: did.SourceEmbedded}
		res = v.acceptMethod(m)
		res.keyMsg = "the key comes from the JWT's own jwk header and is not in the issuer's key set; nothing ties it to the issuer"
		return res
	}
	if !isHTTPURL(v.issuerID) {
		res.key, res.keyMsg = StatusFail, "the JWT names no key (kid or jwk) and the issuer is not an https URL with a key set"
		return res
	}
	m, err := did.FindInJWKS(v.ctx, v.issuerID, kid, nil, v.didFetch(), didOptions)
	if err != nil {
		res.key, res.keyMsg = StatusFail, fmt.Sprintf("the issuer's key set: %v", err)
		if did.IsUnreachable(err) {
			res.key = StatusError
		}
		return res
	}
	m.Controller = v.issuerID
	return v.acceptMethod(m)
}

// resolvableIssuer reports whether an issuer id can publish keys: an
// http(s) URL or a DID.
func resolvableIssuer(id string) bool {
	return isHTTPURL(id) || strings.HasPrefix(id, "did:")
}

// resolveMethod resolves a verification method, through the shared cache
// when the options carry one (a wallet's credentials share a few keys).
func (v *vc) resolveMethod(vmID string) (*did.Method, error) {
	if m, ok := v.opts.Cache.method(vmID); ok {
		return m, nil
	}
	m, err := did.Resolve(v.ctx, vmID, v.didFetch(), didOptions)
	if err == nil {
		v.opts.Cache.putMethod(vmID, m)
	}
	return m, err
}
