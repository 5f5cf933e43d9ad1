package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// health answers `cairn healthcheck` and container probes: 200 when the
// server runs and its database answers.
func (s *Server) health(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.Store.R.PingContext(ctx); err != nil {
		s.Logger.Error("health: database", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable\n")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok\n")
}
