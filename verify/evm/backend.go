package evm

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Backend is what this package asks of a node: a subset of
// go-ethereum's ethclient.Client, which the simulated backend's client
// also implements.
type Backend interface {
	ChainID(ctx context.Context) (*big.Int, error)
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, isPending bool, err error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// Dial connects to a node's JSON-RPC endpoint over HTTP(S) with hc, the
// caller's outbound client (Cairn passes internal/netx's, so the SSRF guard,
// timeouts and redirect rules apply to every call). Only http and https
// URLs are accepted: a WebSocket or IPC endpoint would bypass hc.
func Dial(ctx context.Context, rawURL string, hc *http.Client) (*ethclient.Client, error) {
	if err := CheckRPCURL(rawURL); err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, errors.New("evm: no HTTP client")
	}
	c, err := rpc.DialOptions(ctx, rawURL, rpc.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("evm: dial %s: %w", redact(rawURL), err)
	}
	return ethclient.NewClient(c), nil
}

// CheckRPCURL accepts an http(s) URL with a host.
func CheckRPCURL(rawURL string) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("evm: the JSON-RPC URL must be an http:// or https:// address, not %q", redact(rawURL))
	}
	return nil
}

// redact drops user info (an RPC URL may embed credentials) from a URL
// for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Unreachable is an error of talking to the node (transport, timeout, an
// HTTP error status) rather than an answer from it.
type Unreachable struct{ Err error }

func (e *Unreachable) Error() string { return "the node could not be reached: " + e.Err.Error() }
func (e *Unreachable) Unwrap() error { return e.Err }

// IsUnreachable says whether err means the node did not answer.
func IsUnreachable(err error) bool {
	var u *Unreachable
	return errors.As(err, &u)
}

// classify wraps an error of a node call: ethereum.NotFound and JSON-RPC
// error answers (a revert, an unknown method) are answers; everything else
// is Unreachable.
func classify(err error) error {
	if err == nil || errors.Is(err, ethereum.NotFound) {
		return err
	}
	var rerr rpc.Error
	if errors.As(err, &rerr) {
		return err
	}
	var derr rpc.DataError
	if errors.As(err, &derr) {
		return err
	}
	return &Unreachable{Err: err}
}
