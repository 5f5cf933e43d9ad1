package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/account"
)

const (
	sessionCookie = "cairn_session"
	csrfCookie    = "cairn_csrf"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// contentSecurityPolicy allows no inline script or style: every behaviour
// lives in /static. Images may come from https (badge images, photos).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' https: data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.Config.Secure() {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	// Every page names its Webmention endpoint (feeds replace this header
	// with their own self and hub links).
	c.Set(fiber.HeaderLink, s.webmentionLink)
	return c.Next()
}

// logRequests logs each request at debug level and server errors at error
// level; query strings are left out since tokens may travel in them.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler set the final status before we read it.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	if status >= 500 {
		s.Logger.Error("request failed", "method", c.Method(), "path", c.Path(), "status", status,
			"duration", time.Since(start))
	} else if s.Logger.Enabled(c.UserContext(), slog.LevelDebug) {
		s.Logger.Debug("request", "method", c.Method(), "path", c.Path(), "status", status,
			"duration", time.Since(start))
	}
	return nil
}

// loadSession attaches the owner's session when the cookie names a live one.
func (s *Server) loadSession(c *fiber.Ctx) error {
	id := c.Cookies(sessionCookie)
	if id == "" {
		return c.Next()
	}
	sess, err := s.Account.LookupSession(c.UserContext(), id)
	switch {
	case errors.Is(err, account.ErrNoSession):
		s.clearCookie(c, sessionCookie)
	case err != nil:
		return err
	default:
		c.Locals("session", sess)
	}
	return c.Next()
}

func sessionOf(c *fiber.Ctx) (account.Session, bool) {
	sess, ok := c.Locals("session").(account.Session)
	return sess, ok
}

// requireOwner sends visitors without a session to the login page and
// back here afterwards.
func (s *Server) requireOwner(c *fiber.Ctx) error {
	if _, ok := sessionOf(c); ok {
		return c.Next()
	}
	if c.Method() != fiber.MethodGet {
		return fiber.NewError(fiber.StatusForbidden, "Log in first.")
	}
	return c.Redirect("/login?next="+urlQueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

// checkCSRF guards every state-changing browser request. Logged-in forms
// carry the session's synchronizer token; anonymous forms (login, setup)
// carry a double-submit token that must equal the cairn_csrf cookie.
// /api uses bearer tokens, which browsers never send on their own, and
// /webmention is cross-site by design.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	p := c.Path()
	if strings.HasPrefix(p, "/api/") || p == "/webmention" {
		return c.Next()
	}
	given := c.FormValue(csrfField)
	if given == "" {
		given = c.Get(csrfHeader)
	}
	want := c.Cookies(csrfCookie)
	if sess, ok := sessionOf(c); ok {
		want = sess.CSRFToken
	}
	if given == "" || want == "" || subtle.ConstantTimeCompare([]byte(given), []byte(want)) != 1 {
		return fiber.NewError(fiber.StatusForbidden,
			"This form has expired or did not come from this site. Go back, reload the page and try again.")
	}
	return c.Next()
}

// anonymousCSRF returns the visitor's double-submit token, creating the
// cookie on first use.
func (s *Server) anonymousCSRF(c *fiber.Ctx) string {
	if v := c.Cookies(csrfCookie); len(v) >= 32 {
		return v
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	c.Cookie(&fiber.Cookie{
		Name: csrfCookie, Value: v, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.Secure(),
	})
	return v
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: time.Unix(0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.Secure()})
}

// requireToken authenticates /api/* with a bearer token.
func (s *Server) requireToken(c *fiber.Ctx) error {
	auth := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="cairn"`)
		return fiber.NewError(fiber.StatusUnauthorized, "send Authorization: Bearer TOKEN (create one with `cairn token create NAME`)")
	}
	t, err := s.Account.AuthenticateToken(c.UserContext(), strings.TrimSpace(token))
	if errors.Is(err, account.ErrBadToken) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="cairn", error="invalid_token"`)
		return fiber.NewError(fiber.StatusUnauthorized, err.Error())
	}
	if err != nil {
		return err
	}
	c.Locals("api_token", t)
	return c.Next()
}
