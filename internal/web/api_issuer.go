package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/wallet/issuer"
)

// The issuer API (DESIGN.md, HTTP surface): issuer settings, achievements,
// awards (one or many) and revocation, for scripts and LMS bridges.

type apiIssuerProfile struct {
	Enabled     bool   `json:"enabled"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	URL         string `json:"url"`
	Email       string `json:"email"`
	Image       string `json:"image"`
	Description string `json:"description"`
	Keys        []struct {
		ID        string `json:"id"`
		Multibase string `json:"publicKeyMultibase"`
		Current   bool   `json:"current"`
	} `json:"keys"`
}

type apiRecipient struct {
	Email string `json:"email"`
	URL   string `json:"url"`
	Name  string `json:"name"`
}

type apiAwardItem struct {
	Recipient apiRecipient `json:"recipient"`
	Evidence  string       `json:"evidence"`
	Amount    *float64     `json:"amount"`
	Narrative string       `json:"narrative"`
}

type apiAwardOut struct {
	ID            string `json:"id"`
	AwardURL      string `json:"award_url"`
	CredentialURL string `json:"credential_url"`
	Achievement   int64  `json:"achievement,omitempty"`
	State         string `json:"state,omitempty"`
	Evidence      string `json:"evidence,omitempty"`
	Recipient     string `json:"recipient,omitempty"`
	Issued        string `json:"issued,omitempty"`
	Revoked       string `json:"revoked,omitempty"`
	Reason        string `json:"reason,omitempty"`
	Webmention    string `json:"webmention,omitempty"`
}

func (s *Server) apiIssuerRoutes(r fiber.Router) {
	r.Get("/settings/issuer", s.apiGetIssuer)
	r.Post("/settings/issuer", s.apiSetIssuer)
	r.Post("/settings/issuer/keys", s.apiRotateIssuerKey)
	r.Get("/issuer/achievements", s.apiIssuerAchievements)
	r.Post("/issuer/achievements", s.apiCreateAchievement)
	r.Get("/issuer/awards", s.apiIssuerAwards)
	r.Post("/issuer/awards", s.apiIssuerAward)
	r.Post("/issuer/awards/:award/revoke", s.apiIssuerRevoke)
}

// apiIssuerErr maps the issuer's errors to API answers.
func apiIssuerErr(err error) error {
	switch {
	case errors.Is(err, issuer.ErrDisabled), errors.Is(err, issuer.ErrNoKey):
		return fiber.NewError(fiber.StatusConflict, "issuer mode is off: POST /api/settings/issuer {\"enabled\": true} first")
	}
	return issuerInputErr(err)
}

func (s *Server) apiIssuerProfile(p issuer.Profile) apiIssuerProfile {
	out := apiIssuerProfile{Enabled: p.Enabled, ID: s.Issuer.DID(), Name: p.Name, URL: p.URL, Email: p.Email,
		Image: p.Image, Description: p.Description}
	for _, k := range s.Issuer.Keys() {
		out.Keys = append(out.Keys, struct {
			ID        string `json:"id"`
			Multibase string `json:"publicKeyMultibase"`
			Current   bool   `json:"current"`
		}{k.ID, k.Multibase, k.Current})
	}
	if out.Keys == nil {
		out.Keys = out.Keys[:0]
	}
	return out
}

func (s *Server) apiGetIssuer(c *fiber.Ctx) error {
	p, err := s.Issuer.Profile(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(s.apiIssuerProfile(p))
}

// apiSetIssuer: {"enabled", "name", "url", "email", "image", "description"}
// → 200 the issuer profile. Fields left out keep their value.
func (s *Server) apiSetIssuer(c *fiber.Ctx) error {
	p, err := s.Issuer.Profile(c.UserContext())
	if err != nil {
		return err
	}
	var body struct {
		Enabled     *bool   `json:"enabled"`
		Name        *string `json:"name"`
		URL         *string `json:"url"`
		Email       *string `json:"email"`
		Image       *string `json:"image"`
		Description *string `json:"description"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if body.Enabled != nil {
		p.Enabled = *body.Enabled
	}
	set(&p.Name, body.Name)
	set(&p.URL, body.URL)
	set(&p.Email, body.Email)
	set(&p.Image, body.Image)
	set(&p.Description, body.Description)
	saved, err := s.Issuer.SaveProfile(c.UserContext(), p)
	if err != nil {
		return apiIssuerErr(err)
	}
	return c.JSON(s.apiIssuerProfile(saved))
}

func (s *Server) apiRotateIssuerKey(c *fiber.Ctx) error {
	if len(s.Issuer.Keys()) == 0 {
		return apiIssuerErr(issuer.ErrNoKey)
	}
	k, err := s.Issuer.RotateKey()
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": k.ID, "publicKeyMultibase": k.Multibase})
}

type apiAchievementIn struct {
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Criteria    string              `json:"criteria"`
	Image       string              `json:"image"` // data:image/png;base64,… or data:image/svg+xml;…
	Alignments  []issuer.Alignment  `json:"alignments"`
	Tags        []string            `json:"tags"`
	Tasks       []issuer.LinkedTask `json:"tasks"`
	Token       *issuer.Token       `json:"token"`
}

// decodeDataURI reads a data: URI's bytes (base64 or percent-encoded).
func decodeDataURI(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "data:")
	if !ok {
		return nil, &inputError{"the image must be a data: URI (data:image/png;base64,… or data:image/svg+xml,…)"}
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, &inputError{"the image data URI has no data"}
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(data); err != nil {
				return nil, &inputError{"the image data URI is not valid base64"}
			}
		}
		return b, nil
	}
	u, err := url.PathUnescape(data)
	if err != nil {
		return nil, &inputError{"the image data URI is not valid"}
	}
	return []byte(u), nil
}

// apiCreateAchievement → 201 {"id", "url"}.
func (s *Server) apiCreateAchievement(c *fiber.Ctx) error {
	var in apiAchievementIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := issuer.Achievement{Name: in.Name, Description: in.Description, Criteria: in.Criteria,
		Alignments: in.Alignments, Tags: in.Tags, Tasks: in.Tasks, Token: in.Token}
	if in.Image != "" {
		b, err := decodeDataURI(in.Image)
		if err != nil {
			return err
		}
		a.Image = b
	}
	a, err := s.Issuer.CreateAchievement(c.UserContext(), a)
	if err != nil {
		return apiIssuerErr(err)
	}
	u := s.Issuer.AchievementURL(a.ID)
	c.Location(u)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": a.ID, "url": u})
}

func (s *Server) apiIssuerAchievements(c *fiber.Ctx) error {
	list, err := s.Issuer.Achievements(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(list))
	for _, a := range list {
		m := fiber.Map{"id": a.ID, "url": s.Issuer.AchievementURL(a.ID), "name": a.Name, "description": a.Description,
			"tags": nonNil(a.Tags)}
		if a.Token != nil {
			m["token"] = a.Token
		}
		out = append(out, m)
	}
	return c.JSON(out)
}

func (s *Server) apiAward(w issuer.Award, full bool) apiAwardOut {
	out := apiAwardOut{ID: w.ID, AwardURL: s.Issuer.AwardURL(w.ID), CredentialURL: s.Issuer.CredentialURL(w.ID, "json")}
	if full {
		out.Achievement, out.State, out.Evidence, out.Recipient = w.AchievementID, w.State(), w.Evidence, w.RecipientURL
		out.Issued, out.Reason, out.Webmention = w.IssuedAt.Format(time.RFC3339), w.Reason, w.MentionStatus
		if w.Revoked {
			out.Revoked = w.RevokedAt.Format(time.RFC3339)
		}
	}
	return out
}

// apiIssuerAward: {"achievement", "recipient": {"email"?, "url"?, "name"?},
// "evidence", "amount"?, "narrative"?} → 201 {"id", "award_url",
// "credential_url"}. Bulk: {"achievement", "awards": [{"recipient",
// "evidence", "amount"?}, …]} → 200 {"results": [{"status": 201, "id", …}
// or {"status": 400, "error", "detail"}]}, each award on its own.
func (s *Server) apiIssuerAward(c *fiber.Ctx) error {
	var body struct {
		Achievement json.RawMessage `json:"achievement"`
		Awards      []apiAwardItem  `json:"awards"`
		apiAwardItem
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	achID := s.achievementRef(body.Achievement)
	if achID <= 0 {
		return fiber.NewError(fiber.StatusBadRequest, "\"achievement\" must be an achievement id")
	}
	req := func(it apiAwardItem) issuer.AwardRequest {
		return issuer.AwardRequest{AchievementID: achID, Email: it.Recipient.Email, SubjectURL: it.Recipient.URL,
			Name: it.Recipient.Name, Evidence: it.Evidence, Narrative: it.Narrative, Amount: it.Amount}
	}
	ctx := c.UserContext()
	if body.Awards == nil {
		w, err := s.Issuer.Award(ctx, req(body.apiAwardItem))
		if err != nil {
			return apiIssuerErr(err)
		}
		c.Location(s.Issuer.AwardURL(w.ID))
		return c.Status(fiber.StatusCreated).JSON(s.apiAward(w, false))
	}
	if len(body.Awards) > 1000 {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "at most 1000 awards per request")
	}
	reqs := make([]issuer.AwardRequest, len(body.Awards))
	for i, it := range body.Awards {
		reqs[i] = req(it)
	}
	results := make([]fiber.Map, 0, len(reqs))
	for _, res := range s.Issuer.AwardMany(ctx, achID, reqs) {
		if res.Err != nil {
			err := apiIssuerErr(res.Err)
			var fe *fiber.Error
			switch msg, ok := inputProblem(err); {
			case ok:
				results = append(results, fiber.Map{"status": fiber.StatusBadRequest, "error": "bad request", "detail": msg})
			case errors.As(err, &fe):
				results = append(results, fiber.Map{"status": fe.Code, "error": strings.ToLower(friendlyStatusText(fe.Code)), "detail": fe.Message})
			default:
				return err
			}
			continue
		}
		o := s.apiAward(res.Award, false)
		results = append(results, fiber.Map{"status": fiber.StatusCreated, "id": o.ID, "award_url": o.AwardURL,
			"credential_url": o.CredentialURL})
	}
	return c.JSON(fiber.Map{"results": results})
}

// achievementRef reads an achievement reference: its id as a number or a
// string, or its URL.
func (s *Server) achievementRef(raw json.RawMessage) int64 {
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0
		}
		str = n.String()
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(str), s.Issuer.BaseURL()+"/issuer/achievements/"), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

func (s *Server) apiIssuerAwards(c *fiber.Ctx) error {
	achID, _ := strconv.ParseInt(c.Query("achievement"), 10, 64)
	list, err := s.Issuer.Awards(c.UserContext(), issuer.AwardQuery{AchievementID: achID, Limit: c.QueryInt("limit", 100),
		Offset: c.QueryInt("offset", 0)})
	if err != nil {
		return err
	}
	out := make([]apiAwardOut, 0, len(list))
	for _, w := range list {
		out = append(out, s.apiAward(w, true))
	}
	return c.JSON(out)
}

// apiIssuerRevoke: {"reason"} → 200 the award.
func (s *Server) apiIssuerRevoke(c *fiber.Ctx) error {
	var body struct {
		Reason string `json:"reason"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	w, err := s.Issuer.Revoke(c.UserContext(), c.Params("award"), body.Reason)
	if err != nil {
		return apiIssuerErr(err)
	}
	return c.JSON(s.apiAward(w, true))
}
