package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// assets serves the embedded static files under content-hash URLs
// (/static/<hash>/css/cairn.css). A changed file gets a new URL, so every
// asset can be cached for a year without ever serving a stale one.
type assets struct {
	fsys  fs.FS
	hash  map[string]string // path → short content hash
	bytes map[string][]byte
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{fsys: fsys, hash: map[string]string{}, bytes: map[string][]byte{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hash[p] = hex.EncodeToString(sum[:6])
		a.bytes[p] = b
		return nil
	})
	return a, err
}

// URL is the template function {{asset "css/cairn.css"}}. An unknown path
// panics during rendering, which the startup render check turns into a
// refusal to start.
func (a *assets) URL(p string) string {
	h, ok := a.hash[p]
	if !ok {
		panic("web: unknown asset " + p)
	}
	return "/static/" + h + "/" + p
}

const yearCache = "public, max-age=31536000, immutable"

// serve answers /static/:hash/*. A request with an outdated hash (a page
// cached from before an upgrade) still gets the current file, but without
// the long cache, so it is fetched again next time.
func (a *assets) serve(c *fiber.Ctx) error {
	p := c.Params("*")
	b, ok := a.bytes[p]
	if !ok {
		return fiber.ErrNotFound
	}
	if c.Params("hash") == a.hash[p] {
		c.Set(fiber.HeaderCacheControl, yearCache)
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	etag := `"` + a.hash[p] + `"`
	c.Set(fiber.HeaderETag, etag)
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	ctype := mime.TypeByExtension(path.Ext(p))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if strings.HasPrefix(ctype, "text/") && !strings.Contains(ctype, "charset") {
		ctype += "; charset=utf-8"
	}
	c.Set(fiber.HeaderContentType, ctype)
	// Badge images and the logo may be shown by other sites.
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	return sendShared(c, fiber.StatusOK, b)
}
