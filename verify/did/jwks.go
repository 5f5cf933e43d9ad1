package did

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
)

// jwksEntry is one key of a JWK Set; err is set when it cannot be used.
type jwksEntry struct {
	kid string
	key crypto.PublicKey
	err error
}

type jwks []jwksEntry

// parseJWKS parses {"keys": [...]}. Entries that cannot be used are kept with
// their error (RFC 7517 §5: ignore keys you do not understand), so a kid that
// names one can be reported precisely.
func parseJWKS(body []byte) (jwks, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, err
	}
	if set.Keys == nil {
		return nil, errors.New(`no "keys" array`)
	}
	out := make(jwks, 0, len(set.Keys))
	for _, raw := range set.Keys {
		var e jwksEntry
		var head struct {
			Kid any `json:"kid"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			e.err = fmt.Errorf("not a JSON object: %w", err)
		} else if s, ok := head.Kid.(string); ok {
			e.kid = s
		}
		if e.err == nil {
			e.key, _, e.err = ParseJWK(raw)
		}
		out = append(out, e)
	}
	return out, nil
}

// byKid returns the first entry whose kid is one of kids (empty kids are
// skipped), preferring a usable one.
func (s jwks) byKid(kids ...string) *jwksEntry {
	var bad *jwksEntry
	for i := range s {
		for _, k := range kids {
			if k != "" && s[i].kid == k {
				if s[i].err == nil {
					return &s[i]
				}
				if bad == nil {
					bad = &s[i]
				}
			}
		}
	}
	return bad
}

// FindInJWKS proves that key belongs to the issuer by finding it in the
// issuer's key set at <issuer origin>/.well-known/jwks.json (1EdTech
// recommended practice for VC-JWT).
//
//   - With a kid, the set must hold a key with that kid; when key is not nil
//     it must be exactly that key (else KindMismatch). With key nil, the
//     set's key is returned.
//   - Without a kid, key is required and the set must contain it (compared as
//     keys, i.e. equal RFC 7638 thumbprints).
//
// The Method has Source "jwks", Controller issuerURL (as given), ID the kid
// (or the JWKS URL + "#" + thumbprint), AssertionMethod true: publishing the
// key in its key set is the issuer's statement that it signs with it.
// Fetching is https first, http only for private hosts when allowed.
func FindInJWKS(ctx context.Context, issuerURL, kid string, key crypto.PublicKey, fetch Fetch, opt Options) (*Method, error) {
	pu, err := parseHTTPURL(issuerURL)
	if err != nil {
		return nil, err
	}
	if kid == "" && key == nil {
		return nil, invalid(KindMalformed, issuerURL, "need a kid or a key to look up in the issuer's JWKS")
	}
	origin := *pu
	origin.Path, origin.RawPath, origin.RawQuery, origin.ForceQuery = "/.well-known/jwks.json", "", "", false
	body, u, err := get(ctx, fetch, candidates(&origin, opt), acceptJWKS, opt)
	if err != nil {
		return nil, err
	}
	set, err := parseJWKS(body)
	if err != nil {
		return nil, invalidErr(KindMalformed, u, err, "bad JWK Set")
	}
	m := &Method{Type: "JsonWebKey", Controller: issuerURL, Source: SourceJWKS, AssertionMethod: true, URL: u}
	if kid != "" {
		var bad *jwksEntry
		found := false
		for i := range set {
			e := &set[i]
			if e.kid != kid {
				continue
			}
			found = true
			if e.err != nil {
				if bad == nil {
					bad = e
				}
				continue
			}
			if key == nil || SameKey(e.key, key) {
				m.ID, m.Key = kid, e.key
				return m, nil
			}
		}
		switch {
		case !found:
			return nil, invalid(KindNotFound, u, "the issuer's key set has no key with kid %q", kid)
		case bad != nil && key == nil:
			return nil, invalidErr(KindBadKey, u, bad.err, "key %q", kid)
		}
		return nil, invalid(KindMismatch, u, "the issuer's key %q is not the key that signed", kid)
	}
	for i := range set {
		if set[i].err == nil && SameKey(set[i].key, key) {
			tp, err := Thumbprint(key)
			if err != nil {
				return nil, invalidErr(KindBadKey, u, err, "thumbprint")
			}
			m.ID, m.Key = u+"#"+tp, set[i].key
			if set[i].kid != "" {
				m.ID = set[i].kid
			}
			return m, nil
		}
	}
	tp, _ := Thumbprint(key)
	return nil, invalid(KindNotFound, u, "the issuer's key set does not contain the key (thumbprint %s)", tp)
}
