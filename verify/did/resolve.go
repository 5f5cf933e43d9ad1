package did

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Accept headers.
const (
	acceptDID  = "application/did+ld+json, application/did+json, application/ld+json;q=0.9, application/json;q=0.8"
	acceptDoc  = "application/ld+json, application/json;q=0.9, application/jwk+json;q=0.8, application/jwk-set+json;q=0.8"
	acceptJWKS = "application/jwk-set+json, application/json;q=0.9"
)

// errNoFetch is reported when a document is needed but no Fetch was given.
var errNoFetch = errors.New("no network access (nil Fetch)")

// get fetches the first of urls that can be reached. A definite answer
// (200, or 4xx other than 408/429) ends the loop; only an unreachable URL
// moves on to the next (the http fallback). It returns the body and the URL
// that answered.
func get(ctx context.Context, fetch Fetch, urls []string, accept string, opt Options) ([]byte, string, error) {
	var tried []string
	var last *UnreachableError
	for _, u := range urls {
		if fetch == nil {
			return nil, u, &UnreachableError{URL: u, Err: errNoFetch}
		}
		if err := ctx.Err(); err != nil {
			return nil, u, &UnreachableError{URL: u, Err: err, Tried: tried}
		}
		status, body, err := fetch(ctx, u, accept)
		switch {
		case err != nil:
			last = &UnreachableError{URL: u, Err: err, Tried: tried}
		case status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests:
			last = &UnreachableError{URL: u, Status: status, Tried: tried}
		case status == http.StatusOK || status == http.StatusNonAuthoritativeInfo:
			if limit := opt.maxBytes(); len(body) > limit {
				return nil, u, invalid(KindMalformed, u, "document is %d bytes, more than the %d allowed", len(body), limit)
			}
			return body, u, nil
		case status >= 300 && status < 400:
			return nil, u, invalid(KindNotFound, u, "answered HTTP %d (redirect not followed)", status)
		default:
			return nil, u, invalid(KindNotFound, u, "answered HTTP %d", status)
		}
		if ctx.Err() != nil {
			return nil, u, last
		}
		tried = append(tried, last.Error())
	}
	return nil, "", last
}

// Resolve finds the verification method vmID:
//
//   - did:key:z…[#z…] offline (the fragment, if any, must equal the key);
//     controller is the DID; AssertionMethod is true.
//   - did:web:host[%3Aport][:path…]#frag from https://host[:port]/path…/did.json
//     (no path: /.well-known/did.json); the document "id" must equal the DID;
//     the method is looked up in verificationMethod and in objects embedded
//     in the verification relationships; AssertionMethod says whether
//     assertionMethod lists it. Without a fragment, the document must list
//     exactly one assertionMethod.
//   - an http(s) URL: the URL without fragment is fetched; the document is a
//     bare JWK, a JWK Set (the key whose kid is vmID or its fragment; the only
//     key when vmID has no fragment), the verification method itself (its id
//     must equal vmID; the controller's document is then fetched to see
//     whether it lists the method under assertionMethod), or a controller
//     document / issuer profile defining the method.
//
// Fetching is https only; plain http is tried after https could not be
// reached only when opt.AllowHTTPForPrivate is set and the host is loopback
// or private (see Options).
//
// Errors are *UnreachableError or *InvalidError. For the 1EdTech
// self-asserted form ("https://issuer.example/#z6Mk…", "urn:…#z6Mk…"), call
// SelfAsserted when MayFallBack(err).
func Resolve(ctx context.Context, vmID string, fetch Fetch, opt Options) (*Method, error) {
	switch {
	case strings.HasPrefix(vmID, "did:key:"):
		return resolveDIDKey(vmID)
	case strings.HasPrefix(vmID, "did:web:"):
		return resolveDIDWeb(ctx, vmID, fetch, opt)
	case strings.HasPrefix(vmID, "did:"):
		method, _, _ := strings.Cut(strings.TrimPrefix(vmID, "did:"), ":")
		return nil, invalid(KindUnsupported, vmID, "DID method %q is not supported (did:key and did:web are)", method)
	case strings.HasPrefix(vmID, "https://"), strings.HasPrefix(vmID, "http://"):
		return resolveURL(ctx, vmID, fetch, opt)
	}
	if isAbsoluteURI(vmID) {
		scheme, _, _ := strings.Cut(vmID, ":")
		return nil, invalid(KindUnsupported, vmID, "scheme %q cannot be resolved", scheme)
	}
	return nil, invalid(KindMalformed, vmID, "not an absolute URI")
}

func resolveDIDKey(vmID string) (*Method, error) {
	didPart, frag, hasFrag := strings.Cut(vmID, "#")
	mk := strings.TrimPrefix(didPart, "did:key:")
	if mk == "" || strings.ContainsAny(mk, ":/?") {
		return nil, invalid(KindMalformed, vmID, "bad did:key identifier")
	}
	if hasFrag && frag != mk {
		return nil, invalid(KindMismatch, vmID, "did:key fragment %q is not the key %q", frag, mk)
	}
	key, err := DecodeMultikeyAny(mk)
	if err != nil {
		return nil, invalidErr(KindBadKey, vmID, err, "bad did:key")
	}
	return &Method{
		ID: didPart + "#" + mk, Type: "Multikey", Controller: didPart, Key: key,
		Source: SourceDIDKey, AssertionMethod: true,
	}, nil
}

// resolveDIDWeb fetches and parses the DID document of a did:web DID.
func fetchDIDWeb(ctx context.Context, w *webDID, fetch Fetch, opt Options) (*Document, string, error) {
	body, u, err := get(ctx, fetch, webCandidates(w, opt), acceptDID, opt)
	if err != nil {
		return nil, u, err
	}
	doc, err := ParseDocument(body, w.DID)
	if err != nil {
		return nil, u, invalidErr(KindMalformed, u, err, "bad DID document")
	}
	if doc.ID != w.DID {
		if doc.ID == "" {
			return nil, u, invalid(KindMismatch, u, "DID document has no id, want %q", w.DID)
		}
		return nil, u, invalid(KindMismatch, u, "DID document id is %q, want %q", doc.ID, w.DID)
	}
	return doc, u, nil
}

func resolveDIDWeb(ctx context.Context, vmID string, fetch Fetch, opt Options) (*Method, error) {
	w, err := parseWebDID(vmID)
	if err != nil {
		return nil, err
	}
	doc, u, err := fetchDIDWeb(ctx, w, fetch, opt)
	if err != nil {
		return nil, err
	}
	id := vmID
	if w.Fragment == "" {
		am := doc.AssertionMethods()
		if len(am) != 1 {
			return nil, invalid(KindNotFound, u, "%s names no key (no #fragment) and the document lists %d assertionMethod entries, not exactly one", vmID, len(am))
		}
		id = am[0]
	}
	m, err := doc.Lookup(id)
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) && inv.Kind == KindNotFound {
			return nil, invalid(KindNotFound, u, "DID document does not define %s", id)
		}
		return nil, withDoc(err, u)
	}
	m.Source, m.URL = SourceDIDWeb, u
	return m, nil
}

func resolveURL(ctx context.Context, vmID string, fetch Fetch, opt Options) (*Method, error) {
	pu, err := parseHTTPURL(vmID)
	if err != nil {
		return nil, err
	}
	body, u, err := get(ctx, fetch, candidates(pu, opt), acceptDoc, opt)
	if err != nil {
		return nil, err
	}
	// Relative ids resolve against the URL as named (even when the answer
	// came over the http fallback).
	docURL, frag, _ := strings.Cut(vmID, "#")

	var top map[string]json.RawMessage
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &top) != nil {
		return nil, invalid(KindMalformed, u, "not a JSON object (want a controller document, verification method or JWK)")
	}
	if _, ok := top["kty"]; ok {
		key, _, err := ParseJWK(body)
		if err != nil {
			return nil, invalidErr(KindBadKey, u, err, "bad JWK")
		}
		return &Method{ID: vmID, Type: "JsonWebKey", Key: key, Source: SourceHTTPS, URL: u}, nil
	}
	if _, ok := top["keys"]; ok {
		if _, vm := top["verificationMethod"]; !vm {
			set, err := parseJWKS(body)
			if err != nil {
				return nil, invalidErr(KindMalformed, u, err, "bad JWK Set")
			}
			var e *jwksEntry
			switch {
			case frag != "":
				e = set.byKid(vmID, frag)
			case len(set) == 1:
				e = &set[0]
			}
			if e == nil {
				return nil, invalid(KindNotFound, u, "the JWK Set has no key %q", vmID)
			}
			if e.err != nil {
				return nil, invalidErr(KindBadKey, u, e.err, "key %q", vmID)
			}
			return &Method{ID: vmID, Type: "JsonWebKey", Key: e.key, Source: SourceHTTPS, URL: u}, nil
		}
	}
	doc, err := ParseDocument(body, docURL)
	if err != nil {
		return nil, invalidErr(KindMalformed, u, err, "bad document")
	}
	if doc.self != nil {
		if doc.ID != vmID {
			return nil, invalid(KindMismatch, u, "verification method document has id %q, want %q", doc.ID, vmID)
		}
		m, err := doc.Self()
		if err != nil {
			return nil, withDoc(err, u)
		}
		m.Source, m.URL = SourceHTTPS, u
		if !m.AssertionMethod && m.Controller != "" {
			listed, err := controllerLists(ctx, m.Controller, docURL, vmID, fetch, opt)
			if err != nil {
				return nil, err
			}
			m.AssertionMethod = listed
		}
		return m, nil
	}
	m, err := doc.Lookup(vmID)
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) && inv.Kind == KindNotFound {
			return nil, invalid(KindNotFound, u, "the document does not define %s", vmID)
		}
		return nil, withDoc(err, u)
	}
	m.Source, m.URL = SourceHTTPS, u
	return m, nil
}

// withDoc adds the document URL to an InvalidError about a method in it.
func withDoc(err error, docURL string) error {
	var inv *InvalidError
	if errors.As(err, &inv) && !strings.Contains(inv.Subject, docURL) {
		c := *inv
		c.Subject = inv.Subject + " (in " + docURL + ")"
		return &c
	}
	return err
}

// controllerLists fetches the controller document of a method that was
// published on its own and reports whether it lists vmID under
// assertionMethod. A controller equal to the method's own document is not
// fetched again.
func controllerLists(ctx context.Context, controller, docURL, vmID string, fetch Fetch, opt Options) (bool, error) {
	ctrlDoc, _, _ := strings.Cut(controller, "#")
	switch {
	case ctrlDoc == docURL:
		return false, nil
	case strings.HasPrefix(controller, "did:web:"):
		w, err := parseWebDID(controller)
		if err != nil {
			return false, err
		}
		doc, _, err := fetchDIDWeb(ctx, w, fetch, opt)
		if err != nil {
			return false, err
		}
		return doc.InAssertionMethod(vmID), nil
	case strings.HasPrefix(controller, "https://"), strings.HasPrefix(controller, "http://"):
		pu, err := parseHTTPURL(ctrlDoc)
		if err != nil {
			return false, err
		}
		body, u, err := get(ctx, fetch, candidates(pu, opt), acceptDoc, opt)
		if err != nil {
			return false, err
		}
		doc, err := ParseDocument(body, ctrlDoc)
		if err != nil {
			return false, invalidErr(KindMalformed, u, err, "bad controller document")
		}
		return doc.InAssertionMethod(vmID), nil
	}
	return false, nil
}

// SelfAsserted reads the 1EdTech self-asserted form "https://issuer.example/#z6Mk…"
// or "urn:…#z6Mk…": the fragment is taken as a Multikey and the part before
// it as the controller. No document vouches for it: Source is "embedded",
// AssertionMethod false, and a verifier must report the key as self-asserted
// (warn), never as "issuer verified". DIDs are refused (did:key resolves
// offline through Resolve; did:web must be resolved).
func SelfAsserted(vmID string) (*Method, bool) {
	if strings.HasPrefix(vmID, "did:") || !isAbsoluteURI(vmID) {
		return nil, false
	}
	ctrl, frag, ok := strings.Cut(vmID, "#")
	if !ok || frag == "" || ctrl == "" || hasControl(vmID) || strings.Contains(vmID, " ") {
		return nil, false
	}
	key, err := DecodeMultikeyAny(frag)
	if err != nil {
		return nil, false
	}
	return &Method{ID: vmID, Type: "Multikey", Controller: ctrl, Key: key, Source: SourceEmbedded}, true
}

// ServiceEndpoint returns the endpoint of the first service of type typ in
// a did:web DID's document ("" with a nil error when it has none). Other
// identifiers have no document to look in and answer "".
func ServiceEndpoint(ctx context.Context, didID, typ string, fetch Fetch, opt Options) (string, error) {
	if !strings.HasPrefix(didID, "did:web:") {
		return "", nil
	}
	w, err := parseWebDID(strings.SplitN(didID, "#", 2)[0])
	if err != nil {
		return "", err
	}
	doc, _, err := fetchDIDWeb(ctx, w, fetch, opt)
	if err != nil {
		return "", err
	}
	for _, s := range doc.services {
		for _, t := range s.Type {
			if t == typ {
				return s.Endpoint, nil
			}
		}
	}
	return "", nil
}
