package web

import (
	"sync"
	"time"
)

// pageCache keeps rendered public pages and feeds. Every entry remembers
// the content version it was built from; any change to posts or to the
// owner's profile bumps the version, so a stale entry is simply never
// served again. This is what lets visitors' pages and feeds be served
// from memory (DESIGN.md: cache rendered pages, invalidate on change).
type pageCache struct {
	mu      sync.RWMutex
	entries map[string]cachedPage
}

type cachedPage struct {
	version uint64
	body    []byte
	etag    string
	ctype   string
	status  int
	modTime time.Time // for Last-Modified (feeds)
}

// maxCachedPages bounds memory: tags and pages are open-ended, so past
// this many entries the cache starts over.
const maxCachedPages = 1024

func newPageCache() *pageCache { return &pageCache{entries: map[string]cachedPage{}} }

func (c *pageCache) get(key string, version uint64) (cachedPage, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.entries[key]
	return p, ok && p.version == version
}

func (c *pageCache) put(key string, p cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedPages {
		c.entries = map[string]cachedPage{}
	}
	c.entries[key] = p
}

// contentVersion combines the journal's version with the site's own
// counter of profile changes; both only grow, so their sum changes
// whenever either does.
func (s *Server) contentVersion() uint64 {
	v := s.siteVersion.Load()
	if s.Journal != nil {
		v += s.Journal.Version()
	}
	return v
}
