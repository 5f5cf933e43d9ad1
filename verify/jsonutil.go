package verify

import (
	"encoding/json"
	"strconv"
	"strings"
)

// str returns a JSON scalar as a string ("" for objects, arrays, null).
func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// strList returns a string or an array of strings as a slice.
func strList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// idOf returns an IRI value, or the id of an embedded object.
func idOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		return str(t["id"])
	}
	return ""
}

// idList returns the ids of a value that may be one or many IRIs or objects.
func idList(v any) []string {
	if a, ok := v.([]any); ok {
		out := make([]string, 0, len(a))
		for _, e := range a {
			if id := idOf(e); id != "" {
				out = append(out, id)
			}
		}
		return out
	}
	if id := idOf(v); id != "" {
		return []string{id}
	}
	return nil
}

func getMap(m map[string]any, k string) map[string]any {
	if m == nil {
		return nil
	}
	v, _ := m[k].(map[string]any)
	return v
}

func getStr(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	return str(m[k])
}

func hasType(m map[string]any, types ...string) bool {
	for _, t := range strList(m["type"]) {
		for _, want := range types {
			if t == want {
				return true
			}
		}
	}
	return false
}

func isTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(t, "true")
	}
	return false
}

func present(m map[string]any, k string) bool {
	v, ok := m[k]
	if !ok || v == nil {
		return false
	}
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t) != ""
	case []any:
		return len(t) > 0
	}
	return true
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
