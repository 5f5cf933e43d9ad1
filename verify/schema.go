package verify

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The Open Badges 3.0 JSON schema check.
//
// The schemas in schemas/ are Cairn's own transcription of the OB 3.0 data
// model's constraints (the 1EdTech-published files are not available
// offline). They are JSON Schema draft 2020-12, compiled once with format
// assertion on (uri, date-time) and allow additional properties everywhere.

// schemaKind selects the schema: credential or endorsement, VCDM 2.0 or 1.1.
type schemaKind int

const (
	schemaOB3VC2          schemaKind = iota // AchievementCredential / OpenBadgeCredential, VCDM 2.0
	schemaOB3VC11                           // the same, VCDM 1.1
	schemaEndorsementVC2                    // EndorsementCredential, VCDM 2.0
	schemaEndorsementVC11                   // EndorsementCredential, VCDM 1.1
	schemaKindCount
)

// String names the kind (for messages and tests).
func (k schemaKind) String() string {
	switch k {
	case schemaOB3VC2:
		return "ob3-vc2"
	case schemaOB3VC11:
		return "ob3-vc11"
	case schemaEndorsementVC2:
		return "endorsement-vc2"
	case schemaEndorsementVC11:
		return "endorsement-vc11"
	}
	return fmt.Sprintf("schemaKind(%d)", int(k))
}

//go:embed schemas/*.json
var ob3SchemaFS embed.FS

// ob3SchemaBase is the base URL the embedded files are registered under so
// that their relative $refs resolve. It is never fetched (.invalid) and never
// appears in messages.
const ob3SchemaBase = "https://schemas.cairn.invalid/"

// ob3SchemaFiles maps each kind to its top-level file in schemas/.
var ob3SchemaFiles = [schemaKindCount]string{
	schemaOB3VC2:          "ob3-achievementcredential.json",
	schemaOB3VC11:         "ob3-achievementcredential-vc11.json",
	schemaEndorsementVC2:  "ob3-endorsementcredential.json",
	schemaEndorsementVC11: "ob3-endorsementcredential-vc11.json",
}

var (
	ob3SchemaOnce      sync.Once
	ob3SchemasCompiled [schemaKindCount]*jsonschema.Schema
	ob3SchemaErr       error
)

// compileOB3Schemas compiles every kind's schema from the embedded files.
// It does not cache: ob3Schemas does. Tests call it to prove the embedded
// schemas compile.
func compileOB3Schemas() ([schemaKindCount]*jsonschema.Schema, error) {
	var out [schemaKindCount]*jsonschema.Schema
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// Nothing may be loaded from outside the embedded files.
	c.UseLoader(ob3NoLoader{})
	entries, err := ob3SchemaFS.ReadDir("schemas")
	if err != nil {
		return out, err
	}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".json" {
			continue
		}
		b, err := ob3SchemaFS.ReadFile("schemas/" + e.Name())
		if err != nil {
			return out, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return out, fmt.Errorf("schemas/%s: %w", e.Name(), err)
		}
		if err := c.AddResource(ob3SchemaBase+e.Name(), doc); err != nil {
			return out, fmt.Errorf("schemas/%s: %w", e.Name(), err)
		}
	}
	for k, name := range ob3SchemaFiles {
		sch, err := c.Compile(ob3SchemaBase + name)
		if err != nil {
			return out, fmt.Errorf("schemas/%s: %w", name, err)
		}
		out[k] = sch
	}
	return out, nil
}

// ob3NoLoader refuses every URL: the schemas are self-contained.
type ob3NoLoader struct{}

func (ob3NoLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not embedded", url)
}

func ob3Schemas() ([schemaKindCount]*jsonschema.Schema, error) {
	ob3SchemaOnce.Do(func() {
		ob3SchemasCompiled, ob3SchemaErr = compileOB3Schemas()
	})
	return ob3SchemasCompiled, ob3SchemaErr
}

// ob3SchemaMaxProblems caps what validateOB3Schema returns.
const ob3SchemaMaxProblems = 10

// validateOB3Schema returns human-readable problems
// ("credentialSubject.achievement: missing property 'criteria'"), at most
// 10, nil when the document conforms.
//
// doc is decoded JSON (map[string]any, []any, string, bool, nil, float64 or
// json.Number; json.Decoder.UseNumber output is handled as is). Other Go
// values are normalised through encoding/json first.
func validateOB3Schema(doc any, kind schemaKind) []string {
	if kind < 0 || kind >= schemaKindCount {
		return []string{fmt.Sprintf("no schema for %v", kind)}
	}
	schemas, err := ob3Schemas()
	if err != nil {
		// TestSchemaEmbeddedCompile keeps this from ever reaching a user.
		return []string{"schema check unavailable: " + err.Error()}
	}
	if !ob3IsJSONValue(doc) {
		norm, err := ob3NormalizeJSON(doc)
		if err != nil {
			return []string{"document is not JSON: " + err.Error()}
		}
		doc = norm
	}
	err = schemas[kind].Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var msgs []string
	ob3CollectProblems(ve, &msgs)
	if len(msgs) == 0 { // cannot happen: a failed validation has a leaf
		msgs = []string{"does not conform to the OB 3.0 schema"}
	}
	slices.Sort(msgs)
	msgs = slices.Compact(msgs)
	if len(msgs) > ob3SchemaMaxProblems {
		msgs = msgs[:ob3SchemaMaxProblems]
	}
	return msgs
}

var ob3SchemaPrinter = message.NewPrinter(language.English)

// ob3CollectProblems flattens the error tree into "path: reason" lines,
// keeping the leaves. Branches of anyOf/oneOf that failed only because the
// value has another JSON type (a string where the other branch wants an
// object) are dropped, so "issuer" that is an object without id reports the
// missing id, not also "want string".
func ob3CollectProblems(e *jsonschema.ValidationError, out *[]string) {
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		if len(e.Causes) == 0 {
			break
		}
		var kept []*jsonschema.ValidationError
		for _, c := range e.Causes {
			if !ob3IsTypeMismatchAt(c, e.InstanceLocation) {
				kept = append(kept, c)
			}
		}
		if len(kept) == 0 {
			*out = append(*out, ob3Problem(e.InstanceLocation, ob3WantedTypes(e.Causes)))
			return
		}
		for _, c := range kept {
			ob3CollectProblems(c, out)
		}
		return
	case *kind.Contains:
		*out = append(*out, ob3Problem(e.InstanceLocation, ob3ContainsReason(e)))
		return
	case *kind.InvalidJsonValue:
		*out = append(*out, ob3Problem(e.InstanceLocation, fmt.Sprintf("not a JSON value (%T)", k.Value)))
		return
	}
	if len(e.Causes) == 0 {
		*out = append(*out, ob3Problem(e.InstanceLocation, e.ErrorKind.LocalizedString(ob3SchemaPrinter)))
		return
	}
	for _, c := range e.Causes {
		ob3CollectProblems(c, out)
	}
}

// ob3Unwrap goes down $ref and single-cause group nodes to the error that
// says something.
func ob3Unwrap(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(e.Causes) == 1 {
		switch e.ErrorKind.(type) {
		case *kind.Reference, *kind.Group, *kind.Schema, *kind.AllOf:
			e = e.Causes[0]
			continue
		}
		break
	}
	return e
}

// ob3IsTypeMismatchAt reports whether a failed branch failed (among other
// things) because the value at loc has a JSON type the branch does not take.
func ob3IsTypeMismatchAt(e *jsonschema.ValidationError, loc []string) bool {
	e = ob3Unwrap(e)
	if _, ok := e.ErrorKind.(*kind.Group); ok {
		for _, c := range e.Causes {
			if ob3IsTypeMismatchAt(c, loc) {
				return true
			}
		}
		return false
	}
	_, ok := e.ErrorKind.(*kind.Type)
	return ok && ob3SameLocation(e.InstanceLocation, loc)
}

func ob3SameLocation(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ob3WantedTypes words an anyOf where no branch accepted the value's type.
func ob3WantedTypes(causes []*jsonschema.ValidationError) string {
	var got string
	var want []string
	seen := map[string]bool{}
	for _, c := range causes {
		t, ok := ob3Unwrap(c).ErrorKind.(*kind.Type)
		if !ok {
			continue
		}
		got = t.Got
		for _, w := range t.Want {
			if !seen[w] {
				seen[w] = true
				want = append(want, w)
			}
		}
	}
	if got == "" {
		return "matches none of the allowed forms"
	}
	return fmt.Sprintf("got %s, want %s", got, strings.Join(want, " or "))
}

// ob3ContainsReason words a failed "contains" from what the items were
// compared with (const or enum).
func ob3ContainsReason(e *jsonschema.ValidationError) string {
	if len(e.Causes) == 0 {
		return "must not be empty"
	}
	if w := ob3ContainsWant(e.Causes); w != "" {
		return w
	}
	return "has no item of the required kind"
}

// ob3ContainsWant finds the const or enum the items of a failed "contains"
// were compared with.
func ob3ContainsWant(causes []*jsonschema.ValidationError) string {
	for _, c := range causes {
		c = ob3Unwrap(c)
		switch k := c.ErrorKind.(type) {
		case *kind.Const:
			return "must contain " + ob3Quote(k.Want)
		case *kind.Enum:
			q := make([]string, len(k.Want))
			for i, w := range k.Want {
				q[i] = ob3Quote(w)
			}
			return "must contain one of " + strings.Join(q, ", ")
		case *kind.Group:
			if w := ob3ContainsWant(c.Causes); w != "" {
				return w
			}
		}
	}
	return ""
}

func ob3Quote(v any) string {
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ob3Problem joins an instance location ("credentialSubject",
// "achievement", "alignment", "0") as "credentialSubject.achievement.alignment[0]"
// to a reason; the document root has no path.
func ob3Problem(loc []string, reason string) string {
	var sb strings.Builder
	for _, tok := range loc {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			sb.WriteString("[" + tok + "]")
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(tok)
	}
	if sb.Len() == 0 {
		return reason
	}
	return sb.String() + ": " + reason
}

// ob3IsJSONValue reports whether v holds only the types encoding/json
// decodes into (with or without UseNumber).
func ob3IsJSONValue(v any) bool {
	switch v := v.(type) {
	case nil, bool, string, float64, json.Number:
		return true
	case map[string]any:
		for _, x := range v {
			if !ob3IsJSONValue(x) {
				return false
			}
		}
		return true
	case []any:
		for _, x := range v {
			if !ob3IsJSONValue(x) {
				return false
			}
		}
		return true
	}
	return false
}

// ob3NormalizeJSON round-trips v through encoding/json, keeping numbers as
// json.Number.
func ob3NormalizeJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}
