// Package did discovers the public keys that sign Open Badges 3.0 and W3C
// Verifiable Credentials: did:key, did:web, HTTPS controller documents and
// issuer profiles, the 1EdTech self-asserted "#z6Mk…" form, and JWK / JWKS for
// VC-JWT.
//
// The package is pure: it never opens a connection itself. Every network
// access goes through the Fetch function the caller gives, which is where
// SSRF guards, timeouts, redirect limits and body caps live (internal/netx in
// Cairn). This package never follows a redirect on its own and caps every
// document it parses (Options.MaxDocumentBytes, 256 KiB by default).
//
// Errors come in two kinds, so a verifier can tell "unknown" from "invalid":
//
//   - *UnreachableError: the document could not be obtained right now (a
//     transport error, HTTP 5xx, 408 or 429, a cancelled context). The key
//     check should be reported as error/unknown, never as valid or invalid.
//   - *InvalidError: a definite answer that the key cannot be used (HTTP 404,
//     a malformed document, a wrong id, the method not found, an unsupported
//     codec, a JWK with private parts). Its Kind says which.
//
// Rules a caller still applies (see ControlledBy, SelfAsserted):
//   - the method's controller must be the credential's issuer;
//   - for Data Integrity proofs the method must be listed under
//     assertionMethod (Method.AssertionMethod);
//   - a Method with Source "embedded" is self-asserted: it proves nothing about
//     the issuer and must be reported as a warning.
package did

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"strings"
)

// Fetch gets url with the given Accept header; it returns the final HTTP
// status and body. It follows redirects (or not) as it sees fit; a transport
// failure is an error, an HTTP status is not.
type Fetch func(ctx context.Context, url, accept string) (status int, body []byte, err error)

// DefaultMaxDocumentBytes caps every document this package parses.
const DefaultMaxDocumentBytes = 256 << 10

// Options tune resolution.
type Options struct {
	// AllowHTTPForPrivate lets did:web (and JWKS / controller documents) on a
	// loopback or private host (127/8, ::1, 10/8, 172.16/12, 192.168/16,
	// fc00::/7 or "localhost") be fetched over plain http when https could not
	// be reached, so two instances on one machine can verify each other. Cairn
	// sets it only with CAIRN_ALLOW_PRIVATE_NETWORK. Public hosts are never
	// fetched over http.
	AllowHTTPForPrivate bool
	// MaxDocumentBytes caps a fetched document; 0 means DefaultMaxDocumentBytes.
	MaxDocumentBytes int
}

func (o Options) maxBytes() int {
	if o.MaxDocumentBytes > 0 {
		return o.MaxDocumentBytes
	}
	return DefaultMaxDocumentBytes
}

// Key sources reported in Method.Source.
const (
	SourceDIDKey   = "did:key"
	SourceDIDWeb   = "did:web"
	SourceHTTPS    = "https"    // an HTTPS controller document, issuer profile, VM document or JWK URL
	SourceJWKS     = "jwks"     // the issuer's /.well-known/jwks.json
	SourceEmbedded = "embedded" // self-asserted: the key is in the id itself (SelfAsserted)
)

// Method is a resolved verification method.
type Method struct {
	ID         string           // full VM id, e.g. did:web:example.com#key-1
	Type       string           // Multikey, Ed25519VerificationKey2020, JsonWebKey2020, JsonWebKey, ...
	Controller string           // as the document states it (absolute); may be empty for a bare JWK
	Key        crypto.PublicKey // ed25519.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey
	Source     string           // one of the Source* constants
	// AssertionMethod is true when the controller's document lists the method
	// under assertionMethod (always true for did:key; true for a key found in
	// the issuer's JWKS, which is the issuer's statement that it signs with it;
	// false for SelfAsserted).
	AssertionMethod bool
	// URL is the document the key came from ("" for did:key and embedded).
	URL string
}

// ControlledBy reports whether the method belongs to issuer (an issuer id:
// a DID or a URL, without fragment). The rule:
//
//   - the method's controller equals issuer exactly (string comparison, the
//     1EdTech "key controller must match issuer" rule); or
//   - issuer is a DID, the method was resolved from that DID's own document
//     (did:key or did:web) and the method id is issuer + "#…": the DID
//     document is the DID controller's own statement about its keys.
//
// So for did:web the issuer "did:web:example.com" owns
// "did:web:example.com#key-1" but not "did:web:example.com:users:alice#key-1".
// No other normalisation (case, trailing slash, default port) is applied.
func (m *Method) ControlledBy(issuer string) bool {
	if m == nil || issuer == "" || strings.Contains(issuer, "#") {
		return false
	}
	if m.Controller == issuer {
		return true
	}
	if strings.HasPrefix(issuer, "did:") && (m.Source == SourceDIDKey || m.Source == SourceDIDWeb) &&
		strings.HasPrefix(m.ID, issuer+"#") {
		return true
	}
	return false
}

// UnreachableError means the document could not be obtained: a transport
// error, HTTP 5xx, 408 or 429, or a cancelled context. The result is unknown,
// not invalid.
type UnreachableError struct {
	URL    string // the URL that was tried last
	Status int    // the HTTP status, 0 for a transport error
	Err    error  // the transport error, if any
	// Tried lists earlier failed attempts, e.g. the https attempt before an
	// http fallback.
	Tried []string
}

func (e *UnreachableError) Error() string {
	var b strings.Builder
	b.WriteString("could not reach ")
	b.WriteString(e.URL)
	switch {
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	case e.Status != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	for _, t := range e.Tried {
		b.WriteString(" (after ")
		b.WriteString(t)
		b.WriteString(")")
	}
	return b.String()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Kind classifies an InvalidError.
type Kind int

const (
	// KindMalformed: the id or the document cannot be parsed, or is too big.
	KindMalformed Kind = iota + 1
	// KindNotFound: HTTP 404/410 (or another definite non-success status), or
	// the document does not define the method or kid.
	KindNotFound
	// KindMismatch: the document's id is not the one asked for (a did:web
	// document for another DID, a VM document with another id, a key set
	// whose kid holds another key).
	KindMismatch
	// KindBadKey: the method is defined but its key cannot be used: wrong or
	// unsupported codec, private key material, symmetric key, weak key.
	KindBadKey
	// KindUnsupported: the id scheme or DID method is not supported
	// (e.g. urn:, did:ion), or an http id for a public host.
	KindUnsupported
)

func (k Kind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindNotFound:
		return "not found"
	case KindMismatch:
		return "mismatch"
	case KindBadKey:
		return "bad key"
	case KindUnsupported:
		return "unsupported"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// InvalidError is a definite failure: retrying will not help.
type InvalidError struct {
	Kind Kind
	// Subject is what was wrong: the URL fetched or the id given.
	Subject string
	Msg     string
	Err     error // an underlying parse error, if any
}

func (e *InvalidError) Error() string {
	s := e.Msg
	if e.Subject != "" {
		s = e.Subject + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *InvalidError) Unwrap() error { return e.Err }

func invalid(kind Kind, subject, format string, args ...any) *InvalidError {
	return &InvalidError{Kind: kind, Subject: subject, Msg: fmt.Sprintf(format, args...)}
}

func invalidErr(kind Kind, subject string, err error, format string, args ...any) *InvalidError {
	return &InvalidError{Kind: kind, Subject: subject, Msg: fmt.Sprintf(format, args...), Err: err}
}

// IsUnreachable reports whether err (or an error it wraps) is an
// *UnreachableError.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}

// MayFallBack reports whether err, returned by Resolve, still leaves room for
// the 1EdTech self-asserted form (SelfAsserted): the document could not be
// reached, does not exist, is not a usable document (an HTML home page), the
// scheme cannot be fetched (urn:), or the document does not define the
// method. It is false when the document defines the method with a key that
// cannot be used or claims to be something else (KindBadKey, KindMismatch):
// then the issuer has said something definite and the fragment must not
// override it.
//
// Typical use:
//
//	m, err := did.Resolve(ctx, vm, fetch, opt)
//	if err != nil && did.MayFallBack(err) {
//		if sa, ok := did.SelfAsserted(vm); ok {
//			m, err = sa, nil // report key as "warn: self-asserted"
//		}
//	}
func MayFallBack(err error) bool {
	if err == nil {
		return false
	}
	if IsUnreachable(err) {
		return true
	}
	var inv *InvalidError
	if errors.As(err, &inv) {
		switch inv.Kind {
		case KindNotFound, KindMalformed, KindUnsupported:
			return true
		}
	}
	return false
}
