package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/web"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
	wevm "github.com/cairn-pl/cairn/wallet/evm"
)

// newEVMSite is newSite with the EVM networks wired as internal/app does,
// its nodes reached in process on a simulated chain.
func newEVMSite(t *testing.T) (*testSite, *evmtest.Chain) {
	t.Helper()
	ts := newSite(t)
	chain := evmtest.Simulated(t, 1)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := wevm.New(wevm.Config{Store: ts.db, Wallet: ts.wallet, KeysDir: filepath.Join(ts.cfg.DataDir, "keys"), Logger: logger})
	svc.Dial = func(context.Context, wevm.Network) (wevm.Client, error) { return chain.Client, nil }
	ts.wallet.Use(svc.Middleware)
	site, err := web.New(web.Deps{Config: ts.cfg, Store: ts.db, Account: ts.account, Jobs: ts.jobs, Journal: ts.journal,
		Courses: ts.courses, Mentions: ts.mentions, Wallet: ts.wallet, Logger: logger, Version: "test", EVM: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts.site = site
	return ts, chain
}

func TestEVMNetworksAPI(t *testing.T) {
	ts, chain := newEVMSite(t)
	chain.MintAll(t, 0)
	tok := ts.token()
	ts.api("POST", "/api/evm/networks", tok, `{"name":"Besu","rpc_url":"ws://127.0.0.1:8546","chain_id":1337}`).
		mustStatus(t, http.StatusBadRequest).mustContain(t, "http://")
	r := ts.api("POST", "/api/evm/networks", tok, `{"name":"Besu dev","rpc_url":"http://127.0.0.1:8545","chain_id":1337,"contract":"`+chain.Contract.Hex()+`"}`).
		mustStatus(t, http.StatusCreated)
	var n struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(r.body), &n); err != nil || n.ID == 0 {
		t.Fatalf("%s %v", r.body, err)
	}
	ts.api("GET", "/api/evm/networks", tok, "").mustStatus(t, http.StatusOK).mustContain(t, `"chain_id":1337`, chain.Contract.Hex())
	ts.api("POST", "/api/evm/import", tok, `{"network":`+itoa(n.ID)+`,"address":"nope"}`).mustStatus(t, http.StatusBadRequest)
	r = ts.api("POST", "/api/evm/import", tok, `{"network":`+itoa(n.ID)+`,"address":"`+evmtest.Addr(chain.Learners[0]).Hex()+`"}`).
		mustStatus(t, http.StatusCreated)
	var res struct {
		Created int `json:"created"`
		Tokens  []struct {
			ID      int64  `json:"id"`
			Verdict string `json:"verdict"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(r.body), &res); err != nil || res.Created != 4 {
		t.Fatalf("%s %v", r.body, err)
	}
	ts.api("GET", "/api/wallet/"+itoa(res.Tokens[1].ID), tok, "").mustStatus(t, http.StatusOK).
		mustContain(t, `"format":"learning-token-evm"`, `"verdict":"valid"`, `"kind":"score"`)
	// Anchoring without issuer ledger: a clear 400.
	ts.api("POST", "/api/evm/anchors", tok, "").mustStatus(t, http.StatusBadRequest)
	ts.api("DELETE", "/api/evm/networks/"+itoa(n.ID), tok, "").mustStatus(t, http.StatusNoContent)
}

func TestEVMNetworksPages(t *testing.T) {
	ts, chain := newEVMSite(t)
	ts.withPassword()
	chain.MintAll(t, 0)
	b := ts.browser()
	b.login()
	b.get("/admin/settings").mustStatus(t, http.StatusOK).mustContain(t, `href="/admin/evm"`)
	b.get("/admin/evm").mustStatus(t, http.StatusOK).mustContain(t, "No EVM network yet")
	csrf := b.csrf("/admin/evm")
	b.post("/admin/evm/networks", url.Values{"csrf": {csrf}, "name": {"Besu dev"}, "rpc_url": {"http://127.0.0.1:8545"},
		"chain_id": {"1337"}, "contract": {"0x12"}}).mustStatus(t, http.StatusBadRequest).mustContain(t, "not a contract address", "Besu dev")
	r := b.post("/admin/evm/networks", url.Values{"csrf": {csrf}, "name": {"Besu dev"}, "rpc_url": {"http://127.0.0.1:8545"},
		"chain_id": {"1337"}, "contract": {chain.Contract.Hex()}})
	r.mustStatus(t, http.StatusSeeOther)
	page := b.get("/admin/evm").mustStatus(t, http.StatusOK).mustContain(t, "Besu dev", chain.Contract.Hex(), "Import Learning Tokens")
	id := between(page.body, `<option value="`, `"`)
	r = b.post("/admin/evm/import", url.Values{"csrf": {b.csrf("/admin/evm")}, "network": {id}, "address": {evmtest.Addr(chain.Learners[0]).Hex()}})
	r.mustStatus(t, http.StatusOK).mustContain(t, "4 Learning Tokens", "Score token: Solidity 101")
	wallet := b.get("/admin/wallet").mustStatus(t, http.StatusOK).mustContain(t, "Learning Token · score", "Solidity 101")
	credID := between(wallet.body, `href="/admin/wallet/`, `"`)
	b.get("/admin/wallet/"+credID).mustStatus(t, http.StatusOK).mustContain(t, "learning-token-evm", "eip155:1337:", "chain 1337")
}

// between returns the text after the first open and before the next close.
func between(s, open, close string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, close)
	return v
}
