package web

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/cairn-pl/cairn/internal/account"
)

// Login attempts allowed per IP before 429: five wrong passwords in fifteen
// minutes. Successful logins do not count.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
)

type loginData struct {
	Error       string
	Next        string
	HasPassword bool
}

type setupData struct {
	Token  string
	Error  string
	MinLen int
}

func (s *Server) authRoutes(app *fiber.App) {
	app.Get("/login", s.loginPage)
	app.Post("/login", s.loginLimiter(), s.login)
	app.Post("/logout", s.logout)
	app.Get("/setup/:token", s.setupPage)
	app.Post("/setup/:token", s.setup)
}

func (s *Server) loginLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:                    loginMaxFailures,
		Expiration:             loginWindow,
		SkipSuccessfulRequests: true,
		LimiterMiddleware:      limiter.SlidingWindow{},
		LimitReached: func(c *fiber.Ctx) error {
			return fiber.NewError(fiber.StatusTooManyRequests,
				"Too many wrong passwords from your address. Wait 15 minutes and try again.")
		},
	})
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if _, ok := sessionOf(c); ok {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	o, err := s.ownerProfile(c.UserContext())
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "login", "Log in", "", loginData{Next: safeNext(c.Query("next")), HasPassword: o.HasPassword})
}

func (s *Server) login(c *fiber.Ctx) error {
	next := safeNext(c.FormValue("next"))
	err := s.Account.CheckPassword(c.UserContext(), c.FormValue("password"))
	if errors.Is(err, account.ErrWrongPassword) {
		o, oerr := s.ownerProfile(c.UserContext())
		if oerr != nil {
			return oerr
		}
		// 401 counts as a failure for the limiter.
		return s.show(c, fiber.StatusUnauthorized, "login", "Log in", "",
			loginData{Error: "Wrong password.", Next: next, HasPassword: o.HasPassword})
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c); err != nil {
		return err
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// startSession logs this browser in. A fresh session id on every login
// defeats session fixation.
func (s *Server) startSession(c *fiber.Ctx) error {
	sess, err := s.Account.CreateSession(c.UserContext(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: "/", Expires: sess.ExpiresAt,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.Secure(),
	})
	return nil
}

func (s *Server) logout(c *fiber.Ctx) error {
	if sess, ok := sessionOf(c); ok {
		if err := s.Account.DeleteSession(c.UserContext(), sess.ID); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// setupStatus maps a setup link's problem to a status: gone for links that
// once worked, not found for links that never did.
func setupStatus(err error) int {
	switch {
	case errors.Is(err, account.ErrSetupLinkUsed), errors.Is(err, account.ErrSetupLinkExpired), errors.Is(err, account.ErrAlreadySetUp):
		return fiber.StatusGone
	case errors.Is(err, account.ErrSetupLinkInvalid):
		return fiber.StatusNotFound
	}
	return 0
}

func (s *Server) setupPage(c *fiber.Ctx) error {
	token := c.Params("token")
	if err := s.Account.CheckSetupLink(c.UserContext(), token); err != nil {
		if code := setupStatus(err); code != 0 {
			return fiber.NewError(code, err.Error())
		}
		return err
	}
	c.Set("Referrer-Policy", "no-referrer") // the token is in the URL
	return s.show(c, fiber.StatusOK, "setup", "Welcome", "", setupData{Token: token, MinLen: account.MinPasswordLen})
}

func (s *Server) setup(c *fiber.Ctx) error {
	token := c.Params("token")
	pw, confirm := c.FormValue("password"), c.FormValue("confirm")
	again := func(msg string) error {
		return s.show(c, fiber.StatusBadRequest, "setup", "Welcome", "", setupData{Token: token, Error: msg, MinLen: account.MinPasswordLen})
	}
	if pw != confirm {
		return again("The two passwords differ.")
	}
	err := s.Account.CompleteSetup(c.UserContext(), token, pw)
	var ve *account.ValidationError
	switch {
	case errors.As(err, &ve):
		return again(strings.ToUpper(ve.Msg[:1]) + ve.Msg[1:] + ".")
	case setupStatus(err) != 0:
		return fiber.NewError(setupStatus(err), err.Error())
	case err != nil:
		return err
	}
	s.ownerChanged()
	if err := s.startSession(c); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Your password is set. Welcome to Cairn: start with your profile.")
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site: a local path, never
// "//evil.example" or a full URL. Browsers drop tabs and newlines from URLs
// and read a backslash as a slash, so "/\t/evil.example" would become
// "//evil.example": any control character or backslash is refused.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, unsafeInURL) {
		return "/"
	}
	return next
}

func unsafeInURL(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }
