package web

import "github.com/gofiber/fiber/v2"

// home is the public front page: the owner's representative h-card and
// their journal as an h-feed. Visitors all see the same page, so it is
// rendered once and served from memory until the owner changes something.
func (s *Server) home(c *fiber.Ctx) error {
	if _, owner := sessionOf(c); owner || c.Cookies(flashCookie) != "" {
		return s.show(c, fiber.StatusOK, "home", "Journal", "/", nil)
	}
	if b := s.homePage.Load(); b != nil {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(*b)
	}
	p, err := s.newPage(c, "Journal", "/", nil)
	if err != nil {
		return err
	}
	b, err := s.views.render("home", p)
	if err != nil {
		return err
	}
	s.homePage.Store(&b)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b)
}
