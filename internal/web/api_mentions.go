package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/mentions"
)

// The mentions and awards API (DESIGN.md, HTTP surface).

type apiAuthor struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Photo string `json:"photo"`
}

type apiMention struct {
	ID     int64     `json:"id"`
	Source string    `json:"source"`
	Target string    `json:"target"`
	Type   string    `json:"type"`
	Status string    `json:"status"`
	Author apiAuthor `json:"author"`
	Error  string    `json:"error,omitempty"`
}

type apiAward struct {
	ID            int64     `json:"id"`
	Issuer        apiAuthor `json:"issuer"`
	Badge         string    `json:"badge"`
	Evidence      string    `json:"evidence"`
	CredentialURL string    `json:"credential_url"`
	State         string    `json:"state"`
	ReceivedAt    time.Time `json:"received_at"`
}

func (s *Server) apiMentionsRoutes(r fiber.Router) {
	r.Get("/mentions", s.apiMentions)
	r.Post("/mentions/:id/approve", s.apiModerate(s.Mentions.Approve))
	r.Post("/mentions/:id/reject", s.apiModerate(s.Mentions.Reject))
	r.Post("/mentions/:id/block", s.apiModerate(s.Mentions.BlockHost))
	r.Get("/awards", s.apiAwards)
	r.Post("/awards/:id/accept", s.apiAcceptAward)
	r.Post("/settings/trusted", s.apiSetTrusted)
}

func toAPIMention(m mentions.Mention) apiMention {
	return apiMention{ID: m.ID, Source: m.Source, Target: m.Target, Type: m.Type, Status: m.Status, Error: m.Error,
		Author: apiAuthor{Name: m.AuthorName, URL: m.AuthorURL, Photo: m.AuthorPhoto}}
}

func (s *Server) apiMentions(c *fiber.Ctx) error {
	list, err := s.Mentions.List(c.UserContext(), c.Query("status"), 500)
	if err != nil {
		return err
	}
	out := []apiMention{}
	for _, m := range list {
		out = append(out, toAPIMention(m))
	}
	return c.JSON(out)
}

func (s *Server) apiModerate(action func(ctx context.Context, id int64) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c)
		if err != nil {
			return err
		}
		if err := action(c.UserContext(), id); err != nil {
			if isStatusProblem(err) {
				return fiber.NewError(fiber.StatusConflict, err.Error())
			}
			return err
		}
		m, err := s.Mentions.Get(c.UserContext(), id)
		if err != nil {
			return err
		}
		return c.JSON(toAPIMention(m))
	}
}

func (s *Server) apiAwards(c *fiber.Ctx) error {
	list, err := s.Mentions.Awards(c.UserContext())
	if err != nil {
		return err
	}
	out := []apiAward{}
	for _, a := range list {
		out = append(out, apiAward{ID: a.ID, Issuer: apiAuthor{Name: a.IssuerName, URL: a.IssuerURL}, Badge: a.BadgeName,
			Evidence: a.Evidence, CredentialURL: a.CredentialURL, State: a.State, ReceivedAt: a.ReceivedAt})
	}
	return c.JSON(out)
}

// apiSetTrusted: {"issuers": ["https://course.example", "issuer.example"]}
// replaces the owner's trusted hosts.
func (s *Server) apiSetTrusted(c *fiber.Ctx) error {
	var b struct {
		Issuers []string `json:"issuers"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	hosts, err := s.Mentions.SetTrusted(c.UserContext(), b.Issuers)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"issuers": nonNil(hosts)})
}
