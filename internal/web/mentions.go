package web

import (
	"errors"
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/cairn-pl/cairn/ple/mentions"
	"github.com/cairn-pl/cairn/webmention"
)

// Webmention: the public receiving endpoint, the owner's moderation page
// and award inbox, and their API.

func (s *Server) webmentionRoutes(app *fiber.App) {
	handlers := []fiber.Handler{s.receiveWebmention}
	if n := s.Config.WebmentionRate; n > 0 {
		// Per address, per minute (--webmention-rate).
		handlers = append([]fiber.Handler{limiter.New(limiter.Config{
			Max: n, LimiterMiddleware: limiter.SlidingWindow{},
			LimitReached: func(c *fiber.Ctx) error {
				c.Set(fiber.HeaderRetryAfter, "60")
				return c.Status(fiber.StatusTooManyRequests).SendString("Too many Webmentions from your address; slow down.\n")
			},
		})}, handlers...)
	}
	app.Post("/webmention", handlers...)
}

// receiveWebmention validates synchronously, stores and queues the
// verification, and answers 202 with no Location (W3C Webmention 3.2).
func (s *Server) receiveWebmention(c *fiber.Ctx) error {
	ctx := c.UserContext()
	req, err := webmention.ParseRequest(c.Get(fiber.HeaderContentType), c.Body(), func(u *url.URL) bool { return s.Mentions.IsOurs(ctx, u) })
	if err != nil {
		var re *webmention.RequestError
		if errors.As(err, &re) {
			return c.Status(fiber.StatusBadRequest).SendString(re.Error() + "\n")
		}
		return err
	}
	switch err := s.Mentions.Accept(ctx, req); {
	case errors.Is(err, mentions.ErrTooSoon):
		c.Set(fiber.HeaderRetryAfter, "30")
		return c.Status(fiber.StatusTooManyRequests).SendString(err.Error() + "\n")
	case err != nil:
		return err
	}
	return c.Status(fiber.StatusAccepted).SendString("Accepted: the mention will be verified and then shown.\n")
}

type mentionsData struct {
	Mentions []mentionView
	Status   string
	Statuses []string
}

type mentionView struct {
	mentions.Mention
	Content template.HTML // sanitised when verified
}

func (s *Server) mentionsAdminRoutes(r fiber.Router) {
	r.Get("/mentions", s.mentionsPage)
	r.Post("/mentions/:id/:action", s.moderateMention)
	r.Get("/awards", s.awardsPage)
}

func (s *Server) mentionsPage(c *fiber.Ctx) error {
	status := c.Query("status", mentions.StatusPending)
	if status == "all" {
		status = ""
	}
	list, err := s.Mentions.List(c.UserContext(), status, 200)
	if err != nil {
		return err
	}
	d := mentionsData{Status: c.Query("status", mentions.StatusPending),
		Statuses: []string{"pending", "approved", "queued", "rejected", "deleted", "blocked", "all"}}
	for _, m := range list {
		d.Mentions = append(d.Mentions, mentionView{Mention: m, Content: template.HTML(m.ContentHTML)})
	}
	return s.show(c, fiber.StatusOK, "mentions", "Mentions", "/admin/mentions", d)
}

func (s *Server) moderateMention(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var msg string
	switch c.Params("action") {
	case "approve":
		err, msg = s.Mentions.Approve(ctx, id), "Mention approved."
	case "reject":
		err, msg = s.Mentions.Reject(ctx, id), "Mention deleted."
	case "reverify":
		err, msg = s.Mentions.Reverify(ctx, id), "Mention queued for verification."
	case "block":
		err, msg = s.Mentions.BlockHost(ctx, id), "Host blocked: its mentions are hidden."
	default:
		return fiber.ErrNotFound
	}
	if err != nil {
		if m, ok := inputProblem(err); ok || isStatusProblem(err) {
			if !ok {
				m = err.Error()
			}
			s.setFlash(c, "error", m)
			return c.Redirect("/admin/mentions", fiber.StatusSeeOther)
		}
		return err
	}
	s.setFlash(c, "ok", msg)
	back := c.Get(fiber.HeaderReferer)
	if !strings.HasPrefix(back, s.Config.BaseURL+"/admin/mentions") {
		back = "/admin/mentions"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

func isStatusProblem(err error) bool {
	return err != nil && strings.Contains(err.Error(), "cannot be approved")
}

type awardsData struct {
	Awards []mentions.Award
}

func (s *Server) awardsPage(c *fiber.Ctx) error {
	list, err := s.Mentions.Awards(c.UserContext())
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "awards", "Award inbox", "/admin/mentions", awardsData{Awards: list})
}
