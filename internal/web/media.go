package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"

	"github.com/gofiber/fiber/v2"
)

// mediaName matches the content-hash names saveImage writes, which also
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

const maxImageBytes = 4 << 20

// imageTypes are the image types accepted for uploads. SVG is left out on
// purpose: served from this origin it could carry script.
var imageTypes = map[string]string{
	"image/png":  ".png",
	"image/jpeg": ".jpg",
	"image/gif":  ".gif",
	"image/webp": ".webp",
}

// saveImage stores an uploaded image in media/ under its content hash and
// returns its /media/ path. The type is sniffed from the bytes, not taken
// from the client; the same image uploaded twice is stored once.
func (s *Server) saveImage(fh *multipart.FileHeader) (string, error) {
	if fh.Size > maxImageBytes {
		return "", &inputError{"the image is larger than 4 MiB"}
	}
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxImageBytes {
		return "", &inputError{"the image is larger than 4 MiB"}
	}
	ext, ok := imageTypes[http.DetectContentType(b)]
	if !ok {
		return "", &inputError{"the image must be a PNG, JPEG, GIF or WebP file"}
	}
	sum := sha256.Sum256(b)
	name := hex.EncodeToString(sum[:16]) + ext
	dir := s.Config.MediaDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := writeFileAtomic(filepath.Join(dir, name), b, 0o644); err != nil {
		return "", err
	}
	return "/media/" + name, nil
}
