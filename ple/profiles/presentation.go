package profiles

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/multiformats/go-multibase"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/ld"
	"github.com/cairn-pl/cairn/verify/sign"
)

// A profile as a W3C Verifiable Presentation (VCDM 2.0): the selected
// credentials exactly as issued, the learner's did:web as holder, and an
// eddsa-rdfc-2022 proof by the site's key, so an employer can check the
// whole set with any verifier and see that this site's owner presents it.
// JSON-LD credentials are embedded as they are; VC-JWTs and anything the
// VCDM 2.0 context cannot hold (VCDM 1.1 and Open Badges 2.0 documents)
// travel as EnvelopedVerifiableCredential data: URLs. Hosted Open Badges
// 2.0 assertions (kept as a URL) are left out: their URL is their proof.

// ContextVC2 is the VCDM 2.0 context.
const ContextVC2 = "https://www.w3.org/ns/credentials/v2"

// ErrNoSigner: the site has no key to sign presentations with.
var ErrNoSigner = errors.New("profiles: no signer for presentations")

type cachedPresentation struct {
	version uint64
	until   time.Time
	body    []byte
}

// Presentation returns the signed presentation of a profile as JSON. It is
// signed once and kept until the profile changes or ReportTTL passes.
func (s *Service) Presentation(ctx context.Context, profileID int64) ([]byte, error) {
	if s.signer == nil {
		return nil, ErrNoSigner
	}
	ver, now := s.version.Load(), s.now()
	s.presMu.Lock()
	c, ok := s.pres[profileID]
	s.presMu.Unlock()
	if ok && c.version == ver && now.Before(c.until) {
		return c.body, nil
	}
	p, err := s.Get(ctx, profileID)
	if err != nil {
		return nil, err
	}
	var creds []any
	for _, id := range p.Items {
		data, _, err := s.creds.Original(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if vc := presentable(data); vc != nil {
			creds = append(creds, vc)
		}
	}
	vp := map[string]any{
		"@context":             []any{ContextVC2},
		"type":                 []any{"VerifiablePresentation"},
		"holder":               s.signer.DID(),
		"verifiableCredential": creds,
	}
	signed, err := s.signer.SignPresentation(jsonShaped(vp), now)
	if err != nil {
		return nil, err
	}
	body, err := json.MarshalIndent(signed, "", "  ")
	if err != nil {
		return nil, err
	}
	s.presMu.Lock()
	s.pres[profileID] = cachedPresentation{version: ver, until: now.Add(s.ttl), body: body}
	s.presMu.Unlock()
	return body, nil
}

// presentable turns a credential's original bytes into what the
// presentation carries: the JSON-LD credential itself, or an enveloped one.
func presentable(data []byte) any {
	if _, ok := bake.Detect(data); ok {
		b, err := bake.Unbake(data)
		if err != nil {
			return nil
		}
		data = b.Payload
	}
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return nil
	case bytes.HasPrefix(data, []byte("http://")) || bytes.HasPrefix(data, []byte("https://")):
		return nil // a hosted assertion: its URL is all there is
	case data[0] != '{':
		return enveloped("application/vc+jwt", data, false)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return nil
	}
	if isVC2(doc) {
		// Embedded only when the VCDM 2.0 presentation can hold it (its
		// contexts canonicalise inside the presentation's).
		probe := map[string]any{"@context": []any{ContextVC2}, "type": []any{"VerifiablePresentation"},
			"verifiableCredential": []any{doc}}
		if _, err := ld.Canonize(probe); err == nil {
			return doc
		}
	}
	return enveloped("application/vc+ld+json", data, true)
}

func isVC2(doc map[string]any) bool {
	ctx, _ := doc["@context"].([]any)
	if len(ctx) == 0 || ctx[0] != ContextVC2 {
		return false
	}
	for _, t := range asList(doc["type"]) {
		if t == "VerifiableCredential" {
			return true
		}
	}
	return false
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// enveloped wraps a credential as an EnvelopedVerifiableCredential.
func enveloped(mediaType string, data []byte, b64 bool) map[string]any {
	id := "data:" + mediaType + ","
	if b64 {
		id = "data:" + mediaType + ";base64," + base64.StdEncoding.EncodeToString(data)
	} else {
		id += string(data)
	}
	return map[string]any{"@context": ContextVC2, "id": id, "type": "EnvelopedVerifiableCredential"}
}

// jsonShaped round-trips v through JSON, numbers as json.Number, as the
// canonicaliser expects.
func jsonShaped(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}

// PresentationReport is what VerifyPresentation found.
type PresentationReport struct {
	Holder string
	// Proof is the presentation's own proof check (pass, fail or error)
	// and Message says why.
	Proof   string
	Message string
	// Credentials are the reports of the credentials it carries, in order.
	Credentials []verify.Report
}

// Valid reports whether the presentation's proof holds and every
// credential in it is valid.
func (r PresentationReport) Valid() bool {
	if r.Proof != verify.StatusPass {
		return false
	}
	for _, c := range r.Credentials {
		if c.Verdict != verify.VerdictValid {
			return false
		}
	}
	return true
}

// VerifyOptions configure VerifyPresentation.
type VerifyOptions struct {
	// Verify verifies each credential (its Fetcher also resolves the
	// holder's DID).
	Verify verify.Options
	// AllowHTTPForPrivate lets a loopback or private did:web be fetched
	// over http (CAIRN_ALLOW_PRIVATE_NETWORK, tests).
	AllowHTTPForPrivate bool
}

// VerifyPresentation checks a Verifiable Presentation with Cairn's own
// verifier: the holder's Data Integrity proof (eddsa-rdfc-2022, by a key
// of the holder's DID) and, one by one, the credentials it carries.
func VerifyPresentation(ctx context.Context, data []byte, o VerifyOptions) PresentationReport {
	var rep PresentationReport
	fail := func(status, format string, args ...any) PresentationReport {
		rep.Proof, rep.Message = status, fmt.Sprintf(format, args...)
		return rep
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return fail(verify.StatusFail, "not JSON: %v", err)
	}
	if !slices.Contains(asList(doc["type"]), any("VerifiablePresentation")) {
		return fail(verify.StatusFail, "not a VerifiablePresentation")
	}
	rep.Holder, _ = doc["holder"].(string)
	for _, c := range asList(doc["verifiableCredential"]) {
		rep.Credentials = append(rep.Credentials, verifyCarried(ctx, c, o.Verify))
	}
	proof, _ := doc["proof"].(map[string]any)
	if proof == nil {
		return fail(verify.StatusFail, "the presentation has no proof (or more than one)")
	}
	vm, _ := proof["verificationMethod"].(string)
	purpose, _ := proof["proofPurpose"].(string)
	switch {
	case proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != sign.RDFC:
		return fail(verify.StatusFail, "the proof is not a DataIntegrityProof with eddsa-rdfc-2022")
	case purpose != "assertionMethod" && purpose != "authentication":
		return fail(verify.StatusFail, "proof purpose %q", purpose)
	case rep.Holder == "" || !strings.HasPrefix(vm, rep.Holder+"#"):
		return fail(verify.StatusFail, "the proof's key %q is not the holder's (%q)", vm, rep.Holder)
	}
	m, err := did.Resolve(ctx, vm, didFetch(o.Verify.Fetcher), did.Options{AllowHTTPForPrivate: o.AllowHTTPForPrivate})
	if err != nil {
		if did.IsUnreachable(err) {
			return fail(verify.StatusError, "the holder's key could not be fetched: %v", err)
		}
		return fail(verify.StatusFail, "the holder's key: %v", err)
	}
	pub, ok := m.Key.(ed25519.PublicKey)
	if !ok || !m.ControlledBy(rep.Holder) {
		return fail(verify.StatusFail, "the key %s is not an Ed25519 key of the holder", vm)
	}
	if purpose == "assertionMethod" && !m.AssertionMethod {
		return fail(verify.StatusFail, "the key %s is not listed under assertionMethod", vm)
	}
	pv, _ := proof["proofValue"].(string)
	_, sig, err := multibase.Decode(pv)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fail(verify.StatusFail, "the proofValue is not a base58btc Ed25519 signature")
	}
	unsecured := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "proof" {
			unsecured[k] = v
		}
	}
	input, err := sign.SigningInput(unsecured, proof, sign.RDFC)
	if err != nil {
		return fail(verify.StatusFail, "could not canonicalise the presentation: %v", err)
	}
	if !ed25519.Verify(pub, input, sig) {
		return fail(verify.StatusFail, "the signature no longer matches the content")
	}
	rep.Proof, rep.Message = verify.StatusPass, "signed by "+vm
	return rep
}

// verifyCarried verifies one carried credential: an embedded JSON-LD
// credential, or an enveloped one (data: URL).
func verifyCarried(ctx context.Context, c any, opts verify.Options) verify.Report {
	m, _ := c.(map[string]any)
	if m == nil {
		return verify.Verify(ctx, []byte("not a credential"), opts)
	}
	if m["type"] == "EnvelopedVerifiableCredential" {
		id, _ := m["id"].(string)
		data, ok := decodeDataURL(id)
		if !ok {
			return verify.Verify(ctx, []byte("not a credential"), opts)
		}
		return verify.Verify(ctx, data, opts)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return verify.Verify(ctx, []byte("not a credential"), opts)
	}
	return verify.Verify(ctx, b, opts)
}

func decodeDataURL(u string) ([]byte, bool) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return nil, false
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, false
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(payload)
		return b, err == nil
	}
	return []byte(payload), true
}

// didFetch adapts a verify.Fetcher to did.Fetch.
func didFetch(f verify.Fetcher) did.Fetch {
	return func(ctx context.Context, u, accept string) (int, []byte, error) {
		if f == nil {
			return 0, nil, errors.New("no network access configured")
		}
		r, err := f.Fetch(ctx, u, accept)
		if err != nil {
			return 0, nil, err
		}
		if r == nil {
			return http.StatusBadGateway, nil, nil
		}
		return r.Status, r.Body, nil
	}
}
