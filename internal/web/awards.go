package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/mentions"
	"github.com/cairn-pl/cairn/wallet"
)

// Accepting an award imports its credential into the wallet. The two
// domain packages do not know each other (ple and wallet never import each
// other), so the web layer joins them here.

// acceptAward imports the award's credential and marks the award accepted.
func (s *Server) acceptAward(c *fiber.Ctx, id int64) (mentions.Award, wallet.Credential, error) {
	a, err := s.Mentions.Award(c.UserContext(), id)
	if err != nil {
		return a, wallet.Credential{}, err
	}
	if a.CredentialURL == "" {
		return a, wallet.Credential{}, fiber.NewError(fiber.StatusUnprocessableEntity, "this award names no credential to import")
	}
	cred, _, err := s.Wallet.ImportURL(c.UserContext(), a.CredentialURL)
	if err != nil {
		return a, cred, walletError(err)
	}
	if err := s.Mentions.SetAwardState(c.UserContext(), a.ID, "accepted"); err != nil {
		return a, cred, err
	}
	return a, cred, nil
}

func (s *Server) awardRoutes(r fiber.Router) {
	r.Post("/awards/:id/accept", s.acceptAwardForm)
	r.Post("/awards/:id/dismiss", s.dismissAwardForm)
}

func (s *Server) acceptAwardForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	a, cred, err := s.acceptAward(c, id)
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok && fe.Code < 500 {
			s.setFlash(c, "error", "Could not import “"+a.BadgeName+"”: "+fe.Message)
			return c.Redirect("/admin/awards", fiber.StatusSeeOther)
		}
		return err
	}
	s.setFlash(c, "ok", "“"+a.BadgeName+"” is in your wallet: "+cred.Verdict+".")
	return c.Redirect("/admin/awards", fiber.StatusSeeOther)
}

func (s *Server) dismissAwardForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.Mentions.SetAwardState(c.UserContext(), id, "dismissed"); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Award dismissed.")
	return c.Redirect("/admin/awards", fiber.StatusSeeOther)
}

// apiAcceptAward: POST /api/awards/{id}/accept → 201 {"wallet_id", "report"}.
func (s *Server) apiAcceptAward(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	_, cred, err := s.acceptAward(c, id)
	if err != nil {
		return err
	}
	full, err := s.Wallet.Get(c.UserContext(), cred.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"wallet_id": cred.ID, "report": full.Report})
}
