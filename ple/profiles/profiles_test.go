package profiles

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/cairn-pl/cairn/verify"
)

func decode(t testing.TB, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

// TestQRPNGDecodes draws share URLs at both sizes and reads them back
// with ZXing's decoder: the exact URL, whole-pixel modules, the sizes for
// screen and print.
func TestQRPNGDecodes(t *testing.T) {
	tok, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://learner.example/s/" + tok, "http://127.0.0.1:8080/s/" + tok,
		"https://a-rather-long-learner-domain.example.org/cairn/s/" + tok} {
		for size, min := range map[string]int{QRScreen: 250, QRPrint: 1000} {
			b, err := QRPNG(u, size)
			if err != nil {
				t.Fatal(err)
			}
			if got := decode(t, b); got != u {
				t.Fatalf("%s: decoded %q, want %q", size, got, u)
			}
			cfg, _ := png.DecodeConfig(bytes.NewReader(b))
			if cfg.Width < min || cfg.Width != cfg.Height || cfg.Width > min*2 {
				t.Errorf("%s: %d×%d px", size, cfg.Width, cfg.Height)
			}
		}
	}
	svg, err := QRSVG("https://learner.example/s/"+tok, QRPrint)
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte(`width="1200"`)) {
		t.Fatalf("svg %v %.80s", err, svg)
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidToken(tok) || len(tok) != 24 || seen[tok] {
			t.Fatalf("token %q", tok)
		}
		seen[tok] = true
	}
	if TokenBytes*8 < 128 {
		t.Fatal("share tokens carry fewer than 128 bits")
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 23), strings.Repeat("a", 23) + "/", strings.Repeat("a", 25)} {
		if ValidToken(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestShareState(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		sh   Share
		want string
	}{
		{Share{}, "active"},
		{Share{ExpiresAt: now.Add(time.Second)}, "active"},
		{Share{ExpiresAt: now}, "expired"},
		{Share{RevokedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}, "revoked"},
	}
	for _, c := range cases {
		if got := c.sh.State(now); got != c.want {
			t.Errorf("%+v: %s, want %s", c.sh, got, c.want)
		}
	}
}

func report(verdict string, checks ...verify.Check) verify.Report {
	return verify.Report{Verdict: verdict, Checks: checks}
}

// TestWords checks the plain words of each failure and that no verifier
// message (which may name the recipient) reaches the page.
func TestWords(t *testing.T) {
	changed := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		item   Item
		state  string
		why    string
		absent string
	}{
		{"valid", Item{Live: report("valid", verify.Check{ID: "signature", Status: "pass"},
			verify.Check{ID: "recipient", Status: "pass", Message: "issued to mailto:me@example.org"})}, "valid", "", "me@example.org"},
		{"revoked", Item{Credential: Credential{Verdict: "invalid", ChangedAt: changed}, Live: report("invalid",
			verify.Check{ID: "status", Status: "fail", Message: "revoked by the issuer (status list x, index 2)"})},
			"revoked", "Revoked by the issuer (found on 2 May 2026).", "index 2"},
		{"suspended", Item{Live: report("invalid", verify.Check{ID: "status", Status: "fail", Message: "suspended by the issuer"})},
			"suspended", "Suspended by the issuer", ""},
		{"expired", Item{Credential: Credential{Expires: "2026-03-01T00:00:00Z"}, Live: report("invalid",
			verify.Check{ID: "expiry", Status: "fail", Message: "expired on 2026-03-01T00:00:00Z"})},
			"expired", "Expired on 1 Mar 2026.", "2026-03-01T00"},
		{"tampered", Item{Live: report("invalid", verify.Check{ID: "signature", Status: "fail", Message: "ed25519: bad"})},
			"invalid", WordsSignatureBroken, "ed25519"},
		{"unreachable", Item{Live: report("unknown", verify.Check{ID: "status", Status: "error", Message: "dial tcp 10.0.0.1"})},
			"could not be checked", "Could not be checked right now. The issuer's revocation list did not answer.", "dial tcp"},
		{"untrusted", Item{Live: report("valid", verify.Check{ID: "trust", Status: "warn"})}, "valid", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := c.item
			describe(&it)
			if it.State != c.state || !strings.HasPrefix(it.Why, c.why) {
				t.Fatalf("state %q why %q; want %q %q", it.State, it.Why, c.state, c.why)
			}
			for _, l := range it.Checks {
				if c.absent != "" && strings.Contains(l.Words, c.absent) {
					t.Errorf("check %s shows %q", l.ID, l.Words)
				}
				if l.ID == "trust" && l.Status == "warn" && l.Words != WordsUntrusted {
					t.Errorf("trust words %q", l.Words)
				}
			}
		})
	}
}

// TestAggregate adds up skills, fields, types and tokens of the valid
// credentials only, with the evidence behind each skill.
func TestAggregate(t *testing.T) {
	html := verify.Skill{Name: "HTML", Framework: "Web Skills"}
	wef := verify.Skill{Name: "Analytical thinking", Framework: "WEF Global Skills Taxonomy", Code: "1.1"}
	cip := verify.Skill{Name: "Computer Science", Framework: "CIP 2020", Code: "11.0701"}
	badge := func(verdict string, ev string) Item {
		r := report(verdict, verify.Check{ID: verify.CheckTrust, Status: verify.StatusPass})
		r.Credential.Skills = []verify.Skill{html}
		r.Credential.Evidence = []verify.Evidence{{URL: ev, Name: "post"}, {URL: "javascript:alert(1)"}}
		return Item{Live: r, AchievementType: "Badge"}
	}
	token := func(amount float64) Item {
		r := report("valid")
		r.Credential.Skills = []verify.Skill{cip, wef}
		r.Credential.LearningToken = &verify.LearningToken{Kind: "score", Amount: amount, Field: cip, Skill: wef}
		return Item{Live: r, AchievementType: "Learning Token (score)"}
	}
	untrusted := badge("valid", "https://phish.example/")
	untrusted.Live.Checks = []verify.Check{{ID: verify.CheckTrust, Status: verify.StatusWarn}}
	s := Aggregate([]Item{badge("valid", "https://me.example/a"), badge("valid", "https://me.example/b"),
		badge("invalid", "https://me.example/c"), token(7), token(3), untrusted})
	if s.Counted != 5 || len(s.Skills) != 2 || len(s.Fields) != 1 || len(s.Tokens) != 1 || len(s.Types) != 2 {
		t.Fatalf("%+v", s)
	}
	h := s.Skills[0] // most credentials first
	if h.Name != "HTML" || h.Count != 3 || len(h.Evidence) != 2 || h.Evidence[1].URL != "https://me.example/b" {
		t.Errorf("HTML %+v", h)
	}
	w := s.Skills[1]
	if w.Name != wef.Name || w.Count != 2 || w.Tokens != 2 || w.Amount != 10 {
		t.Errorf("WEF %+v", w)
	}
	if f := s.Fields[0]; f.Code != "11.0701" || f.Amount != 10 {
		t.Errorf("field %+v", f)
	}
	if k := s.Tokens[0]; k.Kind != "score" || k.Amount != 10 || k.Count != 2 {
		t.Errorf("tokens %+v", k)
	}
}

func TestAchievementTypeOf(t *testing.T) {
	doc := []byte(`{"credentialSubject": {"achievement": {"achievementType": "Certificate"}}}`)
	if got := achievementTypeOf(doc); got != "Certificate" {
		t.Errorf("%q", got)
	}
	if got := achievementTypeOf([]byte("not json")); got != "" {
		t.Errorf("%q", got)
	}
}

// BenchmarkQRPNG draws a share link's QR code as a PNG for screens and for
// print.
func BenchmarkQRPNG(b *testing.B) {
	u := "https://learner.example/s/AbCdEfGhIjKlMnOpQrStUvWx"
	for _, size := range []string{QRScreen, QRPrint} {
		b.Run(size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := QRPNG(u, size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("svg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := QRSVG(u, QRScreen); err != nil {
				b.Fatal(err)
			}
		}
	})
}
