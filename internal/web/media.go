package web

import (
	"os"
	"path/filepath"
	"regexp"

	"github.com/gofiber/fiber/v2"
)

// mediaName matches the content-hash names savePhoto writes, which also
// rules out any path traversal.
var mediaName = regexp.MustCompile(`^[0-9a-f]{32}\.(png|jpg|gif|webp)$`)

var mediaTypes = map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}

// media serves uploaded files. Their names are content hashes, so they
// never change and may be cached for a year.
func (s *Server) media(c *fiber.Ctx) error {
	name := c.Params("name")
	if !mediaName.MatchString(name) {
		return fiber.ErrNotFound
	}
	b, err := os.ReadFile(filepath.Join(s.Config.MediaDir(), name))
	if os.IsNotExist(err) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mediaTypes[filepath.Ext(name)])
	c.Set(fiber.HeaderCacheControl, yearCache)
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	return c.Send(b)
}
