package web

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// The Wallet pages: every credential as a card with its verdict, an import
// form (files, pasted JSON or JWS, a URL), and a detail page with each
// check of the latest verification.

type walletData struct {
	Credentials []wallet.Credential
	Paste, URL  string
}

type credentialData struct {
	C       wallet.Credential
	History []verdictChange
}

type verdictChange struct {
	Verdict string
	At      time.Time
}

func (s *Server) walletRoutes(r fiber.Router) {
	r.Get("/wallet", s.walletPage)
	r.Post("/wallet", s.walletImport)
	r.Get("/wallet/:id", s.credentialPage)
	r.Get("/wallet/:id/original", s.credentialOriginal)
	r.Post("/wallet/:id/verify", s.credentialVerify)
	r.Post("/wallet/:id/delete", s.credentialDelete)
}

func (s *Server) walletPage(c *fiber.Ctx) error {
	return s.showWallet(c, fiber.StatusOK, walletData{})
}

func (s *Server) showWallet(c *fiber.Ctx, status int, d walletData) error {
	list, err := s.Wallet.List(c.UserContext())
	if err != nil {
		return err
	}
	d.Credentials = list
	return s.show(c, status, "wallet", "Wallet", "/admin/wallet", d)
}

// walletImport takes every file chosen (several at once), pasted JSON or
// JWS, or a URL; each is imported on its own, so one bad file loses
// nothing else, and the page says what became of each.
func (s *Server) walletImport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var done, failed []string
	note := func(name string, cred wallet.Credential, created bool, err error) {
		switch {
		case err != nil:
			failed = append(failed, name+": "+importProblem(err))
		case created:
			done = append(done, fmt.Sprintf("%s: imported, %s", name, cred.Verdict))
		default:
			done = append(done, fmt.Sprintf("%s: already in the wallet, checked again (%s)", name, cred.Verdict))
		}
	}
	if form, err := c.MultipartForm(); err == nil {
		for _, fh := range form.File["files"] {
			f, err := fh.Open()
			if err != nil {
				note(fh.Filename, wallet.Credential{}, false, err)
				continue
			}
			b, err := io.ReadAll(io.LimitReader(f, 8<<20+1))
			f.Close()
			if err != nil {
				note(fh.Filename, wallet.Credential{}, false, err)
				continue
			}
			cred, created, err := s.Wallet.Import(ctx, b, "")
			note(fh.Filename, cred, created, err)
		}
	}
	if paste := strings.TrimSpace(c.FormValue("paste")); paste != "" {
		cred, created, err := s.Wallet.Import(ctx, []byte(paste), "")
		note("pasted credential", cred, created, err)
	}
	if u := strings.TrimSpace(c.FormValue("url")); u != "" {
		cred, created, err := s.Wallet.ImportURL(ctx, u)
		note(u, cred, created, err)
	}
	if len(done)+len(failed) == 0 {
		s.setFlashNow(c, "error", "Choose badge files, paste a credential, or give its URL.")
		return s.showWallet(c, fiber.StatusBadRequest, walletData{})
	}
	if len(failed) > 0 {
		s.setFlashNow(c, "error", strings.Join(append(failed, done...), " · "))
		return s.showWallet(c, fiber.StatusBadRequest, walletData{Paste: c.FormValue("paste"), URL: c.FormValue("url")})
	}
	s.setFlash(c, "ok", strings.Join(done, " · "))
	return c.Redirect("/admin/wallet", fiber.StatusSeeOther)
}

// importProblem is the reason an import failed, safe to show.
func importProblem(err error) string {
	var ve *wallet.ValidationError
	switch {
	case errors.As(err, &ve):
		return ve.Msg
	case errors.Is(err, wallet.ErrTooLarge):
		return err.Error()
	}
	return "could not be imported (see the log)"
}

func (s *Server) credentialByParam(c *fiber.Ctx) (wallet.Credential, error) {
	id, err := paramID(c)
	if err != nil {
		return wallet.Credential{}, err
	}
	return s.Wallet.Get(c.UserContext(), id)
}

func (s *Server) credentialPage(c *fiber.Ctx) error {
	cred, err := s.credentialByParam(c)
	if err != nil {
		return err
	}
	hist, err := s.Wallet.History(c.UserContext(), cred.ID)
	if err != nil {
		return err
	}
	d := credentialData{C: cred}
	for _, h := range hist {
		d.History = append(d.History, verdictChange{Verdict: h.Verdict, At: store.Time(h.At)})
	}
	return s.show(c, fiber.StatusOK, "credential", orName(cred), "/admin/wallet", d)
}

func orName(c wallet.Credential) string {
	if c.Name != "" {
		return c.Name
	}
	return "Credential"
}

// credentialOriginal downloads the file exactly as it was imported.
func (s *Server) credentialOriginal(c *fiber.Ctx) error {
	cred, err := s.credentialByParam(c)
	if err != nil {
		return err
	}
	b, ctype, err := s.Wallet.Original(c.UserContext(), cred.ID)
	if err != nil {
		return err
	}
	ext := map[string]string{"png": ".png", "svg": ".svg", "json": ".json", "jws": ".jws", "url": ".txt"}[cred.OriginalType]
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="badge-%d%s"`, cred.ID, ext))
	// An imported SVG is someone else's markup: never let it run here.
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(b)
}

func (s *Server) credentialVerify(c *fiber.Ctx) error {
	cred, err := s.credentialByParam(c)
	if err != nil {
		return err
	}
	rep, err := s.Wallet.Reverify(c.UserContext(), cred.ID)
	if err != nil {
		return err
	}
	s.setFlash(c, "ok", "Verified again: "+rep.Verdict+".")
	return c.Redirect(fmt.Sprintf("/admin/wallet/%d", cred.ID), fiber.StatusSeeOther)
}

func (s *Server) credentialDelete(c *fiber.Ctx) error {
	cred, err := s.credentialByParam(c)
	if err != nil {
		return err
	}
	if err := s.Wallet.Delete(c.UserContext(), cred.ID); err != nil {
		return err
	}
	s.setFlash(c, "ok", "“"+orName(cred)+"” removed from the wallet.")
	return c.Redirect("/admin/wallet", fiber.StatusSeeOther)
}

// verdictClass colours a status pill.
func verdictClass(v string) string {
	switch v {
	case verify.VerdictValid, verify.StatusPass:
		return "ok"
	case verify.VerdictInvalid, verify.StatusFail, verify.StatusError:
		return "bad"
	}
	return ""
}
