package app_test

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/verify"
	vevm "github.com/cairn-pl/cairn/verify/evm"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
)

// TestEVMAnchorAndTokensEndToEnd: two Cairn instances and one EVM chain
// (go-ethereum's simulated backend served over JSON-RPC on loopback, so
// both reach it through internal/netx like a Besu node). The issuer
// anchors its ledger head on the chain and /ledger lists the anchor; the
// learner's wallet imports the award and verifies it valid, its ledger
// check saying the credential's block is anchored. The learner also
// imports the four Learning Tokens minted to its address on the chain and
// sees them valid in the wallet and its totals.
func TestEVMAnchorAndTokensEndToEnd(t *testing.T) {
	chain := evmtest.Simulated(t, 1)
	rpcURL := chain.HTTP(t)
	chain.AutoMine(t, 100*time.Millisecond)
	private := func(c *config.Config) {
		c.AllowPrivateNetwork = true
		c.LedgerBlockSize = 1
		c.LedgerDifficulty = 2
	}
	is := startCairn(t, private)
	ls := startCairn(t, private)
	issuerAPI, learnerAPI := newAPIClient(t, is), newAPIClient(t, ls)
	learnerHome := ls.BaseURL + "/"

	// The issuer lists the chain (anchoring only), chooses it for
	// anchoring and funds the anchor account Cairn generated.
	var network struct {
		ID int64 `json:"id"`
	}
	issuerAPI.do("POST", "/api/evm/networks", map[string]any{"name": "Dev chain", "rpc_url": rpcURL, "chain_id": 1337}, http.StatusCreated, &network)
	var anchorCfg struct {
		Account string `json:"account"`
	}
	issuerAPI.do("POST", "/api/evm/anchors/network", map[string]any{"network": network.ID}, http.StatusOK, &anchorCfg)
	if !common.IsHexAddress(anchorCfg.Account) {
		t.Fatalf("anchor account: %+v", anchorCfg)
	}
	evmtest.Send(t, chain, chain.Owner, common.HexToAddress(anchorCfg.Account), big.NewInt(1e18))

	// Issuer mode, an achievement, an award to the learner.
	issuerAPI.do("POST", "/api/settings/issuer", map[string]any{"enabled": true, "name": "Chain Academy",
		"url": is.BaseURL, "email": "teacher@academy.example", "description": "Anchored on a chain."}, http.StatusOK, nil)
	var ach struct {
		ID json.Number `json:"id"`
	}
	issuerAPI.do("POST", "/api/issuer/achievements", map[string]any{"name": "Anchored Writer", "description": "Wrote a post.",
		"criteria": "Write a post."}, http.StatusCreated, &ach)
	learnerAPI.do("POST", "/api/settings/identities", map[string]any{"identities": []string{learnerHome}}, http.StatusOK, nil)
	var award struct {
		CredentialURL string `json:"credential_url"`
	}
	issuerAPI.do("POST", "/api/issuer/awards", map[string]any{"achievement": ach.ID,
		"recipient": map[string]any{"url": learnerHome}, "evidence": learnerHome}, http.StatusCreated, &award)
	credentialID := jsonField(t, award.CredentialURL, "id")
	eventually(t, "the award sealed in the issuer's ledger", func() bool {
		resp, err := http.Get(is.BaseURL + "/ledger/proof?credential=" + url.QueryEscape(credentialID))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	// The issuer anchors the head; once mined, /ledger lists the anchor.
	var sent struct {
		TxHash     string `json:"tx"`
		BlockIndex int64  `json:"block_index"`
		Status     string `json:"status"`
	}
	issuerAPI.do("POST", "/api/evm/anchors", nil, http.StatusCreated, &sent)
	if sent.Status != "sent" || sent.TxHash == "" {
		t.Fatalf("anchor: %+v", sent)
	}
	var doc struct {
		Head    struct{ Index int64 }
		Anchors []vevm.Anchor `json:"anchors"`
	}
	eventually(t, "the anchor in /ledger", func() bool {
		resp, err := http.Get(is.BaseURL + "/ledger?format=json")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		doc.Anchors = nil
		return json.NewDecoder(resp.Body).Decode(&doc) == nil && len(doc.Anchors) > 0
	})
	if a := doc.Anchors[0]; a.Tx != sent.TxHash || a.Head.Index != sent.BlockIndex || a.ChainID != 1337 || a.Block == 0 ||
		!strings.EqualFold(a.Account, anchorCfg.Account) {
		t.Fatalf("published anchor %+v, sent %+v", a, sent)
	}

	// The learner, with a network for chain 1337, imports the award: valid,
	// the ledger check naming the anchor.
	learnerAPI.do("POST", "/api/evm/networks", map[string]any{"name": "Dev chain", "rpc_url": rpcURL, "chain_id": 1337,
		"contract": chain.Contract.Hex()}, http.StatusCreated, &network)
	var imported struct {
		ID     int64         `json:"id"`
		Report verify.Report `json:"report"`
	}
	learnerAPI.do("POST", "/api/wallet", map[string]any{"url": award.CredentialURL}, http.StatusCreated, &imported)
	rep := imported.Report
	if rep.Verdict != verify.VerdictValid {
		t.Fatalf("the learner's wallet says %s: %+v", rep.Verdict, rep.Checks)
	}
	ledgerCheck, _ := rep.Check(verify.CheckLedger)
	if ledgerCheck.Status != verify.StatusPass || !strings.Contains(ledgerCheck.Message, "anchored") ||
		!strings.Contains(ledgerCheck.Message, sent.TxHash) {
		t.Fatalf("ledger check: %+v", ledgerCheck)
	}

	// Learning Tokens minted to the learner's address on the chain.
	chain.MintAll(t, 0)
	var res struct {
		Created int `json:"created"`
		Tokens  []struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			Verdict string `json:"verdict"`
		} `json:"tokens"`
	}
	learnerAPI.do("POST", "/api/evm/import", map[string]any{"network": network.ID, "address": evmtest.Addr(chain.Learners[0]).Hex()},
		http.StatusCreated, &res)
	if res.Created != 4 || len(res.Tokens) != 4 {
		t.Fatalf("import: %+v", res)
	}
	for _, tok := range res.Tokens {
		if tok.Verdict != verify.VerdictValid {
			t.Fatalf("token %s: %s", tok.Name, tok.Verdict)
		}
	}
	var one struct {
		Report verify.Report `json:"report"`
	}
	learnerAPI.do("POST", "/api/wallet/"+itoa(res.Tokens[1].ID)+"/verify", nil, http.StatusOK, &one.Report)
	if one.Report.Format != vevm.FormatLearningTokenEVM || one.Report.Verdict != verify.VerdictValid ||
		one.Report.Credential.LearningToken == nil || one.Report.Credential.LearningToken.Kind != "score" {
		t.Fatalf("re-verified token: %+v", one.Report)
	}
	var list []struct {
		ID      int64  `json:"id"`
		Verdict string `json:"verdict"`
	}
	learnerAPI.do("GET", "/api/wallet", nil, http.StatusOK, &list)
	if len(list) != 5 {
		t.Fatalf("wallet: %+v", list)
	}
}

func itoa(n int64) string { return big.NewInt(n).String() }
