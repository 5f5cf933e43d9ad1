package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/markdown"
)

// The posts API (DESIGN.md, HTTP surface): scripts and integrations write
// to the journal with a bearer token.

type apiPostBody struct {
	Title     *string   `json:"title"`
	Content   *string   `json:"content"`
	Tags      *[]string `json:"tags"`
	InReplyTo *string   `json:"in_reply_to"`
	Draft     *bool     `json:"draft"`
	Task      *bool     `json:"task"`
}

type apiPostRef struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
}

func (s *Server) apiPostsRoutes(r fiber.Router) {
	r.Post("/posts", s.apiCreatePost)
	r.Patch("/posts/:id", s.apiUpdatePost)
	r.Delete("/posts/:id", s.apiDeletePost)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// normaliseTags runs API tags through the same rules as the editor's.
func normaliseTags(tags *[]string) *[]string {
	if tags == nil {
		return nil
	}
	var out []string
	for _, t := range *tags {
		out = append(out, markdown.ParseTags(t)...)
	}
	return &out
}

func (s *Server) apiCreatePost(c *fiber.Ctx) error {
	var b apiPostBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	post, err := s.Journal.Create(c.UserContext(), ple.Draft{
		Title: deref(b.Title), Content: deref(b.Content), Tags: deref(normaliseTags(b.Tags)),
		InReplyTo: deref(b.InReplyTo), Draft: deref(b.Draft), IsTask: deref(b.Task),
	})
	if err != nil {
		return err
	}
	url := s.Config.BaseURL + post.Path()
	c.Location(url)
	return c.Status(fiber.StatusCreated).JSON(apiPostRef{ID: post.ID, URL: url})
}

func (s *Server) apiUpdatePost(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var b apiPostBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	post, err := s.Journal.Update(c.UserContext(), id, ple.Patch{
		Title: b.Title, Content: b.Content, Tags: normaliseTags(b.Tags), InReplyTo: b.InReplyTo, Draft: b.Draft, IsTask: b.Task,
	})
	if err != nil {
		return err
	}
	return c.JSON(apiPostRef{ID: post.ID, URL: s.Config.BaseURL + post.Path()})
}

func (s *Server) apiDeletePost(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if _, err := s.Journal.Get(c.UserContext(), id); err != nil {
		return err
	}
	if err := s.Journal.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
