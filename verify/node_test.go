package verify

import (
	"encoding/json"
	"testing"
)

func nodeBadgeClass() map[string]any {
	return map[string]any{
		"@context":    "https://w3id.org/openbadges/v2",
		"type":        "BadgeClass",
		"id":          "https://example.org/badge.json",
		"name":        "Robotics",
		"description": "Built a robot",
		"image":       "https://example.org/badge.png",
		"criteria":    "https://example.org/criteria",
		"issuer":      "https://example.org/issuer.json",
	}
}

func nodeFetcher() *fakeFetcher {
	f := newFake()
	f.json("https://example.org/issuer.json", map[string]any{
		"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": "https://example.org/issuer.json",
		"name": "Example", "url": "https://example.org", "email": "a@example.org",
	})
	return f
}

func verifyNode(t *testing.T, m map[string]any, f Fetcher) Report {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	r := Verify(t.Context(), b, Options{Fetcher: f, Now: fixedNow})
	if r.Format != FormatOB2Node {
		t.Fatalf("format %s, want %s; %s", r.Format, FormatOB2Node, dump(r))
	}
	return r
}

func TestNodeBadgeClassValid(t *testing.T) {
	r := verifyNode(t, nodeBadgeClass(), nodeFetcher())
	if r.Verdict != VerdictValid {
		t.Fatalf("verdict %s; %s", r.Verdict, dump(r))
	}
	for _, id := range []string{CheckParse, CheckContext, CheckType, CheckSchema, CheckIssuer, CheckImage} {
		if c, _ := r.Check(id); c.Status != StatusPass {
			t.Errorf("%s: %s %s", id, c.Status, c.Message)
		}
	}
	if r.Credential.Issuer.Name != "Example" || r.Credential.Achievement.Name != "Robotics" {
		t.Errorf("summary %+v", r.Credential)
	}
}

func TestNodeBadgeClassMissingName(t *testing.T) {
	m := nodeBadgeClass()
	delete(m, "name")
	r := verifyNode(t, m, nodeFetcher())
	if c, _ := r.Check(CheckSchema); c.Status != StatusFail || r.Verdict != VerdictInvalid {
		t.Fatalf("schema %s, verdict %s; %s", c.Status, r.Verdict, dump(r))
	}
}

func TestNodeBadType(t *testing.T) {
	for _, typ := range []any{"NotAKnownClass", []any{}, []any{"BadgeClass", "UNKNOWN"}} {
		m := nodeBadgeClass()
		m["type"] = typ
		r := verifyNode(t, m, nodeFetcher())
		if c, _ := r.Check(CheckType); c.Status != StatusFail || r.Verdict != VerdictInvalid {
			t.Errorf("type %v: type check %s, verdict %s", typ, c.Status, r.Verdict)
		}
	}
	m := nodeBadgeClass()
	m["type"] = []any{"BadgeClass", "https://example.com/CoolClass"}
	if r := verifyNode(t, m, nodeFetcher()); r.Verdict != VerdictValid {
		t.Errorf("an extension class IRI is allowed; %s", dump(r))
	}
}

func TestNodeBadgeClassIssuer(t *testing.T) {
	f := nodeFetcher()
	f.json("https://example.org/issuer.json", map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Criteria", "id": "https://example.org/issuer.json"})
	if r := verifyNode(t, nodeBadgeClass(), f); r.Verdict != VerdictInvalid {
		t.Errorf("issuer of the wrong type: verdict %s; %s", r.Verdict, dump(r))
	}
	f = newFake()
	f.fail("https://example.org/issuer.json")
	if r := verifyNode(t, nodeBadgeClass(), f); r.Verdict != VerdictUnknown {
		t.Errorf("unreachable issuer: verdict %s; %s", r.Verdict, dump(r))
	}
}

func TestNodeIssuer(t *testing.T) {
	m := map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": "https://example.org/i", "name": "X", "url": "https://example.org"}
	r := verifyNode(t, m, nil)
	if r.Verdict != VerdictValid {
		t.Fatalf("verdict %s; %s", r.Verdict, dump(r))
	}
	if c, _ := r.Check(CheckSchema); c.Status != StatusWarn {
		t.Errorf("no email should warn: %s %s", c.Status, c.Message)
	}
	delete(m, "url")
	if r := verifyNode(t, m, nil); r.Verdict != VerdictInvalid {
		t.Errorf("no url: verdict %s", r.Verdict)
	}
}
