package verify

import (
	"context"

	"github.com/cairn-pl/cairn/internal/netx"
)

// NetFetcher fetches through Cairn's one outbound client, with its SSRF
// guard, timeouts and body caps. It answers every status (a 410 is an
// answer, not an error) and reports only transport failures as errors.
type NetFetcher struct{ Client *netx.Client }

// Fetch implements Fetcher.
func (f NetFetcher) Fetch(ctx context.Context, url, accept string) (*Response, error) {
	resp, err := f.Client.Get(ctx, url, netx.WithHeader("Accept", accept), netx.WithMaxBody(netx.MaxImageBody))
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: resp.Body}
	if resp.URL != nil {
		out.URL = resp.URL.String()
	}
	return out, nil
}

var _ Fetcher = NetFetcher{}
