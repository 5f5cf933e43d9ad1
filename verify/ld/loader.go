package ld

import (
	"encoding/json"
	"fmt"
	"sync"

	jsonld "github.com/piprate/json-gold/ld"

	"github.com/cairn-pl/cairn/verify/contexts"
)

// UnknownContextError reports a context URL that is not embedded. The
// loader never fetches anything, so every such URL fails verification.
type UnknownContextError struct {
	URL string
}

func (e *UnknownContextError) Error() string {
	return fmt.Sprintf("ld: context %q is not embedded (contexts are never fetched)", e.URL)
}

// Loader is a json-gold DocumentLoader that serves only the context
// documents embedded in package contexts and refuses every other URL with an
// *UnknownContextError. It never touches the network. The zero value is
// ready to use and safe for concurrent use.
type Loader struct{}

var _ jsonld.DocumentLoader = Loader{}

// parsed caches each embedded document parsed once (URL -> any).
var parsed sync.Map

type parsedDoc struct {
	raw  []byte
	once sync.Once
	doc  any
	err  error
}

// LoadDocument implements jsonld.DocumentLoader. Each call returns a deep
// copy of the cached parse, because json-gold may modify what it loads
// (context @import merges into the loaded map).
func (Loader) LoadDocument(url string) (*jsonld.RemoteDocument, error) {
	doc, err := embeddedDoc(url)
	if err != nil {
		return nil, err
	}
	return &jsonld.RemoteDocument{DocumentURL: url, Document: jsonld.CloneDocument(doc)}, nil
}

// embeddedDoc returns the shared parsed document for url; callers must not
// modify it.
func embeddedDoc(url string) (any, error) {
	v, ok := parsed.Load(url)
	if !ok {
		b, found := contexts.Document(url)
		if !found {
			return nil, &UnknownContextError{URL: url}
		}
		v, _ = parsed.LoadOrStore(url, &parsedDoc{raw: b})
	}
	p := v.(*parsedDoc)
	p.once.Do(func() { p.err = json.Unmarshal(p.raw, &p.doc) })
	return p.doc, p.err
}
