package web

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/roster"
)

// Issuer mode, submissions: the roster of learners' feeds and the review
// queue of posts matched to the issuer's tasks.

type rosterData struct {
	Learners []roster.Learner
	URL      string
	Import   []importLine
}

type submissionView struct {
	roster.Submission
	Badges []roster.Achievement // those linked to the task first
	Linked int                  // how many of Badges are linked to the task
}

type submissionsData struct {
	Submissions []submissionView
	Tasks       []roster.Task // tasks with submissions, for the filter
	Task        string
	State       string
	States      []string
	IssuerOn    bool
	IssuerError string // achievements could not be listed
	Badges      []roster.Achievement
	Tokens      []roster.Achievement
}

var submissionStates = []string{roster.StateNew, roster.StateAwarded, roster.StateDismissed, "all"}

func (s *Server) rosterRoutes(r fiber.Router) {
	if s.Roster == nil {
		return
	}
	r.Get("/issuer/roster", s.rosterPage)
	r.Post("/issuer/roster", s.rosterAdd)
	r.Post("/issuer/roster/import", s.rosterImport)
	r.Post("/issuer/roster/:id/refresh", s.rosterRefresh)
	r.Post("/issuer/roster/:id/delete", s.rosterRemove)
	r.Get("/issuer/submissions", s.submissionsPage)
	r.Post("/issuer/submissions/award", s.submissionsAwardBulk)
	r.Post("/issuer/submissions/:id/award", s.submissionAward)
	r.Post("/issuer/submissions/:id/dismiss", s.submissionDismiss)
}

func (s *Server) rosterPage(c *fiber.Ctx) error { return s.showRoster(c, fiber.StatusOK, rosterData{}) }

func (s *Server) showRoster(c *fiber.Ctx, status int, d rosterData) error {
	list, err := s.Roster.List(c.UserContext())
	if err != nil {
		return err
	}
	d.Learners = list
	return s.show(c, status, "roster", "Roster", "/admin/issuer", d)
}

func (s *Server) rosterAdd(c *fiber.Ctx) error {
	raw := c.FormValue("url")
	l, created, err := s.Roster.Add(c.UserContext(), raw)
	if err != nil {
		if msg, ok := inputProblem(err); ok {
			s.setFlashNow(c, "error", msg)
			return s.showRoster(c, problemStatus(err), rosterData{URL: raw})
		}
		return err
	}
	if created {
		s.setFlash(c, "ok", "Added "+l.DisplayName()+" to the roster.")
	} else {
		s.setFlash(c, "ok", l.DisplayName()+" is already on the roster.")
	}
	return c.Redirect("/admin/issuer/roster", fiber.StatusSeeOther)
}

func (s *Server) rosterImport(c *fiber.Ctx) error {
	fh, err := c.FormFile("opml")
	if err != nil {
		s.setFlashNow(c, "error", "Choose an OPML file to import.")
		return s.showRoster(c, fiber.StatusBadRequest, rosterData{})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := s.Roster.ImportOPML(c.UserContext(), io.Reader(f))
	if err != nil {
		if msg, ok := inputProblem(err); ok {
			s.setFlashNow(c, "error", msg)
			return s.showRoster(c, fiber.StatusBadRequest, rosterData{})
		}
		return err
	}
	var lines []importLine
	for _, e := range rep.Entries {
		outcome := e.Outcome
		if e.Error != "" {
			outcome += ": " + e.Error
		}
		lines = append(lines, importLine{URL: e.URL, Outcome: outcome})
	}
	s.setFlashNow(c, "ok", fmt.Sprintf("Imported: %d added, %d already on the roster, %d failed.", rep.Added, rep.Existing, rep.Failed))
	return s.showRoster(c, fiber.StatusOK, rosterData{Import: lines})
}

func (s *Server) rosterRefresh(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	l, err := s.Roster.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := s.Roster.Refresh(c.UserContext(), id); err != nil {
		s.setFlash(c, "error", "Refresh of "+l.DisplayName()+" failed: "+err.Error())
	} else {
		s.setFlash(c, "ok", "Refreshed "+l.DisplayName()+".")
	}
	return c.Redirect("/admin/issuer/roster", fiber.StatusSeeOther)
}

func (s *Server) rosterRemove(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	l, err := s.Roster.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := s.Roster.Remove(c.UserContext(), id); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Removed "+l.DisplayName()+" from the roster. Their submissions stay in the queue.")
	return c.Redirect("/admin/issuer/roster", fiber.StatusSeeOther)
}

func (s *Server) submissionsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := submissionsData{Task: c.Query("task"), State: c.Query("state", roster.StateNew), States: submissionStates,
		IssuerOn: s.Awarder != nil}
	if !slices.Contains(submissionStates, d.State) {
		d.State = roster.StateNew
	}
	f := roster.Filter{TaskURL: d.Task, State: d.State, Limit: 200}
	if d.State == "all" {
		f.State = ""
	}
	list, err := s.Roster.Submissions(ctx, f)
	if err != nil {
		return err
	}
	if d.Tasks, err = s.Roster.TaskCounts(ctx); err != nil {
		return err
	}
	var achievements []roster.Achievement
	if s.Awarder != nil {
		if achievements, err = s.Awarder.Achievements(ctx); err != nil {
			s.Logger.Warn("issuer achievements", "err", err)
			d.IssuerError = "The achievements could not be listed; try again."
		}
	}
	for _, a := range achievements {
		if a.IsToken {
			d.Tokens = append(d.Tokens, a)
		} else {
			d.Badges = append(d.Badges, a)
		}
	}
	for _, x := range list {
		v := submissionView{Submission: x}
		for _, a := range d.Badges {
			if slices.Contains(a.TaskURLs, x.TaskURL) {
				v.Badges = append(v.Badges, a)
			}
		}
		v.Linked = len(v.Badges)
		for _, a := range d.Badges {
			if !slices.Contains(a.TaskURLs, x.TaskURL) {
				v.Badges = append(v.Badges, a)
			}
		}
		d.Submissions = append(d.Submissions, v)
	}
	return s.show(c, fiber.StatusOK, "submissions", "Submissions", "/admin/issuer", d)
}

// queueURL is the review queue with the filter the form came from.
func queueURL(c *fiber.Ctx) string {
	q := url.Values{}
	if t := c.FormValue("task"); t != "" {
		q.Set("task", t)
	}
	if st := c.FormValue("state"); slices.Contains(submissionStates, st) {
		q.Set("state", st)
	}
	if len(q) == 0 {
		return "/admin/issuer/submissions"
	}
	return "/admin/issuer/submissions?" + q.Encode()
}

func (s *Server) submissionDismiss(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Roster.Dismiss(c.UserContext(), id); err != nil {
		if msg, ok := inputProblem(err); ok {
			s.setFlash(c, "error", msg)
			return c.Redirect(queueURL(c), fiber.StatusSeeOther)
		}
		return err
	}
	s.setFlash(c, "ok", "Dismissed.")
	return c.Redirect(queueURL(c), fiber.StatusSeeOther)
}

func (s *Server) submissionAward(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if _, err := s.Roster.Submission(c.UserContext(), id); err != nil {
		return err
	}
	return s.award(c, []int64{id})
}

func (s *Server) submissionsAwardBulk(c *fiber.Ctx) error {
	var ids []int64
	for _, v := range c.Context().PostArgs().PeekMulti("ids") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return s.award(c, ids)
}

// award issues the chosen achievement for each submission and tells what
// happened in one message.
func (s *Server) award(c *fiber.Ctx, ids []int64) error {
	var amount *float64
	if raw := strings.TrimSpace(c.FormValue("amount")); raw != "" {
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			s.setFlash(c, "error", "The amount must be a number.")
			return c.Redirect(queueURL(c), fiber.StatusSeeOther)
		}
		amount = &v
	}
	results, err := s.Roster.Award(c.UserContext(), s.Awarder, ids, c.FormValue("achievement"), amount)
	if errors.Is(err, roster.ErrIssuerOff) {
		s.setFlash(c, "error", "Issuer mode is off: switch it on in Settings to award.")
		return c.Redirect(queueURL(c), fiber.StatusSeeOther)
	}
	if err != nil {
		if msg, ok := inputProblem(err); ok {
			s.setFlash(c, "error", msg)
			return c.Redirect(queueURL(c), fiber.StatusSeeOther)
		}
		return err
	}
	ok, failed := 0, []string{}
	for _, r := range results {
		if r.Err != nil {
			msg, shown := inputProblem(r.Err)
			if !shown {
				s.Logger.Error("award", "submission", r.Submission, "err", r.Err)
				msg = "the award could not be made"
			}
			failed = append(failed, fmt.Sprintf("#%d: %s", r.Submission, msg))
			continue
		}
		ok++
	}
	switch {
	case len(failed) == 0:
		s.setFlash(c, "ok", fmt.Sprintf("Awarded %d submission%s.", ok, plural(ok)))
	default:
		s.setFlash(c, "error", fmt.Sprintf("Awarded %d; failed %s.", ok, strings.Join(failed, "; ")))
	}
	return c.Redirect(queueURL(c), fiber.StatusSeeOther)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
