package web

import (
	"bytes"
	"compress/gzip"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/singleflight"
	"strconv"
	"strings"
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
	builds  singleflight.Group // one build per key at a time, however many readers wait
}

type cachedPage struct {
	version uint64
	body    []byte
	etag    string
	ctype   string
	status  int
	modTime time.Time // for Last-Modified (feeds)
	gz      []byte    // body gzipped once when cached; nil when it does not pay
	link    string    // Link header (feeds: self and hub)
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

// load returns the cached page for key at version, building it once when
// missing: concurrent misses share one build instead of all rendering and
// compressing the same feed (the thundering herd after every new post).
func (c *pageCache) load(key string, version uint64, build func() (cachedPage, error)) (cachedPage, error) {
	if p, ok := c.get(key, version); ok {
		return p, nil
	}
	v, err, _ := c.builds.Do(key+"\x00"+strconv.FormatUint(version, 10), func() (any, error) {
		if p, ok := c.get(key, version); ok {
			return p, nil
		}
		p, err := build()
		if err != nil {
			return cachedPage{}, err
		}
		p.version = version
		return c.put(key, p), nil
	})
	if err != nil {
		return cachedPage{}, err
	}
	return v.(cachedPage), nil
}

// put stores p, with its gzipped variant, and returns what it stored.
func (c *pageCache) put(key string, p cachedPage) cachedPage {
	p.gz = gzipped(p.body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedPages {
		c.entries = map[string]cachedPage{}
	}
	c.entries[key] = p
	return p
}

// contentVersion combines the journal's version with the site's own
// counter of profile changes; both only grow, so their sum changes
// whenever either does.
func (s *Server) contentVersion() uint64 {
	v := s.siteVersion.Load()
	if s.Journal != nil {
		v += s.Journal.Version()
	}
	if s.Mentions != nil {
		v += s.Mentions.Version()
	}
	return v
}

// minGzip is the size below which compressing is not worth a header.
const minGzip = 1024

// gzipped compresses a cacheable body once, so readers that accept gzip
// get a tenth of the bytes without the server compressing per request.
func gzipped(b []byte) []byte {
	if len(b) < minGzip {
		return nil
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// sendCachedBody writes a cached body, gzipped when the client accepts it.
// The gzip variant has its own ETag: strong validators must differ between
// encodings (RFC 9110, 8.8.3).
func sendCachedBody(c *fiber.Ctx, p cachedPage) error {
	c.Vary(fiber.HeaderAcceptEncoding)
	if p.gz != nil && acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		c.Set(fiber.HeaderETag, gzipETag(p.etag))
		return sendShared(c, p.status, p.gz)
	}
	return sendShared(c, p.status, p.body)
}

func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gz"` }

// acceptsGzip reads Accept-Encoding, honouring an explicit q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
			return err == nil && v > 0
		}
		return true
	}
	return false
}

// sendShared writes a body that is shared between requests (a cached page,
// a feed, an embedded asset) without copying it: fasthttp's SetBody copies,
// which for a 200 KB feed costs more than everything else together. The
// bytes are never modified after they are cached, so sharing is safe.
func sendShared(c *fiber.Ctx, status int, body []byte) error {
	c.Status(status)
	c.Response().SetBodyRaw(body)
	return nil
}
