package web

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/wallet"
)

type settingsData struct {
	Tokens     []account.APIToken
	NewToken   *newToken
	Version    string
	Schema     int
	FailedJobs int
	Hub        string
	Trusted    []string
	Blocked    []string
	// Issuers is the wallet's trust list; IssuerInput and IssuerLabel keep
	// what was typed into the add form when it was refused.
	Issuers                  []wallet.TrustedIssuer
	IssuerInput, IssuerLabel string
}

type newToken struct{ Name, Token string }

func (s *Server) settingsRoutes(r fiber.Router) {
	r.Get("/settings", s.settingsPage)
	r.Post("/settings/profile", s.saveProfile)
	r.Post("/settings/identities", s.saveIdentities)
	r.Post("/settings/websub", s.saveWebSub)
	r.Post("/settings/trusted", s.saveTrusted)
	r.Post("/settings/tokens", s.createToken)
	r.Post("/settings/tokens/:id/revoke", s.revokeToken)
	s.trustRoutes(r)
}

func (s *Server) settingsPage(c *fiber.Ctx) error {
	return s.showSettings(c, fiber.StatusOK, settingsData{})
}

// showSettings fills d (which may carry a new token or a refused form's
// input) and renders the page.
func (s *Server) showSettings(c *fiber.Ctx, status int, d settingsData) error {
	ctx := c.UserContext()
	tokens, err := s.Account.APITokens(ctx)
	if err != nil {
		return err
	}
	schema, err := s.Store.Version(ctx)
	if err != nil {
		return err
	}
	counts, err := s.Jobs.Counts(ctx)
	if err != nil {
		return err
	}
	hub, err := s.Journal.Settings().Get(ctx, ple.SettingWebSubHub)
	if err != nil {
		return err
	}
	trusted, blocked, err := s.Mentions.HostRules(ctx)
	if err != nil {
		return err
	}
	issuers, err := s.Wallet.TrustedIssuers(ctx)
	if err != nil {
		return err
	}
	d.Tokens, d.Version, d.Schema, d.FailedJobs, d.Hub = tokens, s.Version, schema, counts.Failed, hub
	d.Trusted, d.Blocked, d.Issuers = trusted, blocked, issuers
	return s.show(c, status, "settings", "Settings", "/admin/settings", d)
}

func (s *Server) saveProfile(c *fiber.Ctx) error {
	p := account.Profile{
		Name:  c.FormValue("name"),
		Bio:   c.FormValue("bio"),
		Photo: c.FormValue("photo"),
		Links: strings.Split(c.FormValue("links"), "\n"),
	}
	if fh, err := c.FormFile("photo_file"); err == nil && fh.Size > 0 {
		path, err := s.saveImage(fh)
		if err != nil {
			return s.settingsError(c, err)
		}
		p.Photo = path
	}
	if err := s.Account.UpdateProfile(c.UserContext(), p); err != nil {
		return s.settingsError(c, err)
	}
	s.ownerChanged()
	s.setFlash(c, "ok", "Profile saved.")
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

func (s *Server) saveIdentities(c *fiber.Ctx) error {
	ids, err := s.Account.SetIdentities(c.UserContext(), strings.Split(c.FormValue("identities"), "\n"))
	if err != nil {
		return s.settingsError(c, err)
	}
	s.ownerChanged()
	s.setFlash(c, "ok", fmt.Sprintf("Identities saved (%d).", len(ids)))
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

func (s *Server) saveWebSub(c *fiber.Ctx) error {
	if err := s.Journal.Settings().SetWebSubHub(c.UserContext(), c.FormValue("hub")); err != nil {
		return s.settingsError(c, err)
	}
	s.siteVersion.Add(1) // feeds advertise the hub
	s.setFlash(c, "ok", "WebSub hub saved.")
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

func (s *Server) saveTrusted(c *fiber.Ctx) error {
	hosts, err := s.Mentions.SetTrusted(c.UserContext(), strings.Split(c.FormValue("trusted"), "\n"))
	if err != nil {
		return s.settingsError(c, err)
	}
	s.setFlash(c, "ok", fmt.Sprintf("Trusted hosts saved (%d).", len(hosts)))
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

func (s *Server) createToken(c *fiber.Ctx) error {
	token, rec, err := s.Account.CreateAPIToken(c.UserContext(), c.FormValue("name"))
	if err != nil {
		return s.settingsError(c, err)
	}
	// Shown on this response only, never through a redirect or a cookie.
	return s.showSettings(c, fiber.StatusCreated, settingsData{NewToken: &newToken{Name: rec.Name, Token: token}})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Account.RevokeAPIToken(c.UserContext(), id); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Token revoked.")
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

// settingsError shows a validation problem on the settings page itself,
// keeping every other setting as it was.
func (s *Server) settingsError(c *fiber.Ctx, err error) error {
	if msg, ok := inputProblem(err); ok {
		s.setFlash(c, "error", msg)
		return c.Redirect("/admin/settings", fiber.StatusSeeOther)
	}
	return err
}

// writeFileAtomic writes through a temp file and a rename, so a crash
// never leaves a half-written file under the final name.
func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
