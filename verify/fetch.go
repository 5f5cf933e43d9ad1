package verify

import (
	"context"
	"errors"
)

// Fetcher is how the verifier reaches the network. Cairn wires
// internal/netx behind it; tests use a map or an httptest server.
type Fetcher interface {
	Fetch(ctx context.Context, url string, accept string) (*Response, error)
}

// Response is a fetched document.
type Response struct {
	// Status is the HTTP status code of the final response.
	Status int
	// ContentType is the Content-Type header, as sent.
	ContentType string
	// URL is the final URL after redirects ("" means the requested URL).
	URL string
	// Body is the response body (already size-capped by the fetcher).
	Body []byte
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, url, accept string) (*Response, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, url, accept string) (*Response, error) {
	return f(ctx, url, accept)
}

// errNoFetcher is returned when Options carries no Fetcher.
var errNoFetcher = errors.New("no network access configured")

// Accept headers.
const (
	acceptJSON      = "application/ld+json, application/json"
	acceptAssertion = "application/ld+json, application/json, image/png, image/svg+xml, text/plain"
	acceptKey       = "application/ld+json, application/json, application/x-pem-file, text/plain"
)

type fetched struct {
	resp *Response
	err  error
}
