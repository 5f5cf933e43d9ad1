package ld

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
)

// resultCache remembers canonicalisation results by content. Canonical
// N-Quads are a pure function of the document and the embedded contexts,
// so a document seen before (the same credential re-verified, the same
// status list for a thousand credentials) costs a hash instead of an
// expansion. Errors are remembered too: they are as deterministic.
type resultCache struct {
	mu  sync.Mutex
	max int
	m   map[[32]byte]result
}

type result struct {
	out []byte
	err error
}

// maxResults bounds the cache (a canonical credential is a few KiB).
const maxResults = 4096

var results = &resultCache{max: maxResults, m: map[[32]byte]result{}}

// contentKey hashes the JSON form of doc (encoding/json writes map keys
// sorted, so equal documents give equal keys) with a tag for the kind of
// result. ok is false when doc cannot be marshalled; it is then not cached.
func contentKey(tag byte, doc any) (key [32]byte, ok bool) {
	b, err := json.Marshal(doc)
	if err != nil {
		return key, false
	}
	h := sha256.New()
	h.Write([]byte{tag})
	h.Write(b)
	h.Sum(key[:0])
	return key, true
}

func (c *resultCache) get(k [32]byte) (result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[k]
	return r, ok
}

func (c *resultCache) put(k [32]byte, r result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Drop about half, in map order (effectively random): cheaper than
		// an LRU list and good enough for a cache whose misses only cost
		// time.
		n := 0
		for key := range c.m {
			delete(c.m, key)
			n++
			if n >= c.max/2 {
				break
			}
		}
	}
	c.m[k] = r
}

// ForgetResults empties the result cache, so the next Canonize of any
// document does the whole work again (benchmarks of cold documents use it).
func ForgetResults() {
	results.mu.Lock()
	results.m = map[[32]byte]result{}
	results.mu.Unlock()
}
