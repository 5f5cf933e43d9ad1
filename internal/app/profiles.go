package app

import (
	"context"

	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// WalletCredentials is the wallet as skill profiles see it
// (profiles.Credentials): ple does not import the wallet.
type WalletCredentials struct{ W *wallet.Service }

// ListCredentials lists the wallet with the latest reports.
func (w WalletCredentials) ListCredentials(ctx context.Context) ([]profiles.Credential, error) {
	list, err := w.W.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]profiles.Credential, 0, len(list))
	for _, c := range list {
		out = append(out, ProfileCredential(c))
	}
	return out, nil
}

// VerifyCredential re-verifies one credential with a shared cache.
func (w WalletCredentials) VerifyCredential(ctx context.Context, id int64, cache *verify.Cache) (verify.Report, error) {
	return w.W.ReverifyShared(ctx, id, cache)
}

// Original returns the credential's bytes as imported.
func (w WalletCredentials) Original(ctx context.Context, id int64) ([]byte, string, error) {
	return w.W.Original(ctx, id)
}

// ProfileCredential converts a wallet credential.
func ProfileCredential(c wallet.Credential) profiles.Credential {
	return profiles.Credential{ID: c.ID, Name: c.Name, Description: c.Description, Image: c.Image,
		IssuerID: c.IssuerID, IssuerName: c.IssuerName, IssuerURL: c.IssuerURL, Issued: c.Issued, Expires: c.Expires,
		Format: c.Format, OriginalType: c.OriginalType, Verdict: c.Verdict, Report: c.Report,
		VerifiedAt: c.VerifiedAt, ChangedAt: c.ChangedAt}
}
