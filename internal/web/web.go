// Package web is Cairn's HTTP surface: the Fiber app, its middleware, its
// templates and one file of handlers per area. It is the only package that
// imports Fiber; everything it shows comes from the domain packages.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/mentions"
	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/ple/roster"
	"github.com/cairn-pl/cairn/static"
	"github.com/cairn-pl/cairn/wallet"
	wevm "github.com/cairn-pl/cairn/wallet/evm"
	"github.com/cairn-pl/cairn/wallet/issuer"
	"github.com/cairn-pl/cairn/wallet/ledger"
)

// Deps is what the web layer is given by internal/app.
type Deps struct {
	Config   config.Config
	Store    *store.DB
	Account  *account.Service
	Jobs     *jobs.Queue
	Journal  *ple.Journal
	Courses  *courses.Service
	Mentions *mentions.Service
	Wallet   *wallet.Service
	Logger   *slog.Logger
	Version  string

	// Roster is issuer mode's roster and review queue (nil: no routes);
	// Awarder makes awards from it (nil: issuer mode is off).
	Roster  *roster.Service
	Awarder roster.Awarder
	// Issuer is issuer mode (nil: its pages and API answer 404).
	Issuer *issuer.Service
	// Ledger gives the issuer ledger while issuer mode is on (nil func or
	// nil result: /ledger answers 404).
	Ledger func(context.Context) *ledger.Ledger
	// Profiles is the skill profiles and their share links (nil: /s/ answers
	// 404 and /admin/profiles says the section is not there).
	Profiles *profiles.Service
	// EVM is the EVM networks: Learning Tokens on a chain, ledger anchors
	// (nil: /admin/evm and /api/evm answer 404).
	EVM *wevm.Service
}

// Server carries the handlers' shared state.
type Server struct {
	Deps
	views       *views
	assets      *assets
	host        string
	owner       atomic.Pointer[account.Owner] // cache of the owner's profile; reset on every change
	siteVersion atomic.Uint64                 // bumped when the owner's profile changes (see cache.go)
	cache       *pageCache                    // rendered public pages and feeds
	// webmentionLink is the Link header every page carries.
	webmentionLink string
}

// maxBody bounds every request body. Uploads (photos, badges) are the
// largest legitimate bodies; each handler applies its own smaller cap.
const maxBody = 8 << 20

// Site is the HTTP side of Cairn as the rest of the program sees it; Fiber
// stays inside this package.
type Site struct {
	app *fiber.App
}

// New builds the site with every route. It fails when a template or asset
// is broken, so a bad build never starts serving.
func New(d Deps) (*Site, error) {
	a, err := loadAssets(static.FS)
	if err != nil {
		return nil, err
	}
	v, err := loadViews(a)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(d.Config.BaseURL)
	s := &Server{Deps: d, views: v, assets: a, host: u.Host, cache: newPageCache(),
		webmentionLink: "<" + d.Config.BaseURL + `/webmention>; rel="webmention"`}
	if err := s.checkPagesRender(); err != nil {
		return nil, err
	}
	app := fiber.New(fiber.Config{
		AppName:               "Cairn",
		ErrorHandler:          s.handleError,
		BodyLimit:             maxBody,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           90 * time.Second,
		DisableStartupMessage: true,
		// Strings from c.Params and friends are copied, so handing them to
		// the job queue or a goroutine can never see reused buffers.
		Immutable: true,
	})
	s.routes(app)
	return &Site{app: app}, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Site) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits up to timeout for the
// requests in flight to finish.
func (s *Site) Shutdown(timeout time.Duration) error { return s.app.ShutdownWithTimeout(timeout) }

// Handler adapts the site to net/http, for httptest servers that play a
// second Cairn instance in tests.
func (s *Site) Handler() http.Handler { return adaptor.FiberApp(s.app) }

// Test runs one request through the site without a network, as Fiber's
// app.Test does; timeout -1 waits as long as it takes.
func (s *Site) Test(req *http.Request, timeout ...int) (*http.Response, error) {
	return s.app.Test(req, timeout...)
}

func (s *Server) routes(app *fiber.App) {
	// logRequests is outermost so it sees the final status, panics included.
	app.Use(s.logRequests, s.securityHeaders, recover.New())
	app.Get("/static/:hash/*", s.assets.serve)
	app.Get("/healthz", s.health)

	s.feedRoutes(app) // before sessions: feeds are the same for everyone
	s.webmentionRoutes(app)
	s.shareRoutes(app) // before sessions: the shared page is the same for everyone

	app.Use(s.loadSession, s.checkCSRF)
	app.Get("/media/:name", s.media)
	s.journalRoutes(app)
	s.authRoutes(app)

	admin := app.Group("/admin", s.requireOwner)
	admin.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/", fiber.StatusSeeOther) })
	s.journalAdminRoutes(admin)
	s.coursesRoutes(admin)
	s.mentionsAdminRoutes(admin)
	s.awardRoutes(admin)
	s.settingsRoutes(admin)
	s.jobsRoutes(admin)
	s.walletRoutes(admin)
	s.rosterRoutes(admin)

	api := app.Group("/api", s.requireToken)
	s.apiSettingsRoutes(api)
	s.apiPostsRoutes(api)
	s.apiCoursesRoutes(api)
	s.apiMentionsRoutes(api)
	s.apiWalletRoutes(api)
	s.apiRosterRoutes(api)
	s.profilesRoutes(admin, api)
	s.issuerRoutes(app, admin, api) // issuer mode: public documents, owner pages, API
	s.ledgerRoutes(app)
	s.evmRoutes(admin, api)
	api.Use(func(c *fiber.Ctx) error { return fiber.NewError(fiber.StatusNotFound, "no such API route") })

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// checkPagesRender executes every page once with empty data: a template
// that parses but fails at run time (an unknown asset, a bad field) stops
// startup here rather than on a visitor's request.
func (s *Server) checkPagesRender() error {
	for name := range s.views.pages {
		if _, err := s.views.render(name, &page{Data: emptyData(name)}); err != nil {
			return err
		}
	}
	return nil
}

// ownerProfile returns the cached owner, loading it on first use.
func (s *Server) ownerProfile(ctx context.Context) (account.Owner, error) {
	if o := s.owner.Load(); o != nil {
		return *o, nil
	}
	o, err := s.Account.Owner(ctx)
	if err != nil {
		return o, err
	}
	s.owner.Store(&o)
	return o, nil
}

// ownerChanged drops the cached profile and, through the content
// version, every cached page showing it.
func (s *Server) ownerChanged() {
	s.owner.Store(nil)
	s.siteVersion.Add(1)
}
