package did

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// relationships are the DID verification relationships that may embed
// verification methods.
var relationships = []string{"authentication", "assertionMethod", "keyAgreement", "capabilityInvocation", "capabilityDelegation"}

// Document is a parsed DID document, controller document or issuer profile:
// the verification methods it defines and the ids it lists under
// assertionMethod. All ids are absolute (resolved against base).
type Document struct {
	// ID is the document's "id" resolved against base, "" when absent.
	ID string

	base      string
	entries   map[string]*vmEntry
	raw       map[string]json.RawMessage
	order     []string
	assertion map[string]bool
	self      *vmEntry // the document is itself a verification method
	services  []Service
}

// ParseDocument parses a DID document, a controller document, an issuer
// profile or a verification method document. base resolves relative ids
// ("#key-1"): the DID for a DID document, the URL fetched for anything else.
// Methods are collected from "verificationMethod" and from objects embedded
// in the verification relationships; a method id defined twice is an error.
// Keys are decoded only by Lookup, so one unusable method does not spoil the
// others.
func ParseDocument(body []byte, base string) (*Document, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	d := &Document{base: base, entries: map[string]*vmEntry{}, raw: map[string]json.RawMessage{}, assertion: map[string]bool{}}
	if raw, ok := top["service"]; ok && !isNull(raw) {
		d.services = parseServices(raw, base)
	}
	if raw, ok := top["id"]; ok && !isNull(raw) {
		var id string
		if err := json.Unmarshal(raw, &id); err != nil || id == "" {
			return nil, errors.New(`"id" is not a non-empty string`)
		}
		abs, err := resolveRef(id, base)
		if err != nil {
			return nil, fmt.Errorf(`"id": %w`, err)
		}
		d.ID = abs
	}
	_, hasMB := top["publicKeyMultibase"]
	_, hasJWK := top["publicKeyJwk"]
	_, hasB58 := top["publicKeyBase58"]
	if hasMB || hasJWK || hasB58 {
		var e vmEntry
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("verification method: %w", err)
		}
		d.self = &e
	}
	if raw, ok := top["verificationMethod"]; ok && !isNull(raw) {
		items, err := oneOrMany(raw)
		if err != nil {
			return nil, fmt.Errorf(`"verificationMethod": %w`, err)
		}
		for i, it := range items {
			if len(it) == 0 || it[0] != '{' {
				return nil, fmt.Errorf(`"verificationMethod"[%d] is not an object`, i)
			}
			if _, err := d.add(it, fmt.Sprintf(`"verificationMethod"[%d]`, i)); err != nil {
				return nil, err
			}
		}
	}
	for _, rel := range relationships {
		raw, ok := top[rel]
		if !ok || isNull(raw) {
			continue
		}
		items, err := oneOrMany(raw)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", rel, err)
		}
		for i, it := range items {
			where := fmt.Sprintf("%q[%d]", rel, i)
			var id string
			switch {
			case len(it) > 0 && it[0] == '"':
				if err := json.Unmarshal(it, &id); err != nil || id == "" {
					return nil, fmt.Errorf("%s is not a valid reference", where)
				}
				if id, err = resolveRef(id, base); err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
			case len(it) > 0 && it[0] == '{':
				var err error
				if id, err = d.add(it, where); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("%s is neither a reference nor an object", where)
			}
			if rel == "assertionMethod" {
				d.assertion[id] = true
			}
		}
	}
	return d, nil
}

func (d *Document) add(raw json.RawMessage, where string) (string, error) {
	var e vmEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	if e.ID == "" {
		return "", fmt.Errorf("%s has no id", where)
	}
	id, err := resolveRef(e.ID, d.base)
	if err != nil {
		return "", fmt.Errorf("%s id: %w", where, err)
	}
	if prev, dup := d.raw[id]; dup {
		// The same method written out twice (under verificationMethod and
		// embedded in assertionMethod, as DCC's documents do) is one
		// method; two different definitions under one id are an error.
		if sameJSON(prev, raw) {
			return id, nil
		}
		return "", fmt.Errorf("verification method %s is defined twice, differently", id)
	}
	e.ID = id
	d.entries[id] = &e
	d.raw[id] = raw
	d.order = append(d.order, id)
	return id, nil
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// MethodIDs returns the ids of the methods the document defines, in order.
func (d *Document) MethodIDs() []string { return append([]string(nil), d.order...) }

// InAssertionMethod reports whether id is listed (by reference or embedded)
// under the document's assertionMethod.
func (d *Document) InAssertionMethod(id string) bool { return d.assertion[id] }

// AssertionMethods returns the ids listed under assertionMethod.
func (d *Document) AssertionMethods() []string {
	var out []string
	for _, id := range d.order {
		if d.assertion[id] {
			out = append(out, id)
		}
	}
	for id := range d.assertion {
		if _, ok := d.entries[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// Lookup returns the method with the given absolute id, its key decoded.
// Source and URL are left for the caller; AssertionMethod is set from the
// document. A missing method is a KindNotFound error; an unusable key a
// KindBadKey error.
func (d *Document) Lookup(id string) (*Method, error) {
	e, ok := d.entries[id]
	if !ok {
		return nil, invalid(KindNotFound, id, "the document does not define this verification method")
	}
	return d.method(e, id)
}

// Self returns the document as a verification method when it is one (it has
// publicKeyMultibase, publicKeyJwk or publicKeyBase58 at the top), else nil.
func (d *Document) Self() (*Method, error) {
	if d.self == nil {
		return nil, nil
	}
	return d.method(d.self, d.ID)
}

func (d *Document) method(e *vmEntry, id string) (*Method, error) {
	key, err := e.key()
	if err != nil {
		return nil, invalidErr(KindBadKey, id, err, "unusable key")
	}
	ctrl, err := e.controller(d.base)
	if err != nil {
		return nil, invalidErr(KindMalformed, id, err, "bad controller")
	}
	return &Method{ID: id, Type: e.typeName(), Controller: ctrl, Key: key, AssertionMethod: d.assertion[id]}, nil
}

// controller returns the VM's controller, resolved against base: a string
// or an array of exactly one string; "" when absent.
func (v *vmEntry) controller(base string) (string, error) {
	if len(v.Controller) == 0 || isNull(v.Controller) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v.Controller, &s); err != nil {
		var arr []string
		if err := json.Unmarshal(v.Controller, &arr); err != nil || len(arr) != 1 {
			return "", errors.New("controller is not a string")
		}
		s = arr[0]
	}
	if s == "" {
		return "", errors.New("controller is empty")
	}
	return resolveRef(s, base)
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// oneOrMany reads a JSON value that is a single item or an array of items.
func oneOrMany(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		for i := range items {
			items[i] = bytes.TrimSpace(items[i])
		}
		return items, nil
	}
	return []json.RawMessage{raw}, nil
}

// resolveRef makes ref absolute: "#frag" is appended to base (without its
// fragment); an absolute URI or DID URL is kept; any other relative reference
// is resolved as a URL against an http(s) base.
func resolveRef(ref, base string) (string, error) {
	if ref == "" {
		return "", errors.New("empty id")
	}
	if hasControl(ref) || strings.ContainsAny(ref, " ") {
		return "", fmt.Errorf("id %q contains spaces or control characters", ref)
	}
	if strings.HasPrefix(ref, "#") {
		if base == "" {
			return "", fmt.Errorf("relative id %q without a base", ref)
		}
		b, _, _ := strings.Cut(base, "#")
		return b + ref, nil
	}
	if isAbsoluteURI(ref) {
		return ref, nil
	}
	bu, err := url.Parse(base)
	if err != nil || (bu.Scheme != "https" && bu.Scheme != "http") {
		return "", fmt.Errorf("relative id %q cannot be resolved against %q", ref, base)
	}
	ru, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("id %q: %w", ref, err)
	}
	return bu.ResolveReference(ru).String(), nil
}

// isAbsoluteURI reports whether s starts with a URI scheme and ':'.
func isAbsoluteURI(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// Service is a DID document's service entry with a single URL endpoint.
type Service struct {
	ID       string
	Type     []string
	Endpoint string
}

// Services returns the document's services whose endpoint is one URL
// string (maps and sets of endpoints are left out).
func (d *Document) Services() []Service { return append([]Service(nil), d.services...) }

// parseServices reads "service": an object or an array of them; malformed
// entries are skipped (a service never decides a key).
func parseServices(raw json.RawMessage, base string) []Service {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		list = []json.RawMessage{raw}
	}
	var out []Service
	for _, item := range list {
		var e struct {
			ID       string          `json:"id"`
			Type     json.RawMessage `json:"type"`
			Endpoint json.RawMessage `json:"serviceEndpoint"`
		}
		if json.Unmarshal(item, &e) != nil {
			continue
		}
		var endpoint string
		if json.Unmarshal(e.Endpoint, &endpoint) != nil || endpoint == "" {
			continue
		}
		var types []string
		if json.Unmarshal(e.Type, &types) != nil {
			var one string
			if json.Unmarshal(e.Type, &one) != nil {
				continue
			}
			types = []string{one}
		}
		id := e.ID
		if abs, err := resolveRef(id, base); err == nil {
			id = abs
		}
		out = append(out, Service{ID: id, Type: types, Endpoint: endpoint})
	}
	return out
}
