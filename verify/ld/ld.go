// Package ld is the JSON-LD layer of the credential verifier: an offline
// document loader over the embedded contexts (package contexts), a strict
// expansion check and RDFC-1.0 (URDNA2015) canonicalisation with json-gold.
//
// Canonize expands a document once, checks the expansion, converts it to RDF
// and canonicalises it. The check fails closed:
//
//   - a context URL that is not embedded: *UnknownContextError;
//   - a term the active context does not define (it would be dropped by
//     expansion and so not be signed), a type that does not expand to an
//     absolute IRI, or a term that only expands through the VCDM
//     "issuer-dependent" / "undefined-term" vocabularies: *UndefinedTermError;
//   - a node identifier that stays a relative IRI: *RelativeIRIError;
//   - a document over the size and complexity limits: *LimitError.
//
// Limits (all checked before the expensive step they protect):
//
//   - input nesting depth ≤ MaxDepth, JSON values ≤ MaxValues (before expansion);
//   - RDF quads ≤ MaxQuads (estimated from the expansion, then counted after
//     conversion to RDF) and blank nodes ≤ MaxBlankNodes;
//   - blank nodes whose first-degree RDFC hash is shared with another blank node
//     ("ambiguous") ≤ MaxAmbiguousBlankNodes, and no ambiguous node has more
//     than MaxAlikeNeighbours blank neighbours that look alike. Only ambiguous
//     nodes reach the N-degree hashing step of RDFC-1.0, which permutes
//     look-alike neighbours: its cost grows with their factorial ("poison"
//     graphs, cliques of look-alikes: a clique of 8 takes over 20 s in
//     json-gold). Real credentials have ambiguous nodes (a CLR's similar
//     achievements) whose neighbours differ, so they pass. This is the
//     time bound: json-gold cannot be cancelled, so a wall-clock timeout could
//     only abandon a goroutine that keeps running, and we bound the work instead.
//
// Processed contexts are cached: the embedded documents are parsed once, and
// the active context produced by a document's leading list of context URLs is
// computed once per distinct list (at most maxContextCache lists).
package ld

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	jsonld "github.com/piprate/json-gold/ld"
)

// Limits. See the package documentation.
const (
	MaxDepth               = 64
	MaxValues              = 20000
	MaxQuads               = 5000
	MaxBlankNodes          = 1000
	MaxAmbiguousBlankNodes = 64
	MaxAlikeNeighbours     = 3

	maxContextCache = 256
)

// Vocabularies that signal an undefined term. sentinelVocab is set as @vocab
// of the initial active context so that undefined terms expand to it (and can
// be named) instead of being dropped silently; the other two are the W3C VCDM
// 2.0 catch-all vocabularies (issuer-dependent was the @vocab of drafts of the
// https://www.w3.org/ns/credentials/v2 context; undefined-term is the @vocab of
// https://www.w3.org/ns/credentials/undefined-terms/v2).
const sentinelVocab = "urn:cairn:ld:undefined-term#"

var undefinedVocabs = []string{
	sentinelVocab,
	"https://www.w3.org/ns/credentials/issuer-dependent#",
	"https://www.w3.org/ns/credentials/undefined-term#",
}

// UndefinedTermError reports terms that the document's contexts do not
// define. Terms is sorted; it is empty only when json-gold refused a property
// without naming it (Detail then says why).
type UndefinedTermError struct {
	Terms  []string
	Detail string
}

func (e *UndefinedTermError) Error() string {
	if len(e.Terms) == 0 {
		return "ld: undefined term: " + e.Detail
	}
	return "ld: undefined terms: " + strings.Join(e.Terms, ", ")
}

// RelativeIRIError reports node identifiers that expand to relative IRIs
// (which RDF conversion drops, so they would not be signed).
type RelativeIRIError struct {
	IRIs []string
}

func (e *RelativeIRIError) Error() string {
	return "ld: relative IRIs: " + strings.Join(e.IRIs, ", ")
}

// LimitError reports a document over one of the package limits.
type LimitError struct {
	What  string // "depth", "values", "quads", "blank nodes", "ambiguous blank nodes"
	Limit int
	Got   int // may be a lower bound: counting stops past the limit
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("ld: document too complex: %s %d > limit %d", e.What, e.Got, e.Limit)
}

var (
	opts = func() *jsonld.JsonLdOptions {
		o := jsonld.NewJsonLdOptions("")
		o.DocumentLoader = Loader{}
		o.SafeMode = true
		o.ProcessingMode = jsonld.JsonLd_1_1
		o.Algorithm = jsonld.AlgorithmURDNA2015
		o.Format = "application/n-quads"
		return o
	}()
	// baseCtx is the initial active context: empty but for the sentinel @vocab.
	baseCtx = jsonld.NewContext(map[string]any{"@vocab": sentinelVocab}, opts)

	ctxCache     sync.Map // "\n"-joined URL list -> *jsonld.Context
	ctxCacheSize atomic.Int32
)

// Canonize returns the RDFC-1.0 (URDNA2015) canonical N-Quads of doc (a
// JSON-LD document as decoded by encoding/json), after the checks described
// in the package documentation.
//
// Results are remembered by the SHA-256 of the document's JSON form (see
// resultCache): a wallet re-verifying the same credentials canonicalises
// each once.
func Canonize(doc any) ([]byte, error) {
	// The size limits first: they are a cheap walk, and a document over
	// them is not worth hashing.
	if err := checkInput(doc); err != nil {
		return nil, err
	}
	key, keyed := contentKey('c', doc)
	if keyed {
		if r, ok := results.get(key); ok {
			return append([]byte(nil), r.out...), r.err
		}
	}
	out, err := canonize(doc)
	if keyed {
		results.put(key, result{out, err})
	}
	return out, err
}

func canonize(doc any) ([]byte, error) {
	expanded, err := Expand(doc)
	if err != nil {
		return nil, err
	}
	return canonizeExpanded(expanded)
}

// CheckTerms runs the expansion checks of Canonize without canonicalising.
func CheckTerms(doc any) error {
	if err := checkInput(doc); err != nil {
		return err
	}
	if key, keyed := contentKey('c', doc); keyed {
		if r, ok := results.get(key); ok {
			return r.err
		}
	}
	key, keyed := contentKey('t', doc)
	if keyed {
		if r, ok := results.get(key); ok {
			return r.err
		}
	}
	_, err := Expand(doc)
	if keyed {
		results.put(key, result{err: err})
	}
	return err
}

// Expand returns the checked JSON-LD expansion of doc (always an array).
// doc is not modified.
func Expand(doc any) (expanded []any, err error) {
	defer recoverPanic(&err)
	if err := checkInput(doc); err != nil {
		return nil, err
	}
	active := baseCtx
	input := doc
	if m, ok := doc.(map[string]any); ok {
		if c, has := m["@context"]; has {
			var err error
			if active, err = activeContext(c); err != nil {
				return nil, mapError(err)
			}
			// Expand the document without its @context, which active
			// already holds. A shallow copy keeps doc unmodified.
			rest := make(map[string]any, len(m)-1)
			for k, v := range m {
				if k != "@context" {
					rest[k] = v
				}
			}
			input = rest
		}
	}
	api := jsonld.NewJsonLdApi()
	out, err := api.Expand(active, "", input, opts, false, nil)
	if err != nil {
		return nil, mapError(err)
	}
	expanded = finishExpansion(out)
	if err := checkExpanded(expanded); err != nil {
		return nil, err
	}
	return expanded, nil
}

// MalformedError reports input on which json-gold panicked (it does on some
// malformed JSON-LD, e.g. a non-string @type in an unexpected position). The
// panic is recovered: json-gold keeps no state between calls except the
// read-only cached contexts.
type MalformedError struct {
	Panic string
}

func (e *MalformedError) Error() string {
	return "ld: malformed JSON-LD: " + e.Panic
}

func recoverPanic(err *error) {
	if r := recover(); r != nil {
		*err = &MalformedError{Panic: fmt.Sprint(r)}
	}
}

// finishExpansion is the last step of the expansion algorithm, as
// jsonld.JsonLdProcessor.Expand does it.
func finishExpansion(out any) []any {
	if m, ok := out.(map[string]any); ok {
		if len(m) == 0 {
			return []any{}
		}
		if g, ok := m["@graph"]; ok && len(m) == 1 {
			out = g
		}
	}
	switch v := out.(type) {
	case nil:
		return []any{}
	case []any:
		return v
	default:
		return []any{v}
	}
}

// activeContext processes a document's top-level @context value. The
// leading run of URL strings is processed once and cached; anything after it
// (inline context objects) is processed on top of the cached result.
func activeContext(c any) (*jsonld.Context, error) {
	list, ok := c.([]any)
	if !ok {
		list = []any{c}
	}
	n := 0
	for n < len(list) {
		if _, isString := list[n].(string); !isString {
			break
		}
		n++
	}
	active := baseCtx
	if n > 0 {
		urls := make([]string, n)
		for i := range n {
			urls[i] = list[i].(string)
		}
		key := strings.Join(urls, "\n")
		if v, ok := ctxCache.Load(key); ok {
			active = v.(*jsonld.Context)
		} else {
			parsed, err := baseCtx.Parse(list[:n])
			if err != nil {
				return nil, err
			}
			if ctxCacheSize.Load() < maxContextCache {
				if _, loaded := ctxCache.LoadOrStore(key, parsed); !loaded {
					ctxCacheSize.Add(1)
				}
			}
			active = parsed
		}
	}
	if n < len(list) {
		return active.Parse(list[n:])
	}
	return active, nil
}

// mapError turns json-gold errors into this package's typed errors where
// there is one.
func mapError(err error) error {
	var unknown *UnknownContextError
	if errors.As(err, &unknown) {
		return unknown
	}
	var jerr *jsonld.JsonLdError
	if errors.As(err, &jerr) && jerr.Code == jsonld.InvalidProperty {
		return &UndefinedTermError{Detail: fmt.Sprint(jerr.Details)}
	}
	return fmt.Errorf("ld: %w", err)
}

// checkInput enforces MaxDepth and MaxValues on the decoded input.
func checkInput(doc any) error {
	count := 0
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		count++
		if count > MaxValues {
			return &LimitError{What: "values", Limit: MaxValues, Got: count}
		}
		if depth > MaxDepth {
			return &LimitError{What: "depth", Limit: MaxDepth, Got: depth}
		}
		switch t := v.(type) {
		case map[string]any:
			for _, e := range t {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range t {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(doc, 1)
}

// checkExpanded looks for undefined terms and relative IRIs in an expansion.
func checkExpanded(expanded []any) error {
	var terms, relative []string
	triples := 0 // an upper bound of the quads RDF conversion will produce
	undefined := func(iri string) bool {
		for _, p := range undefinedVocabs {
			if strings.HasPrefix(iri, p) {
				terms = append(terms, strings.TrimPrefix(iri, p))
				return true
			}
		}
		return false
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			if triples > MaxQuads {
				return
			}
			_, isValue := t["@value"]
			for k, e := range t {
				switch k {
				case "@id":
					if s, ok := e.(string); ok && !undefined(s) && !jsonld.IsAbsoluteIri(s) {
						relative = append(relative, s)
					}
				case "@type":
					types := typeValues(e)
					if !isValue {
						triples += len(types)
					}
					for _, ty := range types {
						if isValue && ty == "@json" {
							continue
						}
						if !undefined(ty) && !jsonld.IsAbsoluteIri(ty) {
							terms = append(terms, ty)
						}
					}
				case "@value", "@language", "@direction", "@index":
				case "@list":
					if l, ok := e.([]any); ok {
						triples += 2*len(l) + 1
					}
					walk(e)
				case "@set", "@graph", "@included", "@reverse":
					walk(e)
				default:
					if strings.HasPrefix(k, "_:") {
						terms = append(terms, k) // blank-node property: dropped by RDF conversion
					} else if !undefined(k) && !jsonld.IsAbsoluteIri(k) && !jsonld.IsKeyword(k) {
						terms = append(terms, k)
					}
					if l, ok := e.([]any); ok {
						triples += len(l)
					} else {
						triples++
					}
					walk(e)
				}
			}
		}
	}
	walk(expanded)
	if triples > MaxQuads {
		return &LimitError{What: "quads", Limit: MaxQuads, Got: triples}
	}
	if len(terms) > 0 {
		slices.Sort(terms)
		return &UndefinedTermError{Terms: slices.Compact(terms)}
	}
	if len(relative) > 0 {
		slices.Sort(relative)
		return &RelativeIRIError{IRIs: slices.Compact(relative)}
	}
	return nil
}

func typeValues(v any) []string {
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

// canonizeExpanded converts a checked expansion to RDF, enforces the RDF
// limits and canonicalises.
func canonizeExpanded(expanded []any) (_ []byte, err error) {
	defer recoverPanic(&err)
	api := jsonld.NewJsonLdApi()
	dataset, err := api.ToRDF(expanded, opts)
	if err != nil {
		return nil, fmt.Errorf("ld: %w", err)
	}
	if err := checkDataset(dataset); err != nil {
		return nil, err
	}
	out, err := jsonld.NewNormalisationAlgorithm(jsonld.AlgorithmURDNA2015).Main(dataset, opts)
	if err != nil {
		return nil, fmt.Errorf("ld: %w", err)
	}
	s, _ := out.(string)
	return []byte(s), nil
}

// checkDataset enforces MaxQuads, MaxBlankNodes and MaxAmbiguousBlankNodes.
func checkDataset(ds *jsonld.RDFDataset) error {
	quads := 0
	for _, g := range ds.Graphs {
		quads += len(g)
	}
	if quads > MaxQuads {
		return &LimitError{What: "quads", Limit: MaxQuads, Got: quads}
	}
	// First-degree signatures: for each blank node, its quads with itself
	// written _:a and other blank nodes _:z (RDFC-1.0 §4.6), sorted; and
	// which blank nodes each one shares a quad with.
	sigs := map[string][]string{}
	links := map[string]map[string]bool{}
	for name, g := range ds.Graphs {
		graph := graphNode(name)
		for _, q := range g {
			nodes := [...]jsonld.Node{q.Subject, q.Object, graph}
			for i, n := range nodes {
				if n == nil || !jsonld.IsBlankNode(n) {
					continue
				}
				id := n.GetValue()
				if _, seen := sigs[id]; !seen && len(sigs) >= MaxBlankNodes {
					return &LimitError{What: "blank nodes", Limit: MaxBlankNodes, Got: len(sigs) + 1}
				}
				sigs[id] = append(sigs[id], quadSig(q, graph, id))
				for j, m := range nodes {
					if j != i && m != nil && jsonld.IsBlankNode(m) && m.GetValue() != id {
						if links[id] == nil {
							links[id] = map[string]bool{}
						}
						links[id][m.GetValue()] = true
					}
				}
			}
		}
	}
	if len(sigs) < 2 {
		return nil
	}
	hashOf := make(map[string][32]byte, len(sigs))
	groups := make(map[[32]byte]int, len(sigs))
	for id, lines := range sigs {
		sort.Strings(lines)
		h := sha256.New()
		for _, l := range lines {
			h.Write([]byte(l))
			h.Write([]byte{0})
		}
		var k [32]byte
		h.Sum(k[:0])
		hashOf[id] = k
		groups[k]++
	}
	ambiguous := 0
	for _, n := range groups {
		if n > 1 {
			ambiguous += n
		}
	}
	if ambiguous > MaxAmbiguousBlankNodes {
		return &LimitError{What: "ambiguous blank nodes in all", Limit: MaxAmbiguousBlankNodes, Got: ambiguous}
	}
	// The N-degree step permutes, for an ambiguous node, its blank
	// neighbours that look alike (same first-degree hash): the cost is the
	// factorial of that number, recursively. Poison graphs are cliques of
	// look-alikes; real documents have ambiguous nodes (a CLR's similar
	// achievements) whose neighbours differ.
	for id, nbrs := range links {
		if groups[hashOf[id]] < 2 {
			continue
		}
		alike := map[[32]byte]int{}
		for m := range nbrs {
			k := hashOf[m]
			alike[k]++
			if alike[k] > MaxAlikeNeighbours {
				return &LimitError{What: "look-alike blank neighbours", Limit: MaxAlikeNeighbours, Got: alike[k]}
			}
		}
	}
	return nil
}

func graphNode(name string) jsonld.Node {
	switch {
	case name == "@default":
		return nil
	case strings.HasPrefix(name, "_:"):
		return jsonld.NewBlankNode(name)
	default:
		return jsonld.NewIRI(name)
	}
}

// quadSig writes a quad with blank node self as _:a and other blank nodes as
// _:z; each component is tagged and quoted so that the encoding is injective.
func quadSig(q *jsonld.Quad, graph jsonld.Node, self string) string {
	var b strings.Builder
	for _, n := range [...]jsonld.Node{q.Subject, q.Predicate, q.Object, graph} {
		switch {
		case n == nil:
			b.WriteString("-")
		case jsonld.IsBlankNode(n):
			if n.GetValue() == self {
				b.WriteString("a")
			} else {
				b.WriteString("z")
			}
		case jsonld.IsLiteral(n):
			l := n.(jsonld.Literal)
			fmt.Fprintf(&b, "L%q%q%q", l.Value, l.Datatype, l.Language)
		default:
			fmt.Fprintf(&b, "I%q", n.GetValue())
		}
		b.WriteByte(' ')
	}
	return b.String()
}
