package web

import (
	"github.com/gofiber/fiber/v2"
)

type apiOwner struct {
	Name       string   `json:"name"`
	Photo      string   `json:"photo"`
	Bio        string   `json:"bio"`
	URL        string   `json:"url"`
	Links      []string `json:"links"`
	Identities []string `json:"identities"`
}

func (s *Server) apiSettingsRoutes(r fiber.Router) {
	r.Get("/settings", s.apiGetSettings)
	r.Post("/settings/identities", s.apiSetIdentities)
}

func (s *Server) apiGetSettings(c *fiber.Ctx) error {
	o, err := s.Account.Owner(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(apiOwner{Name: o.Name, Photo: o.Photo, Bio: o.Bio, URL: s.Config.BaseURL + "/",
		Links: nonNil(o.Links), Identities: nonNil(o.Identities)})
}

// apiSetIdentities: {"identities": ["mailto:…", "https://…"]} → the stored,
// normalised list.
func (s *Server) apiSetIdentities(c *fiber.Ctx) error {
	var body struct {
		Identities []string `json:"identities"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	ids, err := s.Account.SetIdentities(c.UserContext(), body.Identities)
	if err != nil {
		return err
	}
	s.ownerChanged()
	return c.JSON(fiber.Map{"identities": nonNil(ids)})
}

// decodeJSON insists on a JSON body and says what was wrong with it.
func decodeJSON(c *fiber.Ctx, v any) error {
	if !c.Is("json") {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "send Content-Type: application/json")
	}
	if err := c.BodyParser(v); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "the body is not valid JSON: "+err.Error())
	}
	return nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
