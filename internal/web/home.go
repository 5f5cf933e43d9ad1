package web

import "github.com/gofiber/fiber/v2"

// home is the public front page: the owner's representative h-card and
// their journal as an h-feed.
func (s *Server) home(c *fiber.Ctx) error {
	return s.show(c, fiber.StatusOK, "home", "Journal", "/", nil)
}
