package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/store"
)

type errorData struct {
	Heading, Message string
}

// apiError is the JSON error shape of every /api route.
type apiError struct {
	Error  string `json:"error"`
	Detail string `json:"detail,omitempty"`
}

var friendlyErrors = map[int]errorData{
	fiber.StatusBadRequest:            {"That did not work", "The request was not understood."},
	fiber.StatusUnauthorized:          {"Log in first", "This page is for the owner of this site."},
	fiber.StatusForbidden:             {"Not allowed", "You are not allowed to do that."},
	fiber.StatusNotFound:              {"Page not found", "There is nothing at this address."},
	fiber.StatusGone:                  {"Gone", "This page has been removed."},
	fiber.StatusRequestEntityTooLarge: {"Too large", "What you sent is larger than this site accepts."},
	fiber.StatusTooManyRequests:       {"Too many attempts", "Please wait a few minutes and try again."},
	fiber.StatusInternalServerError:   {"Something went wrong", "Something went wrong on our side. It has been logged; please try again later."},
}

// handleError turns any handler error into a friendly HTML page or a JSON
// error with the right status. Only messages written for people (fiber
// errors, validation errors) are shown; anything else is logged and
// replaced by a generic message, so internals never leak.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	code, msg := fiber.StatusInternalServerError, ""
	var fe *fiber.Error
	var ve *account.ValidationError
	switch {
	case errors.As(err, &fe):
		code = fe.Code
		if fe.Message != friendlyStatusText(code) {
			msg = fe.Message
		}
	case errors.As(err, &ve):
		code, msg = fiber.StatusBadRequest, ve.Msg
	case errors.Is(err, store.ErrNotFound):
		code = fiber.StatusNotFound
	}
	if code >= 500 {
		s.Logger.Error("handler error", "method", c.Method(), "path", c.Path(), "err", err)
		msg = ""
	}
	fd, ok := friendlyErrors[code]
	if !ok {
		fd = errorData{Heading: friendlyStatusText(code), Message: ""}
	}
	if msg != "" {
		fd.Message = msg
	}
	if isAPI(c) {
		return c.Status(code).JSON(apiError{Error: strings.ToLower(friendlyStatusText(code)), Detail: fd.Message})
	}
	p, perr := s.newPage(c, fd.Heading, "", fd)
	if perr != nil {
		// The store itself is failing: fall back to plain text.
		s.Logger.Error("render error page", "err", perr)
		return c.Status(code).SendString(fd.Heading + ": " + fd.Message)
	}
	p.Robots = "noindex"
	if rerr := s.render(c, code, "error", p); rerr != nil {
		s.Logger.Error("render error page", "err", rerr)
		return c.Status(code).SendString(fd.Heading + ": " + fd.Message)
	}
	return nil
}

func friendlyStatusText(code int) string { return fiber.NewError(code).Message }

func isAPI(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/") || c.Path() == "/api"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
