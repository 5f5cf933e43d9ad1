package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/jobs"
)

type jobsData struct {
	Counts []stateCount
	Failed []jobs.Info
}

type stateCount struct {
	State string
	N     int
}

// failedJobsShown bounds the owner page; older failures stay in the table.
const failedJobsShown = 200

func (s *Server) jobsRoutes(r fiber.Router) {
	r.Get("/jobs", s.jobsPage)
	r.Post("/jobs/:id/retry", s.retryJob)
	r.Post("/jobs/:id/delete", s.deleteJob)
}

func (s *Server) jobsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	counts, err := s.Jobs.Counts(ctx)
	if err != nil {
		return err
	}
	failed, err := s.Jobs.ListFailed(ctx, failedJobsShown)
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "jobs", "Background jobs", "/admin/settings", jobsData{
		Counts: []stateCount{{"queued", counts.Queued}, {"running", counts.Running}, {"failed", counts.Failed}},
		Failed: failed,
	})
}

func (s *Server) retryJob(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Jobs.Retry(c.UserContext(), id); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Job #"+c.Params("id")+" queued again.")
	return c.Redirect("/admin/jobs", fiber.StatusSeeOther)
}

func (s *Server) deleteJob(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Jobs.Delete(c.UserContext(), id); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Job #"+c.Params("id")+" deleted.")
	return c.Redirect("/admin/jobs", fiber.StatusSeeOther)
}
