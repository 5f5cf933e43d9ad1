package app

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// newWallet builds the wallet service: fetches go through the one outbound
// client, the recipient check uses the owner's identities from Settings,
// and the trust check counts the followed courses' origins as trusted
// issuers; both are read at each verification so a change applies at once.
func newWallet(db *store.DB, acc *account.Service, cs *courses.Service, client *netx.Client, logger *slog.Logger) *wallet.Service {
	identities := func(ctx context.Context) ([]string, error) {
		o, err := acc.Owner(ctx)
		return o.Identities, err
	}
	w := wallet.New(db, verify.NetFetcher{Client: client}, identities, logger)
	w.SetCourseIssuers(courseIssuers(cs))
	return w
}

// courseIssuers gives the wallet the followed courses' origins
// (courses.FollowedOrigins), each named by its course, without the wallet
// importing ple.
func courseIssuers(cs *courses.Service) func(context.Context) ([]wallet.CourseIssuer, error) {
	return func(ctx context.Context) ([]wallet.CourseIssuer, error) {
		origins, err := cs.FollowedOrigins(ctx)
		if err != nil {
			return nil, err
		}
		list, err := cs.List(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]wallet.CourseIssuer, 0, len(origins))
		for _, o := range origins {
			ci := wallet.CourseIssuer{Origin: o}
			for _, c := range list {
				if originOf(c.FeedURL) == o || originOf(c.SiteURL) == o {
					ci.Course = firstNonEmpty(c.Name, c.SiteURL, c.FeedURL)
					break
				}
			}
			out = append(out, ci)
		}
		return out, nil
	}
}

// originOf is scheme://host[:port] of an http(s) URL in lower case, the
// form courses.FollowedOrigins gives.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	return scheme + "://" + strings.ToLower(u.Host)
}

// ImportCredential adds a credential to the wallet (`cairn import`): the
// bytes of a file, or a URL when isURL. Like the other one-shot commands it
// opens the store itself, so it works beside a running server.
func ImportCredential(ctx context.Context, cfg config.Config, input []byte, isURL bool) (wallet.Credential, bool, error) {
	client := netx.New(netx.Options{AllowPrivate: cfg.AllowPrivateNetwork, UserAgent: netx.UserAgent(Version, cfg.BaseURL)})
	defer client.CloseIdleConnections()
	var (
		cred    wallet.Credential
		created bool
	)
	err := withStore(ctx, cfg, func(db *store.DB) error {
		w := newWallet(db, account.New(db), courses.New(db, client, nil, slog.Default()), client, slog.Default())
		var err error
		if isURL {
			cred, created, err = w.ImportURL(ctx, string(input))
		} else {
			cred, created, err = w.Import(ctx, input, "")
		}
		return err
	})
	return cred, created, err
}
