package web

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// Trusted issuers: the Settings section (add, remove, list), the wallet's
// "Trust this issuer" button and the API. The list lives in the wallet;
// every change re-verifies the wallet in the background so the trust
// checks (and with them safe mode) follow.

func (s *Server) trustRoutes(r fiber.Router) {
	r.Post("/settings/trusted-issuers", s.addTrustedIssuer)
	r.Post("/settings/trusted-issuers/:id/remove", s.removeTrustedIssuer)
	r.Post("/wallet/:id/trust", s.trustCredentialIssuer)
}

func (s *Server) addTrustedIssuer(c *fiber.Ctx) error {
	issuer, label := c.FormValue("issuer"), c.FormValue("label")
	t, err := s.Wallet.AddTrustedIssuer(c.UserContext(), issuer, label)
	if err != nil {
		var ve *wallet.ValidationError
		if errors.As(err, &ve) {
			// Shown on the page itself with what was typed, so nothing is
			// lost; the list is unchanged.
			s.setFlashNow(c, "error", ve.Msg)
			return s.showSettings(c, fiber.StatusBadRequest, settingsData{IssuerInput: issuer, IssuerLabel: label})
		}
		return err
	}
	s.setFlash(c, "ok", "Trusted "+t.Issuer+". Your badges are being checked again.")
	return c.Redirect("/admin/settings#trusted-issuers", fiber.StatusSeeOther)
}

func (s *Server) removeTrustedIssuer(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	t, err := s.Wallet.RemoveTrustedIssuer(c.UserContext(), id)
	if err != nil {
		return err
	}
	s.setFlash(c, "ok", "No longer trusted: "+t.Issuer+". Your badges are being checked again.")
	return c.Redirect("/admin/settings#trusted-issuers", fiber.StatusSeeOther)
}

// trustCredentialIssuer is "Trust this issuer" on a credential page: the
// issuer joins the list, this credential is verified again at once (the
// others in the background), and the page shows it with its links.
func (s *Server) trustCredentialIssuer(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	t, rep, err := s.Wallet.TrustIssuerOf(c.UserContext(), id)
	if err != nil {
		var ve *wallet.ValidationError
		if errors.As(err, &ve) {
			s.setFlash(c, "error", ve.Msg)
			return c.Redirect(fmt.Sprintf("/admin/wallet/%d", id), fiber.StatusSeeOther)
		}
		return err
	}
	s.setFlash(c, "ok", fmt.Sprintf("Trusted %s. Verified again: %s.", t.Issuer, rep.Verdict))
	return c.Redirect(fmt.Sprintf("/admin/wallet/%d", id), fiber.StatusSeeOther)
}

// safeMode says whether a credential is shown as its issuer claims it to
// be, links disabled: whenever its latest report's trust check did not
// pass (research/credentials.md b.2 step 15).
func safeMode(c wallet.Credential) bool {
	if c.Report == nil {
		return true
	}
	ch, ok := c.Report.Check(verify.CheckTrust)
	return !ok || ch.Status != verify.StatusPass
}

// The API: GET and POST /api/settings/trusted-issuers, DELETE
// /api/settings/trusted-issuers/{id}.

type apiTrustedIssuer struct {
	ID      int64      `json:"id,omitempty"` // absent for a followed course's origin
	Issuer  string     `json:"issuer"`
	Label   string     `json:"label"`
	AddedAt *time.Time `json:"added_at,omitempty"`
	Course  string     `json:"course,omitempty"` // the followed course it comes from
}

func toAPITrusted(t wallet.TrustedIssuer) apiTrustedIssuer {
	out := apiTrustedIssuer{ID: t.ID, Issuer: t.Issuer, Label: t.Label, Course: t.Course}
	if !t.AddedAt.IsZero() {
		at := t.AddedAt
		out.AddedAt = &at
	}
	return out
}

func (s *Server) apiTrustRoutes(r fiber.Router) {
	r.Get("/settings/trusted-issuers", s.apiTrustedIssuers)
	r.Post("/settings/trusted-issuers", s.apiAddTrustedIssuer)
	r.Delete("/settings/trusted-issuers/:id", s.apiRemoveTrustedIssuer)
}

func (s *Server) apiTrustedIssuers(c *fiber.Ctx) error {
	list, err := s.Wallet.TrustedIssuers(c.UserContext())
	if err != nil {
		return err
	}
	out := []apiTrustedIssuer{}
	for _, t := range list {
		out = append(out, toAPITrusted(t))
	}
	return c.JSON(out)
}

// apiAddTrustedIssuer: {"issuer", "label"?} → 201 the entry.
func (s *Server) apiAddTrustedIssuer(c *fiber.Ctx) error {
	var body struct {
		Issuer string `json:"issuer"`
		Label  string `json:"label"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	t, err := s.Wallet.AddTrustedIssuer(c.UserContext(), body.Issuer, body.Label)
	if err != nil {
		return walletError(err)
	}
	return c.Status(fiber.StatusCreated).JSON(toAPITrusted(t))
}

func (s *Server) apiRemoveTrustedIssuer(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if _, err := s.Wallet.RemoveTrustedIssuer(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiLearningTokens: GET /api/wallet/learning-tokens → the totals of the
// valid credentials' Learning Tokens.
func (s *Server) apiLearningTokens(c *fiber.Ctx) error {
	t, err := s.Wallet.LearningTokens(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"valid_only": true, "count": t.Count, "kinds": t.Kinds, "skills": t.Skills, "fields": t.Fields})
}
