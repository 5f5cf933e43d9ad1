package web

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/wallet/issuer"
)

// Issuer mode's public documents (DESIGN.md, HTTP surface): the DID
// document, the JWKS, the issuer profile and achievements (JSON-LD or
// HTML), the credentials (JSON, baked PNG and SVG), the award pages, the
// status lists and the hosted Open Badges 2.0 documents. Every one answers
// 404 while issuer mode is off.

// issuerRoutes registers issuer mode: public routes on app, owner pages on
// admin, the API on api.
func (s *Server) issuerRoutes(app *fiber.App, admin, api fiber.Router) {
	if s.Issuer == nil {
		return // a site built without issuer mode: every route is a plain 404
	}
	app.Get("/.well-known/did.json", s.issuerDID)
	if s.Issuer.DIDDocumentPath() != "/.well-known/did.json" {
		app.Get(s.Issuer.DIDDocumentPath(), s.issuerDID)
	}
	app.Get("/.well-known/jwks.json", s.issuerJWKS)
	app.Get("/issuer", s.issuerProfilePage)
	app.Get("/issuer/achievements/:id", s.issuerAchievementPage)
	app.Get("/issuer/achievements/:id/image", s.issuerAchievementImage)
	app.Get("/issuer/credentials/:file", s.issuerCredentialFile)
	app.Get("/issuer/awards/:award", s.issuerAwardPage)
	app.Get("/issuer/status/:id", s.issuerStatusList)
	app.Get("/issuer/ob2/assertions/:award", s.issuerOB2Assertion)
	app.Get("/issuer/ob2/badges/:id", s.issuerOB2Badge)
	app.Get("/issuer/ob2/issuer", s.issuerOB2Issuer)
	s.issuerAdminRoutes(admin)
	s.apiIssuerRoutes(api)
}

// publicIssuerErr maps the issuer's errors for public pages: issuer mode
// off and unknown ids are 404.
func publicIssuerErr(err error) error {
	if errors.Is(err, issuer.ErrDisabled) || errors.Is(err, issuer.ErrNotFound) || errors.Is(err, issuer.ErrNoKey) {
		return fiber.ErrNotFound
	}
	return err
}

// sendJSONDoc writes a public JSON document with the given media type.
func sendJSONDoc(c *fiber.Ctx, ctype string, v any, err error) error {
	if err != nil {
		return publicIssuerErr(err)
	}
	var b []byte
	if raw, ok := v.([]byte); ok {
		b = raw
	} else if b, err = json.Marshal(v); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("Access-Control-Allow-Origin", "*")
	return c.Send(b)
}

// wantsJSON reports whether the client prefers JSON(-LD) to HTML.
func wantsJSON(c *fiber.Ctx) bool {
	if c.Get(fiber.HeaderAccept) == "" {
		return false
	}
	switch c.Accepts("text/html", "application/ld+json", "application/json") {
	case "application/ld+json", "application/json":
		return true
	}
	return false
}

func (s *Server) issuerDID(c *fiber.Ctx) error {
	doc, err := s.Issuer.DIDDocument(c.UserContext())
	return sendJSONDoc(c, "application/did+json", doc, err)
}

func (s *Server) issuerJWKS(c *fiber.Ctx) error {
	doc, err := s.Issuer.JWKS(c.UserContext())
	return sendJSONDoc(c, "application/jwk-set+json", doc, err)
}

type issuerPageData struct {
	Profile      issuer.Profile
	DID          string
	Achievements []issuer.Achievement
}

func (s *Server) issuerProfilePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if wantsJSON(c) {
		doc, err := s.Issuer.ProfileDocument(ctx)
		return sendJSONDoc(c, "application/ld+json", doc, err)
	}
	p, err := s.Issuer.Profile(ctx)
	if err != nil {
		return err
	}
	if !p.Enabled {
		return fiber.ErrNotFound
	}
	list, err := s.Issuer.Achievements(ctx)
	if err != nil {
		return err
	}
	return s.show(c, fiber.StatusOK, "issuer", p.Name, "", issuerPageData{Profile: p, DID: s.Issuer.DID(), Achievements: list})
}

// pathID reads a positive integer route parameter.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

type issuerAchievementData struct {
	Profile     issuer.Profile
	A           issuer.Achievement
	URL         string
	ImageURL    string
	OB2URL      string
	TokenKinds  []string
	Tasks       []issuer.Task // the owner's task posts, for the edit form
	Awards      []issuer.Award
	AlignText   string // the edit form's alignments, one per line
	TasksText   string // the edit form's linked tasks, one per line
	Owner       bool
	AwardAmount bool
}

func (s *Server) issuerAchievementPage(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if wantsJSON(c) {
		doc, err := s.Issuer.AchievementDocument(ctx, id)
		return sendJSONDoc(c, "application/ld+json", doc, err)
	}
	p, err := s.Issuer.Profile(ctx)
	if err != nil {
		return err
	}
	if !p.Enabled {
		return fiber.ErrNotFound
	}
	a, err := s.Issuer.Achievement(ctx, id)
	if err != nil {
		return publicIssuerErr(err)
	}
	_, owner := sessionOf(c)
	return s.show(c, fiber.StatusOK, "issuer_achievement", a.Name, "", issuerAchievementData{Profile: p, A: a,
		URL: s.Issuer.AchievementURL(id), ImageURL: s.Issuer.AchievementImageURL(id), OB2URL: s.Issuer.OB2BadgeURL(id), Owner: owner})
}

// svgCSP confines an SVG served from this origin: no script, no outside
// resources, sandboxed when opened on its own.
const svgCSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"

func sendImage(c *fiber.Ctx, b []byte, typ string) error {
	if typ == "svg" {
		c.Set(fiber.HeaderContentType, "image/svg+xml")
		c.Set("Content-Security-Policy", svgCSP)
	} else {
		c.Set(fiber.HeaderContentType, "image/png")
	}
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(b)
}

func (s *Server) issuerAchievementImage(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, typ, err := s.Issuer.AchievementImage(c.UserContext(), id)
	if err != nil {
		return publicIssuerErr(err)
	}
	return sendImage(c, b, typ)
}

// issuerCredentialFile serves /issuer/credentials/{id} and {id}.json (the
// credential as issued), {id}.png and {id}.svg (baked).
func (s *Server) issuerCredentialFile(c *fiber.Ctx) error {
	file := c.Params("file")
	id, ext, _ := strings.Cut(file, ".")
	ctx := c.UserContext()
	switch ext {
	case "", "json":
		b, err := s.Issuer.CredentialJSON(ctx, id)
		return sendJSONDoc(c, "application/vc+ld+json", b, err)
	case "png", "svg":
		b, err := s.Issuer.BakedCredential(ctx, id, ext)
		if err != nil {
			return publicIssuerErr(err)
		}
		c.Set(fiber.HeaderContentDisposition, `inline; filename="badge-`+id+`.`+ext+`"`)
		return sendImage(c, b, ext)
	}
	return fiber.ErrNotFound
}

type awardPageData struct {
	URL           string
	BadgeName     string
	BadgeURL      string
	BadgeImage    string
	RecipientName string
	RecipientURL  string
	Evidence      string
	Narrative     string
	Amount        string
	TokenKind     string
	CredentialURL string
	PNGURL        string
	SVGURL        string
	OB2URL        string
	IssuerName    string
	IssuerURL     string
	Issued        time.Time
	Revoked       bool
	RevokedAt     time.Time
	Reason        string
}

// issuerAwardPage is the award post: an h-entry reply to the learner's
// evidence post (DESIGN.md, Badge award post). It never shows the email.
func (s *Server) issuerAwardPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	w, err := s.Issuer.PublicAward(ctx, c.Params("award"))
	if err != nil {
		return publicIssuerErr(err)
	}
	p, err := s.Issuer.Profile(ctx)
	if err != nil {
		return err
	}
	d := awardPageData{URL: s.Issuer.AwardURL(w.ID), BadgeName: w.AchievementName,
		BadgeURL: s.Issuer.AchievementURL(w.AchievementID), BadgeImage: s.Issuer.AchievementImageURL(w.AchievementID),
		RecipientName: w.RecipientName, RecipientURL: w.RecipientURL, Evidence: w.Evidence, Narrative: w.Narrative,
		Amount: w.Amount, CredentialURL: s.Issuer.CredentialURL(w.ID, "json"), PNGURL: s.Issuer.CredentialURL(w.ID, "png"),
		SVGURL: s.Issuer.CredentialURL(w.ID, "svg"), OB2URL: s.Issuer.OB2AssertionURL(w.ID), IssuerName: p.Name,
		IssuerURL: p.URL, Issued: w.IssuedAt, Revoked: w.Revoked, RevokedAt: w.RevokedAt, Reason: w.Reason}
	if d.RecipientName == "" && d.RecipientURL != "" {
		if u, err := url.Parse(d.RecipientURL); err == nil {
			d.RecipientName = u.Host
		}
	}
	if a, err := s.Issuer.Achievement(ctx, w.AchievementID); err == nil && a.Token != nil {
		d.TokenKind = a.Token.Kind
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return s.show(c, fiber.StatusOK, "award", d.BadgeName, "", d)
}

func (s *Server) issuerStatusList(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.Issuer.StatusListCredential(c.UserContext(), id)
	return sendJSONDoc(c, "application/vc+ld+json", b, err)
}

// issuerOB2Assertion is the hosted Open Badges 2.0 assertion; a revoked one
// answers 410 Gone with {revoked: true, revocationReason}.
func (s *Server) issuerOB2Assertion(c *fiber.Ctx) error {
	doc, revoked, err := s.Issuer.OB2Assertion(c.UserContext(), c.Params("award"))
	if err == nil && revoked {
		c.Status(fiber.StatusGone)
	}
	return sendJSONDoc(c, "application/ld+json", doc, err)
}

func (s *Server) issuerOB2Badge(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	doc, err := s.Issuer.OB2BadgeClass(c.UserContext(), id)
	return sendJSONDoc(c, "application/ld+json", doc, err)
}

func (s *Server) issuerOB2Issuer(c *fiber.Ctx) error {
	doc, err := s.Issuer.OB2Issuer(c.UserContext())
	return sendJSONDoc(c, "application/ld+json", doc, err)
}
