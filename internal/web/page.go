package web

import (
	vl "github.com/cairn-pl/cairn/verify/ledger"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/ple/profiles"
)

// page is what every template receives: the layout's needs plus Data, the
// page's own view model.
type page struct {
	Title    string
	Owner    account.Owner
	BaseURL  string
	Host     string
	LoggedIn bool
	CSRF     string
	Nav      []navItem
	Flash    *flash
	Robots   string
	Feeds    []feedLink // autodiscovery links in <head>
	Data     any
}

type navItem struct {
	Label, Href string
	Current     bool
}

type flash struct {
	Kind    string // ok or error
	Message string
}

// The owner's sections, in navigation order. Issuer joins when issuer mode
// exists.
var sections = []navItem{
	{Label: "Journal", Href: "/"},
	{Label: "Courses", Href: "/admin/courses"},
	{Label: "Mentions", Href: "/admin/mentions"},
	{Label: "Wallet", Href: "/admin/wallet"},
	{Label: "Issuer", Href: "/admin/issuer"},
	{Label: "Profiles", Href: "/admin/profiles"},
	{Label: "Settings", Href: "/admin/settings"},
}

// newPage fills the layout's fields for this request. current is the Href
// of the section being shown.
func (s *Server) newPage(c *fiber.Ctx, title, current string, data any) (*page, error) {
	o, err := s.ownerProfile(c.UserContext())
	if err != nil {
		return nil, err
	}
	p := &page{Title: title, Owner: o, BaseURL: s.Config.BaseURL, Host: s.host, Data: data,
		Feeds: s.feedLinks("/", "Journal")}
	if sess, ok := sessionOf(c); ok {
		p.LoggedIn = true
		p.CSRF = sess.CSRFToken
		p.Robots = "noindex"
		for _, n := range sections {
			n.Current = n.Href == current
			p.Nav = append(p.Nav, n)
		}
	}
	p.Flash = takeFlash(c)
	return p, nil
}

// anonymousForms are the pages a visitor without a session submits. Only
// they get the double-submit cookie, so every other public page is the
// same for every visitor and can be cached.
var anonymousForms = map[string]bool{"login": true, "setup": true}

// render writes a full HTML page with status.
func (s *Server) render(c *fiber.Ctx, status int, name string, p *page) error {
	if !p.LoggedIn && anonymousForms[name] {
		p.CSRF = s.anonymousCSRF(c)
	}
	b, err := s.views.render(name, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if p.LoggedIn || p.CSRF != "" {
		// Pages with a form token or owner data must not sit in shared caches.
		c.Set(fiber.HeaderCacheControl, "private, no-store")
	}
	return c.Status(status).Send(b)
}

// show is newPage + render for the common case.
func (s *Server) show(c *fiber.Ctx, status int, name, title, current string, data any) error {
	p, err := s.newPage(c, title, current, data)
	if err != nil {
		return err
	}
	return s.render(c, status, name, p)
}

const flashCookie = "cairn_flash"

// setFlash leaves a one-line message for the next page (post/redirect/get).
func (s *Server) setFlash(c *fiber.Ctx, kind, msg string) {
	c.Cookie(&fiber.Cookie{
		Name: flashCookie, Value: url.QueryEscape(kind + ":" + msg), Path: "/",
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.Secure(),
		Expires: time.Now().Add(time.Minute),
	})
}

// setFlashNow shows a message on the page rendered by this very request
// (a form shown again with its error), rather than the next one.
func (s *Server) setFlashNow(c *fiber.Ctx, kind, msg string) {
	c.Locals("flash", &flash{Kind: kind, Message: msg})
}

func takeFlash(c *fiber.Ctx) *flash {
	if f, ok := c.Locals("flash").(*flash); ok {
		return f
	}
	raw := c.Cookies(flashCookie)
	if raw == "" {
		return nil
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), HTTPOnly: true})
	v, err := url.QueryUnescape(raw)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(v, ":")
	if !ok || (kind != "ok" && kind != "error") || msg == "" {
		return nil
	}
	return &flash{Kind: kind, Message: msg}
}

// emptyData gives each page a zero view model for the startup render check.
func emptyData(name string) any {
	switch name {
	case "login":
		return loginData{}
	case "setup":
		return setupData{}
	case "error":
		return errorData{}
	case "section":
		return sectionData{}
	case "settings":
		return settingsData{}
	case "jobs":
		return jobsData{}
	case "home", "feed":
		return feedPageData{}
	case "post":
		return postPageData{}
	case "gone":
		return gonePageData{}
	case "editor":
		return editorData{}
	case "posts":
		return postsData{}
	case "courses":
		return coursesData{}
	case "course":
		return courseData{}
	case "task":
		return taskData{}
	case "mentions":
		return mentionsData{}
	case "awards":
		return awardsData{}
	case "wallet":
		return walletData{}
	case "credential":
		return credentialData{}
	case "roster":
		return rosterData{}
	case "submissions":
		return submissionsData{}
	case "issuer":
		return issuerPageData{}
	case "ledger":
		return ledgerData{Doc: &vl.Document{}, Older: -1}
	case "issuer_achievement", "issuer_achievement_edit", "issuer_achievement_owner":
		return issuerAchievementData{}
	case "issuer_admin", "issuer_achievements":
		return issuerAdminData{}
	case "issuer_awards":
		return issuerAwardsData{}
	case "award":
		return awardPageData{}
	case "profiles":
		return profilesData{}
	case "profile":
		return profileEditData{}
	case "profile_card":
		return profileCardData{}
	case "share":
		return &shareData{View: &profiles.View{}}
	case "share_gone":
		return shareGoneData{}
	case "evm":
		return evmData{}
	}
	return nil
}
