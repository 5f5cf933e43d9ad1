// Package evm brings Learning Tokens held on an EVM chain into the wallet
// and anchors the issuer ledger's heads on such a chain.
//
// The owner lists EVM networks (Settings → EVM networks): a name, a
// JSON-RPC URL reached through internal/netx, the chain id and the Learning
// Tokens contract. Import reads every token minted to an address
// (verify/evm) and stores each as a wallet credential: its record (JSON,
// kind "learning-token") is the original, so the wallet lists it, totals
// it and shares it like any other credential. The wallet middleware
// (Middleware) verifies those records against the network of their chain
// and, for other credentials, adds the ledger anchor note when the
// issuer's /ledger lists anchors on a chain the owner has a network for.
//
// In issuer mode, with one network marked for anchoring, the anchor key
// (keys/evm-anchor-secp256k1.key: a secp256k1 key Cairn generates, hex,
// 0600, never overwritten, never logged; the owner funds its address)
// periodically sends the latest ledger head in a transaction to itself;
// confirmed anchors are published in /ledger's anchors.
package evm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
	vevm "github.com/cairn-pl/cairn/verify/evm"
	vl "github.com/cairn-pl/cairn/verify/ledger"
	"github.com/cairn-pl/cairn/wallet"
)

// Client is what the service asks of a node: reading and verifying
// (verify/evm.Backend) and sending anchors (verify/evm.Sender).
// *ethclient.Client and the simulated backend's client have it.
type Client interface {
	vevm.Backend
	vevm.Sender
}

// Network is one EVM network the owner configured.
type Network struct {
	ID        int64
	Name      string
	RPCURL    string
	ChainID   uint64
	Contract  string // EIP-55, "" for a network used only for anchoring
	FromBlock uint64
	Anchor    bool // the issuer anchors its ledger heads here
	AddedAt   time.Time
}

// Wallet is what the service needs of the wallet.
type Wallet interface {
	Import(ctx context.Context, data []byte, sourceURL string) (wallet.Credential, bool, error)
}

// HeadSource gives the issuer ledger's head (wallet/ledger.Ledger).
type HeadSource interface {
	Head(ctx context.Context) (*vl.Head, error)
}

// Config builds a Service.
type Config struct {
	Store  *store.DB
	Wallet Wallet
	// HTTP is the outbound client every JSON-RPC call goes through
	// (internal/netx's HTTPClient()).
	HTTP    *http.Client
	KeysDir string
	Logger  *slog.Logger
	// Ledger is the issuer ledger whose heads are anchored; nil: no
	// anchoring.
	Ledger HeadSource
	// AnchorEvery is how often the head is anchored (when it changed);
	// zero means DefaultAnchorEvery.
	AnchorEvery time.Duration
	// AllowPrivate lets did:web ledgers on private hosts be read over
	// http (CAIRN_ALLOW_PRIVATE_NETWORK), as the verifier does.
	AllowPrivate bool
	Now          func() time.Time
}

// DefaultAnchorEvery is how often the ledger head is anchored by default.
const DefaultAnchorEvery = time.Hour

// Service is the EVM side of the wallet and of issuer mode.
type Service struct {
	cfg   Config
	queue *jobs.Queue
	// Dial opens a client for a network; evm.Dial through cfg.HTTP by
	// default. Tests replace it (the simulated backend).
	Dial func(ctx context.Context, n Network) (Client, error)

	mu      sync.Mutex
	clients map[int64]cachedClient
	// known is what verifications learned of each network that does not
	// change: its chain id and that its contract has code.
	known map[int64]knownChain
	keyMu sync.Mutex
}

type knownChain struct {
	url      string
	contract string
	chainID  *big.Int
}

type cachedClient struct {
	url string
	c   Client
}

// ValidationError is input the owner must correct; its message is safe to
// show.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// New builds the service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AnchorEvery <= 0 {
		cfg.AnchorEvery = DefaultAnchorEvery
	}
	s := &Service{cfg: cfg, clients: map[int64]cachedClient{}, known: map[int64]knownChain{}}
	s.Dial = func(ctx context.Context, n Network) (Client, error) {
		return vevm.Dial(ctx, n.RPCURL, cfg.HTTP)
	}
	return s
}

// client returns the (kept, warm) client of a network.
func (s *Service) client(ctx context.Context, n Network) (Client, error) {
	s.mu.Lock()
	cc, ok := s.clients[n.ID]
	s.mu.Unlock()
	if ok && cc.url == n.RPCURL {
		return cc.c, nil
	}
	c, err := s.Dial(ctx, n)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.clients[n.ID] = cachedClient{url: n.RPCURL, c: c}
	s.mu.Unlock()
	return c, nil
}

func (s *Service) forget(id int64) {
	s.mu.Lock()
	delete(s.clients, id)
	delete(s.known, id)
	s.mu.Unlock()
}

// importChainKey carries an import's Chain to the verifications of its
// tokens, so they share what the import read of the registry.
type importChainKey struct{}

const networkColumns = "id, name, rpc_url, chain_id, contract, from_block, anchor, added_at"

func scanNetwork(row interface{ Scan(...any) error }) (Network, error) {
	var n Network
	var chain, from, added int64
	var anchor int
	if err := row.Scan(&n.ID, &n.Name, &n.RPCURL, &chain, &n.Contract, &from, &anchor, &added); err != nil {
		return n, store.MapErr(err)
	}
	n.ChainID, n.FromBlock, n.Anchor, n.AddedAt = uint64(chain), uint64(from), anchor == 1, store.Time(added)
	return n, nil
}

// Networks lists the configured networks by name.
func (s *Service) Networks(ctx context.Context) ([]Network, error) {
	rows, err := s.cfg.Store.R.QueryContext(ctx, "SELECT "+networkColumns+" FROM evm_networks ORDER BY name, id")
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	var out []Network
	for rows.Next() {
		n, err := scanNetwork(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, store.MapErr(rows.Err())
}

// Network returns one network (store.ErrNotFound when none has that id).
func (s *Service) Network(ctx context.Context, id int64) (Network, error) {
	return scanNetwork(s.cfg.Store.R.QueryRowContext(ctx, "SELECT "+networkColumns+" FROM evm_networks WHERE id = ?", id))
}

// networkFor picks the network of a chain id and contract: the one with
// that contract, else (contract "") any of that chain. ok is false when
// none is configured.
func (s *Service) networkFor(ctx context.Context, chainID uint64, contract string) (Network, bool, error) {
	row := s.cfg.Store.R.QueryRowContext(ctx, "SELECT "+networkColumns+` FROM evm_networks
		WHERE chain_id = ? AND (? = '' OR lower(contract) = lower(?)) ORDER BY contract = '' , id LIMIT 1`,
		int64(chainID), contract, contract)
	n, err := scanNetwork(row)
	if errors.Is(err, store.ErrNotFound) {
		return n, false, nil
	}
	return n, err == nil, err
}

// AddNetwork checks and stores a network. When the node answers, its chain
// id must be the one given (a node that cannot be reached now is accepted:
// it may be down for a while).
func (s *Service) AddNetwork(ctx context.Context, n Network) (Network, error) {
	n.Name, n.RPCURL, n.Contract = strings.TrimSpace(n.Name), strings.TrimSpace(n.RPCURL), strings.TrimSpace(n.Contract)
	switch {
	case n.Name == "" || len(n.Name) > 100:
		return n, &ValidationError{Msg: "Give the network a name of at most 100 characters."}
	case vevm.CheckRPCURL(n.RPCURL) != nil || len(n.RPCURL) > 2000:
		return n, &ValidationError{Msg: "The JSON-RPC URL must be an http:// or https:// address (such as http://localhost:8545)."}
	case n.ChainID == 0 || n.ChainID > 1<<53:
		return n, &ValidationError{Msg: "Give the chain id (1337 for a Besu or geth development network)."}
	case n.Contract != "" && !common.IsHexAddress(n.Contract):
		return n, &ValidationError{Msg: fmt.Sprintf("%q is not a contract address (0x followed by 40 hex digits).", n.Contract)}
	}
	if n.Contract != "" {
		n.Contract = common.HexToAddress(n.Contract).Hex()
	}
	if c, err := s.Dial(ctx, n); err == nil {
		probe, cancel := context.WithTimeout(ctx, 5*time.Second)
		id, err := c.ChainID(probe)
		cancel()
		if err == nil && (!id.IsUint64() || id.Uint64() != n.ChainID) {
			return n, &ValidationError{Msg: fmt.Sprintf("The node at that URL answers for chain %s, not %d.", id, n.ChainID)}
		}
	}
	res, err := s.cfg.Store.W.ExecContext(ctx, `INSERT INTO evm_networks (name, rpc_url, chain_id, contract, from_block, anchor, added_at)
		VALUES (?, ?, ?, ?, ?, 0, ?)`, n.Name, n.RPCURL, int64(n.ChainID), n.Contract, int64(n.FromBlock), store.Millis(s.cfg.Now()))
	if err != nil {
		if errors.Is(store.MapErr(err), store.ErrConflict) {
			return n, &ValidationError{Msg: "A network with that chain id and contract is listed already."}
		}
		return n, store.MapErr(err)
	}
	id, _ := res.LastInsertId()
	return s.Network(ctx, id)
}

// DeleteNetwork removes a network; its tokens stay in the wallet (they
// verify as unknown until a network for their chain is listed again).
func (s *Service) DeleteNetwork(ctx context.Context, id int64) error {
	res, err := s.cfg.Store.W.ExecContext(ctx, "DELETE FROM evm_networks WHERE id = ?", id)
	if err != nil {
		return store.MapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	s.forget(id)
	return nil
}

// SetAnchorNetwork makes network id the one the ledger is anchored to (0:
// none).
func (s *Service) SetAnchorNetwork(ctx context.Context, id int64) error {
	return s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE evm_networks SET anchor = 0"); err != nil {
			return store.MapErr(err)
		}
		if id == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, "UPDATE evm_networks SET anchor = 1 WHERE id = ?", id)
		if err != nil {
			return store.MapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// ImportResult is what Import brought into the wallet.
type ImportResult struct {
	Address string
	Network Network
	Tokens  []wallet.Credential
	Created int // new credentials; the rest were there and got a fresh report
}

// Import reads every Learning Token minted to address on a network and
// stores each in the wallet (verified there through Middleware). Importing
// again refreshes the tokens already there.
func (s *Service) Import(ctx context.Context, networkID int64, address string) (ImportResult, error) {
	n, err := s.Network(ctx, networkID)
	if err != nil {
		return ImportResult{}, err
	}
	address = strings.TrimSpace(address)
	_, holder, ok := vevm.ParseAccount(address)
	if !ok {
		return ImportResult{}, &ValidationError{Msg: fmt.Sprintf("%q is not an address (0x followed by 40 hex digits).", address)}
	}
	if n.Contract == "" {
		return ImportResult{}, &ValidationError{Msg: fmt.Sprintf("Network %q has no Learning Tokens contract.", n.Name)}
	}
	c, err := s.client(ctx, n)
	if err != nil {
		return ImportResult{}, err
	}
	ch := vevm.NewChain(c, common.HexToAddress(n.Contract))
	ch.FromBlock = n.FromBlock
	recs, err := ch.Read(ctx, holder)
	if errors.Is(err, vevm.ErrNoTokens) {
		return ImportResult{}, &ValidationError{Msg: fmt.Sprintf("No Learning Tokens were minted to %s on %s.", holder.Hex(), n.Name)}
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("read the tokens of %s on %s: %w", holder.Hex(), n.Name, err)
	}
	if id, err := ch.ChainID(ctx); err == nil && id.Uint64() != n.ChainID {
		return ImportResult{}, &ValidationError{Msg: fmt.Sprintf("The node of %s answers for chain %s, not %d.", n.Name, id, n.ChainID)}
	}
	res := ImportResult{Address: holder.Hex(), Network: n}
	ctx = context.WithValue(ctx, importChainKey{}, ch)
	for _, r := range recs {
		cred, created, err := s.cfg.Wallet.Import(ctx, r.Marshal(), "")
		if err != nil {
			return res, fmt.Errorf("store token %s: %w", r.ID(), err)
		}
		if created {
			res.Created++
		}
		res.Tokens = append(res.Tokens, cred)
	}
	return res, nil
}

// Middleware is the wallet middleware (wallet.Service.Use): Learning
// Token records are verified against the network of their chain; every
// other credential goes to next, and its ledger check gets the anchor note.
func (s *Service) Middleware(ctx context.Context, input []byte, opts verify.Options, next wallet.VerifyFunc) verify.Report {
	if !vevm.IsRecord(input) {
		opts.LedgerAnchors = s.CheckLedgerAnchors // the ledger check also asks the chain
		return next(ctx, input, opts)
	}
	vo := vevm.Options{TrustedIssuers: opts.TrustedIssuers, Recipients: opts.Recipients, Now: opts.Now}
	rec, err := vevm.ParseRecord(input)
	if err != nil {
		return vevm.Verify(ctx, nil, input, vo) // reports the parse failure
	}
	if ch, ok := ctx.Value(importChainKey{}).(*vevm.Chain); ok && ch.Contract == common.HexToAddress(rec.Contract) {
		return vevm.Verify(ctx, ch, input, vo) // an import's own tokens: the registry it just read
	}
	n, ok, err := s.networkFor(ctx, rec.ChainID, rec.Contract)
	if err != nil {
		s.cfg.Logger.Warn("evm: find the network", "chain", rec.ChainID, "err", err)
	}
	if !ok {
		return vevm.Verify(ctx, nil, input, vo)
	}
	ch := s.chain(ctx, n, rec.Contract)
	rep := vevm.Verify(ctx, ch, input, vo)
	if id, code := ch.Learned(); id != nil && code {
		s.mu.Lock()
		s.known[n.ID] = knownChain{url: n.RPCURL, contract: strings.ToLower(rec.Contract), chainID: id}
		s.mu.Unlock()
	}
	return rep
}

// chain gives the reader of contract on network n, preset with what
// earlier verifications learned of it.
func (s *Service) chain(ctx context.Context, n Network, contract string) *vevm.Chain {
	c, err := s.client(ctx, n)
	if err != nil {
		return vevm.NewChain(unreachable{err}, common.HexToAddress(contract))
	}
	ch := vevm.NewChain(c, common.HexToAddress(contract))
	ch.FromBlock = n.FromBlock
	s.mu.Lock()
	k, ok := s.known[n.ID]
	s.mu.Unlock()
	if ok && k.url == n.RPCURL && k.contract == strings.ToLower(contract) {
		ch.Known(k.chainID, true)
	}
	return ch
}

// backendFor gives the client of a chain id's network (any contract); nil
// when none is configured.
func (s *Service) backendFor(ctx context.Context, chainID uint64) (vevm.Backend, error) {
	n, ok, err := s.networkFor(ctx, chainID, "")
	if err != nil || !ok {
		return nil, err
	}
	return s.client(ctx, n)
}

// TokenTotals is a convenience for pages: the wallet's Learning Token
// totals (chain tokens included, since they are wallet credentials).
func TokenTotals(creds []wallet.Credential) wallet.TokenTotals {
	return wallet.CredentialTokenTotals(creds)
}

// IsChainToken says whether a wallet credential is a Learning Token read
// from an EVM chain.
func IsChainToken(c wallet.Credential) bool { return c.Format == vevm.FormatLearningTokenEVM }

// unreachable is a Backend for a network that could not be dialled.
type unreachable struct{ err error }

func (u unreachable) fail() error { return &vevm.Unreachable{Err: u.err} }

func (u unreachable) ChainID(context.Context) (*big.Int, error) { return nil, u.fail() }
func (u unreachable) CodeAt(context.Context, common.Address, *big.Int) ([]byte, error) {
	return nil, u.fail()
}
func (u unreachable) CallContract(context.Context, ethereum.CallMsg, *big.Int) ([]byte, error) {
	return nil, u.fail()
}
func (u unreachable) FilterLogs(context.Context, ethereum.FilterQuery) ([]types.Log, error) {
	return nil, u.fail()
}
func (u unreachable) TransactionByHash(context.Context, common.Hash) (*types.Transaction, bool, error) {
	return nil, false, u.fail()
}
func (u unreachable) TransactionReceipt(context.Context, common.Hash) (*types.Receipt, error) {
	return nil, u.fail()
}
