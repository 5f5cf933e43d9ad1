package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/verify"
)

// The employer's side of a skill profile (DESIGN.md, HTTP surface): the
// public page /s/{token} a QR code points to, the QR codes themselves, each
// original credential for independent verification, and the profile as a
// signed Verifiable Presentation. No login; an expired or revoked link
// answers 410 with a plain page that says so.

// shareRoutes registers the public share routes. They sit before the
// session middleware: the page is the same for every visitor.
func (s *Server) shareRoutes(app *fiber.App) {
	if s.Profiles == nil {
		return
	}
	app.Get("/s/:token", s.sharePage)
	app.Get("/s/:token/qr.png", s.shareQRPNG)
	app.Get("/s/:token/qr.svg", s.shareQRSVG)
	app.Get("/s/:token/presentation.json", s.sharePresentation)
	app.Get("/s/:token/credentials/:id", s.shareOriginal)
}

type shareData struct {
	Token     string
	URL       string
	View      *profiles.View
	Items     []shareItem
	Owner     string // the owner's name (or host) for the card and tags
	JSONLD    template.JS
	OGImage   string
	HasPres   bool
	CheckedAt time.Time // the oldest verification on the page
}

// shareItem is one credential on the employer's page.
type shareItem struct {
	profiles.Item
	// Trusted: links taken from the credential are live only when its
	// issuer is in the holder's trusted list (safe mode otherwise).
	Trusted bool
	Token   *tokenView
}

// Link is the href of a URL from the credential, "" to show it as text.
func (i shareItem) Link(raw string) template.URL {
	if !i.Trusted {
		return ""
	}
	if u := exactURL(raw); u != "#" {
		return u
	}
	return ""
}

type shareGoneData struct {
	Reason string
}

// shareErr maps the profiles' errors for public pages.
func (s *Server) shareErr(c *fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, profiles.ErrGone):
		if c.Path() != "/s/"+c.Params("token") {
			return fiber.NewError(fiber.StatusGone, "This link has expired or was withdrawn by its owner.")
		}
		p, perr := s.newPage(c, "Link no longer available", "", shareGoneData{Reason: "has expired or was withdrawn by its owner"})
		if perr != nil {
			return perr
		}
		p.Robots = "noindex"
		c.Set("X-Robots-Tag", "noindex")
		c.Set(fiber.HeaderCacheControl, "no-store")
		return s.render(c, fiber.StatusGone, "share_gone", p)
	case errors.Is(err, profiles.ErrNotFound):
		return fiber.ErrNotFound
	}
	return err
}

// sharePage is the employer's page: from the page cache while the view it
// was rendered from (every verification in it) is current.
func (s *Server) sharePage(c *fiber.Ctx) error {
	token := c.Params("token")
	ctx := c.UserContext()
	id, err := s.Profiles.Open(ctx, token)
	if err != nil {
		return s.shareErr(c, err)
	}
	v, err := s.Profiles.PublicView(ctx, id)
	if err != nil {
		return s.shareErr(c, err)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", v.Generation, s.siteVersion.Load())
	p, err := s.cache.load("share "+token, h.Sum64(), func() (cachedPage, error) {
		b, err := s.renderShare(c, token, v)
		if err != nil {
			return cachedPage{}, err
		}
		return cachedPage{body: b, ctype: fiber.MIMETextHTMLCharsetUTF8, etag: etagOf(b), status: fiber.StatusOK}, nil
	})
	if err != nil {
		return err
	}
	if !v.Profile.Indexable {
		c.Set("X-Robots-Tag", "noindex")
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return s.sendCached(c, p)
}

func (s *Server) renderShare(c *fiber.Ctx, token string, v *profiles.View) ([]byte, error) {
	d := shareData{Token: token, URL: s.Profiles.URL(token), View: v, HasPres: s.Issuer != nil}
	for _, it := range v.Items {
		trusted := false
		if ch, ok := it.Live.Check(verify.CheckTrust); ok && ch.Status == verify.StatusPass {
			trusted = true
		}
		si := shareItem{Item: it, Trusted: trusted}
		if lt := it.Live.Credential.LearningToken; lt != nil {
			amount := formatAmount(lt.Amount)
			if lt.HasRange {
				amount += " of " + formatAmount(lt.Min) + "–" + formatAmount(lt.Max)
			}
			si.Token = &tokenView{Kind: firstOf(lt.Kind, "unknown kind"), Amount: amount, Field: lt.Field, Skill: lt.Skill}
		}
		if d.CheckedAt.IsZero() || (!it.CheckedAt.IsZero() && it.CheckedAt.Before(d.CheckedAt)) {
			d.CheckedAt = it.CheckedAt
		}
		d.Items = append(d.Items, si)
	}
	p, err := s.newPage(c, v.Profile.Name, "", &d)
	if err != nil {
		return nil, err
	}
	// The public page is the same for everyone, the owner included.
	p.LoggedIn, p.CSRF, p.Nav, p.Flash = false, "", nil, nil
	p.Feeds = nil
	d.Owner = firstOf(p.Owner.Name, p.Host)
	if u := string(imageURL(p.Owner.Photo)); strings.HasPrefix(u, "https://") {
		d.OGImage = u
	}
	d.JSONLD = shareJSONLD(d, p.BaseURL)
	p.Robots = "noindex"
	if v.Profile.Indexable {
		p.Robots = ""
	}
	return s.views.render("share", p)
}

// shareJSONLD describes the page for machines (schema.org): a profile page
// about a person with the credentials that verified and the skills they
// back. json.Marshal escapes <, > and &, so the result is safe inside a
// script element (html/template treats application/ld+json as script).
func shareJSONLD(d shareData, base string) template.JS {
	var creds []any
	for _, it := range d.Items {
		if it.Live.Verdict != verify.VerdictValid {
			continue
		}
		cr := map[string]any{"@type": "EducationalOccupationalCredential", "name": firstOf(it.Name, it.Live.Credential.Name),
			"credentialCategory": it.AchievementType}
		if issuer := firstOf(it.IssuerName, it.IssuerID); issuer != "" {
			org := map[string]any{"@type": "Organization", "name": issuer}
			if strings.HasPrefix(it.IssuerURL, "https://") || strings.HasPrefix(it.IssuerURL, "http://") {
				org["url"] = it.IssuerURL
			}
			cr["recognizedBy"] = org
		}
		if it.Issued != "" {
			cr["dateCreated"] = it.Issued
		}
		if it.Expires != "" {
			cr["expires"] = it.Expires
		}
		creds = append(creds, cr)
	}
	var skills []string
	for _, sk := range d.View.Skills.Skills {
		skills = append(skills, sk.Name)
	}
	person := map[string]any{"@type": "Person", "name": d.Owner, "url": base + "/"}
	if d.View.Profile.Headline != "" {
		person["jobTitle"] = d.View.Profile.Headline
	}
	if len(creds) > 0 {
		person["hasCredential"] = creds
	}
	if len(skills) > 0 {
		person["knowsAbout"] = skills
	}
	doc := map[string]any{"@context": "https://schema.org", "@type": "ProfilePage", "url": d.URL,
		"name": d.View.Profile.Name, "mainEntity": person}
	b, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	return template.JS(b)
}

// shareProfile is the profile of a live link, for the parts of a visit
// that are not the page (no view counted).
func (s *Server) shareProfile(c *fiber.Ctx) (int64, error) {
	id, err := s.Profiles.Peek(c.UserContext(), c.Params("token"))
	if err != nil {
		return 0, s.shareErr(c, err)
	}
	return id, nil
}

func (s *Server) shareQRPNG(c *fiber.Ctx) error {
	if _, err := s.shareProfile(c); err != nil {
		return err
	}
	b, err := s.Profiles.QR(c.Params("token"), "png", c.Query("size"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if c.Query("download") != "" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="profile-qr-`+profiles.QRSize(c.Query("size"))+`.png"`)
	}
	return c.Send(b)
}

func (s *Server) shareQRSVG(c *fiber.Ctx) error {
	if _, err := s.shareProfile(c); err != nil {
		return err
	}
	b, err := s.Profiles.QR(c.Params("token"), "svg", c.Query("size"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if c.Query("download") != "" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="profile-qr.svg"`)
	}
	return c.Send(b)
}

func (s *Server) sharePresentation(c *fiber.Ctx) error {
	id, err := s.shareProfile(c)
	if err != nil {
		return err
	}
	b, err := s.Profiles.Presentation(c.UserContext(), id)
	if errors.Is(err, profiles.ErrNoSigner) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/ld+json")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("Access-Control-Allow-Origin", "*")
	return c.Send(b)
}

// shareOriginal downloads one of the profile's credentials exactly as it
// was issued, for verification elsewhere.
func (s *Server) shareOriginal(c *fiber.Ctx) error {
	pid, err := s.shareProfile(c)
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.Profiles.Get(c.UserContext(), pid)
	if err != nil {
		return s.shareErr(c, err)
	}
	found := false
	for _, x := range p.Items {
		found = found || x == id
	}
	if !found {
		return fiber.ErrNotFound // only what the profile selects
	}
	b, ctype, err := s.Wallet.Original(c.UserContext(), id)
	if err != nil {
		return err
	}
	cred, err := s.Wallet.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	ext := map[string]string{"png": ".png", "svg": ".svg", "json": ".json", "jws": ".jwt", "url": ".txt"}[cred.OriginalType]
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="credential-`+strconv.FormatInt(id, 10)+ext+`"`)
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(b)
}
