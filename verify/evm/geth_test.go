package evm_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/evm"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
)

// TestGethDevNode does what the simulated-backend tests do over real
// JSON-RPC: it starts `geth --dev --http` on loopback (when a geth binary
// is on the PATH; see README "EVM networks"), deploys the contract, mints
// the four kinds, reads and verifies them through internal/netx, tampers,
// and anchors a ledger hash. It skips when geth is absent.
func TestGethDevNode(t *testing.T) {
	geth, err := exec.LookPath("geth")
	if err != nil {
		t.Skip("geth is not on the PATH (go install github.com/ethereum/go-ethereum/cmd/geth@v1.14.13)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	url := startGeth(t, geth)
	ctx := context.Background()
	hc := netx.New(netx.Options{AllowPrivate: true}).HTTPClient()
	client, err := evm.Dial(ctx, url, hc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	// Fund our actors from the dev account (unlocked by --dev).
	var accounts []common.Address
	if err := client.Client().CallContext(ctx, &accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
		t.Fatalf("eth_accounts: %v %v", accounts, err)
	}
	anchorKey, _ := crypto.GenerateKey()
	keys := evmtest.NewKeys(t, 5)
	var pending []common.Hash
	for _, a := range append([]common.Address{crypto.PubkeyToAddress(anchorKey.PublicKey)}, addrs(keys)...) {
		var h common.Hash
		err := client.Client().CallContext(ctx, &h, "eth_sendTransaction", map[string]any{
			"from": accounts[0], "to": a, "value": hexutil.Big(*new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))})
		if err != nil {
			t.Fatalf("fund %s: %v", a.Hex(), err)
		}
		pending = append(pending, h)
	}
	for _, h := range pending {
		waitReceipt(t, client, h)
	}

	c := evmtest.OnNode(t, client, keys)
	if c.ChainID.Uint64() != 1337 {
		t.Fatalf("geth --dev chain id %s", c.ChainID)
	}
	c.MintAll(t, 0)
	chain := evm.NewChain(client, c.Contract)
	recs, err := chain.Read(ctx, evmtest.Addr(c.Learners[0]))
	if err != nil || len(recs) != 4 {
		t.Fatalf("read: %d %v", len(recs), err)
	}
	opts := evm.Options{TrustedIssuers: trusted(c)}
	for _, r := range recs {
		rep := evm.Verify(ctx, chain, r.Marshal(), opts)
		if rep.Verdict != verify.VerdictValid {
			t.Fatalf("%s: %s %+v", r.TokenType, rep.Verdict, rep.Checks)
		}
	}
	wrong := recs[1]
	wrong.Holder = evmtest.Addr(c.Other).Hex()
	check(t, evm.Verify(ctx, chain, wrong.Marshal(), opts), "signature", verify.StatusFail, "holder")
	other := recs[1]
	other.ChainID = 5
	check(t, evm.Verify(ctx, chain, other.Marshal(), opts), "key", verify.StatusFail, "on chain 5")
	id, _ := new(big.Int).SetString(recs[0].TokenID, 10)
	c.Burn(t, 0, id, 1)
	check(t, evm.Verify(ctx, evm.NewChain(client, c.Contract), recs[0].Marshal(), opts), "status", verify.StatusFail, "burned")

	// An anchor on the dev chain.
	hash := strings.Repeat("5a", 32)
	tx, err := evm.SendAnchor(ctx, client, anchorKey, 1337, 7, hash)
	if err != nil {
		t.Fatal(err)
	}
	rc := waitReceipt(t, client, tx.Hash())
	a := evm.NewAnchor(1337, crypto.PubkeyToAddress(anchorKey.PublicKey), tx.Hash(), rc, 7, hash, "")
	if idx, got, err := evm.CheckAnchor(ctx, client, a); err != nil || idx != 7 || got != hash {
		t.Fatalf("anchor: %d %s %v", idx, got, err)
	}
}

func addrs(keys []*ecdsa.PrivateKey) []common.Address {
	out := make([]common.Address, len(keys))
	for i, k := range keys {
		out[i] = evmtest.Addr(k)
	}
	return out
}

func waitReceipt(t *testing.T, c interface {
	TransactionReceipt(context.Context, common.Hash) (*types.Receipt, error)
}, h common.Hash) uint64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if rc, err := c.TransactionReceipt(context.Background(), h); err == nil {
			return rc.BlockNumber.Uint64()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no receipt for %s", h.Hex())
	return 0
}

// startGeth runs geth --dev with HTTP JSON-RPC on a free loopback port and
// returns its URL once it answers.
func startGeth(t *testing.T, geth string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, geth, "--dev", "--datadir", dir, "--ipcdisable", "--nodiscover", "--maxpeers", "0",
		"--http", "--http.addr", "127.0.0.1", "--http.port", fmt.Sprint(port), "--http.api", "eth,net,web3",
		"--authrpc.port", "0", "--verbosity", "2")
	logf, err := os.Create(filepath.Join(dir, "geth.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "geth.log")); err == nil {
				t.Logf("geth log:\n%s", b)
			}
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	hc := netx.New(netx.Options{AllowPrivate: true}).HTTPClient()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := evm.Dial(context.Background(), url, hc); err == nil {
			_, err := c.ChainID(context.Background())
			c.Close()
			if err == nil {
				return url
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("geth did not answer on " + url)
	return ""
}
