package verify

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/verify/contexts"
	"github.com/cairn-pl/cairn/verify/ld"
)

// VC data model context URLs.
const (
	ctxVC11 = "https://www.w3.org/2018/credentials/v1"
	ctxVC2  = "https://www.w3.org/ns/credentials/v2"
)

// obContext matches the Open Badges 3.0 context at @context[1]
// (credentials.md a.4); VCDM 1.1 credentials may use the unversioned one.
var (
	obContext2  = regexp.MustCompile(`^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$`)
	clrContext2 = regexp.MustCompile(`^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d\.\d)*\.json$`)
)

// vcPurpose says why a VC is verified: as the credential itself, or as a
// part of another (status list, endorsement, CLR member).
type vcPurpose int

const (
	purposeCredential vcPurpose = iota
	purposeStatusList
	purposeEndorsement
	purposeMember
)

// vc is the state of verifying one W3C Verifiable Credential (Open Badges
// 3.0, CLR 2.0, an endorsement or a status list credential).
type vc struct {
	*run
	doc     map[string]any // the credential (for VC-JWT: the vc claim or the payload)
	jwt     *compactJWS    // set for VC-JWT input
	claims  map[string]any // the JWT payload, for VC-JWT
	jwtErr  error          // a JWS parse problem (disallowed algorithm)
	vcdm2   bool
	purpose vcPurpose
	depth   int

	issuerID string
	issuer   map[string]any // the issuer Profile when embedded
	// canonDoc is the RDFC-1.0 form of the document without its proof,
	// computed once by the context check and reused by the proofs.
	canonDoc []byte
	canonErr error
	// keyFrom names where the verifying key came from (did:key, did:web,
	// https, jwks, embedded).
	keyFrom string
	sigOK   bool
}

// verifyVC runs the pipeline of credentials.md b.2 on a VC.
func (r *run) verifyVC(doc map[string]any, purpose vcPurpose, depth int) *vc {
	v := &vc{run: r, doc: doc, purpose: purpose, depth: depth}
	v.pipeline()
	return v
}

func (v *vc) pipeline() {
	if v.rep.Format == "" {
		v.rep.Format = FormatOB3DI
		if v.jwt != nil {
			v.rep.Format = FormatOB3JWT
		}
		if hasType(v.doc, "ClrCredential") {
			v.rep.Format = FormatCLR2
		}
	}
	if v.jwt != nil {
		v.add(CheckParse, StatusPass, "VC-JWT (%s)", v.jwt.Alg)
	} else {
		v.add(CheckParse, StatusPass, "JSON Verifiable Credential")
	}
	v.issuerID = idOf(v.doc["issuer"])
	v.issuer, _ = v.doc["issuer"].(map[string]any)
	v.checkContext()
	v.checkType()
	v.checkSchema()
	v.checkIssuer()
	if v.jwt != nil {
		v.checkJWT()
	} else {
		v.checkProofs()
	}
	v.summarise()
	if v.checks.status(CheckSignature) == StatusFail {
		// A broken signature is fatal: nothing the document says about
		// its dates or status can be believed (DCC's rule).
		for _, id := range []string{CheckNotBefore, CheckExpiry, CheckStatus, CheckRecipient, CheckLedger} {
			v.add(id, StatusSkip, "not checked: the signature does not hold")
		}
	} else {
		v.checkDates()
		if v.purpose != purposeStatusList {
			v.checkStatus()
		}
		v.checkRecipient()
		if v.purpose == purposeCredential {
			v.checkLedger()
		}
	}
	if v.purpose == purposeCredential {
		v.checkMembers()
		v.checkEndorsements()
		v.checkImage()
		v.checkTrust()
	}
}

// checkContext checks @context order and versions, that every context is
// one Cairn embeds, and that the document uses no undefined term.
func (v *vc) checkContext() {
	raw, ok := v.doc["@context"].([]any)
	if !ok || len(raw) == 0 {
		if s, isStr := v.doc["@context"].(string); isStr {
			raw = []any{s}
		} else {
			v.add(CheckContext, StatusFail, "the credential has no @context array")
			return
		}
	}
	first, _ := raw[0].(string)
	switch first {
	case ctxVC2:
		v.vcdm2 = true
	case ctxVC11:
	default:
		v.add(CheckContext, StatusFail, "@context[0] is %q, not a W3C Verifiable Credentials context", first)
		return
	}
	if v.jwt != nil && v.claims != nil {
		if _, inVC := v.claims["vc"]; inVC && v.vcdm2 {
			v.add(CheckContext, StatusFail, "the JWT carries a vc claim (VCDM 1.1) but @context[0] is VCDM 2.0")
		}
	}
	if isOBType(v.doc) || hasType(v.doc, "ClrCredential") {
		second := ""
		if len(raw) > 1 {
			second, _ = raw[1].(string)
		}
		switch {
		case hasType(v.doc, "ClrCredential") && clrContext2.MatchString(second):
		case obContext2.MatchString(second):
		case second == "https://purl.imsglobal.org/spec/ob/v3p0/context.json":
		default:
			v.add(CheckContext, StatusFail, "@context[1] is %q, not an Open Badges 3.0 context", second)
		}
		if !strings.Contains(second, "3.0.3") && !strings.Contains(second, "clr") {
			v.add(CheckContext, StatusWarn, "the Open Badges context %q is not the current 3.0.3", second)
		}
	}
	for _, c := range raw {
		s, isStr := c.(string)
		if !isStr {
			continue // an inline context: processed (and signed) with the document
		}
		if _, known := contexts.Document(s); !known {
			// Contexts are never fetched (a fetched context could redefine
			// what was signed), so an unknown one leaves the credential
			// unverifiable here rather than proven false.
			v.add(CheckContext, StatusError, "the context %s is not one Cairn has embedded, so the credential cannot be checked offline", s)
			return
		}
	}
	v.canonDoc, v.canonErr = ld.Canonize(withoutProof(v.doc))
	if v.canonErr != nil {
		var ut *ld.UndefinedTermError
		var uc *ld.UnknownContextError
		switch {
		case errors.As(v.canonErr, &ut):
			v.add(CheckContext, StatusFail, "the credential uses terms its contexts do not define (unsigned data could pass as signed): %s", strings.Join(ut.Terms, ", "))
		case errors.As(v.canonErr, &uc):
			v.add(CheckContext, StatusError, "the context %s is not one Cairn has embedded, so the credential cannot be checked offline", uc.URL)
		default:
			v.add(CheckContext, StatusFail, "the credential is not valid JSON-LD: %v", v.canonErr)
		}
		return
	}
	v.add(CheckContext, StatusPass, "contexts known, every term defined")
}

func withoutProof(m map[string]any) map[string]any {
	if _, ok := m["proof"]; !ok {
		return m
	}
	c := cloneMap(m)
	delete(c, "proof")
	return c
}

func isOBType(m map[string]any) bool {
	return hasType(m, "OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")
}

func (v *vc) checkType() {
	if !hasType(v.doc, "VerifiableCredential") {
		v.add(CheckType, StatusFail, "type does not contain VerifiableCredential")
		return
	}
	switch v.purpose {
	case purposeStatusList:
		if !hasType(v.doc, "BitstringStatusListCredential", "StatusList2021Credential") {
			v.add(CheckType, StatusFail, "the status list is neither a BitstringStatusListCredential nor a StatusList2021Credential")
			return
		}
	case purposeEndorsement:
		if !hasType(v.doc, "EndorsementCredential") {
			v.add(CheckType, StatusFail, "an endorsement must be an EndorsementCredential")
			return
		}
	default:
		if !isOBType(v.doc) && !hasType(v.doc, "ClrCredential") {
			v.add(CheckType, StatusWarn, "a Verifiable Credential, but not an Open Badges or CLR credential (%s)", strings.Join(strList(v.doc["type"]), ", "))
			return
		}
	}
	v.add(CheckType, StatusPass, "%s", strings.Join(strList(v.doc["type"]), ", "))
}

func (v *vc) checkSchema() {
	if !isOBType(v.doc) {
		v.add(CheckSchema, StatusSkip, "no Open Badges schema applies")
		return
	}
	kind := schemaOB3VC11
	switch {
	case hasType(v.doc, "EndorsementCredential") && v.vcdm2:
		kind = schemaEndorsementVC2
	case hasType(v.doc, "EndorsementCredential"):
		kind = schemaEndorsementVC11
	case v.vcdm2:
		kind = schemaOB3VC2
	}
	if problems := validateOB3SchemaMemo(v.doc, kind); len(problems) > 0 {
		v.add(CheckSchema, StatusFail, "the credential does not follow the Open Badges 3.0 schema: %s", strings.Join(problems, "; "))
		return
	}
	v.add(CheckSchema, StatusPass, "follows the Open Badges 3.0 schema")
}

func (v *vc) checkIssuer() {
	switch {
	case v.issuerID == "":
		v.add(CheckIssuer, StatusFail, "the credential names no issuer id")
	case !isURI(v.issuerID):
		v.add(CheckIssuer, StatusFail, "the issuer id %q is not a URI", v.issuerID)
	case v.issuer != nil && len(strList(v.issuer["type"])) > 0 && !hasType(v.issuer, "Profile") && isOBType(v.doc):
		v.add(CheckIssuer, StatusWarn, "the issuer object's type does not contain Profile")
	}
	if id := getStr(v.doc, "id"); id != "" && !isURI(id) {
		v.add(CheckType, StatusFail, "the credential id %q is not a URI", id)
	}
}

// isURI reports whether s has a scheme (http:, did:, urn:, ...).
func isURI(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// dates returns the credential's validity window: validFrom/validUntil,
// or VCDM 1.1's issuanceDate/expirationDate.
func (v *vc) dates() (fromKey, from, untilKey, until string) {
	if v.vcdm2 {
		return "validFrom", getStr(v.doc, "validFrom"), "validUntil", getStr(v.doc, "validUntil")
	}
	fromKey, untilKey = "issuanceDate", "expirationDate"
	from, until = getStr(v.doc, fromKey), getStr(v.doc, untilKey)
	// Some VCDM 1.1 issuers already write the 2.0 names.
	if from == "" && present(v.doc, "validFrom") {
		fromKey, from = "validFrom", getStr(v.doc, "validFrom")
	}
	if until == "" && present(v.doc, "validUntil") {
		untilKey, until = "validUntil", getStr(v.doc, "validUntil")
	}
	return
}

func (v *vc) checkDates() {
	fromKey, fromS, untilKey, untilS := v.dates()
	var from time.Time
	fromOK := false
	switch {
	case fromS == "" && v.vcdm2:
		v.add(CheckNotBefore, StatusPass, "no validFrom: valid from its issue")
	case fromS == "":
		v.add(CheckNotBefore, StatusFail, "no %s", fromKey)
	default:
		from, fromOK = parseDateTime(fromS)
		switch {
		case !fromOK:
			v.add(CheckNotBefore, StatusFail, "%s %q is not a date-time with a time zone", fromKey, fromS)
		case from.After(v.now.Add(clockSkew)):
			v.add(CheckNotBefore, StatusFail, "not yet valid: %s is %s", fromKey, from.UTC().Format(time.RFC3339))
		default:
			v.add(CheckNotBefore, StatusPass, "valid from %s", from.UTC().Format(time.RFC3339))
		}
	}
	if untilS == "" {
		v.add(CheckExpiry, StatusPass, "does not expire")
		return
	}
	until, ok := parseDateTime(untilS)
	switch {
	case !ok:
		v.add(CheckExpiry, StatusFail, "%s %q is not a date-time with a time zone", untilKey, untilS)
	case fromOK && until.Before(from):
		v.add(CheckExpiry, StatusFail, "%s (%s) is before %s", untilKey, until.UTC().Format(time.RFC3339), fromKey)
	case !until.After(v.now):
		v.add(CheckExpiry, StatusFail, "expired on %s", until.UTC().Format(time.RFC3339))
	default:
		v.add(CheckExpiry, StatusPass, "valid until %s", until.UTC().Format(time.RFC3339))
	}
}

// subjects returns the credentialSubject objects (one, or an array).
func (v *vc) subjects() []map[string]any { return objects(v.doc["credentialSubject"]) }

// identifiers returns an AchievementSubject's IdentityObjects (an array,
// or the single object DCC fixtures use).
func identifiers(s map[string]any) []map[string]any { return objects(s["identifier"]) }

// identityKind maps an OB 3.0 identityType to the recipient kinds of
// matchRecipient.
func identityKind(t string) string {
	switch t {
	case "emailAddress", "email":
		return "email"
	case "url", "ext:url":
		return "url"
	}
	return t
}

func (v *vc) checkRecipient() {
	if v.purpose != purposeCredential && v.purpose != purposeMember {
		return
	}
	subs := v.subjects()
	if len(v.opts.Recipients) == 0 {
		v.add(CheckRecipient, StatusSkip, "no holder identities given")
		return
	}
	ids := normalizeIdentities(v.opts.Recipients)
	for _, s := range subs {
		if id := getStr(s, "id"); id != "" {
			kind := "other"
			if isHTTPURL(id) {
				kind = "url"
			}
			if got := matchRecipient(kind, id, "", false, ids); got != "" {
				v.rep.Credential.Recipient = got
				v.add(CheckRecipient, StatusPass, "issued to %s", got)
				return
			}
		}
		for _, io := range identifiers(s) {
			hashed := isTrue(io["hashed"])
			if got := matchRecipient(identityKind(getStr(io, "identityType")), getStr(io, "identityHash"), getStr(io, "salt"), hashed, ids); got != "" {
				v.rep.Credential.Recipient = got
				v.add(CheckRecipient, StatusPass, "issued to %s", got)
				return
			}
		}
	}
	v.add(CheckRecipient, StatusFail, "issued to someone else: none of the %d given identities matches the credential subject", len(ids))
}

// checkTrust compares the issuer with the holder's trusted list: an entry
// matches the issuer id exactly, an origin matches an issuer of that
// origin (an https id, its profile url, or a did:web on that host), and a
// did:web:host entry matches that DID and the DIDs under it.
func (v *vc) checkTrust() {
	if v.issuerID == "" {
		v.add(CheckTrust, StatusSkip, "issuer unknown")
		return
	}
	if t := trustedBy(v.opts.TrustedIssuers, v.issuerID, getStr(v.issuer, "url")); t != "" {
		v.add(CheckTrust, StatusPass, "the issuer is trusted (%s)", t)
		return
	}
	v.add(CheckTrust, StatusWarn, "the issuer is not in the trusted list: shown as it claims to be")
}

// trustedBy returns the trusted-list entry that matches the issuer, or "".
func trustedBy(list []string, issuerID, issuerURL string) string {
	origins := []string{}
	for _, s := range []string{issuerID, issuerURL} {
		if isHTTPURL(s) {
			origins = append(origins, originOf(s))
		}
	}
	if host, ok := didWebHost(issuerID); ok {
		origins = append(origins, "https://"+host)
	}
	for _, t := range list {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if t == issuerID || (issuerURL != "" && sameURL(t, issuerURL)) {
			return t
		}
		if strings.HasPrefix(t, "did:web:") && (strings.HasPrefix(issuerID, t+":") || strings.HasPrefix(issuerID, t+"#")) {
			return t
		}
		if isHTTPURL(t) && strings.TrimSuffix(t, "/") == originOf(t) {
			for _, o := range origins {
				if o == originOf(t) {
					return t
				}
			}
		}
	}
	return ""
}

// didWebHost returns the host (with port) of a did:web DID.
func didWebHost(did string) (string, bool) {
	rest, ok := strings.CutPrefix(did, "did:web:")
	if !ok {
		return "", false
	}
	if i := strings.IndexAny(rest, ":#?"); i >= 0 {
		rest = rest[:i]
	}
	rest = strings.ReplaceAll(rest, "%3A", ":")
	rest = strings.ReplaceAll(rest, "%3a", ":")
	return strings.ToLower(rest), rest != ""
}

func (v *vc) checkImage() {
	c := v.rep.Credential
	if c.Achievement.Image == "" {
		v.add(CheckImage, StatusSkip, "the achievement has no image")
		return
	}
	v.add(CheckImage, StatusPass, "achievement image present")
}

// nestedRun starts a verification of an embedded or linked credential
// that shares this run's clock, fetcher and cache.
func (r *run) nestedRun() *run {
	opts := r.opts
	opts.Recipients = nil
	return &run{ctx: r.ctx, opts: opts, now: r.now, cache: r.cache}
}

// checkMembers verifies a CLR's achievement credentials one by one.
func (v *vc) checkMembers() {
	if !hasType(v.doc, "ClrCredential") {
		return
	}
	for _, s := range v.subjects() {
		list, _ := s["verifiableCredential"].([]any)
		for i, e := range list {
			sub := v.nestedRun()
			switch t := e.(type) {
			case map[string]any:
				sub.verifyVC(t, purposeMember, v.depth+1)
			case string:
				if !looksLikeJWS(t) {
					sub.add(CheckParse, StatusFail, "member %d is neither a credential object nor a VC-JWT", i)
					break
				}
				sub.fromJWS(t)
			default:
				sub.add(CheckParse, StatusFail, "member %d is not a credential", i)
			}
			v.rep.Included = append(v.rep.Included, sub.finish())
		}
	}
	bad := 0
	for _, m := range v.rep.Included {
		if m.Verdict != VerdictValid {
			bad++
		}
	}
	if bad > 0 {
		v.add(CheckType, StatusWarn, "%d of the %d credentials in this CLR do not verify on their own", bad, len(v.rep.Included))
	}
}

// checkEndorsements verifies each endorsement as a credential of its own.
// An endorsement never fails the credential it endorses.
func (v *vc) checkEndorsements() {
	var objs []any
	var jwts []string
	collect := func(m map[string]any) {
		if m == nil {
			return
		}
		if l, ok := m["endorsement"].([]any); ok {
			objs = append(objs, l...)
		} else if o, ok := m["endorsement"].(map[string]any); ok {
			objs = append(objs, o)
		}
		jwts = append(jwts, strList(m["endorsementJwt"])...)
	}
	collect(v.doc)
	for _, s := range v.subjects() {
		collect(getMap(s, "achievement"))
	}
	collect(v.issuer)
	const maxEndorsements = 20
	for i, e := range objs {
		if i >= maxEndorsements {
			break
		}
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		sub := v.nestedRun()
		sub.verifyVC(m, purposeEndorsement, v.depth+1)
		v.addEndorsement(sub.finish())
	}
	for i, s := range jwts {
		if i >= maxEndorsements {
			break
		}
		sub := v.nestedRun()
		sub.fromJWS(s)
		v.addEndorsement(sub.finish())
	}
}

func (v *vc) addEndorsement(rep Report) {
	v.rep.Credential.Endorsements = append(v.rep.Credential.Endorsements, Endorsement{
		Issuer: rep.Credential.Issuer, Verdict: rep.Verdict, Comment: rep.Credential.Achievement.Description,
	})
}

// summarise fills the report's credential summary from the document.
func (v *vc) summarise() {
	c := &v.rep.Credential
	c.ID = getStr(v.doc, "id")
	c.Name = getStr(v.doc, "name")
	c.Issuer = IssuerSummary{ID: v.issuerID, Name: getStr(v.issuer, "name"), URL: getStr(v.issuer, "url")}
	if img, ok := imageURL(v.issuer["image"]); ok {
		c.Issuer.Image = img
	}
	_, from, _, until := v.dates()
	c.Issued = normaliseTime(from)
	if aw := getStr(v.doc, "awardedDate"); aw != "" {
		c.Issued = normaliseTime(aw)
	}
	c.Expires = normaliseTime(until)
	c.Evidence = evidenceOf(v.doc["evidence"])
	subs := v.subjects()
	if len(subs) == 0 {
		return
	}
	s := subs[0]
	if id := getStr(s, "id"); id != "" && c.Recipient == "" {
		c.Recipient = id
	}
	a := getMap(s, "achievement")
	if a == nil {
		if hasType(v.doc, "EndorsementCredential") {
			c.Achievement.Description = getStr(s, "endorsementComment")
		}
		return
	}
	if c.Name == "" {
		c.Name = getStr(a, "name")
	}
	c.Achievement = Achievement{
		ID: getStr(a, "id"), Name: getStr(a, "name"), Description: getStr(a, "description"),
		Tags: strList(a["tag"]),
	}
	if crit := getMap(a, "criteria"); crit != nil {
		c.Achievement.Criteria = getStr(crit, "narrative")
		if c.Achievement.Criteria == "" {
			c.Achievement.Criteria = getStr(crit, "id")
		}
	}
	if img, ok := imageURL(a["image"]); ok {
		c.Achievement.Image = img
	}
	if c.Achievement.Image == "" {
		if img, ok := imageURL(v.doc["image"]); ok {
			c.Achievement.Image = img
		}
	}
	for _, al := range objects(a["alignment"]) {
		if name := getStr(al, "targetName"); name != "" {
			c.Skills = append(c.Skills, Skill{Name: name, URL: getStr(al, "targetUrl"),
				Framework: getStr(al, "targetFramework"), Code: getStr(al, "targetCode")})
		}
	}
	c.LearningToken = learningToken(a, s)
}

// imageURL reads an Image (IRI or {id}) for display: http(s) URLs only;
// data URIs are left out of the summary (they can be megabytes).
func imageURL(v any) (string, bool) {
	s := idOf(v)
	if isHTTPURL(s) {
		return s, true
	}
	return "", false
}

// objects returns a value that may be one object or an array of them.
func objects(v any) []map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return []map[string]any{t}
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func normaliseTime(s string) string {
	if t, ok := parseDateTime(s); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return s
}
