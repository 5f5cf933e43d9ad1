package verify

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Open Badges 2.0 extensions: an assertion (or badge class) may carry
// extension nodes, typed "Extension", whose vocabulary comes from an extra
// @context. That context may name a JSON schema per extension type
// (obi:validation); the node must satisfy it. An extension whose context
// or schema cannot be fetched is noted as a warning: it is the issuer's
// addition, and an unreachable schema says nothing against the badge.

// extensionRule is one obi:validation entry of an extension context.
type extensionRule struct {
	typ    string // obi:validatesType, e.g. extensions:ExampleExtension
	schema string // obi:validationSchema URL
	terms  map[string]string
}

// checkExtensions validates every extension node of doc against the
// schemas its extension contexts declare.
func (p *ob2) checkExtensions(doc map[string]any) {
	nodes := extensionNodes(doc)
	if len(nodes) == 0 {
		return
	}
	var rules []extensionRule
	for _, ctxURL := range extraContexts(doc["@context"]) {
		rs, err := p.extensionRules(ctxURL)
		if err != nil {
			p.add(CheckSchema, StatusWarn, "extension context %s: %v", ctxURL, err)
			continue
		}
		rules = append(rules, rs...)
	}
	for _, key := range sortedKeys(nodes) {
		node := nodes[key]
		for _, r := range rules {
			if !typeMatches(node["type"], r.typ) {
				continue
			}
			schema, err := p.extensionSchema(r.schema)
			if err != nil {
				p.add(CheckSchema, StatusWarn, "extension %s: schema %s: %v", key, r.schema, err)
				continue
			}
			if problem := validateNode(compactKeys(node, r.terms), schema); problem != "" {
				p.add(CheckSchema, StatusFail, "extension %s does not satisfy its schema %s: %s", key, r.schema, problem)
			} else {
				p.add(CheckSchema, StatusPass, "extension %s satisfies its schema", key)
			}
		}
	}
}

// extensionNodes are the properties whose value is an object typed Extension.
func extensionNodes(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for k, v := range doc {
		if m, ok := v.(map[string]any); ok && hasType(m, "Extension") {
			out[k] = m
		}
	}
	return out
}

// extraContexts are the @context URLs beyond the Open Badges one.
func extraContexts(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok && !ob2Contexts[s] && isHTTPURL(s) {
			out = append(out, s)
		}
	}
	return out
}

func (p *ob2) extensionRules(ctxURL string) ([]extensionRule, error) {
	resp, err := p.fetch(ctxURL, acceptJSON)
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, fmt.Errorf("HTTP %d", resp.Status)
	}
	var doc struct {
		Context    map[string]any   `json:"@context"`
		Validation []map[string]any `json:"obi:validation"`
	}
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON-LD context: %v", err)
	}
	terms := map[string]string{}
	for term, iri := range doc.Context {
		if s, ok := iri.(string); ok {
			terms[s] = term
		}
	}
	var rules []extensionRule
	for _, v := range doc.Validation {
		typ, _ := v["obi:validatesType"].(string)
		schema, _ := v["obi:validationSchema"].(string)
		if typ != "" && schema != "" {
			rules = append(rules, extensionRule{typ: typ, schema: schema, terms: terms})
		}
	}
	return rules, nil
}

func (p *ob2) extensionSchema(u string) (map[string]any, error) {
	resp, err := p.fetch(u, acceptJSON)
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, fmt.Errorf("HTTP %d", resp.Status)
	}
	var schema map[string]any
	if err := json.Unmarshal(resp.Body, &schema); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	return schema, nil
}

// typeMatches compares an extension node's types with a validated type by
// their local names: issuers write the same class as a compact IRI under
// different prefixes ("obi:extensions/#ExampleExtension" and
// "extensions:ExampleExtension" both mean ExampleExtension).
func typeMatches(types any, want string) bool {
	local := func(s string) string {
		if i := strings.LastIndexAny(s, "#:/"); i >= 0 {
			return s[i+1:]
		}
		return s
	}
	w := local(want)
	list, ok := types.([]any)
	if !ok {
		list = []any{types}
	}
	for _, t := range list {
		if s, _ := t.(string); s != "" && s != "Extension" && local(s) == w {
			return true
		}
	}
	return false
}

// compactKeys renames properties written as full IRIs to the terms of the
// extension context, the names its schema uses.
func compactKeys(node map[string]any, terms map[string]string) map[string]any {
	out := make(map[string]any, len(node))
	for k, v := range node {
		if term, ok := terms[k]; ok {
			k = term
		}
		out[k] = v
	}
	return out
}

// validateNode checks the JSON-schema keywords extension schemas use:
// type, required and properties' types. It returns "" when the node holds.
func validateNode(node map[string]any, schema map[string]any) string {
	if req, ok := schema["required"].([]any); ok {
		for _, r := range req {
			if name, _ := r.(string); name != "" {
				if _, present := node[name]; !present {
					return fmt.Sprintf("%s is required", name)
				}
			}
		}
	}
	props, _ := schema["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		ps, _ := props[name].(map[string]any)
		v, present := node[name]
		if !present || ps == nil {
			continue
		}
		if want, _ := ps["type"].(string); want != "" && !jsonTypeIs(v, want) {
			return fmt.Sprintf("%s must be a %s, not %s", name, want, jsonTypeOf(v))
		}
	}
	return ""
}

func jsonTypeIs(v any, want string) bool {
	got := jsonTypeOf(v)
	return got == want || (want == "number" && got == "integer")
}

func jsonTypeOf(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
