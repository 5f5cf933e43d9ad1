package verify

import (
	"crypto"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OB 2.0 context IRIs accepted for an assertion.
var ob2Contexts = map[string]bool{
	"https://w3id.org/openbadges/v2":                true,
	"https://w3id.org/openbadges/v2/":               true,
	"https://openbadgespec.org/v2/context.json":     true,
	"http://w3id.org/openbadges/v2":                 true,
	"https://w3id.org/openbadges/v2/context.json":   true,
	"https://openbadgespec.org/v2/context.jsonld":   true,
	"https://w3id.org/openbadges/v2/context.jsonld": true,
}

// ob2 verifies an Open Badges 2.0 assertion (or a 0.5/1.x one upgraded to
// the 2.0 model).
type ob2 struct {
	*run
	raw     map[string]any // the document as given
	a       map[string]any // the assertion in the 2.0 model
	version string         // 0.5, 1.0, 1.1, 2.0
	source  string         // URL the input came from, if any
	jws     *compactJWS    // signed input

	signed    bool
	badge     map[string]any
	issuer    map[string]any
	issuerURL string // where the profile was fetched from (or its id)
	issuerID  string // the profile's declared id
	// issuerFetched: the profile came from the issuer's URL, not embedded.
	issuerFetched bool
	issued        time.Time
	issuedOK      bool
}

func (p *ob2) legacy() bool { return p.version != "2.0" }

func verificationType(a map[string]any) string {
	v := getMap(a, "verification")
	if v == nil {
		v = getMap(a, "verify")
	}
	t := strings.ToLower(getStr(v, "type"))
	switch t {
	case "hostedbadge":
		return "hosted"
	case "signedbadge":
		return "signed"
	}
	if t == "" {
		if s := strings.ToLower(str(a["verification"])); s == "hostedbadge" || s == "hosted" {
			return "hosted"
		} else if s == "signedbadge" || s == "signed" {
			return "signed"
		}
	}
	return t
}

func (p *ob2) verify() {
	vtype := verificationType(p.a)
	p.signed = p.jws != nil
	switch {
	case p.version == "0.5":
		p.rep.Format = FormatOB05
	case p.legacy():
		p.rep.Format = FormatOB1
	case p.signed || vtype == "signed":
		p.rep.Format = FormatOB2Signed
	default:
		p.rep.Format = FormatOB2Hosted
	}
	if p.signed {
		p.add(CheckParse, StatusPass, "compact JWS (%s), Open Badges %s assertion", p.jws.Alg, p.version)
	} else {
		p.add(CheckParse, StatusPass, "Open Badges %s assertion (JSON)", p.version)
	}
	p.checkContextAndType()

	switch {
	case p.signed && vtype != "signed":
		p.add(CheckSchema, StatusFail, "a signed assertion must have verification type SignedBadge, not %q", vtype)
	case !p.signed && vtype == "signed":
		p.add(CheckSignature, StatusFail, "the assertion says it is signed but came without its JWS; verify the signed form")
	case !p.signed && vtype != "hosted":
		p.add(CheckSchema, StatusFail, "verification type %q is neither hosted nor signed", vtype)
	case !p.signed:
		p.fetchHosted()
	}

	p.checkAssertionSchema()
	p.checkExtensions(p.a)
	p.resolveBadge()
	p.resolveIssuer()
	p.summarise()
	if !p.signed && vtype == "hosted" {
		p.checkScope()
	}
	if p.signed {
		p.checkKeyAndSignature()
	}
	p.checkDates()
	p.checkStatus()
	p.checkRecipient()
	p.checkImages()
	p.checkTrust()
}

func (p *ob2) checkContextAndType() {
	switch p.version {
	case "2.0":
		ok := false
		for _, c := range strList(p.raw["@context"]) {
			if ob2Contexts[c] {
				ok = true
			}
		}
		if _, isObj := p.raw["@context"].(map[string]any); isObj {
			p.add(CheckContext, StatusFail, "an inline @context object is not accepted for an assertion")
		} else if ok {
			p.add(CheckContext, StatusPass, "Open Badges 2.0 context")
		} else {
			p.add(CheckContext, StatusFail, "@context %v is not the Open Badges 2.0 context", p.raw["@context"])
		}
		if hasType(p.a, "Assertion") {
			p.add(CheckType, StatusPass, "Assertion")
		} else {
			p.add(CheckType, StatusFail, "type %v does not contain Assertion", p.a["type"])
		}
	case "1.1":
		p.add(CheckContext, StatusPass, "Open Badges 1.1 context (upgraded to the 2.0 model)")
		if p.raw["type"] == nil || hasType(p.raw, "Assertion") {
			p.add(CheckType, StatusPass, "Assertion")
		} else {
			p.add(CheckType, StatusFail, "type %v does not contain Assertion", p.raw["type"])
		}
	default:
		p.add(CheckContext, StatusSkip, "Open Badges %s has no @context (upgraded to the 2.0 model)", p.version)
		p.add(CheckType, StatusSkip, "Open Badges %s has no type", p.version)
	}
}

// fetchHosted re-fetches a hosted assertion from its id and uses that copy.
func (p *ob2) fetchHosted() {
	u := getStr(p.a, "id")
	if u == "" && p.version == "0.5" {
		p.add(CheckHosted, StatusError, "an Open Badges 0.5 assertion is verified at the URL it is hosted at: verify it by URL")
		return
	}
	if !isHTTPURL(u) {
		p.add(CheckHosted, StatusFail, "a hosted assertion's id must be its http(s) URL, not %q", u)
		return
	}
	resp, err := p.fetch(u, acceptAssertion)
	if err != nil {
		p.add(CheckHosted, StatusError, "could not fetch the hosted assertion %s: %v", u, err)
		return
	}
	if resp.Status == 410 {
		p.add(CheckHosted, StatusPass, "the issuer answers 410 Gone for %s", u)
		p.add(CheckStatus, StatusFail, "revoked: the issuer answers 410 Gone for the hosted assertion")
		return
	}
	if resp.Status < 200 || resp.Status > 299 {
		p.add(CheckHosted, statusForHTTP(resp.Status), "fetching the hosted assertion %s answered HTTP %d", u, resp.Status)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(resp.Body, &m); err != nil {
		p.add(CheckHosted, StatusFail, "the hosted assertion at %s is not a JSON object", u)
		return
	}
	ver := detectOBVersion(m)
	fa := m
	if ver != "2.0" {
		fa = upgradeAssertion(m, ver, u)
	}
	if got := getStr(fa, "id"); got != u {
		p.add(CheckHosted, StatusFail, "the assertion fetched from %s declares id %q", u, got)
		return
	}
	if ver != p.version {
		p.add(CheckHosted, StatusFail, "the hosted copy is Open Badges %s, the given one %s", ver, p.version)
		return
	}
	if isTrue(fa["revoked"]) {
		reason := getStr(fa, "revocationReason")
		if reason == "" {
			reason = "no reason given"
		}
		p.add(CheckStatus, StatusFail, "revoked by the issuer: %s", reason)
	}
	p.raw, p.a = m, fa
	p.add(CheckHosted, StatusPass, "fetched the issuer's copy from %s; its id matches", u)
}

func (p *ob2) checkAssertionSchema() {
	var miss []string
	req := []string{"id", "recipient", "badge", "verification", "issuedOn"}
	if p.version == "2.0" {
		req = append(req, "type")
	}
	for _, k := range req {
		if k == "id" && p.version == "0.5" {
			continue
		}
		if !present(p.a, k) && !(k == "verification" && present(p.a, "verify")) {
			miss = append(miss, k)
		}
	}
	if len(miss) > 0 {
		p.add(CheckSchema, StatusFail, "the assertion lacks required %s", strings.Join(miss, ", "))
	}
	if v, ok := p.a["recipient"]; ok {
		rm, isMap := v.(map[string]any)
		if !isMap {
			p.add(CheckSchema, StatusFail, "recipient must be an IdentityObject")
		} else {
			id := getStr(rm, "identity")
			hashed := isTrue(rm["hashed"])
			typ := strings.ToLower(getStr(rm, "type"))
			switch {
			case id == "":
				p.add(CheckSchema, StatusFail, "recipient has no identity")
			case typ == "":
				p.add(CheckSchema, StatusFail, "recipient has no type")
			case hashed && !identityHashOK(id):
				p.add(CheckSchema, StatusFail, "hashed recipient identity is not sha256$<64 hex> or md5$<32 hex>")
			case !hashed && identityHashOK(id):
				p.add(CheckSchema, StatusFail, "recipient identity looks hashed but hashed is not true")
			case !hashed && typ == "email" && !strings.Contains(id, "@"):
				p.add(CheckSchema, StatusFail, "recipient email %q is not an email address", id)
			}
		}
	}
	if s := getStr(p.a, "issuedOn"); s != "" {
		if t, ok := parseDateTime(s); ok {
			p.issued, p.issuedOK = t, true
		} else {
			p.add(CheckSchema, StatusFail, "issuedOn %q is not a date-time with a time zone", s)
		}
	}
	if s := getStr(p.a, "expires"); s != "" {
		if _, ok := parseDateTime(s); !ok {
			p.add(CheckSchema, StatusFail, "expires %q is not a date-time with a time zone", s)
		}
	}
}

// resolveDoc returns an embedded object or fetches an IRI. ok is false when
// a check was recorded.
func (p *ob2) resolveDoc(v any, what string) (m map[string]any, from string, ok bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, "", true
	case string:
		if t == "" {
			break
		}
		m, ok := p.fetchDoc(t, CheckIssuer, what)
		return m, t, ok
	}
	p.add(CheckSchema, StatusFail, "the %s is missing or not an IRI or object", what)
	return nil, "", false
}

func (p *ob2) resolveBadge() {
	v, ok := p.a["badge"]
	if !ok {
		return
	}
	b, from, ok := p.resolveDoc(v, "badge class")
	if !ok {
		return
	}
	if p.legacy() {
		if u, ok := upgradeBadge(b).(map[string]any); ok {
			b = u
		}
	}
	p.badge = b
	if from != "" && getStr(b, "id") != "" && getStr(b, "id") != from {
		p.add(CheckIssuer, StatusWarn, "the badge class fetched from %s declares id %s", from, getStr(b, "id"))
	}
	var miss []string
	req := []string{"name", "description", "image", "criteria", "issuer"}
	if p.version == "2.0" {
		req = append(req, "type")
	}
	for _, k := range req {
		if !present(b, k) {
			miss = append(miss, k)
		}
	}
	if len(miss) > 0 {
		p.add(CheckSchema, StatusFail, "the badge class lacks required %s", strings.Join(miss, ", "))
	}
	if p.version == "2.0" && present(b, "type") && !hasType(b, "BadgeClass") {
		p.add(CheckType, StatusFail, "the badge is of type %v, not BadgeClass", b["type"])
	}
	if c, ok := b["criteria"].(map[string]any); ok && getStr(c, "id") == "" && getStr(c, "narrative") == "" {
		p.add(CheckSchema, StatusFail, "criteria without an id needs a narrative")
	}
}

func (p *ob2) resolveIssuer() {
	if p.badge == nil {
		if !p.checks.has(CheckIssuer) {
			p.add(CheckIssuer, StatusError, "the issuer is unknown because the badge class could not be read")
		}
		return
	}
	v := p.badge["issuer"]
	// An embedded profile with an http(s) id is fetched from that id:
	// only the issuer's own copy may name its keys and scope.
	if em, ok := v.(map[string]any); ok && !p.legacy() && isHTTPURL(getStr(em, "id")) {
		v = getStr(em, "id")
	}
	m, from, ok := p.resolveDoc(v, "issuer profile")
	if !ok {
		return
	}
	if p.legacy() {
		m = upgradeIssuer(m)
	}
	p.issuer = m
	p.issuerID = getStr(m, "id")
	p.issuerURL = from
	p.issuerFetched = from != ""
	if from == "" {
		p.issuerURL = p.issuerID
		if !p.legacy() {
			p.add(CheckIssuer, StatusWarn, "the issuer profile is embedded and has no http(s) id to check it against")
		}
	}
	if from != "" && p.issuerID != "" && p.issuerID != from {
		p.add(CheckIssuer, StatusWarn, "the issuer profile fetched from %s declares id %s", from, p.issuerID)
	}
	if p.version == "2.0" && !hasType(m, "Issuer", "Profile") {
		p.add(CheckIssuer, StatusFail, "the badge class issuer is of type %v, not Issuer or Profile", m["type"])
		return
	}
	var miss []string
	for _, k := range []string{"name", "url"} {
		if !present(m, k) {
			miss = append(miss, k)
		}
	}
	if p.version == "2.0" && !present(m, "id") {
		miss = append(miss, "id")
	}
	if len(miss) > 0 {
		p.add(CheckSchema, StatusFail, "the issuer profile lacks required %s", strings.Join(miss, ", "))
	}
	if p.issuerID != "" && !isHTTPURL(p.issuerID) {
		p.add(CheckIssuer, StatusWarn, "the issuer id %s is not an http(s) URL", p.issuerID)
	}
	p.add(CheckIssuer, StatusPass, "issuer %q (%s)", getStr(m, "name"), p.issuerURL)
}

func (p *ob2) summarise() {
	c := &p.rep.Credential
	c.ID = getStr(p.a, "id")
	c.Issued = getStr(p.a, "issuedOn")
	if p.issuedOK {
		c.Issued = p.issued.UTC().Format(time.RFC3339)
	}
	c.Expires = getStr(p.a, "expires")
	if t, ok := parseDateTime(c.Expires); ok {
		c.Expires = t.UTC().Format(time.RFC3339)
	}
	if rm := getMap(p.a, "recipient"); rm != nil {
		c.Recipient = getStr(rm, "identity")
	}
	c.Evidence = evidenceOf(p.a["evidence"])
	if b := p.badge; b != nil {
		c.Name = getStr(b, "name")
		c.Achievement = Achievement{
			ID: getStr(b, "id"), Name: c.Name, Description: getStr(b, "description"),
			Image: idOf(b["image"]), Criteria: idOf(b["criteria"]), Tags: strList(b["tags"]),
		}
		if c.Achievement.Criteria == "" {
			c.Achievement.Criteria = getStr(getMap(b, "criteria"), "narrative")
		}
		if strings.HasPrefix(c.Achievement.Image, "data:") {
			c.Achievement.Image = "" // too large for a summary; shown from the credential itself
		}
		al, _ := b["alignment"].([]any)
		if one, ok := b["alignment"].(map[string]any); ok {
			al = []any{one}
		}
		for _, e := range al {
			if em, ok := e.(map[string]any); ok && getStr(em, "targetName") != "" {
				c.Skills = append(c.Skills, Skill{Name: getStr(em, "targetName"), URL: getStr(em, "targetUrl"),
					Framework: getStr(em, "targetFramework"), Code: getStr(em, "targetCode")})
			}
		}
	}
	if m := p.issuer; m != nil {
		c.Issuer = IssuerSummary{ID: p.issuerID, Name: getStr(m, "name"), URL: getStr(m, "url")}
		if c.Issuer.ID == "" {
			c.Issuer.ID = p.issuerURL
		}
	}
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// checkScope: the hosted id must lie inside the issuer's verification
// scope: startsWith, else allowedOrigins, else the issuer's own origin.
func (p *ob2) checkScope() {
	if p.checks.status(CheckHosted) != StatusPass {
		return
	}
	id := getStr(p.a, "id")
	if p.issuer == nil {
		p.add(CheckHosted, StatusError, "the verification scope could not be checked: issuer profile unavailable")
		return
	}
	v := getMap(p.issuer, "verification")
	if sw := strList(v["startsWith"]); len(sw) > 0 {
		for _, s := range sw {
			if s != "" && strings.HasPrefix(id, s) {
				p.add(CheckHosted, StatusPass, "%s is inside the issuer's scope (starts with %s)", id, s)
				return
			}
		}
		p.add(CheckHosted, StatusFail, "%s is outside the issuer's verification scope (startsWith %s)", id, strings.Join(sw, ", "))
		return
	}
	host := hostOf(id)
	if ao := strList(v["allowedOrigins"]); len(ao) > 0 {
		for _, o := range ao {
			if o != "" && (strings.EqualFold(o, host) || hostOf(o) == host) {
				p.add(CheckHosted, StatusPass, "%s is on an allowed origin of the issuer", id)
				return
			}
		}
		p.add(CheckHosted, StatusFail, "%s is outside the issuer's allowed origins (%s)", id, strings.Join(ao, ", "))
		return
	}
	want := hostOf(p.issuerURL)
	if !isHTTPURL(p.issuerURL) {
		want = hostOf(getStr(p.issuer, "url"))
	}
	if want != "" && want == host {
		p.add(CheckHosted, StatusPass, "%s is on the issuer's origin", id)
		return
	}
	p.add(CheckHosted, StatusFail, "%s is not on the issuer's origin %s", id, want)
}

// checkKeyAndSignature finds the issuer's key and verifies the JWS.
func (p *ob2) checkKeyAndSignature() {
	if p.checks.status(CheckSignature) == StatusFail {
		p.add(CheckKey, StatusSkip, "the signature was refused")
		return
	}
	if p.issuer == nil {
		p.add(CheckKey, StatusError, "the issuer profile is unavailable, so its keys are unknown")
		p.add(CheckSignature, StatusError, "no key to check the signature with")
		return
	}
	if p.legacy() {
		p.legacyKey()
		return
	}
	listed := idList(p.issuer["publicKey"])
	creator := idOf(getMap(p.a, "verification")["creator"])
	cands := listed
	if creator != "" {
		found := false
		for _, k := range listed {
			if k == creator {
				found = true
			}
		}
		if !found {
			p.add(CheckKey, StatusFail, "the signing key %s is not listed in the issuer's publicKey", creator)
			p.add(CheckSignature, StatusSkip, "no key of the issuer to check with")
			return
		}
		cands = []string{creator}
	}
	if len(cands) == 0 {
		p.add(CheckKey, StatusFail, "the issuer profile lists no publicKey")
		p.add(CheckSignature, StatusSkip, "no key of the issuer to check with")
		return
	}
	owners := map[string]bool{p.issuerID: true, p.issuerURL: true}
	var lastErr error
	tried := 0
	for _, kid := range cands {
		km, ok := p.fetchDoc(kid, CheckKey, "key")
		if !ok {
			continue
		}
		if owner := getStr(km, "owner"); !owners[owner] || owner == "" {
			p.add(CheckKey, StatusFail, "the key %s belongs to %q, not to the issuer %s", kid, owner, p.issuerID)
			continue
		}
		if id := getStr(km, "id"); id != "" && id != kid {
			p.add(CheckKey, StatusFail, "the key fetched from %s declares id %s", kid, id)
			continue
		}
		pub, err := parsePublicKeyPEM(getStr(km, "publicKeyPem"))
		if err != nil {
			p.add(CheckKey, StatusFail, "key %s: %v", kid, err)
			continue
		}
		tried++
		if err := p.jws.verify(pub); err != nil {
			lastErr = err
			continue
		}
		if !p.issuerFetched {
			// The profile came embedded, not from the issuer: whoever
			// signed also wrote the profile that lists the key.
			p.add(CheckKey, StatusWarn, "key %s is listed by an issuer profile that was not fetched from the issuer: self-asserted", kid)
		} else {
			p.add(CheckKey, StatusPass, "key %s is listed by the issuer and owned by it", kid)
		}
		p.add(CheckSignature, StatusPass, "%s signature verified with %s", p.jws.Alg, kid)
		return
	}
	switch {
	case tried > 0:
		p.add(CheckSignature, StatusFail, "%v", lastErr)
	case p.checks.status(CheckKey) == StatusError:
		p.add(CheckSignature, StatusError, "the issuer's key could not be fetched")
	default:
		p.add(CheckSignature, StatusSkip, "no usable key of the issuer")
	}
}

// legacyKey: Open Badges 1.x signed assertions name their key at
// verify.url. That key is only as good as its origin, so it must be on the
// issuer's origin, and even then the check warns.
func (p *ob2) legacyKey() {
	ku := getStr(getMap(p.a, "verification"), "url")
	if !isHTTPURL(ku) {
		p.add(CheckKey, StatusFail, "verify.url %q is not an http(s) URL", ku)
		p.add(CheckSignature, StatusSkip, "no key to check with")
		return
	}
	issuerHost := hostOf(getStr(p.issuer, "url"))
	if issuerHost == "" {
		issuerHost = hostOf(p.issuerURL)
	}
	if hostOf(ku) != issuerHost {
		p.add(CheckKey, StatusFail, "the key %s is not on the issuer's origin %s", ku, issuerHost)
		p.add(CheckSignature, StatusSkip, "no key of the issuer to check with")
		return
	}
	resp, err := p.fetch(ku, acceptKey)
	if err != nil || resp.Status < 200 || resp.Status > 299 {
		msg := "unreachable"
		if err != nil {
			msg = err.Error()
		} else {
			msg = fmt.Sprintf("HTTP %d", resp.Status)
		}
		p.add(CheckKey, StatusError, "could not fetch the key %s: %s", ku, msg)
		p.add(CheckSignature, StatusError, "no key to check the signature with")
		return
	}
	pemText := string(resp.Body)
	var km map[string]any
	if json.Unmarshal(resp.Body, &km) == nil {
		pemText = getStr(km, "publicKeyPem")
	}
	var pub crypto.PublicKey
	pub, err = parsePublicKeyPEM(pemText)
	if err != nil {
		p.add(CheckKey, StatusFail, "key %s: %v", ku, err)
		p.add(CheckSignature, StatusSkip, "no usable key")
		return
	}
	if err := p.jws.verify(pub); err != nil {
		p.add(CheckSignature, StatusFail, "%v", err)
		return
	}
	p.add(CheckKey, StatusWarn, "Open Badges 1.x names its own key (%s); it is on the issuer's origin, but the issuer does not list it", ku)
	p.add(CheckSignature, StatusPass, "%s signature verified with %s", p.jws.Alg, ku)
}

func (p *ob2) checkDates() {
	if !p.issuedOK {
		p.add(CheckNotBefore, StatusFail, "no readable issuedOn")
	} else if p.issued.After(p.now.Add(clockSkew)) {
		p.add(CheckNotBefore, StatusFail, "issued in the future (%s)", p.issued.UTC().Format(time.RFC3339))
	} else {
		p.add(CheckNotBefore, StatusPass, "issued %s", p.issued.UTC().Format(time.RFC3339))
	}
	s := getStr(p.a, "expires")
	if s == "" {
		p.add(CheckExpiry, StatusPass, "does not expire")
		return
	}
	exp, ok := parseDateTime(s)
	switch {
	case !ok:
		p.add(CheckExpiry, StatusFail, "expires %q is not a date-time with a time zone", s)
	case p.issuedOK && exp.Before(p.issued):
		p.add(CheckExpiry, StatusFail, "expires (%s) before it was issued", exp.UTC().Format(time.RFC3339))
	case !exp.After(p.now):
		p.add(CheckExpiry, StatusFail, "expired on %s", exp.UTC().Format(time.RFC3339))
	default:
		p.add(CheckExpiry, StatusPass, "expires %s", exp.UTC().Format(time.RFC3339))
	}
}

func (p *ob2) checkStatus() {
	if p.checks.status(CheckStatus) == StatusFail {
		return
	}
	if isTrue(p.a["revoked"]) {
		p.add(CheckStatus, StatusFail, "the assertion is marked revoked: %s", getStr(p.a, "revocationReason"))
		return
	}
	if !p.signed {
		switch p.checks.status(CheckHosted) {
		case StatusPass:
			p.add(CheckStatus, StatusPass, "the issuer still hosts the assertion and does not mark it revoked")
		case StatusError:
			p.add(CheckStatus, StatusError, "the hosted assertion could not be fetched")
		default:
			p.add(CheckStatus, StatusSkip, "not checked: the hosted assertion was not verified")
		}
		return
	}
	if p.issuer == nil {
		p.add(CheckStatus, StatusError, "the issuer profile is unavailable, so its revocation list is unknown")
		return
	}
	rl := idOf(p.issuer["revocationList"])
	if rl == "" {
		p.add(CheckStatus, StatusSkip, "the issuer publishes no revocation list")
		return
	}
	m, ok := p.fetchDoc(rl, CheckStatus, "revocation list")
	if !ok {
		return
	}
	id := getStr(p.a, "id")
	uid := getStr(p.raw, "uid")
	if entries, ok := m["revokedAssertions"].([]any); ok {
		for _, e := range entries {
			var eid, euid, reason string
			switch t := e.(type) {
			case string:
				eid = t
			case map[string]any:
				eid, euid, reason = getStr(t, "id"), getStr(t, "uid"), getStr(t, "revocationReason")
			}
			if (eid != "" && eid == id) || (euid != "" && euid == uid) {
				if reason == "" {
					reason = "no reason given"
				}
				p.add(CheckStatus, StatusFail, "revoked (listed in %s): %s", rl, reason)
				return
			}
		}
		p.add(CheckStatus, StatusPass, "not in the issuer's revocation list")
		return
	}
	if p.legacy() && uid != "" {
		// Open Badges 1.x: a map of uid to reason.
		if reason, hit := m[uid]; hit {
			p.add(CheckStatus, StatusFail, "revoked (listed in %s): %s", rl, str(reason))
			return
		}
		p.add(CheckStatus, StatusPass, "not in the issuer's revocation list")
		return
	}
	p.add(CheckStatus, StatusFail, "the revocation list %s has no revokedAssertions", rl)
}

func (p *ob2) checkRecipient() {
	rm := getMap(p.a, "recipient")
	if len(p.opts.Recipients) == 0 {
		p.add(CheckRecipient, StatusSkip, "no holder identities given")
		return
	}
	if rm == nil {
		p.add(CheckRecipient, StatusFail, "the assertion names no recipient")
		return
	}
	ids := normalizeIdentities(p.opts.Recipients)
	got := matchRecipient(getStr(rm, "type"), getStr(rm, "identity"), getStr(rm, "salt"), isTrue(rm["hashed"]), ids)
	if got == "" {
		p.add(CheckRecipient, StatusFail, "issued to someone else: none of the %d given identities matches the %s recipient", len(ids), getStr(rm, "type"))
		return
	}
	p.rep.Credential.Recipient = got
	p.add(CheckRecipient, StatusPass, "issued to %s", got)
}

// imageOK checks an image value: an IRI, a PNG/SVG data URI, or an Image
// object with such an id.
func imageOK(v any, allowData bool) (string, bool) {
	s := idOf(v)
	if s == "" {
		return "missing", false
	}
	if strings.HasPrefix(s, "data:") {
		if !allowData {
			return "a data URI is not allowed here", false
		}
		if strings.HasPrefix(s, "data:image/png") || strings.HasPrefix(s, "data:image/svg+xml") {
			return "data URI", true
		}
		return "a data URI that is neither PNG nor SVG", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fmt.Sprintf("%q is not an IRI", s), false
	}
	return s, true
}

func (p *ob2) checkImages() {
	if v, ok := p.a["image"]; ok {
		if msg, ok := imageOK(v, false); !ok {
			p.add(CheckImage, StatusFail, "assertion image: %s", msg)
		}
	}
	if p.badge != nil {
		if msg, ok := imageOK(p.badge["image"], true); !ok {
			p.add(CheckImage, StatusFail, "badge class image: %s", msg)
		}
	}
	if p.issuer != nil {
		if v, ok := p.issuer["image"]; ok {
			if msg, ok := imageOK(v, true); !ok {
				p.add(CheckImage, StatusWarn, "issuer image: %s", msg)
			}
		}
	}
	if !p.checks.has(CheckImage) {
		if p.badge == nil {
			p.add(CheckImage, StatusSkip, "the badge class is unavailable")
		} else {
			p.add(CheckImage, StatusPass, "badge image present")
		}
	}
}

func (p *ob2) checkTrust() {
	if p.issuer == nil {
		p.add(CheckTrust, StatusSkip, "issuer unknown")
		return
	}
	if t := trustedBy(p.opts.TrustedIssuers, p.issuerID, p.issuerURL); t != "" {
		p.add(CheckTrust, StatusPass, "the issuer is trusted (%s)", t)
		return
	}
	p.add(CheckTrust, StatusWarn, "the issuer is not in the trusted list: shown as it claims to be")
}

func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func sameOrigin(a, b string) bool { o := originOf(a); return o != "" && o == originOf(b) }

// evidenceOf reads an assertion's evidence: one IRI, one object, or a list
// of either. Only http(s) URLs are kept, so a page can link them safely.
func evidenceOf(v any) []Evidence {
	items, ok := v.([]any)
	if !ok && v != nil {
		items = []any{v}
	}
	var out []Evidence
	for _, it := range items {
		var e Evidence
		switch x := it.(type) {
		case string:
			e.URL = x
		case map[string]any:
			e = Evidence{URL: getStr(x, "id"), Name: getStr(x, "name"), Narrative: getStr(x, "narrative")}
		}
		if !strings.HasPrefix(e.URL, "https://") && !strings.HasPrefix(e.URL, "http://") {
			e.URL = ""
		}
		if e.URL != "" || e.Narrative != "" {
			out = append(out, e)
		}
	}
	return out
}
