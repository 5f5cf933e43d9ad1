package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/verify/bake"
)

// Options configure one verification.
type Options struct {
	// Fetcher reaches issuers, keys and revocation lists. Without one every
	// check that needs the network ends in error (verdict unknown).
	Fetcher Fetcher
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Recipients are the holder's identities: emails, mailto: URIs, URLs.
	// With none, the recipient check is skipped.
	Recipients []string
	// TrustedIssuers are issuer ids, origins or DIDs the holder trusts.
	TrustedIssuers []string
	// LedgerHeads are the ledger heads the holder saw before, by issuer
	// id: a ledger that no longer contains its head has been rewritten
	// (a fork), which the ledger check reports.
	LedgerHeads map[string]LedgerHead
	// LedgerAnchors, when set, checks the anchors an issuer's ledger lists
	// (heads written on another ledger, such as an EVM chain) against the
	// blocks the ledger check verified: the credential's block index and
	// the hashes by index from it to the head. ok false adds nothing.
	LedgerAnchors func(ctx context.Context, anchors []json.RawMessage, block int64, hashes map[int64]string) (c Check, ok bool)
	// Cache, when set, shares fetched documents and checked status lists
	// between verifications (see Cache). Nil fetches everything afresh.
	Cache *Cache
}

// MaxInputBytes caps what Verify reads (JSON, JWS or a baked image).
const MaxInputBytes = bake.MaxImageBytes

// clockSkew is the tolerance for "issued in the future".
const clockSkew = 5 * time.Minute

// run is the state of one verification.
type run struct {
	ctx    context.Context
	opts   Options
	now    time.Time
	checks checkList
	rep    Report
	cache  map[string]fetched
	lists  map[string]listResult // status lists read in this run
}

// Verify verifies a credential: JSON, a compact JWS, a URL of a hosted
// assertion, or a baked PNG/SVG. It never panics on bad input and always
// returns a report whose verdict is valid, invalid or unknown.
func Verify(ctx context.Context, input []byte, opts Options) Report {
	if ctx == nil {
		ctx = context.Background()
	}
	r := &run{ctx: ctx, opts: opts, cache: map[string]fetched{}}
	if opts.Now != nil {
		r.now = opts.Now()
	} else {
		r.now = time.Now()
	}
	r.intake(input, 0)
	return r.finish()
}

func (r *run) finish() Report {
	if !r.checks.has(CheckParse) {
		r.checks.add(CheckParse, StatusFail, "nothing was verified")
	}
	r.rep.Checks = r.checks.list()
	r.rep.Verdict = Verdict(r.rep.Checks)
	r.rep.VerifiedAt = r.now.UTC().Truncate(time.Second)
	if r.rep.Credential.Skills == nil {
		r.rep.Credential.Skills = []Skill{}
	}
	return r.rep
}

func (r *run) add(id, status, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	r.checks.add(id, status, msg)
}

// intake detects what the input is and dispatches. depth bounds recursion
// (a URL that answers a baked image that holds a URL ...).
func (r *run) intake(input []byte, depth int) {
	if depth > 2 {
		r.add(CheckParse, StatusFail, "the input refers to itself too many times")
		return
	}
	if len(input) > MaxInputBytes {
		r.add(CheckParse, StatusFail, "the input is larger than %d bytes", MaxInputBytes)
		return
	}
	if _, ok := bake.Detect(input); ok {
		b, err := bake.Unbake(input)
		if err != nil {
			r.add(CheckParse, StatusFail, "could not read the badge from the image: %v", err)
			return
		}
		for _, w := range b.Warnings {
			r.add(CheckParse, StatusWarn, "%s", w)
		}
		payload := b.Payload
		if len(bytes.TrimSpace(payload)) == 0 && b.Verify != "" {
			payload = []byte(b.Verify)
		}
		r.intake(payload, depth+1)
		return
	}
	s := strings.TrimSpace(string(input))
	switch {
	case s == "":
		r.add(CheckParse, StatusFail, "the input is empty")
	case strings.HasPrefix(s, "{"):
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			r.add(CheckParse, StatusFail, "the input is not valid JSON: %v", err)
			return
		}
		if dec.More() {
			r.add(CheckParse, StatusFail, "the input has data after the JSON object")
			return
		}
		r.fromJSON(m, "", nil)
	case isHTTPURL(s):
		r.fromURL(s, depth)
	case looksLikeJWS(s):
		r.fromJWS(s)
	default:
		r.add(CheckParse, StatusFail, "the input is neither JSON, a compact JWS, a URL nor a baked image")
	}
}

func isHTTPURL(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// fromURL fetches a hosted assertion (or a baked image) and verifies it.
func (r *run) fromURL(u string, depth int) {
	resp, err := r.fetch(u, acceptAssertion)
	if err != nil {
		r.add(CheckParse, StatusError, "could not fetch %s: %v", u, err)
		return
	}
	if resp.Status == 410 {
		r.rep.Credential.ID = u
		r.add(CheckParse, StatusPass, "fetched %s", u)
		r.add(CheckHosted, StatusPass, "the issuer answers 410 Gone for %s", u)
		r.add(CheckStatus, StatusFail, "revoked: the issuer answers 410 Gone")
		return
	}
	if resp.Status < 200 || resp.Status > 299 {
		r.add(CheckParse, statusForHTTP(resp.Status), "fetching %s answered HTTP %d", u, resp.Status)
		return
	}
	body := bytes.TrimSpace(resp.Body)
	if _, ok := bake.Detect(body); ok {
		r.intake(body, depth+1)
		return
	}
	if len(body) > 0 && body[0] == '{' {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			r.add(CheckParse, StatusFail, "%s is not valid JSON: %v", u, err)
			return
		}
		r.fromJSON(m, u, nil)
		return
	}
	if looksLikeJWS(string(body)) {
		r.fromJWS(string(body))
		return
	}
	r.add(CheckParse, StatusFail, "%s answered neither JSON, a JWS nor a baked image", u)
}

// statusForHTTP maps a failed HTTP status to a check status: 4xx other
// than 408/429 is a definite answer (fail), the rest could not complete.
func statusForHTTP(code int) string {
	if code >= 400 && code < 500 && code != 408 && code != 429 {
		return StatusFail
	}
	return StatusError
}

// fetch goes through the Fetcher once per URL and run.
func (r *run) fetch(u, accept string) (*Response, error) {
	if f, ok := r.cache[u]; ok {
		return f.resp, f.err
	}
	if resp, ok := r.opts.Cache.doc(u); ok {
		r.cache[u] = fetched{resp, nil}
		return resp, nil
	}
	var resp *Response
	var err error
	if r.opts.Fetcher == nil {
		err = errNoFetcher
	} else if !isHTTPURL(u) {
		err = fmt.Errorf("%q is not an http(s) URL", u)
	} else {
		resp, err = r.opts.Fetcher.Fetch(r.ctx, u, accept)
		if err == nil && resp == nil {
			err = errors.New("empty response")
		}
	}
	r.cache[u] = fetched{resp, err}
	if err == nil {
		r.opts.Cache.putDoc(u, resp)
	}
	return resp, err
}

// fetchDoc fetches a JSON document: ok is false when a check was recorded
// under id (error for unreachable, fail for a definite refusal).
func (r *run) fetchDoc(u, id, what string) (map[string]any, bool) {
	resp, err := r.fetch(u, acceptJSON)
	if err != nil {
		r.add(id, StatusError, "could not fetch the %s %s: %v", what, u, err)
		return nil, false
	}
	if resp.Status < 200 || resp.Status > 299 {
		r.add(id, StatusError, "fetching the %s %s answered HTTP %d", what, u, resp.Status)
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(resp.Body, &m); err != nil {
		r.add(id, StatusFail, "the %s at %s is not a JSON object: %v", what, u, err)
		return nil, false
	}
	return m, true
}

// fromJWS verifies a signed assertion.
func (r *run) fromJWS(s string) {
	j, err := parseJWS(s)
	if j == nil {
		r.add(CheckParse, StatusFail, "%v", err)
		return
	}
	var m map[string]any
	if uerr := json.Unmarshal(j.Payload, &m); uerr != nil {
		r.add(CheckParse, StatusFail, "the JWS payload is not a JSON object: %v", uerr)
		return
	}
	if _, isVC := m["vc"]; isVC || isVCContext(m["@context"]) {
		r.vcFromJWT(j, err, m, purposeCredential, 0)
		return
	}
	if err != nil {
		r.rep.Format = FormatOB2Signed
		r.add(CheckParse, StatusPass, "compact JWS")
		r.add(CheckSignature, StatusFail, "%v", err)
	}
	r.fromJSON(m, "", j)
}

func isVCContext(v any) bool {
	for _, c := range strList(v) {
		if strings.Contains(c, "w3.org/2018/credentials") || strings.Contains(c, "w3.org/ns/credentials") {
			return true
		}
	}
	return false
}

// isBlockcerts recognises a Blockcerts v3 credential (a VC with a Merkle
// proof or the Blockcerts context).
func isBlockcerts(m map[string]any) bool {
	for _, c := range strList(m["@context"]) {
		if strings.Contains(c, "w3id.org/blockcerts") {
			return true
		}
	}
	for _, p := range objects(m["proof"]) {
		switch getStr(p, "type") {
		case "MerkleProof2019", "ChainpointSecurityContext", "MerkleProof2017":
			return true
		}
		if getStr(p, "cryptosuite") == "merkle-proof-2019" {
			return true
		}
	}
	return false
}

// fromJSON classifies a JSON document and runs the right pipeline.
// source is the URL it was fetched from ("" when given inline); jws is set
// for signed input.
func (r *run) fromJSON(m map[string]any, source string, jws *compactJWS) {
	if isBlockcerts(m) {
		r.rep.Format = FormatBlockcerts
		r.add(CheckParse, StatusError, "Blockcerts are not handled by this verifier")
		return
	}
	if isVCContext(m["@context"]) {
		if jws != nil {
			r.add(CheckParse, StatusFail, "a Verifiable Credential inside an Open Badges 2.0 signature")
			return
		}
		r.verifyVC(m, purposeCredential, 0)
		return
	}
	if _, ok := m["signature"]; ok && m["recipient"] == nil {
		r.rep.Format = FormatBlockcerts
		r.add(CheckParse, StatusError, "Blockcerts are not handled by this verifier")
		return
	}
	ver := detectOBVersion(m)
	a := m
	if ver != "2.0" {
		a = upgradeAssertion(m, ver, source)
	}
	p := &ob2{run: r, raw: m, a: a, version: ver, source: source, jws: jws}
	if jws == nil && ver == "2.0" && isOB2Node(m) {
		p.verifyNode()
		return
	}
	p.verify()
}
