// Package evmtest deploys Cairn's Learning Tokens test contract
// (contracts/LearningTokens.sol) on go-ethereum's in-process simulated
// backend, or on any node a test reaches (geth --dev), and drives it:
// registry, course, the four mints, burns. Only tests import it.
package evmtest

import (
	"context"
	"crypto/ecdsa"
	_ "embed"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/cairn-pl/cairn/verify/evm"
)

// Bytecode is contracts/LearningTokens.bin (a test keeps the copies equal).
//
//go:embed LearningTokens.bin
var Bytecode string

// Client is what the harness needs of a node.
type Client interface {
	evm.Backend
	bind.ContractBackend
	bind.DeployBackend
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	BalanceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (*big.Int, error)
}

// Chain is a deployed test contract with its actors.
type Chain struct {
	Client   Client
	ChainID  *big.Int
	Contract common.Address
	ABI      abi.ABI
	// Owner deploys; Institution, Instructor and Learners are registered
	// by Setup; Other is an unrelated funded account.
	Owner, Institution, Instructor, Other *ecdsa.PrivateKey
	Learners                              []*ecdsa.PrivateKey
	Sim                                   *simulated.Backend // nil on a real node
	// CreatedAt is the time Setup and the mints write.
	CreatedAt int64

	commitMu sync.Mutex // the simulated backend's Commit is not safe for concurrent use
}

// Addr is a key's address.
func Addr(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }

// NewKeys makes n fresh keys.
func NewKeys(t testing.TB, n int) []*ecdsa.PrivateKey {
	t.Helper()
	out := make([]*ecdsa.PrivateKey, n)
	for i := range out {
		k, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = k
	}
	return out
}

// Simulated starts an in-process chain (chain id 1337) with funded actors
// and learners learners, deploys the contract and runs Setup.
func Simulated(t testing.TB, learners int, extra ...common.Address) *Chain {
	t.Helper()
	keys := NewKeys(t, 4+learners)
	alloc := types.GenesisAlloc{}
	fund, _ := new(big.Int).SetString("1000000000000000000000", 10)
	for _, k := range keys {
		alloc[Addr(k)] = types.Account{Balance: fund}
	}
	for _, a := range extra {
		alloc[a] = types.Account{Balance: fund}
	}
	sim := simulated.NewBackend(alloc, simulated.WithBlockGasLimit(60_000_000))
	t.Cleanup(func() { sim.Close() })
	c := &Chain{Client: sim.Client(), Sim: sim, Owner: keys[0], Institution: keys[1], Instructor: keys[2], Other: keys[3], Learners: keys[4:]}
	c.deploy(t)
	c.Setup(t)
	return c
}

// OnNode deploys on a node whose accounts keys are funded already, and
// runs Setup. keys: owner, institution, instructor, other, learners....
func OnNode(t testing.TB, client Client, keys []*ecdsa.PrivateKey) *Chain {
	t.Helper()
	c := &Chain{Client: client, Owner: keys[0], Institution: keys[1], Instructor: keys[2], Other: keys[3], Learners: keys[4:]}
	c.deploy(t)
	c.Setup(t)
	return c
}

func (c *Chain) deploy(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	id, err := c.Client.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.ChainID = id
	c.ABI = evm.ContractABI()
	c.CreatedAt = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Unix()
	addr, tx, _, err := bind.DeployContract(c.opts(t, c.Owner), c.ABI, common.FromHex(strings.TrimSpace(Bytecode)), c.Client)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	c.mined(t, tx)
	c.Contract = addr
}

func (c *Chain) opts(t testing.TB, k *ecdsa.PrivateKey) *bind.TransactOpts {
	t.Helper()
	o, err := bind.NewKeyedTransactorWithChainID(k, c.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	o.Context = context.Background()
	return o
}

// Commit mines pending transactions on the simulated chain (no-op on a
// node that mines by itself).
func (c *Chain) Commit() {
	if c.Sim != nil {
		c.commitMu.Lock()
		c.Sim.Commit()
		c.commitMu.Unlock()
	}
}

// AutoMine mines the simulated chain every period, as a dev node with a
// block period does, until the test ends (for code that sends
// transactions itself and waits for them).
func (c *Chain) AutoMine(t testing.TB, period time.Duration) {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				c.Commit()
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

func (c *Chain) mined(t testing.TB, tx *types.Transaction) *types.Receipt {
	t.Helper()
	c.Commit()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, err := bind.WaitMined(ctx, c.Client, tx)
	if err != nil {
		t.Fatalf("wait for %s: %v", tx.Hash().Hex(), err)
	}
	if rc.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction %s reverted", tx.Hash().Hex())
	}
	return rc
}

// Transact calls a contract function as k and waits for its receipt.
func (c *Chain) Transact(t testing.TB, k *ecdsa.PrivateKey, method string, args ...any) *types.Receipt {
	t.Helper()
	bc := bind.NewBoundContract(c.Contract, c.ABI, c.Client, c.Client, c.Client)
	tx, err := bc.Transact(c.opts(t, k), method, args...)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return c.mined(t, tx)
}

// Setup registers institution "Open University" (by the owner), instructor
// "Ada Lovelace" under it, every learner, and course 0 "Solidity 101" with
// every learner and the scoring guide ipfs://scoring-guide.
func (c *Chain) Setup(t testing.TB) {
	t.Helper()
	ts := big.NewInt(c.CreatedAt)
	c.Transact(t, c.Owner, "registerInstitution", "Open University", Addr(c.Institution), ts, "51.5", "-0.1")
	c.Transact(t, c.Instructor, "registerInstructor", "Ada Lovelace", ts)
	c.Transact(t, c.Institution, "addInstructorToInstitution", Addr(c.Instructor), ts)
	var addrs []common.Address
	for i, l := range c.Learners {
		c.Transact(t, l, "registerLearner", "Learner "+string(rune('A'+i%26)), ts, "", "")
		addrs = append(addrs, Addr(l))
	}
	c.Transact(t, c.Instructor, "createCourse", Addr(c.Institution), "Solidity 101", ts, addrs, "ipfs://scoring-guide")
}

// Mint mints one token of a kind to learner i in course 0: attendance and
// help with field "11.0701" and skill "Programming", score with the same
// and skill "Solidity", instructor-score with the field only.
func (c *Chain) Mint(t testing.TB, kind string, learner int, amount int64) *types.Receipt {
	t.Helper()
	ids := []*big.Int{big.NewInt(int64(learner))}
	amounts := []*big.Int{big.NewInt(amount)}
	course, ts := big.NewInt(0), big.NewInt(c.CreatedAt)
	switch kind {
	case evm.KindAttendance:
		return c.Transact(t, c.Instructor, "batchMintAttendanceToken", ids, amounts, course, ts, "11.0701", "Programming")
	case evm.KindScore:
		return c.Transact(t, c.Instructor, "batchMintScoreToken", ids, amounts, course, ts, "11.0701", "Solidity")
	case evm.KindHelp:
		return c.Transact(t, c.Instructor, "batchMintHelpingToken", ids, amounts, course, ts, "11.0701", "Programming")
	case evm.KindInstructorScore:
		return c.Transact(t, c.Instructor, "batchMintInstructorScoreToken", ids, amounts, course, ts, "11.0701")
	}
	t.Fatalf("unknown kind %q", kind)
	return nil
}

// MintAll mints one token of each kind to learner i (amounts 1, 40, 3, 5)
// and returns the receipts in that order.
func (c *Chain) MintAll(t testing.TB, learner int) []*types.Receipt {
	t.Helper()
	return []*types.Receipt{
		c.Mint(t, evm.KindAttendance, learner, 1),
		c.Mint(t, evm.KindScore, learner, 40),
		c.Mint(t, evm.KindHelp, learner, 3),
		c.Mint(t, evm.KindInstructorScore, learner, 5),
	}
}

// Burn takes amount of token id from learner i (the owner's test-only
// burn).
func (c *Chain) Burn(t testing.TB, learner int, id *big.Int, amount int64) {
	t.Helper()
	c.Transact(t, c.Owner, "burn", Addr(c.Learners[learner]), id, big.NewInt(amount))
}

// HTTP serves the simulated chain's JSON-RPC over HTTP on loopback, so a
// test can reach it through evm.Dial and internal/netx like a real node.
// Only single (not batch) requests are forwarded.
func (c *Chain) HTTP(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(RPCHandler(rpcClient(t, c.Client)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// rpcClient digs the rpc.Client out of a client: an *ethclient.Client, or
// the simulated backend's wrapper, whose field Client holds one.
func rpcClient(t testing.TB, c Client) *rpc.Client {
	if ec, ok := c.(*ethclient.Client); ok {
		return ec.Client()
	}
	v := reflect.ValueOf(c)
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("Client"); f.IsValid() && f.CanInterface() {
			if ec, ok := f.Interface().(*ethclient.Client); ok {
				return ec.Client()
			}
		}
	}
	t.Fatal("evmtest: the client has no rpc.Client to serve")
	return nil
}

// RPCHandler forwards JSON-RPC requests over HTTP to an rpc.Client.
func RPCHandler(rc *rpc.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "only single JSON-RPC requests", http.StatusBadRequest)
			return
		}
		args := make([]any, len(req.Params))
		for i, p := range req.Params {
			args[i] = p
		}
		var result json.RawMessage
		resp := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		if err := rc.CallContext(r.Context(), &result, req.Method, args...); err != nil {
			e := map[string]any{"code": -32000, "message": err.Error()}
			if re, ok := err.(rpc.Error); ok {
				e["code"] = re.ErrorCode()
			}
			if de, ok := err.(rpc.DataError); ok {
				e["data"] = de.ErrorData()
			}
			resp["error"] = e
		} else {
			if result == nil {
				result = json.RawMessage("null")
			}
			resp["result"] = result
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
}

// Unreachable is a Backend whose every call fails as a dead node's would.
type Unreachable struct{}

var errDown = &net{}

type net struct{}

func (*net) Error() string { return "dial tcp 127.0.0.1:1: connect: connection refused" }

func (Unreachable) ChainID(context.Context) (*big.Int, error) { return nil, errDown }
func (Unreachable) CodeAt(context.Context, common.Address, *big.Int) ([]byte, error) {
	return nil, errDown
}
func (Unreachable) CallContract(context.Context, ethereum.CallMsg, *big.Int) ([]byte, error) {
	return nil, errDown
}
func (Unreachable) FilterLogs(context.Context, ethereum.FilterQuery) ([]types.Log, error) {
	return nil, errDown
}
func (Unreachable) TransactionByHash(context.Context, common.Hash) (*types.Transaction, bool, error) {
	return nil, false, errDown
}
func (Unreachable) TransactionReceipt(context.Context, common.Hash) (*types.Receipt, error) {
	return nil, errDown
}

// Send transfers value (wei) from k to addr and waits for it.
func Send(t testing.TB, c *Chain, k *ecdsa.PrivateKey, to common.Address, value *big.Int) {
	t.Helper()
	ctx := context.Background()
	from := Addr(k)
	nonce, err := c.Client.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	price, err := c.Client.SuggestGasPrice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := types.SignTx(types.NewTx(&types.LegacyTx{Nonce: nonce, GasPrice: price, Gas: 21000, To: &to, Value: value}),
		types.LatestSignerForChainID(c.ChainID), k)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Client.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	c.mined(t, tx)
}
