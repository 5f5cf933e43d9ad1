package evm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify"
	vevm "github.com/cairn-pl/cairn/verify/evm"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
	vl "github.com/cairn-pl/cairn/verify/ledger"
	"github.com/cairn-pl/cairn/wallet"
	"github.com/cairn-pl/cairn/wallet/evm"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type fixture struct {
	chain  *evmtest.Chain
	wallet *wallet.Service
	svc    *evm.Service
	net    evm.Network
	dir    string
}

// newFixture: a wallet with the EVM middleware, a network for the
// simulated chain (reached in process), learners learners.
func newFixture(t testing.TB, learners int, head evm.HeadSource) *fixture {
	t.Helper()
	c := evmtest.Simulated(t, learners)
	db := storetest.New(t)
	w := wallet.New(db, nil, nil, quiet())
	dir := t.TempDir()
	svc := evm.New(evm.Config{Store: db, Wallet: w, KeysDir: filepath.Join(dir, "keys"), Logger: quiet(), Ledger: head})
	svc.Dial = func(context.Context, evm.Network) (evm.Client, error) { return c.Client, nil }
	w.Use(svc.Middleware)
	n, err := svc.AddNetwork(context.Background(), evm.Network{Name: "Besu dev", RPCURL: "http://127.0.0.1:8545", ChainID: 1337, Contract: c.Contract.Hex()})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{chain: c, wallet: w, svc: svc, net: n, dir: dir}
}

func TestImportVerifyAndTotals(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 2, nil)
	f.chain.MintAll(t, 0)
	holder := evmtest.Addr(f.chain.Learners[0]).Hex()

	res, err := f.svc.Import(ctx, f.net.ID, strings.ToLower(holder))
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4 || len(res.Tokens) != 4 || res.Address != holder {
		t.Fatalf("import: %+v", res)
	}
	// Untrusted contract: valid, with trust warn.
	for _, c := range res.Tokens {
		if c.Verdict != verify.VerdictValid || c.Format != "learning-token-evm" || !evm.IsChainToken(c) {
			t.Fatalf("%s: %s %s %+v", c.Name, c.Verdict, c.Format, c.Report)
		}
		if tr, _ := c.Report.Check("trust"); tr.Status != verify.StatusWarn {
			t.Fatalf("trust: %+v", tr)
		}
	}
	// Trusting the contract (as the wallet's "trust this issuer" does: its
	// did:pkh) makes trust pass.
	if _, rep, err := f.wallet.TrustIssuerOf(ctx, res.Tokens[0].ID); err != nil || rep.Verdict != verify.VerdictValid {
		t.Fatalf("trust the contract: %v %+v", err, rep)
	} else if tr, _ := rep.Check("trust"); tr.Status != verify.StatusPass {
		t.Fatalf("trust after trusting: %+v", tr)
	}

	// The totals count chain tokens like OB 3.0 ones.
	totals, err := f.wallet.LearningTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if totals.Count != 4 || len(totals.Kinds) != 4 || totals.Kinds[1].Kind != "score" || totals.Kinds[1].Amount != 40 {
		t.Fatalf("totals: %+v", totals)
	}
	var solidity float64
	for _, s := range totals.Skills {
		if s.Name == "Solidity" {
			solidity = s.Amount
		}
	}
	if solidity != 40 || len(totals.Fields) != 1 || totals.Fields[0].Code != "11.0701" || totals.Fields[0].Amount != 49 {
		t.Fatalf("skills %+v fields %+v", totals.Skills, totals.Fields)
	}

	// Importing again refreshes, never duplicates.
	res, err = f.svc.Import(ctx, f.net.ID, holder)
	if err != nil || res.Created != 0 || len(res.Tokens) != 4 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	list, _ := f.wallet.List(ctx)
	if len(list) != 4 {
		t.Fatalf("%d credentials", len(list))
	}

	// A burned token turns invalid on re-verification, naming the balance.
	var attendance wallet.Credential
	for _, c := range res.Tokens {
		if c.Summary.LearningToken.Kind == "attendance" {
			attendance = c
		}
	}
	orig, _, _ := f.wallet.Original(ctx, attendance.ID)
	rec, err := vevm.ParseRecord(orig)
	if err != nil {
		t.Fatal(err)
	}
	tokenID, _ := new(big.Int).SetString(rec.TokenID, 10)
	f.chain.Burn(t, 0, tokenID, 1)
	rep, err := f.wallet.Reverify(ctx, attendance.ID)
	if err != nil || rep.Verdict != verify.VerdictInvalid {
		t.Fatalf("after burn: %v %+v", err, rep)
	}
	if st, _ := rep.Check("status"); st.Status != verify.StatusFail || !strings.Contains(st.Message, "burned") {
		t.Fatalf("status: %+v", st)
	}

	// Without a network for the chain: unknown.
	if err := f.svc.DeleteNetwork(ctx, f.net.ID); err != nil {
		t.Fatal(err)
	}
	rep, _ = f.wallet.Reverify(ctx, res.Tokens[1].ID)
	if rep.Verdict != verify.VerdictUnknown {
		t.Fatalf("no network: %+v", rep)
	}
}

func TestImportErrors(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 1, nil)
	var ve *evm.ValidationError
	if _, err := f.svc.Import(ctx, f.net.ID, "not-an-address"); !errors.As(err, &ve) {
		t.Fatalf("bad address: %v", err)
	}
	if _, err := f.svc.Import(ctx, f.net.ID, evmtest.Addr(f.chain.Other).Hex()); !errors.As(err, &ve) || !strings.Contains(ve.Msg, "No Learning Tokens") {
		t.Fatalf("no tokens: %v", err)
	}
	for _, n := range []evm.Network{
		{Name: "", RPCURL: "http://x", ChainID: 1},
		{Name: "a", RPCURL: "ws://127.0.0.1:8546", ChainID: 1},
		{Name: "a", RPCURL: "http://127.0.0.1:8545", ChainID: 0},
		{Name: "a", RPCURL: "http://127.0.0.1:8545", ChainID: 1337, Contract: "0x12"},
		{Name: "wrong chain", RPCURL: "http://127.0.0.1:8545", ChainID: 5, Contract: f.chain.Contract.Hex()},
		{Name: "dup", RPCURL: "http://127.0.0.1:8545", ChainID: 1337, Contract: f.chain.Contract.Hex()},
	} {
		if _, err := f.svc.AddNetwork(ctx, n); !errors.As(err, &ve) {
			t.Errorf("%+v: %v", n, err)
		}
	}
}

type fakeHead struct{ head *vl.Head }

func (h *fakeHead) Head(context.Context) (*vl.Head, error) { return h.head, nil }

func TestAnchorKeyAndAnchors(t *testing.T) {
	ctx := context.Background()
	head := &fakeHead{}
	f := newFixture(t, 0, head)
	if _, err := f.svc.AnchorNow(ctx); !errors.Is(err, evm.ErrNoAnchorNetwork) {
		t.Fatalf("no anchor network: %v", err)
	}
	if err := f.svc.SetAnchorNetwork(ctx, f.net.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AnchorNow(ctx); !errors.Is(err, evm.ErrNothingToAnchor) {
		t.Fatalf("empty ledger: %v", err)
	}
	head.head = &vl.Head{Index: 0, Hash: strings.Repeat("0f", 32)}
	// The key is generated on first use; unfunded, the anchor fails.
	if _, err := f.svc.AnchorNow(ctx); err == nil || !strings.Contains(err.Error(), "funded") {
		t.Fatalf("unfunded: %v", err)
	}
	path := filepath.Join(f.dir, "keys", evm.AnchorKeyFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	before, _ := os.ReadFile(path)
	addr, err := f.svc.EnsureAnchorKey()
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("the anchor key was overwritten")
	}
	fund(t, f.chain, addr)

	a, err := f.svc.AnchorNow(ctx)
	if err != nil || a.Status != "sent" || a.Account != addr.Hex() {
		t.Fatalf("anchor: %+v %v", a, err)
	}
	if again, err := f.svc.AnchorNow(ctx); err != nil || again.ID != a.ID {
		t.Fatalf("the same head anchored twice: %+v %v", again, err)
	}
	if raw, _ := f.svc.Anchors(ctx); len(raw) != 0 {
		t.Fatalf("unconfirmed anchors published: %s", raw)
	}
	f.chain.Commit()
	a, err = f.svc.Confirm(ctx, a.ID)
	if err != nil || a.Status != "confirmed" || a.ChainBlock == 0 {
		t.Fatalf("confirm: %+v %v", a, err)
	}
	raw, err := f.svc.Anchors(ctx)
	if err != nil || len(raw) != 1 {
		t.Fatalf("anchors: %s %v", raw, err)
	}
	var got vevm.Anchor
	if err := json.Unmarshal(raw[0], &got); err != nil || got.Head.Index != 0 || got.Chain != "eip155:1337" {
		t.Fatalf("%s", raw[0])
	}
	// The published anchor checks out on chain.
	idx, hash, err := vevm.CheckAnchor(ctx, f.chain.Client, got)
	if err != nil || idx != 0 || hash != head.head.Hash {
		t.Fatalf("check: %d %s %v", idx, hash, err)
	}
}

// fund sends 1 ether from the owner to addr.
func fund(t testing.TB, c *evmtest.Chain, addr common.Address) {
	t.Helper()
	evmtest.Send(t, c, c.Owner, addr, big.NewInt(1e18))
}
