package verify

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// detectOBVersion follows openbadges-validator-core: a string @context
// naming v1 is 1.1; any other @context is 2.0 (an unknown one fails the
// context check); no @context and a string recipient is 0.5; no @context
// and a 1.0 shape (verify, uid) is 1.0.
func detectOBVersion(m map[string]any) string {
	if c, ok := m["@context"]; ok && c != nil {
		for _, s := range strList(c) {
			if strings.Contains(s, "openbadges/v1") {
				return "1.1"
			}
		}
		return "2.0"
	}
	if _, ok := m["recipient"].(string); ok {
		return "0.5"
	}
	if _, ok := m["verification"]; ok {
		return "2.0"
	}
	if _, ok := m["verify"]; ok {
		return "1.0"
	}
	if _, ok := m["uid"]; ok {
		return "1.0"
	}
	return "2.0"
}

// upgradeAssertion maps an Open Badges 0.5, 1.0 or 1.1 assertion to the
// 2.0 model (tasks/object_upgrades.py). source is the URL the document
// came from, which is the id of a 0.5 assertion.
func upgradeAssertion(m map[string]any, ver, source string) map[string]any {
	out := cloneMap(m)
	if ver == "0.5" {
		out = map[string]any{
			"type":         "Assertion",
			"id":           source,
			"recipient":    upgradeRecipient(m["recipient"], m["salt"]),
			"issuedOn":     legacyDate(m["issued_on"]),
			"badge":        upgradeBadge(m["badge"]),
			"verification": map[string]any{"type": "hosted", "url": source},
		}
		for _, k := range []string{"expires", "evidence", "image"} {
			if v, ok := m[k]; ok {
				out[k] = v
			}
		}
		if v, ok := out["expires"]; ok {
			out["expires"] = legacyDate(v)
		}
		return out
	}
	vobj := getMap(m, "verify")
	if vobj == nil {
		vobj = getMap(m, "verification")
	}
	vtype := strings.ToLower(getStr(vobj, "type"))
	vurl := getStr(vobj, "url")
	out["verification"] = map[string]any{"type": vtype, "url": vurl}
	delete(out, "verify")
	if _, ok := out["type"]; !ok {
		out["type"] = "Assertion"
	}
	switch {
	case vtype == "hosted" && vurl != "":
		out["id"] = vurl
	case getStr(m, "id") == "" && getStr(m, "uid") != "":
		out["id"] = "uid:" + getStr(m, "uid")
	}
	if s, ok := m["recipient"].(string); ok {
		out["recipient"] = upgradeRecipient(s, m["salt"])
	}
	if v, ok := m["issuedOn"]; ok {
		out["issuedOn"] = legacyDate(v)
	} else if v, ok := m["issued_on"]; ok {
		out["issuedOn"] = legacyDate(v)
	}
	if v, ok := m["expires"]; ok {
		out["expires"] = legacyDate(v)
	}
	if b, ok := m["badge"].(map[string]any); ok {
		out["badge"] = upgradeBadge(b)
	}
	return out
}

func upgradeRecipient(v, salt any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	l := strings.ToLower(s)
	r := map[string]any{"type": "email", "identity": s,
		"hashed": strings.HasPrefix(l, "sha256$") || strings.HasPrefix(l, "md5$")}
	if salt != nil {
		r["salt"] = str(salt)
	}
	return r
}

// upgradeBadge maps a 0.5/1.x badge class to 2.0 names; 2.0 input passes.
func upgradeBadge(v any) any {
	b, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := cloneMap(b)
	if al, ok := b["alignment"].([]any); ok {
		na := make([]any, 0, len(al))
		for _, e := range al {
			if em, ok := e.(map[string]any); ok {
				em = cloneMap(em)
				for old, nw := range map[string]string{"name": "targetName", "url": "targetUrl", "description": "targetDescription"} {
					if v, ok := em[old]; ok {
						if _, has := em[nw]; !has {
							em[nw] = v
						}
					}
				}
				na = append(na, em)
			}
		}
		out["alignment"] = na
	}
	if im, ok := b["issuer"].(map[string]any); ok {
		out["issuer"] = upgradeIssuer(im)
		// 0.5 image and criteria paths are relative to the issuer origin.
		if base, err := url.Parse(getStr(im, "origin")); err == nil && base.Scheme != "" {
			for _, k := range []string{"image", "criteria"} {
				if s, ok := out[k].(string); ok && s != "" && !strings.HasPrefix(s, "data:") {
					if ref, err := url.Parse(s); err == nil && !ref.IsAbs() {
						out[k] = base.ResolveReference(ref).String()
					}
				}
			}
		}
	}
	return out
}

// upgradeIssuer maps a 0.5 issuer (origin, name, org, contact) or a 1.x
// organization to 2.0 names.
func upgradeIssuer(m map[string]any) map[string]any {
	out := cloneMap(m)
	if o := getStr(m, "origin"); o != "" {
		if getStr(out, "url") == "" {
			out["url"] = o
		}
		if getStr(out, "id") == "" {
			out["id"] = o
		}
	}
	if c := getStr(m, "contact"); c != "" && getStr(out, "email") == "" {
		out["email"] = c
	}
	if org := getStr(m, "org"); org != "" {
		out["name"] = getStr(m, "name") + ": " + org
		delete(out, "org") // keep the upgrade idempotent
	}
	if _, ok := out["type"]; !ok {
		out["type"] = "Issuer"
	}
	return out
}

// legacyDate turns a 1.0 date (ISO 8601, YYYY-MM-DD or a Unix timestamp)
// into RFC 3339; what it cannot read is passed through for the date checks
// to reject.
func legacyDate(v any) any {
	s := strings.TrimSpace(str(v))
	if s == "" {
		return v
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 9 && len(s) <= 11 {
		return time.Unix(n, 0).UTC().Format(time.RFC3339)
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	if t, ok := parseDateTime(s); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return s
}

// parseDateTime reads an ISO 8601 date-time with a time zone.
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
