package issuer

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/bake"
)

// ContextOB2 is the Open Badges 2.0 context.
const ContextOB2 = "https://w3id.org/openbadges/v2"

// enabledAward reads an award while issuer mode is on.
func (s *Service) enabledAward(ctx context.Context, id string) (Award, error) {
	if _, err := s.enabledProfile(ctx); err != nil {
		return Award{}, err
	}
	if !ValidID(id) {
		return Award{}, ErrNotFound
	}
	return s.GetAward(ctx, id)
}

// PublicAward is GetAward while issuer mode is on (ErrDisabled otherwise),
// for the public award page and files.
func (s *Service) PublicAward(ctx context.Context, id string) (Award, error) {
	return s.enabledAward(ctx, id)
}

// CredentialJSON is the award's credential exactly as issued.
func (s *Service) CredentialJSON(ctx context.Context, id string) ([]byte, error) {
	w, err := s.enabledAward(ctx, id)
	if err != nil {
		return nil, err
	}
	return w.Credential, nil
}

// BakedCredential is the achievement's image with the credential baked in
// (PNG iTXt or SVG element "openbadgecredential"). kind is "png" or "svg".
// A PNG is baked into the default PNG badge when the achievement's image
// is an SVG or missing; an SVG wraps a PNG image, or is the default SVG.
func (s *Service) BakedCredential(ctx context.Context, id, kind string) ([]byte, error) {
	w, err := s.enabledAward(ctx, id)
	if err != nil {
		return nil, err
	}
	var img []byte
	var typ, name string
	err = s.db.R.QueryRowContext(ctx, "SELECT image, image_type, name FROM issuer_achievements WHERE id = ?",
		w.AchievementID).Scan(&img, &typ, &name)
	if err != nil {
		return nil, store.MapErr(err)
	}
	var base []byte
	switch kind {
	case "png":
		base = defaultPNG()
		if typ == "png" {
			base = img
		}
	case "svg":
		switch typ {
		case "svg":
			base = img
		case "png":
			base = wrapPNG(img, name)
		default:
			base = defaultSVG(name)
		}
	default:
		return nil, ErrNotFound
	}
	return bake.Bake(base, bake.KeywordOB3, w.Credential)
}

// defaultSVG is the badge image of an achievement without one.
func defaultSVG(name string) []byte {
	initial := "★"
	if r := []rune(strings.TrimSpace(name)); len(r) > 0 {
		initial = strings.ToUpper(string(r[0]))
	}
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">` +
		`<title>` + html.EscapeString(name) + `</title>` +
		`<circle cx="128" cy="128" r="120" fill="#2a5aa0"/><circle cx="128" cy="128" r="100" fill="none" stroke="#fff" stroke-width="6"/>` +
		`<text x="128" y="160" font-family="sans-serif" font-size="96" font-weight="bold" text-anchor="middle" fill="#fff">` +
		html.EscapeString(initial) + `</text></svg>`)
}

// wrapPNG is an SVG showing a PNG image, so a PNG achievement has an SVG
// baked file too.
func wrapPNG(img []byte, name string) []byte {
	w, h := 256, 256
	if c, err := png.DecodeConfig(bytes.NewReader(img)); err == nil && c.Width > 0 && c.Height > 0 {
		w, h = c.Width, c.Height
	}
	return []byte(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+
		`<title>%s</title><image width="%d" height="%d" href="data:image/png;base64,%s"/></svg>`,
		w, h, w, h, html.EscapeString(name), w, h, base64.StdEncoding.EncodeToString(img)))
}

var (
	defaultPNGOnce  sync.Once
	defaultPNGBytes []byte
)

// defaultPNG is a plain round badge.
func defaultPNG() []byte {
	defaultPNGOnce.Do(func() {
		const size = 128
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		blue, white := color.NRGBA{0x2a, 0x5a, 0xa0, 0xff}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
		for y := range size {
			for x := range size {
				dx, dy := x-size/2, y-size/2
				d := dx*dx + dy*dy
				switch {
				case d <= 60*60 && d >= 50*50 && d <= 53*53:
					img.Set(x, y, white)
				case d <= 60*60:
					img.Set(x, y, blue)
				}
			}
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img)
		defaultPNGBytes = b.Bytes()
	})
	return append([]byte(nil), defaultPNGBytes...)
}

// OB2Assertion is the hosted Open Badges 2.0 assertion of an award, for
// backpacks that read only 2.0. A revoked award answers {id, revoked:
// true, revocationReason} (and the web layer 410 Gone).
func (s *Service) OB2Assertion(ctx context.Context, id string) (map[string]any, bool, error) {
	w, err := s.enabledAward(ctx, id)
	if err != nil {
		return nil, false, err
	}
	u := s.OB2AssertionURL(w.ID)
	if w.Revoked {
		doc := map[string]any{"@context": ContextOB2, "type": "Assertion", "id": u, "revoked": true}
		if w.Reason != "" {
			doc["revocationReason"] = w.Reason
		} else {
			doc["revocationReason"] = "Revoked by the issuer."
		}
		return doc, true, nil
	}
	typ := "url"
	if w.RecipientEmail {
		typ = "email"
	}
	doc := map[string]any{
		"@context":     ContextOB2,
		"type":         "Assertion",
		"id":           u,
		"recipient":    map[string]any{"type": typ, "hashed": true, "salt": w.RecipientSalt, "identity": w.RecipientHash},
		"badge":        s.OB2BadgeURL(w.AchievementID),
		"issuedOn":     w.IssuedAt.UTC().Format(time.RFC3339),
		"verification": map[string]any{"type": "HostedBadge"},
	}
	if w.Evidence != "" {
		ev := map[string]any{"id": w.Evidence}
		if w.Narrative != "" {
			ev["narrative"] = w.Narrative
		}
		doc["evidence"] = []any{ev}
	} else if w.Narrative != "" {
		doc["narrative"] = w.Narrative
	}
	return doc, false, nil
}

// OB2BadgeClass is an achievement as an Open Badges 2.0 BadgeClass.
func (s *Service) OB2BadgeClass(ctx context.Context, id int64) (map[string]any, error) {
	if _, err := s.enabledProfile(ctx); err != nil {
		return nil, err
	}
	a, err := s.Achievement(ctx, id)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"@context":    ContextOB2,
		"type":        "BadgeClass",
		"id":          s.OB2BadgeURL(a.ID),
		"name":        a.Name,
		"description": a.Description,
		"image":       s.AchievementImageURL(a.ID),
		"criteria":    map[string]any{"id": s.AchievementURL(a.ID), "narrative": a.Criteria},
		"issuer":      s.OB2IssuerURL(),
	}
	var al []any
	for _, x := range a.Alignments {
		m := map[string]any{"targetName": x.Name, "targetUrl": x.URL}
		if x.Framework != "" {
			m["targetFramework"] = x.Framework
		}
		if x.Code != "" {
			m["targetCode"] = x.Code
		}
		al = append(al, m)
	}
	if len(al) > 0 {
		doc["alignment"] = al
	}
	if len(a.Tags) > 0 {
		doc["tags"] = a.Tags
	}
	return doc, nil
}

// OB2Issuer is the issuer as an Open Badges 2.0 Issuer profile.
func (s *Service) OB2Issuer(ctx context.Context) (map[string]any, error) {
	p, err := s.enabledProfile(ctx)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"@context": ContextOB2, "type": "Issuer", "id": s.OB2IssuerURL(), "name": p.Name, "url": p.URL}
	if p.Email != "" {
		doc["email"] = p.Email
	}
	if p.Description != "" {
		doc["description"] = p.Description
	}
	if p.Image != "" {
		doc["image"] = p.Image
	}
	return doc, nil
}

func urlQuery(s string) string { return url.QueryEscape(s) }
