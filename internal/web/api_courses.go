package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/courses"
)

// The courses API (DESIGN.md, HTTP surface).

type apiCourse struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	SiteURL   string     `json:"site_url"`
	FeedURL   string     `json:"feed_url"`
	Hashtag   string     `json:"hashtag"`
	Status    string     `json:"status"`
	Error     string     `json:"error"`
	FetchedAt *time.Time `json:"fetched_at"`
}

type apiTask struct {
	ID      int64  `json:"id"`
	URL     string `json:"url"`
	Title   string `json:"title"`
	Hashtag string `json:"hashtag,omitempty"`
	State   string `json:"state,omitempty"`
}

type apiFollowed struct {
	ID      int64     `json:"id"`
	FeedURL string    `json:"feed_url"`
	Tasks   []apiTask `json:"tasks"`
}

func (s *Server) apiCoursesRoutes(r fiber.Router) {
	r.Post("/courses", s.apiFollow)
	r.Get("/courses", s.apiCourses)
	r.Post("/courses/:id/refresh", s.apiRefresh)
	r.Get("/courses/:id/tasks", s.apiTasks)
}

func toAPICourse(c courses.Course) apiCourse {
	a := apiCourse{ID: c.ID, Name: c.Name, SiteURL: c.SiteURL, FeedURL: c.FeedURL, Hashtag: c.Hashtag, Status: c.Status, Error: c.Error}
	if !c.FetchedAt.IsZero() {
		t := c.FetchedAt.UTC()
		a.FetchedAt = &t
	}
	return a
}

// apiFollow: {"url"} → 201 with the course and its tasks; a URL already
// followed → 200 with the same course.
func (s *Server) apiFollow(c *fiber.Ctx) error {
	var b struct {
		URL string `json:"url"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	course, created, err := s.Courses.Follow(c.UserContext(), b.URL)
	if err != nil {
		return err
	}
	tasks, err := s.Courses.Tasks(c.UserContext(), course.ID)
	if err != nil {
		return err
	}
	out := apiFollowed{ID: course.ID, FeedURL: course.FeedURL, Tasks: []apiTask{}}
	for _, t := range tasks {
		out.Tasks = append(out.Tasks, apiTask{ID: t.ID, URL: t.URL, Title: t.Title})
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(out)
}

func (s *Server) apiCourses(c *fiber.Ctx) error {
	list, err := s.Courses.List(c.UserContext())
	if err != nil {
		return err
	}
	out := []apiCourse{}
	for _, course := range list {
		out = append(out, toAPICourse(course))
	}
	return c.JSON(out)
}

func (s *Server) apiCourseID(c *fiber.Ctx) (int64, error) {
	id, err := paramID(c)
	if err != nil {
		return 0, err
	}
	if _, err := s.Courses.Get(c.UserContext(), id); err != nil {
		return 0, err
	}
	return id, nil
}

// apiRefresh queues a fetch now and answers 202 at once.
func (s *Server) apiRefresh(c *fiber.Ctx) error {
	id, err := s.apiCourseID(c)
	if err != nil {
		return err
	}
	if err := s.Courses.EnqueueRefresh(c.UserContext(), id); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": id, "status": "queued"})
}

func (s *Server) apiTasks(c *fiber.Ctx) error {
	id, err := s.apiCourseID(c)
	if err != nil {
		return err
	}
	tasks, err := s.Courses.Tasks(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := []apiTask{}
	for _, t := range tasks {
		out = append(out, apiTask{ID: t.ID, URL: t.URL, Title: t.Title, Hashtag: t.Hashtag, State: t.State})
	}
	return c.JSON(out)
}
