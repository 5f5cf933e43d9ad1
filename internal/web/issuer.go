package web

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/wallet/issuer"
)

// Issuer mode's owner pages: the dashboard (profile, keys, achievements,
// recent awards), achievements (new, edit, award, bulk award) and the
// awards list with revocation. Every form carries the CSRF token.

type issuerAdminData struct {
	Profile      issuer.Profile
	DID          string
	Keys         []issuer.Key
	Achievements []issuer.Achievement
	Awards       []issuer.Award
	AwardLinks   map[string]string // award id → award page
}

type issuerAwardsData struct {
	Awards []issuer.Award
	Prev   string
	Next   string
}

func (s *Server) issuerAdminRoutes(r fiber.Router) {
	r.Get("/issuer", s.issuerDashboard)
	r.Post("/issuer/profile", s.issuerSaveProfile)
	r.Post("/issuer/keys", s.issuerRotateKey)
	r.Get("/issuer/achievements", s.issuerAchievements)
	r.Get("/issuer/achievements/new", s.issuerNewAchievement)
	r.Post("/issuer/achievements", s.issuerCreateAchievement)
	r.Get("/issuer/achievements/:id", s.issuerAchievementAdmin)
	r.Get("/issuer/achievements/:id/edit", s.issuerEditAchievement)
	r.Post("/issuer/achievements/:id", s.issuerUpdateAchievement)
	r.Post("/issuer/achievements/:id/award", s.issuerAwardForm)
	r.Post("/issuer/achievements/:id/bulk", s.issuerBulkForm)
	r.Get("/issuer/awards", s.issuerAwardsPage)
	r.Post("/issuer/awards/:award/revoke", s.issuerRevokeForm)
}

// issuerInputErr turns the issuer's input errors into the web layer's,
// so they are shown (400) rather than logged.
func issuerInputErr(err error) error {
	var ve *issuer.ValidationError
	switch {
	case errors.As(err, &ve):
		return &inputError{ve.Msg}
	case errors.Is(err, issuer.ErrDisabled):
		return &inputError{"Issuer mode is off: switch it on in Issuer mode first."}
	case errors.Is(err, issuer.ErrNoKey):
		return &inputError{"There is no signing key yet: switch issuer mode on first."}
	}
	return err
}

// issuerFlashErr shows an input problem as a flash on back, else fails.
func (s *Server) issuerFlashErr(c *fiber.Ctx, back string, err error) error {
	err = issuerInputErr(err)
	if msg, ok := inputProblem(err); ok {
		s.setFlash(c, "error", msg)
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	return err
}

func (s *Server) issuerDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.Issuer.Profile(ctx)
	if err != nil {
		return err
	}
	achievements, err := s.Issuer.Achievements(ctx)
	if err != nil {
		return err
	}
	awards, err := s.Issuer.Awards(ctx, issuer.AwardQuery{Limit: 10})
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "issuer_admin", "Issuer mode", "/admin/issuer", issuerAdminData{Profile: p,
		DID: s.Issuer.DID(), Keys: s.Issuer.Keys(), Achievements: achievements, Awards: awards})
}

func (s *Server) issuerSaveProfile(c *fiber.Ctx) error {
	p := issuer.Profile{Enabled: c.FormValue("enabled") != "", Name: c.FormValue("name"), URL: c.FormValue("url"),
		Email: c.FormValue("email"), Image: c.FormValue("image"), Description: c.FormValue("description")}
	saved, err := s.Issuer.SaveProfile(c.UserContext(), p)
	if err != nil {
		return s.issuerFlashErr(c, "/admin/issuer", err)
	}
	msg := "Issuer profile saved. Issuer mode is off."
	if saved.Enabled {
		msg = "Issuer profile saved. Issuer mode is on."
	}
	s.setFlash(c, "ok", msg)
	return c.Redirect("/admin/issuer", fiber.StatusSeeOther)
}

func (s *Server) issuerRotateKey(c *fiber.Ctx) error {
	if len(s.Issuer.Keys()) == 0 {
		return s.issuerFlashErr(c, "/admin/issuer", issuer.ErrNoKey)
	}
	k, err := s.Issuer.RotateKey()
	if err != nil {
		return err
	}
	s.setFlash(c, "ok", fmt.Sprintf("Key %d added: it signs new awards. Older keys stay published.", k.N))
	return c.Redirect("/admin/issuer", fiber.StatusSeeOther)
}

func (s *Server) issuerAchievements(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := s.Issuer.Profile(ctx)
	if err != nil {
		return err
	}
	list, err := s.Issuer.Achievements(ctx)
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "issuer_achievements", "Achievements", "/admin/issuer",
		issuerAdminData{Profile: p, DID: s.Issuer.DID(), Achievements: list})
}

// editData fills the edit form's view of a.
func (s *Server) editData(c *fiber.Ctx, a issuer.Achievement) (issuerAchievementData, error) {
	d := issuerAchievementData{A: a, TokenKinds: issuer.TokenKinds, Owner: true}
	var lines []string
	for _, x := range a.Alignments {
		lines = append(lines, strings.Join([]string{x.Name, x.URL, x.Framework, x.Code}, " | "))
	}
	d.AlignText = strings.Join(lines, "\n")
	lines = nil
	for _, t := range a.Tasks {
		l := t.URL
		if t.Hashtag != "" {
			l = strings.TrimSpace(l + " #" + t.Hashtag)
		}
		lines = append(lines, l)
	}
	d.TasksText = strings.Join(lines, "\n")
	tasks, err := s.Issuer.Tasks(c.UserContext())
	if err != nil {
		s.Logger.Warn("list task posts", "err", err)
	}
	d.Tasks = tasks
	if a.ID > 0 {
		d.URL = s.Issuer.AchievementURL(a.ID)
		d.ImageURL = s.Issuer.AchievementImageURL(a.ID)
	}
	return d, nil
}

func (s *Server) issuerNewAchievement(c *fiber.Ctx) error {
	d, err := s.editData(c, issuer.Achievement{})
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "issuer_achievement_edit", "New achievement", "/admin/issuer", d)
}

func (s *Server) issuerEditAchievement(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a, err := s.Issuer.Achievement(c.UserContext(), id)
	if err != nil {
		return err
	}
	d, err := s.editData(c, a)
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "issuer_achievement_edit", "Edit "+a.Name, "/admin/issuer", d)
}

// achievementFromForm reads the achievement form. Alignments are lines of
// "name | url | framework | code"; linked tasks are lines of "URL #hashtag"
// plus the ticked task posts; tags are separated by commas or spaces.
func achievementFromForm(c *fiber.Ctx) (issuer.Achievement, error) {
	a := issuer.Achievement{Name: c.FormValue("name"), Description: c.FormValue("description"),
		Criteria: c.FormValue("criteria")}
	for _, line := range strings.Split(c.FormValue("alignments"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		a.Alignments = append(a.Alignments, issuer.Alignment{Name: parts[0], URL: parts[1], Framework: parts[2], Code: parts[3]})
	}
	a.Tags = strings.FieldsFunc(c.FormValue("tags"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
	seen := map[string]bool{}
	addTask := func(line string) {
		var t issuer.LinkedTask
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "#") {
				t.Hashtag = f
			} else {
				t.URL = f
			}
		}
		key := t.URL + " " + t.Hashtag
		if (t.URL != "" || t.Hashtag != "") && !seen[key] {
			seen[key] = true
			a.Tasks = append(a.Tasks, t)
		}
	}
	for _, line := range strings.Split(c.FormValue("tasks"), "\n") {
		addTask(line)
	}
	if form, err := c.MultipartForm(); err == nil {
		for _, v := range form.Value["task_post"] {
			addTask(v)
		}
	} else {
		for _, v := range c.Context().PostArgs().PeekMulti("task_post") {
			addTask(string(v))
		}
	}
	if kind := c.FormValue("token_kind"); kind != "" {
		minV, err1 := strconv.ParseFloat(strings.TrimSpace(c.FormValue("token_min", "0")), 64)
		maxV, err2 := strconv.ParseFloat(strings.TrimSpace(c.FormValue("token_max", "0")), 64)
		if err1 != nil || err2 != nil {
			return a, &inputError{"The scoring guide's minimum and maximum must be numbers."}
		}
		a.Token = &issuer.Token{Kind: kind, Min: minV, Max: maxV,
			Field: issuer.Coded{Name: c.FormValue("field_name"), Code: c.FormValue("field_code")},
			Skill: issuer.Coded{Name: c.FormValue("skill_name"), Code: c.FormValue("skill_code")}}
	}
	if fh, err := c.FormFile("image"); err == nil && fh.Size > 0 {
		if fh.Size > issuer.MaxImageBytes {
			return a, &inputError{fmt.Sprintf("The image is larger than %d KiB.", issuer.MaxImageBytes>>10)}
		}
		f, err := fh.Open()
		if err != nil {
			return a, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, issuer.MaxImageBytes+1))
		if err != nil {
			return a, err
		}
		a.Image = b
	}
	return a, nil
}

func (s *Server) issuerCreateAchievement(c *fiber.Ctx) error {
	a, err := achievementFromForm(c)
	if err == nil {
		a, err = s.Issuer.CreateAchievement(c.UserContext(), a)
	}
	if err != nil {
		return s.issuerFlashErr(c, "/admin/issuer/achievements/new", err)
	}
	s.setFlash(c, "ok", "Achievement “"+a.Name+"” created.")
	return c.Redirect("/admin/issuer/achievements/"+strconv.FormatInt(a.ID, 10), fiber.StatusSeeOther)
}

func (s *Server) issuerUpdateAchievement(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/admin/issuer/achievements/" + strconv.FormatInt(id, 10)
	a, err := achievementFromForm(c)
	if err == nil {
		a, err = s.Issuer.UpdateAchievement(c.UserContext(), id, a, c.FormValue("remove_image") == "")
	}
	if err != nil {
		return s.issuerFlashErr(c, back+"/edit", err)
	}
	s.setFlash(c, "ok", "Achievement saved. Credentials already issued keep what they said.")
	return c.Redirect(back, fiber.StatusSeeOther)
}

func (s *Server) issuerAchievementAdmin(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a, err := s.Issuer.Achievement(ctx, id)
	if err != nil {
		return err
	}
	p, err := s.Issuer.Profile(ctx)
	if err != nil {
		return err
	}
	awards, err := s.Issuer.Awards(ctx, issuer.AwardQuery{AchievementID: id, Limit: 100})
	if err != nil {
		return err
	}
	d, err := s.editData(c, a)
	if err != nil {
		return err
	}
	d.Profile, d.Awards, d.OB2URL, d.AwardAmount = p, awards, s.Issuer.OB2BadgeURL(id), a.Token != nil
	return s.show(c, fiber.StatusOK, "issuer_achievement_owner", a.Name, "/admin/issuer", d)
}

// parseAmount reads an optional amount field.
func parseAmount(s string) (*float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, &inputError{fmt.Sprintf("The amount %q is not a number.", s)}
	}
	return &v, nil
}

func (s *Server) issuerAwardForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/admin/issuer/achievements/" + strconv.FormatInt(id, 10)
	amount, err := parseAmount(c.FormValue("amount"))
	if err != nil {
		return s.issuerFlashErr(c, back, err)
	}
	w, err := s.Issuer.Award(c.UserContext(), issuer.AwardRequest{AchievementID: id, Email: c.FormValue("email"),
		SubjectURL: c.FormValue("url"), Name: c.FormValue("recipient_name"), Evidence: c.FormValue("evidence"),
		Narrative: c.FormValue("narrative"), Amount: amount})
	if err != nil {
		return s.issuerFlashErr(c, back, err)
	}
	s.setFlash(c, "ok", "Awarded “"+w.AchievementName+"”.")
	return c.Redirect(back, fiber.StatusSeeOther)
}

// issuerBulkForm awards one achievement to many: one recipient per line,
// "email-or-URL evidence-URL [amount]". Each line succeeds or fails on its
// own; the flash reports both.
func (s *Server) issuerBulkForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	back := "/admin/issuer/achievements/" + strconv.FormatInt(id, 10)
	var reqs []issuer.AwardRequest
	var lines []int
	var problems []string
	for i, line := range strings.Split(c.FormValue("recipients"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		r := issuer.AwardRequest{}
		if strings.Contains(f[0], "@") && !strings.Contains(f[0], "/") {
			r.Email = f[0]
		} else {
			r.SubjectURL = f[0]
		}
		if len(f) > 1 {
			r.Evidence = f[1]
		}
		if len(f) > 2 {
			amount, err := parseAmount(f[2])
			if err != nil {
				problems = append(problems, fmt.Sprintf("line %d: %v", i+1, err))
				continue
			}
			r.Amount = amount
		}
		reqs = append(reqs, r)
		lines = append(lines, i+1)
	}
	if len(reqs) == 0 && len(problems) == 0 {
		return s.issuerFlashErr(c, back, &inputError{"Give one recipient per line."})
	}
	ok := 0
	for i, res := range s.Issuer.AwardMany(c.UserContext(), id, reqs) {
		if res.Err != nil {
			msg, isInput := inputProblem(issuerInputErr(res.Err))
			if !isInput {
				return res.Err
			}
			problems = append(problems, fmt.Sprintf("line %d: %s", lines[i], msg))
			continue
		}
		ok++
	}
	if len(problems) > 0 {
		s.setFlash(c, "error", fmt.Sprintf("%d awarded; not awarded: %s", ok, strings.Join(problems, "; ")))
	} else {
		s.setFlash(c, "ok", fmt.Sprintf("%d awarded.", ok))
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

func (s *Server) issuerAwardsPage(c *fiber.Ctx) error {
	const per = 50
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	list, err := s.Issuer.Awards(c.UserContext(), issuer.AwardQuery{Limit: per + 1, Offset: (page - 1) * per})
	if err != nil {
		return err
	}
	d := issuerAwardsData{}
	if len(list) > per {
		list = list[:per]
		d.Next = "/admin/issuer/awards?page=" + strconv.Itoa(page+1)
	}
	if page > 1 {
		d.Prev = "/admin/issuer/awards?page=" + strconv.Itoa(page-1)
	}
	d.Awards = list
	return s.show(c, fiber.StatusOK, "issuer_awards", "Awards", "/admin/issuer", d)
}

func (s *Server) issuerRevokeForm(c *fiber.Ctx) error {
	back := "/admin/issuer/awards"
	if b := c.FormValue("back"); strings.HasPrefix(b, "/admin/issuer") && !strings.Contains(b, "//") {
		back = b
	}
	w, err := s.Issuer.Revoke(c.UserContext(), c.Params("award"), c.FormValue("reason"))
	if err != nil {
		return s.issuerFlashErr(c, back, err)
	}
	s.setFlash(c, "ok", "The award of “"+w.AchievementName+"” is revoked.")
	return c.Redirect(back, fiber.StatusSeeOther)
}
