package web

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/roster"
)

// The roster and submissions API (DESIGN.md, HTTP surface).

type apiLearner struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	SiteURL   string     `json:"site_url"`
	FeedURL   string     `json:"feed_url"`
	Status    string     `json:"status"`
	Error     string     `json:"error"`
	FetchedAt *time.Time `json:"fetched_at"`
}

type apiSubmission struct {
	ID         int64      `json:"id"`
	PostURL    string     `json:"post_url"`
	TaskURL    string     `json:"task_url"`
	Learner    string     `json:"learner"`
	State      string     `json:"state"`
	PostTitle  string     `json:"post_title"`
	LearnerURL string     `json:"learner_url"`
	MatchedBy  string     `json:"matched_by"`
	AwardURL   string     `json:"award_url,omitempty"`
	Published  *time.Time `json:"published,omitempty"`
}

func (s *Server) apiRosterRoutes(r fiber.Router) {
	if s.Roster == nil {
		return
	}
	r.Post("/issuer/roster", s.apiRosterAdd)
	r.Get("/issuer/roster", s.apiRosterList)
	r.Delete("/issuer/roster/:id", s.apiRosterRemove)
	r.Get("/issuer/submissions", s.apiSubmissions)
	r.Post("/issuer/submissions/:id/dismiss", s.apiSubmissionDismiss)
}

func toAPILearner(l roster.Learner) apiLearner {
	a := apiLearner{ID: l.ID, Name: l.Name, SiteURL: l.SiteURL, FeedURL: l.FeedURL, Status: l.Status, Error: l.Error}
	if !l.FetchedAt.IsZero() {
		t := l.FetchedAt.UTC()
		a.FetchedAt = &t
	}
	return a
}

// apiRosterAdd: {"feed_url"} (a feed or a page naming one) → 201 with the
// learner; a URL already on the roster → 200 with the same learner.
func (s *Server) apiRosterAdd(c *fiber.Ctx) error {
	var b struct {
		FeedURL string `json:"feed_url"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	l, created, err := s.Roster.Add(c.UserContext(), b.FeedURL)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(toAPILearner(l))
}

func (s *Server) apiRosterList(c *fiber.Ctx) error {
	list, err := s.Roster.List(c.UserContext())
	if err != nil {
		return err
	}
	out := []apiLearner{}
	for _, l := range list {
		out = append(out, toAPILearner(l))
	}
	return c.JSON(out)
}

func (s *Server) apiRosterRemove(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Roster.Remove(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiSubmissions lists the review queue, newest first; ?state= (new,
// awarded, dismissed) and ?task= (a task URL) filter it.
func (s *Server) apiSubmissions(c *fiber.Ctx) error {
	f := roster.Filter{TaskURL: c.Query("task"), State: c.Query("state"), Limit: 1000}
	if f.State != "" && !slices.Contains(submissionStates[:3], f.State) {
		return fiber.NewError(fiber.StatusBadRequest, "state is new, awarded or dismissed")
	}
	list, err := s.Roster.Submissions(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := []apiSubmission{}
	for _, x := range list {
		a := apiSubmission{ID: x.ID, PostURL: x.PostURL, TaskURL: x.TaskURL, Learner: x.LearnerName, State: x.State,
			PostTitle: x.PostTitle, LearnerURL: x.LearnerURL, MatchedBy: x.MatchedBy, AwardURL: x.AwardURL}
		if !x.PublishedAt.IsZero() {
			t := x.PublishedAt.UTC()
			a.Published = &t
		}
		out = append(out, a)
	}
	return c.JSON(out)
}

func (s *Server) apiSubmissionDismiss(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Roster.Dismiss(c.UserContext(), id); err != nil {
		return err
	}
	x, err := s.Roster.Submission(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": x.ID, "state": x.State})
}
