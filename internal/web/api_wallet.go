package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// The wallet API (DESIGN.md, HTTP surface).

type apiCredential struct {
	ID      int64          `json:"id"`
	Name    string         `json:"name"`
	Issuer  string         `json:"issuer"`
	Verdict string         `json:"verdict"`
	Report  *verify.Report `json:"report,omitempty"`
}

func (s *Server) apiWalletRoutes(r fiber.Router) {
	r.Post("/wallet", s.apiWalletImport)
	r.Get("/wallet", s.apiWalletList)
	r.Get("/wallet/learning-tokens", s.apiLearningTokens) // before /wallet/:id
	r.Get("/wallet/:id", s.apiWalletGet)
	r.Post("/wallet/:id/verify", s.apiWalletVerify)
	s.apiTrustRoutes(r)
}

func toAPICredential(c wallet.Credential) apiCredential {
	issuer := c.IssuerName
	if issuer == "" {
		issuer = c.IssuerID
	}
	return apiCredential{ID: c.ID, Name: c.Name, Issuer: issuer, Verdict: c.Verdict}
}

// apiWalletImport takes the credential file itself as the body; its
// Content-Type says what it is. JSON may instead be {"url": "..."}, an
// import by address.
func (s *Server) apiWalletImport(c *fiber.Ctx) error {
	body := c.Body()
	var (
		cred    wallet.Credential
		created bool
		err     error
	)
	switch mediaType(c) {
	case "image/png", "image/svg+xml", "application/jwt", "application/jose", "text/plain",
		"application/ld+json", "application/vc+jwt":
		cred, created, err = s.Wallet.Import(c.UserContext(), body, "")
	case "application/json":
		if u, ok := importByURL(body); ok {
			cred, created, err = s.Wallet.ImportURL(c.UserContext(), u)
		} else {
			cred, created, err = s.Wallet.Import(c.UserContext(), body, "")
		}
	default:
		return fiber.NewError(fiber.StatusUnsupportedMediaType,
			"send the credential with Content-Type image/png, image/svg+xml, application/json, application/jwt or text/plain")
	}
	if err != nil {
		return walletError(err)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(fiber.Map{"id": cred.ID, "report": cred.Report})
}

// mediaType is the request's Content-Type without parameters, lower-cased.
func mediaType(c *fiber.Ctx) string {
	mt, _, _ := strings.Cut(string(c.Request().Header.ContentType()), ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// importByURL recognises {"url": "..."}: an object with that one member.
// A credential always has more (type, @context), so the two cannot be
// confused.
func importByURL(body []byte) (string, bool) {
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return "", false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || len(m) != 1 {
		return "", false
	}
	var u string
	if err := json.Unmarshal(m["url"], &u); err != nil || u == "" {
		return "", false
	}
	return u, true
}

// walletError maps the wallet's typed errors to their statuses: bad input
// is 400 with the reason, too large is 413.
func walletError(err error) error {
	var ve *wallet.ValidationError
	switch {
	case errors.As(err, &ve):
		return fiber.NewError(fiber.StatusBadRequest, ve.Msg)
	case errors.Is(err, wallet.ErrTooLarge):
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, err.Error())
	}
	return err
}

func (s *Server) apiWalletList(c *fiber.Ctx) error {
	list, err := s.Wallet.List(c.UserContext())
	if err != nil {
		return err
	}
	out := []apiCredential{}
	for _, cred := range list {
		out = append(out, toAPICredential(cred))
	}
	return c.JSON(out)
}

func (s *Server) apiWalletGet(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	cred, err := s.Wallet.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := toAPICredential(cred)
	out.Report = cred.Report
	return c.JSON(out)
}

func (s *Server) apiWalletVerify(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	rep, err := s.Wallet.Reverify(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
