package verify

import (
	"net/url"
	"strings"
)

// ob2NodeClasses are the classes the Open Badges 2.0 context defines
// (https://w3id.org/openbadges/v2): a node's type must be one of them or an
// absolute IRI (an extension class).
var ob2NodeClasses = map[string]bool{
	"AlignmentObject": true, "CryptographicKey": true, "Endorsement": true, "Assertion": true,
	"BadgeClass": true, "Criteria": true, "Evidence": true, "Extension": true,
	"FrameValidation": true, "IdentityObject": true, "Image": true, "HostedBadge": true,
	"hosted": true, "Issuer": true, "Profile": true, "RevocationList": true,
	"SignedBadge": true, "signed": true, "TypeValidation": true, "VerificationObject": true,
}

// isOB2Node reports whether a JSON document is a standalone Open Badges 2.0
// node (a BadgeClass, an Issuer profile, ...) rather than an assertion:
// it has an @context and a type, the type is not Assertion, and it has
// neither a recipient nor a badge.
func isOB2Node(m map[string]any) bool {
	if m["@context"] == nil || detectOBVersion(m) != "2.0" {
		return false
	}
	if _, ok := m["type"]; !ok {
		return false
	}
	return !hasType(m, "Assertion") && m["recipient"] == nil && m["badge"] == nil
}

// isAbsIRI reports whether s is an absolute IRI (it has a scheme).
func isAbsIRI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && !strings.ContainsAny(s, " \t\n")
}

// verifyOB2Node validates a standalone Open Badges 2.0 node: context, type
// values, the required properties of its class and, for a BadgeClass, its
// issuer (resolved through the Fetcher) and image.
func (p *ob2) verifyNode() {
	p.rep.Format = FormatOB2Node
	types := strList(p.raw["type"])
	p.add(CheckParse, StatusPass, "Open Badges 2.0 %s node (JSON)", strings.Join(types, ", "))
	p.checkNodeContext()

	switch {
	case len(types) == 0:
		p.add(CheckType, StatusFail, "the node has no type")
	default:
		var bad []string
		for _, t := range types {
			if !ob2NodeClasses[t] && !isAbsIRI(t) {
				bad = append(bad, t)
			}
		}
		if len(bad) > 0 {
			p.add(CheckType, StatusFail, "type %s is neither an Open Badges 2.0 class nor an IRI", strings.Join(bad, ", "))
		} else {
			p.add(CheckType, StatusPass, "%s", strings.Join(types, ", "))
		}
	}

	n := p.raw
	c := &p.rep.Credential
	c.ID = getStr(n, "id")
	c.Name = getStr(n, "name")
	if id := getStr(n, "id"); id != "" && !isAbsIRI(id) {
		p.add(CheckSchema, StatusFail, "id %q is not an IRI", id)
	}
	var req, recommended []string
	switch {
	case hasType(n, "BadgeClass"):
		req = []string{"id", "name", "description", "criteria", "issuer"}
		recommended = []string{"image"}
	case hasType(n, "Issuer", "Profile"):
		req = []string{"id", "name", "url"}
		recommended = []string{"email"}
	case hasType(n, "AlignmentObject"):
		req = []string{"targetName", "targetUrl"}
	case hasType(n, "CryptographicKey"):
		req = []string{"id", "owner", "publicKeyPem"}
	}
	var miss []string
	for _, k := range req {
		if !present(n, k) {
			miss = append(miss, k)
		}
	}
	if len(miss) > 0 {
		p.add(CheckSchema, StatusFail, "the %s lacks required %s", types[0], strings.Join(miss, ", "))
	}
	for _, k := range recommended {
		if !present(n, k) {
			p.add(CheckSchema, StatusWarn, "the %s has no %s", types[0], k)
		}
	}
	for _, k := range []string{"url", "targetUrl"} {
		if s, ok := n[k].(string); ok && s != "" && !isAbsIRI(s) {
			p.add(CheckSchema, StatusFail, "%s %q is not an IRI", k, s)
		}
	}
	for _, k := range []string{"name", "description", "email", "targetName"} {
		if v, ok := n[k]; ok && v != nil {
			if _, isStr := v.(string); !isStr {
				p.add(CheckSchema, StatusFail, "%s must be a string", k)
			}
		}
	}
	if hasType(n, "BadgeClass") {
		switch cr := n["criteria"].(type) {
		case string:
			if !isAbsIRI(cr) {
				p.add(CheckSchema, StatusFail, "criteria %q is not an IRI", cr)
			}
		case map[string]any:
			if getStr(cr, "id") == "" && getStr(cr, "narrative") == "" {
				p.add(CheckSchema, StatusFail, "criteria without an id needs a narrative")
			}
		}
		c.Achievement = Achievement{ID: c.ID, Name: c.Name, Description: getStr(n, "description"), Image: idOf(n["image"]), Criteria: idOf(n["criteria"])}
		if present(n, "issuer") {
			p.badge = n
			p.resolveIssuer()
			if p.issuer != nil {
				c.Issuer = IssuerSummary{ID: p.issuerID, Name: getStr(p.issuer, "name"), URL: getStr(p.issuer, "url")}
			}
		} else {
			p.add(CheckIssuer, StatusSkip, "the badge class names no issuer")
		}
		if present(n, "image") {
			if msg, ok := imageOK(n["image"], true); !ok {
				p.add(CheckImage, StatusFail, "badge class image: %s", msg)
			} else {
				p.add(CheckImage, StatusPass, "badge image present")
			}
		}
	}
	if !p.checks.has(CheckSchema) {
		p.add(CheckSchema, StatusPass, "required properties present")
	}
	if !p.checks.has(CheckIssuer) {
		p.add(CheckIssuer, StatusSkip, "not a badge class")
	}
}

// checkNodeContext accepts the Open Badges 2.0 context IRI or an inline
// context that maps obi: to the Open Badges vocabulary.
func (p *ob2) checkNodeContext() {
	ctx := p.raw["@context"]
	if m, ok := ctx.(map[string]any); ok {
		if str(m["obi"]) == "https://w3id.org/openbadges#" {
			p.add(CheckContext, StatusPass, "inline Open Badges 2.0 context")
		} else {
			p.add(CheckContext, StatusFail, "the inline @context does not define the Open Badges vocabulary")
		}
		return
	}
	for _, c := range strList(ctx) {
		if ob2Contexts[c] {
			p.add(CheckContext, StatusPass, "Open Badges 2.0 context")
			return
		}
	}
	p.add(CheckContext, StatusFail, "@context %v is not the Open Badges 2.0 context", ctx)
}
