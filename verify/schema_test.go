package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// schemaTestCredential is a minimal valid OB 3.0 credential (VCDM 2.0),
// decoded the way the pipeline decodes (UseNumber).
func schemaTestCredential(t *testing.T) map[string]any {
	t.Helper()
	const src = `{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
  ],
  "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {
    "id": "https://example.edu/issuers/565049",
    "type": ["Profile"],
    "name": "Example University"
  },
  "validFrom": "2010-01-01T00:00:00Z",
  "name": "Example University Degree",
  "credentialSubject": {
    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
    "type": ["AchievementSubject"],
    "achievement": {
      "id": "https://example.com/achievements/21st-century-skills/teamwork",
      "type": ["Achievement"],
      "criteria": {
        "narrative": "Team members are nominated for this badge by their peers."
      },
      "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
      "name": "Teamwork"
    }
  },
  "proof": {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2010-01-01T19:23:24Z",
    "verificationMethod": "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    "proofPurpose": "assertionMethod",
    "proofValue": "z3yUuWbFsLUp2CUrSZRaRbTk1UnkhpoJgJYu1SdMqd3AEMotpY41sKky7VzavnSfjApggtWJg1tcREvs5H4ZNnBRH"
  }
}`
	return schemaDecode(t, []byte(src)).(map[string]any)
}

func schemaDecode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v
}

func schemaSub(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func schemaHas(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

// TestSchemaEmbeddedCompile: every embedded file parses, says what it is,
// and every kind compiles. A broken schema fails here, not for a user.
func TestSchemaEmbeddedCompile(t *testing.T) {
	entries, err := ob3SchemaFS.ReadDir("schemas")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < int(schemaKindCount) {
		t.Fatalf("schemas/ has %d files, want at least %d", len(entries), schemaKindCount)
	}
	for _, e := range entries {
		b, err := ob3SchemaFS.ReadFile("schemas/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		c, _ := doc["$comment"].(string)
		if !strings.HasPrefix(c, "Cairn's transcription of the") || !strings.Contains(c, "not the 1EdTech") {
			t.Errorf("%s: $comment must say it is Cairn's transcription, not the 1EdTech file; got %q", e.Name(), c)
		}
	}
	schemas, err := compileOB3Schemas()
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for k, s := range schemas {
		if s == nil {
			t.Errorf("%v: not compiled", schemaKind(k))
		}
	}
	if _, err := ob3Schemas(); err != nil {
		t.Fatalf("cached compile: %v", err)
	}
}

func TestSchemaMinimalValid(t *testing.T) {
	doc := schemaTestCredential(t)
	if p := validateOB3Schema(doc, schemaOB3VC2); p != nil {
		t.Fatalf("minimal credential rejected: %q", p)
	}
	// The same credential is not a VCDM 1.1 credential nor an endorsement.
	if p := validateOB3Schema(doc, schemaOB3VC11); !schemaHas(p, "missing property 'issuanceDate'") || !schemaHas(p, "@context[0]: value must be") {
		t.Errorf("as VCDM 1.1: %q", p)
	}
	if p := validateOB3Schema(doc, schemaEndorsementVC2); !schemaHas(p, "type: must contain 'EndorsementCredential'") {
		t.Errorf("as endorsement: %q", p)
	}
}

func TestSchemaProblems(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(m map[string]any)
		want   []string // every one must appear
	}{
		{"missing criteria", func(m map[string]any) {
			delete(schemaSub(m, "credentialSubject", "achievement"), "criteria")
		}, []string{"credentialSubject.achievement: missing property 'criteria'"}},
		{"bad validFrom", func(m map[string]any) {
			m["validFrom"] = "2010-01-01 00:00:00"
		}, []string{"validFrom: '2010-01-01 00:00:00' is not valid date-time"}},
		{"validFrom without zone", func(m map[string]any) {
			m["validFrom"] = "2010-01-01T00:00:00"
		}, []string{"validFrom: "}},
		{"missing validFrom", func(m map[string]any) {
			delete(m, "validFrom")
		}, []string{"missing property 'validFrom'"}},
		{"type without OpenBadgeCredential", func(m map[string]any) {
			m["type"] = []any{"VerifiableCredential", "SomethingCredential"}
		}, []string{"type: must contain one of 'OpenBadgeCredential', 'AchievementCredential'"}},
		{"type without VerifiableCredential", func(m map[string]any) {
			m["type"] = []any{"OpenBadgeCredential", "AchievementCredential"}
		}, []string{"type: must contain 'VerifiableCredential'"}},
		{"issuer object without id", func(m map[string]any) {
			delete(schemaSub(m, "issuer"), "id")
		}, []string{"issuer: missing property 'id'"}},
		{"issuer without Profile type", func(m map[string]any) {
			schemaSub(m, "issuer")["type"] = []any{"Organization"}
		}, []string{"issuer.type: must contain 'Profile'"}},
		{"issuer a number", func(m map[string]any) {
			m["issuer"] = json.Number("42")
		}, []string{"issuer: got number, want string or object"}},
		{"relative id", func(m map[string]any) {
			m["id"] = "credentials/3732"
		}, []string{"id: 'credentials/3732' is not valid uri"}},
		{"wrong first context", func(m map[string]any) {
			m["@context"] = []any{"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}
		}, []string{"@context[0]: value must be 'https://www.w3.org/ns/credentials/v2'"}},
		{"subject type", func(m map[string]any) {
			schemaSub(m, "credentialSubject")["type"] = "Person"
		}, []string{"credentialSubject.type: value must be 'AchievementSubject'"}},
		{"bad alignment", func(m map[string]any) {
			schemaSub(m, "credentialSubject", "achievement")["alignment"] = []any{
				map[string]any{"type": []any{"Alignment"}, "targetName": "x", "targetUrl": "https://example.org/x"},
				map[string]any{"type": []any{"Alignment"}, "targetName": "y"},
			}
		}, []string{"credentialSubject.achievement.alignment[1]: missing property 'targetUrl'"}},
		{"bad identifier", func(m map[string]any) {
			schemaSub(m, "credentialSubject")["identifier"] = []any{
				map[string]any{"type": "IdentityObject", "identityHash": "x", "identityType": "emailAddress", "hashed": "no"},
			}
		}, []string{"credentialSubject.identifier[0].hashed: got string, want boolean"}},
		{"endorsementJwt not a JWS", func(m map[string]any) {
			m["endorsementJwt"] = []any{"not a jws"}
		}, []string{"endorsementJwt[0]: "}},
		{"validUntil bad", func(m map[string]any) {
			m["validUntil"] = "soon"
		}, []string{"validUntil: 'soon' is not valid date-time"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := schemaTestCredential(t)
			c.mutate(doc)
			p := validateOB3Schema(doc, schemaOB3VC2)
			if p == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !schemaHas(p, w) {
					t.Errorf("want %q in %q", w, p)
				}
			}
			for _, s := range p {
				if strings.Contains(s, "cairn.invalid") || strings.Contains(s, "$defs") || strings.Contains(s, ".json") {
					t.Errorf("message leaks schema internals: %q", s)
				}
			}
		})
	}
}

func TestSchemaAtMostTen(t *testing.T) {
	doc := map[string]any{"@context": "x", "type": "y", "id": "z", "issuer": 1.0, "validFrom": "no", "validUntil": "no",
		"credentialSubject": map[string]any{"id": "rel", "achievement": map[string]any{}},
		"awardedDate":       "no", "image": 3.0, "evidence": "no", "endorsement": "no", "endorsementJwt": "no"}
	p := validateOB3Schema(doc, schemaOB3VC2)
	if len(p) == 0 || len(p) > 10 {
		t.Fatalf("got %d problems: %q", len(p), p)
	}
}

func TestSchemaIdentifierForms(t *testing.T) {
	obj := map[string]any{
		"type":         "IdentityObject",
		"identityHash": "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5",
		"identityType": "emailAddress",
		"hashed":       true,
		"salt":         "deadsea",
	}
	for name, ident := range map[string]any{"single object": obj, "array": []any{obj}} {
		doc := schemaTestCredential(t)
		cs := schemaSub(doc, "credentialSubject")
		delete(cs, "id")
		cs["identifier"] = ident
		if p := validateOB3Schema(doc, schemaOB3VC2); p != nil {
			t.Errorf("identifier as %s rejected: %q", name, p)
		}
	}
	doc := schemaTestCredential(t)
	schemaSub(doc, "credentialSubject")["identifier"] = map[string]any{"type": "IdentityObject", "identityType": "emailAddress", "hashed": false}
	if p := validateOB3Schema(doc, schemaOB3VC2); !schemaHas(p, "credentialSubject.identifier: missing property 'identityHash'") {
		t.Errorf("single identifier without identityHash: %q", p)
	}
}

// TestSchemaJSONNumber: numbers arrive as json.Number (UseNumber); they must
// validate as numbers, and non-JSON Go values are normalised.
func TestSchemaJSONNumber(t *testing.T) {
	doc := schemaTestCredential(t)
	cs := schemaSub(doc, "credentialSubject")
	cs["creditsEarned"] = json.Number("3.5")
	schemaSub(cs, "achievement")["creditsAvailable"] = json.Number("12")
	if p := validateOB3Schema(doc, schemaOB3VC2); p != nil {
		t.Fatalf("json.Number rejected: %q", p)
	}
	cs["creditsEarned"] = "3.5"
	if p := validateOB3Schema(doc, schemaOB3VC2); !schemaHas(p, "credentialSubject.creditsEarned: got string, want number") {
		t.Errorf("string creditsEarned: %q", p)
	}
	cs["creditsEarned"] = json.Number("1e400") // beyond float64: still a number
	if p := validateOB3Schema(doc, schemaOB3VC2); p != nil {
		t.Errorf("large json.Number rejected: %q", p)
	}

	// Decoded with UseNumber from text, numbers in place.
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if p := validateOB3Schema(schemaDecode(t, raw), schemaOB3VC2); p != nil {
		t.Errorf("re-decoded: %q", p)
	}

	// Go values that are not decoded JSON ([]string, int, typed maps).
	doc = schemaTestCredential(t)
	doc["type"] = []string{"VerifiableCredential", "AchievementCredential"}
	schemaSub(doc, "credentialSubject")["creditsEarned"] = 3
	schemaSub(doc, "credentialSubject", "achievement")["tag"] = []string{"teamwork"}
	if p := validateOB3Schema(doc, schemaOB3VC2); p != nil {
		t.Errorf("Go-typed values: %q", p)
	}
	if p := validateOB3Schema(map[string]any{"x": make(chan int)}, schemaOB3VC2); len(p) != 1 || !strings.HasPrefix(p[0], "document is not JSON") {
		t.Errorf("channel: %q", p)
	}
}

func TestSchemaVC11AndEndorsement(t *testing.T) {
	doc := schemaTestCredential(t)
	doc["@context"] = []any{"https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}
	doc["issuanceDate"] = doc["validFrom"]
	delete(doc, "validFrom")
	doc["expirationDate"] = "2030-01-01T00:00:00Z"
	doc["issuer"] = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
	if p := validateOB3Schema(doc, schemaOB3VC11); p != nil {
		t.Errorf("VCDM 1.1 credential rejected: %q", p)
	}
	doc["expirationDate"] = "2030-01-01"
	if p := validateOB3Schema(doc, schemaOB3VC11); !schemaHas(p, "expirationDate: '2030-01-01' is not valid date-time") {
		t.Errorf("bad expirationDate: %q", p)
	}

	end := map[string]any{
		"@context":  []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		"id":        "https://example.org/endorsements/1",
		"type":      []any{"VerifiableCredential", "EndorsementCredential"},
		"name":      "Endorsement",
		"issuer":    map[string]any{"id": "https://example.org/issuer", "type": "Profile"},
		"validFrom": "2024-01-01T00:00:00Z",
		"credentialSubject": map[string]any{
			"id":                 "https://example.edu/achievements/1",
			"type":               []any{"EndorsementSubject"},
			"endorsementComment": "Good.",
		},
	}
	if p := validateOB3Schema(end, schemaEndorsementVC2); p != nil {
		t.Errorf("endorsement rejected: %q", p)
	}
	delete(end["credentialSubject"].(map[string]any), "id")
	if p := validateOB3Schema(end, schemaEndorsementVC2); !schemaHas(p, "credentialSubject: missing property 'id'") {
		t.Errorf("endorsement subject without id: %q", p)
	}
	if p := validateOB3Schema(end, schemaKind(99)); len(p) != 1 {
		t.Errorf("unknown kind: %q", p)
	}
}

// schemaKindOf picks the schema for a fixture from @context[0] and type;
// ok is false for credentials that are not OB 3.0 (status lists, plain VCs).
func schemaKindOf(doc map[string]any) (schemaKind, bool) {
	ctx, _ := doc["@context"].([]any)
	if len(ctx) == 0 {
		return 0, false
	}
	vc11 := ctx[0] == "https://www.w3.org/2018/credentials/v1"
	var types []any
	switch t := doc["type"].(type) {
	case []any:
		types = t
	case string:
		types = []any{t}
	}
	for _, t := range types {
		switch t {
		case "OpenBadgeCredential", "AchievementCredential":
			if vc11 {
				return schemaOB3VC11, true
			}
			return schemaOB3VC2, true
		case "EndorsementCredential":
			if vc11 {
				return schemaEndorsementVC11, true
			}
			return schemaEndorsementVC2, true
		}
	}
	return 0, false
}

// TestSchemaFixtures: no credential the source projects expect to be valid
// is rejected by the schema.
func TestSchemaFixtures(t *testing.T) {
	dir := filepath.FromSlash("../../shared/fixtures/credentials")
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Skipf("fixtures not available: %v", err)
	}
	var manifest []struct {
		File   string `json:"file"`
		Format string `json:"format"`
		Expect string `json:"expect"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	checked, skipped := 0, 0
	for _, e := range manifest {
		if (e.Format != "ob30-di" && e.Format != "ob30-vcdm11") || e.Expect != "valid" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File)))
		if err != nil {
			t.Errorf("%s: %v", e.File, err)
			continue
		}
		doc, ok := schemaDecode(t, raw).(map[string]any)
		if !ok {
			t.Errorf("%s: not a JSON object", e.File)
			continue
		}
		k, ok := schemaKindOf(doc)
		if !ok {
			t.Logf("%s: not an OB 3.0 credential or endorsement (type %v), skipped", e.File, doc["type"])
			skipped++
			continue
		}
		checked++
		if p := validateOB3Schema(doc, k); p != nil {
			t.Errorf("%s (%v): valid fixture rejected: %q", e.File, k, p)
		}
	}
	t.Logf("schema-checked %d valid OB 3.0 fixture credentials (%d valid entries are not OB 3.0 credentials)", checked, skipped)
	if checked == 0 {
		t.Error("no fixture checked")
	}
}
