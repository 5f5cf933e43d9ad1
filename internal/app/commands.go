package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
)

// The one-shot commands of the CLI. Each opens the store on its own, so it
// works beside a running `cairn serve` on the same data dir: SQLite's WAL
// and busy timeout let the two processes share the file.

// SetPassword sets the owner password (`cairn passwd`).
func SetPassword(ctx context.Context, cfg config.Config, pw string) error {
	return withStore(ctx, cfg, func(db *store.DB) error {
		return account.New(db).SetPassword(ctx, pw)
	})
}

// CreateToken makes an API token and returns it in plain (`cairn token
// create NAME`).
func CreateToken(ctx context.Context, cfg config.Config, name string) (string, error) {
	var token string
	err := withStore(ctx, cfg, func(db *store.DB) error {
		var err error
		token, _, err = account.New(db).CreateAPIToken(ctx, name)
		return err
	})
	return token, err
}

// Backup copies the database to file (`cairn backup FILE`).
func Backup(ctx context.Context, cfg config.Config, file string) error {
	return withStore(ctx, cfg, func(db *store.DB) error { return db.Backup(ctx, file) })
}

func withStore(ctx context.Context, cfg config.Config, fn func(*store.DB) error) error {
	db, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	if err := fn(db); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// Healthcheck asks the local server whether it is up (`cairn healthcheck`,
// the container HEALTHCHECK). It goes through netx like every outbound
// request, explicitly allowed to reach this machine.
func Healthcheck(ctx context.Context, cfg config.Config) error {
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: 5 * time.Second, UserAgent: netx.UserAgent(Version, cfg.BaseURL)})
	defer client.CloseIdleConnections()
	resp, err := client.Get(ctx, cfg.LocalURL()+"/healthz", netx.WithMaxBody(1024))
	if err != nil {
		return fmt.Errorf("no answer from %s: %w", cfg.LocalURL(), err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", cfg.LocalURL(), resp.StatusCode, strings.TrimSpace(string(resp.Body)))
	}
	return nil
}

// ReadPassword reads a password from a non-terminal stdin: the first line,
// without its line ending.
func ReadPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}
