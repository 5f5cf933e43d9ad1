package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/wallet"
)

// The Wallet pages: every credential as a card with its verdict, an import
// form (files, pasted JSON or JWS, a URL), and a detail page with each
// check of the latest verification.

type walletData struct {
	Cards      []walletCard
	Total      int
	Paste, URL string
	Status     string   // the status filter, "" for all
	Issuer     string   // the issuer filter
	Query      string   // the search text
	Issuers    []string // every issuer, for the filter
	Statuses   []string
	// Tokens adds up the Learning Tokens of the valid credentials (all of
	// them, whatever the filters show).
	Tokens wallet.TokenTotals
}

// walletCard is a credential on the grid with its status pill.
type walletCard struct {
	wallet.Credential
	Pill  string     // valid, invalid, revoked, expired, unknown, not yet checked
	Safe  bool       // the issuer is not trusted: shown as it claims to be
	Token *tokenView // its Learning Token, if it is one
}

// tokenView is a Learning Token as the cards and the detail page show it.
type tokenView struct {
	Kind   string       // attendance, score, help, instructor-score
	Amount string       // "7 of 0–10", or "7" without a range
	Field  verify.Skill // field of knowledge (CIP)
	Skill  verify.Skill // skill (WEF)
}

// tokenOf is the credential's Learning Token for display, nil when it has
// none.
func tokenOf(c wallet.Credential) *tokenView {
	lt := c.Summary.LearningToken
	if c.Report != nil && c.Report.Credential.LearningToken != nil {
		lt = c.Report.Credential.LearningToken
	}
	if lt == nil {
		return nil
	}
	amount := formatAmount(lt.Amount)
	if lt.HasRange {
		amount += " of " + formatAmount(lt.Min) + "–" + formatAmount(lt.Max)
	}
	return &tokenView{Kind: firstOf(lt.Kind, "unknown kind"), Amount: amount, Field: lt.Field, Skill: lt.Skill}
}

// formatAmount writes a token amount as briefly as it goes: 7, 3.5.
func formatAmount(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// pillOf names a credential's state the way a person asks about it: an
// invalid badge is "revoked" or "expired" when that is why.
func pillOf(c wallet.Credential) string {
	switch c.Verdict {
	case "unchecked", "":
		return "not yet checked"
	case verify.VerdictInvalid:
		if c.Report != nil {
			if ch, ok := c.Report.Check(verify.CheckStatus); ok && ch.Status == verify.StatusFail {
				return "revoked"
			}
			if ch, ok := c.Report.Check(verify.CheckExpiry); ok && ch.Status == verify.StatusFail {
				return "expired"
			}
		}
	}
	return c.Verdict
}

type credentialData struct {
	C       wallet.Credential
	Pill    string
	History []wallet.VerdictChange
	Raw     string // the credential as text: JSON pretty-printed, a JWS or URL as is, a baked image's payload
	// Safe is safe mode: the issuer is not trusted, so every link taken
	// from the credential is shown as text.
	Safe  bool
	Token *tokenView
}

// Link is the href for a URL taken from the credential: "" (show it as
// text) in safe mode or when it is not http(s).
func (d credentialData) Link(raw string) template.URL {
	if d.Safe {
		return ""
	}
	if u := exactURL(raw); u != "#" {
		return u
	}
	return ""
}

func (s *Server) walletRoutes(r fiber.Router) {
	r.Get("/wallet", s.walletPage)
	r.Post("/wallet", s.walletImport)
	r.Get("/wallet/export", s.walletExport)
	r.Post("/wallet/restore", s.walletRestore)
	r.Get("/wallet/:id", s.credentialPage)
	r.Get("/wallet/:id/original", s.credentialOriginal)
	r.Get("/wallet/:id/baked", s.credentialBaked)
	r.Post("/wallet/:id/verify", s.credentialVerify)
	r.Post("/wallet/:id/delete", s.credentialDelete)
}

func (s *Server) walletPage(c *fiber.Ctx) error {
	return s.showWallet(c, fiber.StatusOK, walletData{Status: c.Query("status"), Issuer: c.Query("issuer"), Query: c.Query("q")})
}

// showWallet lists the cards, filtered by status and issuer and searched
// by name, description and issuer. A personal wallet holds hundreds of
// badges, not millions, so filtering happens here.
func (s *Server) showWallet(c *fiber.Ctx, status int, d walletData) error {
	ctx := c.UserContext()
	list, err := s.Wallet.List(ctx)
	if err != nil {
		return err
	}
	d.Total = len(list)
	d.Tokens = wallet.CredentialTokenTotals(list)
	d.Statuses = []string{"valid", "invalid", "revoked", "expired", "unknown", "not yet checked"}
	seen := map[string]bool{}
	q := strings.ToLower(strings.TrimSpace(d.Query))
	for _, full := range list {
		card := walletCard{Credential: full, Pill: pillOf(full), Safe: safeMode(full), Token: tokenOf(full)}
		issuer := firstOf(full.IssuerName, full.IssuerID)
		if issuer != "" && !seen[issuer] {
			seen[issuer] = true
			d.Issuers = append(d.Issuers, issuer)
		}
		if d.Status != "" && card.Pill != d.Status || d.Issuer != "" && issuer != d.Issuer {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(full.Name+" "+full.Description+" "+issuer), q) {
			continue
		}
		d.Cards = append(d.Cards, card)
	}
	return s.show(c, status, "wallet", "Wallet", "/admin/wallet", d)
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
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
	d := credentialData{C: cred, Pill: pillOf(cred), History: hist, Raw: s.rawCredential(c, cred),
		Safe: safeMode(cred), Token: tokenOf(cred)}
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
	case verify.StatusWarn:
		return "warn"
	}
	return ""
}

// rawCredential is what the detail page shows under "Raw": the JSON
// indented, or the payload baked into an image.
func (s *Server) rawCredential(c *fiber.Ctx, cred wallet.Credential) string {
	b, _, err := s.Wallet.Original(c.UserContext(), cred.ID)
	if err != nil {
		return ""
	}
	if cred.OriginalType == "png" || cred.OriginalType == "svg" {
		baked, err := bake.Unbake(b)
		if err != nil {
			return ""
		}
		b = baked.Payload
	}
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") == nil {
		return buf.String()
	}
	return string(b)
}

// walletExport downloads every original file and an index as one zip.
func (s *Server) walletExport(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if err := s.Wallet.Export(c.UserContext(), &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="cairn-wallet-`+time.Now().UTC().Format("2006-01-02")+`.zip"`)
	return c.Send(buf.Bytes())
}

// walletRestore imports a zip made by the export: every credential in it
// that the wallet lacks is added; the rest are reported as present.
func (s *Server) walletRestore(c *fiber.Ctx) error {
	fh, err := c.FormFile("archive")
	if err != nil {
		s.setFlashNow(c, "error", "Choose a wallet export (.zip) to restore.")
		return s.showWallet(c, fiber.StatusBadRequest, walletData{})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := s.Wallet.ImportArchive(c.UserContext(), f, fh.Size)
	if err != nil {
		var ve *wallet.ValidationError
		if errors.As(err, &ve) {
			s.setFlashNow(c, "error", ve.Msg)
			return s.showWallet(c, fiber.StatusBadRequest, walletData{})
		}
		return err
	}
	msg := fmt.Sprintf("Restored: %d added, %d already present, %d failed.", rep.Added, rep.Present, rep.Failed)
	for _, e := range rep.Entries {
		if e.Reason != "" {
			msg += " " + e.File + ": " + e.Reason + "."
		}
	}
	kind := "ok"
	if rep.Failed > 0 {
		kind = "error"
	}
	s.setFlash(c, kind, msg)
	return c.Redirect("/admin/wallet", fiber.StatusSeeOther)
}

// credentialBaked downloads the badge baked into its image (PNG or SVG).
func (s *Server) credentialBaked(c *fiber.Ctx) error {
	cred, err := s.credentialByParam(c)
	if err != nil {
		return err
	}
	img, kind, err := s.Wallet.Baked(c.UserContext(), cred.ID)
	if err != nil {
		var ve *wallet.ValidationError
		if errors.As(err, &ve) {
			s.setFlash(c, "error", "No baked download: "+ve.Msg)
			return c.Redirect(fmt.Sprintf("/admin/wallet/%d", cred.ID), fiber.StatusSeeOther)
		}
		return err
	}
	ctype := "image/png"
	if kind == bake.SVG {
		ctype = "image/svg+xml"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="badge-%d-baked.%s"`, cred.ID, kind))
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(img)
}
