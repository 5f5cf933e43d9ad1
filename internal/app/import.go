package app

import (
	"context"
	"log/slog"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// newWallet builds the wallet service: fetches go through the one outbound
// client, and the recipient check uses the owner's identities from
// Settings, read at each verification so a change applies at once.
func newWallet(db *store.DB, acc *account.Service, client *netx.Client, logger *slog.Logger) *wallet.Service {
	identities := func(ctx context.Context) ([]string, error) {
		o, err := acc.Owner(ctx)
		return o.Identities, err
	}
	return wallet.New(db, verify.NetFetcher{Client: client}, identities, logger)
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
		w := newWallet(db, account.New(db), client, slog.Default())
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
