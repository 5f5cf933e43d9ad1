package verify

import "testing"

func TestExtensionHelpers(t *testing.T) {
	if !typeMatches([]any{"Extension", "obi:extensions/#ExampleExtension"}, "extensions:ExampleExtension") {
		t.Error("the same class under two prefixes did not match")
	}
	if typeMatches([]any{"Extension"}, "extensions:ExampleExtension") || typeMatches("obi:Other", "extensions:ExampleExtension") {
		t.Error("unrelated types matched")
	}
	node := compactKeys(map[string]any{"http://schema.org/text": "hi", "type": "Extension"}, map[string]string{"http://schema.org/text": "exampleProperty"})
	schema := map[string]any{"type": "object", "required": []any{"exampleProperty"},
		"properties": map[string]any{"exampleProperty": map[string]any{"type": "string"}}}
	if p := validateNode(node, schema); p != "" {
		t.Errorf("valid node refused: %s", p)
	}
	if p := validateNode(map[string]any{"exampleProperty": 1337.0}, schema); p != "exampleProperty must be a string, not integer" {
		t.Errorf("wrong type: %q", p)
	}
	if p := validateNode(map[string]any{}, schema); p != "exampleProperty is required" {
		t.Errorf("missing: %q", p)
	}
	if p := validateNode(map[string]any{"n": 2.5}, map[string]any{"properties": map[string]any{"n": map[string]any{"type": "number"}}}); p != "" {
		t.Errorf("number refused: %q", p)
	}
}
