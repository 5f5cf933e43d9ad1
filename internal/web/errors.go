package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
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
	switch {
	case errors.As(err, &fe):
		code = fe.Code
		if fe.Message != friendlyStatusText(code) {
			msg = fe.Message
		}
	case isInputProblem(err):
		msg, _ = inputProblem(err)
		code = problemStatus(err)
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

// inputError is bad input the web layer itself found (an upload, a form).
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

// inputProblem returns the message of any bad-input error from the web
// layer or the domain packages: safe to show, and answered with 400.
func inputProblem(err error) (string, bool) {
	var ie *inputError
	var ae *account.ValidationError
	var pe *ple.ValidationError
	var ce *courses.ValidationError
	var fe *courses.FeedError
	switch {
	case errors.As(err, &ie):
		return ie.msg, true
	case errors.As(err, &ae):
		return ae.Msg, true
	case errors.As(err, &pe):
		return pe.Msg, true
	case errors.As(err, &ce):
		return ce.Error(), true
	case errors.As(err, &fe):
		return fe.Error(), true
	}
	return "", false
}

// problemStatus is 422 when the request was fine but what it pointed at
// was not (a URL that is not a feed), else 400.
func problemStatus(err error) int {
	var fe *courses.FeedError
	if errors.As(err, &fe) {
		return fiber.StatusUnprocessableEntity
	}
	return fiber.StatusBadRequest
}

func isInputProblem(err error) bool {
	_, ok := inputProblem(err)
	return ok
}

// paramID reads the :id route parameter; anything but a positive integer
// names nothing, so it is a 404.
func paramID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}
