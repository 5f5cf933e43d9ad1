package web

import (
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
)

// The courses the learner follows, their tasks, and answering them.

type coursesData struct {
	Courses []courses.Course
	URL     string
	Import  []importLine
}

type importLine struct{ URL, Outcome string }

type courseData struct {
	Course courses.Course
	Tasks  []courses.Task
}

type taskView struct {
	courses.Task
	DescriptionHTML template.HTML // sanitised on ingestion
}

type taskData struct {
	Task    taskView
	Entries []entryView
}

func (s *Server) coursesRoutes(r fiber.Router) {
	r.Get("/courses", s.coursesPage)
	r.Post("/courses", s.followCourse)
	r.Get("/courses/opml", s.exportOPML)
	r.Post("/courses/import", s.importOPML)
	r.Get("/courses/:id", s.coursePage)
	r.Post("/courses/:id/refresh", s.refreshCourse)
	r.Post("/courses/:id/delete", s.unfollowCourse)
	r.Get("/tasks/:id", s.taskPage)
}

func (s *Server) coursesPage(c *fiber.Ctx) error {
	return s.showCourses(c, fiber.StatusOK, coursesData{})
}

func (s *Server) showCourses(c *fiber.Ctx, status int, d coursesData) error {
	list, err := s.Courses.List(c.UserContext())
	if err != nil {
		return err
	}
	d.Courses = list
	return s.show(c, status, "courses", "Courses", "/admin/courses", d)
}

// followCourse fetches the pasted URL at once, so the learner sees the
// tasks, or the reason it failed, right away.
func (s *Server) followCourse(c *fiber.Ctx) error {
	raw := c.FormValue("url")
	course, created, err := s.Courses.Follow(c.UserContext(), raw)
	if err != nil {
		if msg, ok := inputProblem(err); ok {
			s.setFlashNow(c, "error", msg)
			return s.showCourses(c, problemStatus(err), coursesData{URL: raw})
		}
		return err
	}
	if created {
		s.setFlash(c, "ok", "Following "+courseName(course)+".")
	} else {
		s.setFlash(c, "ok", "You already follow "+courseName(course)+".")
	}
	return c.Redirect("/admin/courses/"+strconv.FormatInt(course.ID, 10), fiber.StatusSeeOther)
}

func courseName(c courses.Course) string {
	if c.Name != "" {
		return c.Name
	}
	return c.FeedURL
}

func (s *Server) courseByParam(c *fiber.Ctx) (courses.Course, error) {
	id, err := paramID(c)
	if err != nil {
		return courses.Course{}, err
	}
	return s.Courses.Get(c.UserContext(), id)
}

func (s *Server) coursePage(c *fiber.Ctx) error {
	course, err := s.courseByParam(c)
	if err != nil {
		return err
	}
	tasks, err := s.Courses.Tasks(c.UserContext(), course.ID)
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "course", courseName(course), "/admin/courses", courseData{Course: course, Tasks: tasks})
}

// refreshCourse fetches now; a failure is recorded on the course and shown
// there, never as a broken page.
func (s *Server) refreshCourse(c *fiber.Ctx) error {
	course, err := s.courseByParam(c)
	if err != nil {
		return err
	}
	if err := s.Courses.Refresh(c.UserContext(), course.ID); err != nil {
		s.setFlash(c, "error", "Refresh failed: "+err.Error())
	} else {
		s.setFlash(c, "ok", "Refreshed.")
	}
	return c.Redirect("/admin/courses/"+strconv.FormatInt(course.ID, 10), fiber.StatusSeeOther)
}

func (s *Server) unfollowCourse(c *fiber.Ctx) error {
	course, err := s.courseByParam(c)
	if err != nil {
		return err
	}
	if err := s.Courses.Unfollow(c.UserContext(), course.ID); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Unfollowed "+courseName(course)+". Your answers stay in your journal.")
	return c.Redirect("/admin/courses", fiber.StatusSeeOther)
}

func (s *Server) exportOPML(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/x-opml; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="cairn-courses.opml"`)
	return s.Courses.ExportOPML(c.UserContext(), c.Response().BodyWriter())
}

func (s *Server) importOPML(c *fiber.Ctx) error {
	fh, err := c.FormFile("opml")
	if err != nil {
		s.setFlashNow(c, "error", "Choose an OPML file to import.")
		return s.showCourses(c, fiber.StatusBadRequest, coursesData{})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	report, err := s.Courses.ImportOPML(c.UserContext(), io.Reader(f))
	if err != nil {
		if msg, ok := inputProblem(err); ok {
			s.setFlashNow(c, "error", msg)
			return s.showCourses(c, fiber.StatusBadRequest, coursesData{})
		}
		return err
	}
	var lines []importLine
	for _, e := range report.Entries {
		outcome := e.Outcome
		if e.Error != "" {
			outcome += ": " + e.Error
		}
		lines = append(lines, importLine{URL: e.URL, Outcome: outcome})
	}
	s.setFlashNow(c, "ok", fmt.Sprintf("Imported: %d added, %d already followed, %d failed.", report.Added, report.Existing, report.Failed))
	return s.showCourses(c, fiber.StatusOK, coursesData{Import: lines})
}

// taskPage shows a followed task and the learner's answers to it.
func (s *Server) taskPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	t, err := s.Courses.Task(c.UserContext(), id)
	if err != nil {
		return err
	}
	posts, err := s.Journal.List(c.UserContext(), ple.Query{TaskID: t.ID, Drafts: true, Limit: 100})
	if err != nil {
		return err
	}
	owner, err := s.ownerProfile(c.UserContext())
	if err != nil {
		return err
	}
	d := taskData{Task: taskView{Task: t, DescriptionHTML: template.HTML(t.DescriptionHTML)}, Entries: s.entries(c, posts, owner)}
	title := t.Title
	if title == "" {
		title = "Task"
	}
	return s.show(c, fiber.StatusOK, "task", title, "/admin/courses", d)
}
