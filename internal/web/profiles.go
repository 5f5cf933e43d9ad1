package web

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/wallet"
)

// The owner's skill profiles (issue 8): build named profiles from the
// wallet's credentials and Learning Tokens, order them, preview the skills
// they add up to, and make share links with their QR codes and a printable
// card. The API follows DESIGN.md (POST /api/profiles, POST
// /api/profiles/{id}/shares, DELETE /api/shares/{token}).

type profilesData struct {
	Profiles []profileSummary
}

type profileSummary struct {
	profiles.Profile
	Shares int // live links
}

type profileEditData struct {
	P         profiles.Profile
	Choices   []profileChoice
	Skills    profiles.Skills
	Shares    []shareRow
	BaseURL   string
	MinExpiry string // the earliest expiry date the form accepts
}

// profileChoice is a wallet credential offered in the editor.
type profileChoice struct {
	wallet.Credential
	Pill     string
	Selected bool
	Position int // 1-based order among the selected; 0 when not selected
	Token    *tokenView
}

type shareRow struct {
	profiles.Share
	URL   string
	State string
}

type profileCardData struct {
	P     profiles.Profile
	Share profiles.Share
	URL   string
	Owner string
}

func (s *Server) profilesRoutes(admin, api fiber.Router) {
	if s.Profiles == nil {
		admin.Get("/profiles", s.plannedSection("profiles"))
		return
	}
	admin.Get("/profiles", s.profilesPage)
	admin.Post("/profiles", s.profileCreate)
	admin.Get("/profiles/:id", s.profileEditPage)
	admin.Post("/profiles/:id", s.profileSave)
	admin.Post("/profiles/:id/delete", s.profileDelete)
	admin.Post("/profiles/:id/shares", s.profileShareCreate)
	admin.Post("/profiles/:id/shares/:token/revoke", s.profileShareRevoke)
	admin.Get("/profiles/:id/shares/:token/card", s.profileCard)

	api.Get("/profiles", s.apiProfilesList)
	api.Post("/profiles", s.apiProfileCreate)
	api.Get("/profiles/:id", s.apiProfileGet)
	api.Get("/profiles/:id/shares", s.apiSharesList)
	api.Post("/profiles/:id/shares", s.apiShareCreate)
	api.Delete("/shares/:token", s.apiShareRevoke)
}

// profileProblem turns the profiles' validation errors into input errors
// (400 with the message).
func profileProblem(err error) error {
	var ve *profiles.ValidationError
	if errors.As(err, &ve) {
		return &inputError{msg: ve.Msg}
	}
	return err
}

func (s *Server) profilesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	list, err := s.Profiles.List(ctx)
	if err != nil {
		return err
	}
	d := profilesData{}
	now := time.Now()
	for _, p := range list {
		shares, err := s.Profiles.Shares(ctx, p.ID)
		if err != nil {
			return err
		}
		ps := profileSummary{Profile: p}
		for _, sh := range shares {
			if sh.State(now) == "active" {
				ps.Shares++
			}
		}
		d.Profiles = append(d.Profiles, ps)
	}
	return s.show(c, fiber.StatusOK, "profiles", "Profiles", "/admin/profiles", d)
}

func (s *Server) profileCreate(c *fiber.Ctx) error {
	p, err := s.Profiles.Create(c.UserContext(), profiles.Input{Name: c.FormValue("name"), Headline: c.FormValue("headline")})
	if err != nil {
		var ve *profiles.ValidationError
		if errors.As(err, &ve) {
			s.setFlash(c, "error", ve.Msg)
			return c.Redirect("/admin/profiles", fiber.StatusSeeOther)
		}
		return err
	}
	s.setFlash(c, "ok", "Profile “"+p.Name+"” created. Pick its credentials below.")
	return c.Redirect(fmt.Sprintf("/admin/profiles/%d", p.ID), fiber.StatusSeeOther)
}

func (s *Server) profileByParam(c *fiber.Ctx) (profiles.Profile, error) {
	id, err := paramID(c)
	if err != nil {
		return profiles.Profile{}, err
	}
	return s.Profiles.Get(c.UserContext(), id)
}

func (s *Server) profileEditPage(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	return s.showProfileEditor(c, fiber.StatusOK, p)
}

func (s *Server) showProfileEditor(c *fiber.Ctx, status int, p profiles.Profile) error {
	ctx := c.UserContext()
	list, err := s.Wallet.List(ctx)
	if err != nil {
		return err
	}
	pos := map[int64]int{}
	for i, id := range p.Items {
		pos[id] = i + 1
	}
	d := profileEditData{P: p, BaseURL: s.Config.BaseURL, MinExpiry: time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")}
	var preview []profiles.Item
	for _, cred := range list {
		ch := profileChoice{Credential: cred, Pill: pillOf(cred), Position: pos[cred.ID], Selected: pos[cred.ID] > 0, Token: tokenOf(cred)}
		d.Choices = append(d.Choices, ch)
		if ch.Selected && cred.Report != nil {
			preview = append(preview, profiles.Item{Live: *cred.Report})
		}
	}
	// Selected first, in the profile's order; the rest as the wallet lists them.
	sort.SliceStable(d.Choices, func(i, j int) bool {
		a, b := d.Choices[i], d.Choices[j]
		if a.Selected != b.Selected {
			return a.Selected
		}
		return a.Selected && a.Position < b.Position
	})
	d.Skills = profiles.Aggregate(preview)
	shares, err := s.Profiles.Shares(ctx, p.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, sh := range shares {
		d.Shares = append(d.Shares, shareRow{Share: sh, URL: s.Profiles.URL(sh.Token), State: sh.State(now)})
	}
	return s.show(c, status, "profile", p.Name, "/admin/profiles", d)
}

// profileSave reads the editor: the fields, the credentials ticked, and
// their order (each ticked credential's position number; ties keep the
// page's order).
func (s *Server) profileSave(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	type picked struct {
		id    int64
		pos   float64
		order int
	}
	var picks []picked
	args := c.Request().PostArgs()
	i := 0
	for _, v := range args.PeekMulti("credential") {
		id, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		pos, err := strconv.ParseFloat(strings.TrimSpace(c.FormValue("position-"+string(v))), 64)
		if err != nil {
			pos = 1e9
		}
		picks = append(picks, picked{id: id, pos: pos, order: i})
		i++
	}
	sort.SliceStable(picks, func(a, b int) bool { return picks[a].pos < picks[b].pos })
	in := profiles.Input{Name: c.FormValue("name"), Headline: c.FormValue("headline"), Summary: c.FormValue("summary"),
		Indexable: c.FormValue("indexable") == "1"}
	for _, pk := range picks {
		in.Credentials = append(in.Credentials, pk.id)
	}
	if _, err := s.Profiles.Update(c.UserContext(), p.ID, in); err != nil {
		var ve *profiles.ValidationError
		if errors.As(err, &ve) {
			s.setFlashNow(c, "error", ve.Msg)
			return s.showProfileEditor(c, fiber.StatusBadRequest, p)
		}
		return err
	}
	s.setFlash(c, "ok", fmt.Sprintf("Profile saved (%d credentials).", len(in.Credentials)))
	return c.Redirect(fmt.Sprintf("/admin/profiles/%d", p.ID), fiber.StatusSeeOther)
}

func (s *Server) profileDelete(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	if err := s.Profiles.Delete(c.UserContext(), p.ID); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Profile “"+p.Name+"” deleted; its links no longer work.")
	return c.Redirect("/admin/profiles", fiber.StatusSeeOther)
}

// parseExpiry reads the form's expiry date (the link works through that
// day, UTC); "" is no expiry.
func parseExpiry(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, &inputError{msg: "The expiry must be a date (YYYY-MM-DD) or an RFC 3339 time."}
	}
	return d.AddDate(0, 0, 1), nil
}

func (s *Server) profileShareCreate(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	exp, err := parseExpiry(c.FormValue("expires"))
	if err == nil {
		var sh profiles.Share
		sh, err = s.Profiles.CreateShare(c.UserContext(), p.ID, c.FormValue("label"), exp)
		if err == nil {
			s.setFlash(c, "ok", "New share link: "+s.Profiles.URL(sh.Token))
			return c.Redirect(fmt.Sprintf("/admin/profiles/%d#shares", p.ID), fiber.StatusSeeOther)
		}
	}
	if msg, ok := inputProblem(profileProblem(err)); ok {
		s.setFlash(c, "error", msg)
		return c.Redirect(fmt.Sprintf("/admin/profiles/%d#shares", p.ID), fiber.StatusSeeOther)
	}
	return err
}

func (s *Server) profileShareRevoke(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	sh, err := s.Profiles.ShareByToken(c.UserContext(), c.Params("token"))
	if err != nil || sh.ProfileID != p.ID {
		return fiber.ErrNotFound
	}
	if _, err := s.Profiles.RevokeShare(c.UserContext(), sh.Token); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Link withdrawn: it now answers “no longer available”.")
	return c.Redirect(fmt.Sprintf("/admin/profiles/%d#shares", p.ID), fiber.StatusSeeOther)
}

// profileCard is the printable card: the QR code, the owner's name and the
// profile's headline (print CSS leaves the rest of the page out).
func (s *Server) profileCard(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	sh, err := s.Profiles.ShareByToken(c.UserContext(), c.Params("token"))
	if err != nil || sh.ProfileID != p.ID {
		return fiber.ErrNotFound
	}
	o, err := s.ownerProfile(c.UserContext())
	if err != nil {
		return err
	}
	d := profileCardData{P: p, Share: sh, URL: s.Profiles.URL(sh.Token), Owner: firstOf(o.Name, s.host)}
	return s.show(c, fiber.StatusOK, "profile_card", "Card: "+p.Name, "/admin/profiles", d)
}

// The API.

type apiProfile struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Headline    string  `json:"headline"`
	Summary     string  `json:"summary"`
	Indexable   bool    `json:"indexable"`
	Credentials []int64 `json:"credentials"`
}

type apiShare struct {
	Token        string     `json:"token"`
	URL          string     `json:"url"`
	Label        string     `json:"label,omitempty"`
	State        string     `json:"state"`
	Expires      *time.Time `json:"expires,omitempty"`
	Views        int64      `json:"views"`
	LastViewedAt *time.Time `json:"last_viewed_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

func toAPIProfile(p profiles.Profile) apiProfile {
	items := p.Items
	if items == nil {
		items = []int64{}
	}
	return apiProfile{ID: p.ID, Name: p.Name, Headline: p.Headline, Summary: p.Summary, Indexable: p.Indexable, Credentials: items}
}

func (s *Server) toAPIShare(sh profiles.Share) apiShare {
	a := apiShare{Token: sh.Token, URL: s.Profiles.URL(sh.Token), Label: sh.Label, State: sh.State(time.Now()),
		Views: sh.Views, CreatedAt: sh.CreatedAt}
	if !sh.ExpiresAt.IsZero() {
		t := sh.ExpiresAt
		a.Expires = &t
	}
	if !sh.LastViewedAt.IsZero() {
		t := sh.LastViewedAt
		a.LastViewedAt = &t
	}
	return a
}

func (s *Server) apiProfilesList(c *fiber.Ctx) error {
	list, err := s.Profiles.List(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]apiProfile, 0, len(list))
	for _, p := range list {
		out = append(out, toAPIProfile(p))
	}
	return c.JSON(out)
}

func (s *Server) apiProfileGet(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	return c.JSON(toAPIProfile(p))
}

func (s *Server) apiProfileCreate(c *fiber.Ctx) error {
	var body apiProfile
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	p, err := s.Profiles.Create(c.UserContext(), profiles.Input{Name: body.Name, Headline: body.Headline,
		Summary: body.Summary, Indexable: body.Indexable, Credentials: body.Credentials})
	if err != nil {
		return profileProblem(err)
	}
	c.Location(fmt.Sprintf("/api/profiles/%d", p.ID))
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": p.ID})
}

func (s *Server) apiSharesList(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	shares, err := s.Profiles.Shares(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	out := make([]apiShare, 0, len(shares))
	for _, sh := range shares {
		out = append(out, s.toAPIShare(sh))
	}
	return c.JSON(out)
}

func (s *Server) apiShareCreate(c *fiber.Ctx) error {
	p, err := s.profileByParam(c)
	if err != nil {
		return err
	}
	var body struct {
		Expires string `json:"expires"`
		Label   string `json:"label"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	var exp time.Time
	if body.Expires != "" {
		if exp, err = time.Parse(time.RFC3339, body.Expires); err != nil {
			return &inputError{msg: "expires must be an RFC 3339 time"}
		}
	}
	sh, err := s.Profiles.CreateShare(c.UserContext(), p.ID, body.Label, exp)
	if err != nil {
		return profileProblem(err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": sh.Token, "url": s.Profiles.URL(sh.Token)})
}

func (s *Server) apiShareRevoke(c *fiber.Ctx) error {
	if _, err := s.Profiles.RevokeShare(c.UserContext(), c.Params("token")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
