package evm_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/evm"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
)

func TestCopiesMatchContracts(t *testing.T) {
	for _, p := range [][2]string{
		{"../../contracts/LearningTokens.abi", "learningtokens.abi.json"},
		{"../../contracts/LearningTokens.bin", "evmtest/LearningTokens.bin"},
	} {
		a, err := os.ReadFile(p[0])
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p[1])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s and %s differ: copy the compiled contract again", p[0], p[1])
		}
	}
}

// The events and functions have the signatures of the Learning Tokens
// contract: the topics and selectors of research/seed-systems.md d.5.
func TestTopicsAndSelectorsMatchLearningTokens(t *testing.T) {
	a := evm.ContractABI()
	events := map[string]string{
		"AttendanceTokenMinted":                "0x061c9e7a0304081aa8449b74a6690d6d0c43c70fa7596dccfe1d7ca9bbd57b09",
		"ScoreTokenMinted":                     "0x5128711181c32b759e6a864892ea2c1ba9d609e6a7b8baa4c84eb98a0e72e625",
		"HelpingTokenMinted":                   "0x3e3da454091b460897803a20ea958ded78da2cca0e583c282ff8f330a6faf706",
		"InstructorScoreTokenMinted":           "0xeea785c5dbd0376f26c67b4d1d6abfe309ad6346ad6ea0dd26f50a9fb89d45f2",
		"CourseCreated":                        "0x38b0201da98d5fe496c097bde989fb478ba581a23148c489be56571efd88612f",
		"LearnerRegistered":                    "0x2ecb43000704823a28e5c46eb57146c61a7b0bed062e40f185be2aa92cff5da3",
		"InstructorRegistered":                 "0x5a45f74f4a03e36abfab4ae9cc1d6a7e724ed90f7ffa5d0cd950017e00434d4d",
		"InstitutionRegistered":                "0x2a01e0b5ef5a7daae1309ed8cb1f55efa2a5d40d468ba6b37bad8ef81acba1c1",
		"InstructorRegisteredUnderInstitution": "0x827c67f3c6fdf710e3c99c7b40d85ea83e59cd79a287100732d0318d62a7623d",
		"TransferSingle":                       "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62",
	}
	for name, want := range events {
		if got := a.Events[name].ID.Hex(); got != want {
			t.Errorf("event %s: topic %s, want %s", name, got, want)
		}
	}
	methods := map[string]string{
		"getLearnerTokenMetadata": "2931c361", "balanceOf": "00fdd58e", "balanceOfBatch": "4e1273f4",
		"courses": "96f979d2", "learners": "84f4e077", "learnerIdToAddress": "78e421f2",
		"createCourse": "26381434", "registerLearner": "fb8bbfe1",
		"batchMintAttendanceToken": "1f8886f7", "batchMintScoreToken": "21a69afd",
		"batchMintHelpingToken": "72b8754c", "batchMintInstructorScoreToken": "10b334fc",
	}
	for name, want := range methods {
		if got := common.Bytes2Hex(a.Methods[name].ID); got != want {
			t.Errorf("function %s: selector %s, want %s", name, got, want)
		}
	}
}

func trusted(c *evmtest.Chain) []string {
	return []string{"did:pkh:eip155:1337:" + strings.ToLower(c.Contract.Hex())}
}

// readAll mints the four kinds to learner 0 and reads them back.
func readAll(t *testing.T, c *evmtest.Chain) []evm.Record {
	t.Helper()
	c.MintAll(t, 0)
	recs, err := evm.NewChain(c.Client, c.Contract).Read(context.Background(), evmtest.Addr(c.Learners[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("read %d tokens, want 4", len(recs))
	}
	return recs
}

func check(t *testing.T, rep verify.Report, id, status, contains string) {
	t.Helper()
	c, ok := rep.Check(id)
	if !ok {
		t.Fatalf("no %s check in %+v", id, rep.Checks)
	}
	if c.Status != status || !strings.Contains(c.Message, contains) {
		t.Fatalf("%s: %s %q; want %s containing %q", id, c.Status, c.Message, status, contains)
	}
}

func TestReadAndVerifyTheFourKinds(t *testing.T) {
	c := evmtest.Simulated(t, 2)
	recs := readAll(t, c)
	wantKinds := []string{evm.KindAttendance, evm.KindScore, evm.KindHelp, evm.KindInstructorScore}
	wantAmounts := []string{"1", "40", "3", "5"}
	chain := evm.NewChain(c.Client, c.Contract)
	holder := "did:pkh:eip155:1337:" + evmtest.Addr(c.Learners[0]).Hex()
	for i, r := range recs {
		if r.TokenType != wantKinds[i] || r.Amount != wantAmounts[i] || r.ChainID != 1337 {
			t.Errorf("token %d: %+v", i, r)
		}
		if r.CourseName != "Solidity 101" || r.Institution.Name != "Open University" || r.Instructor.Name != "Ada Lovelace" ||
			r.ScoringGuideURL != "ipfs://scoring-guide" || r.FieldOfKnowledge != "11.0701" || r.CreatedAt != c.CreatedAt {
			t.Errorf("token %d registry fields: %+v", i, r)
		}
		rep := evm.Verify(context.Background(), chain, r.Marshal(), evm.Options{TrustedIssuers: trusted(c), Recipients: []string{"mailto:a@example.org", holder}})
		if rep.Verdict != verify.VerdictValid || rep.Format != "learning-token-evm" {
			t.Fatalf("token %d: %s %+v", i, rep.Verdict, rep.Checks)
		}
		for _, id := range []string{"parse", "key", "signature", "issuer", "status", "recipient", "trust"} {
			check(t, rep, id, verify.StatusPass, "")
		}
		lt := rep.Credential.LearningToken
		if lt == nil || lt.Kind != wantKinds[i] || lt.Field.Code != "11.0701" || lt.Field.Framework != "CIP 2020" {
			t.Fatalf("token %d summary: %+v", i, lt)
		}
		if rep.Credential.Issuer.ID != r.IssuerID() || !strings.Contains(rep.Credential.ID, r.Evidence.TxHash[:20]) {
			t.Fatalf("ids: %+v", rep.Credential)
		}
	}
	if recs[1].Skill != "Solidity" || recs[3].Skill != "" {
		t.Errorf("skills: %q %q", recs[1].Skill, recs[3].Skill)
	}
	// Learner 1 has nothing.
	if _, err := chain.Read(context.Background(), evmtest.Addr(c.Learners[1])); err != evm.ErrNoTokens {
		t.Fatalf("learner without tokens: %v", err)
	}
}

func TestTamperingIsNamed(t *testing.T) {
	c := evmtest.Simulated(t, 2)
	recs := readAll(t, c)
	chain := evm.NewChain(c.Client, c.Contract)
	ctx := context.Background()
	opts := evm.Options{TrustedIssuers: trusted(c)}
	verifyRec := func(r evm.Record, o evm.Options) verify.Report { return evm.Verify(ctx, chain, r.Marshal(), o) }

	t.Run("wrong holder", func(t *testing.T) {
		r := recs[1]
		r.Holder = evmtest.Addr(c.Learners[1]).Hex()
		rep := verifyRec(r, opts)
		if rep.Verdict != verify.VerdictInvalid {
			t.Fatal(rep.Verdict)
		}
		check(t, rep, "signature", verify.StatusFail, "holder "+evmtest.Addr(c.Learners[0]).Hex())
	})
	t.Run("wrong amount", func(t *testing.T) {
		r := recs[1]
		r.Amount = "100"
		check(t, verifyRec(r, opts), "signature", verify.StatusFail, "amount 40, not 100")
	})
	t.Run("wrong kind", func(t *testing.T) {
		r := recs[0]
		r.TokenType = evm.KindScore
		check(t, verifyRec(r, opts), "signature", verify.StatusFail, "kind attendance, not score")
	})
	t.Run("wrong course name", func(t *testing.T) {
		r := recs[0]
		r.CourseName = "Advanced Solidity"
		check(t, verifyRec(r, opts), "issuer", verify.StatusFail, `named "Solidity 101"`)
	})
	t.Run("other chain id", func(t *testing.T) {
		r := recs[0]
		r.ChainID = 5
		rep := verifyRec(r, opts)
		if rep.Verdict != verify.VerdictInvalid {
			t.Fatal(rep.Verdict)
		}
		check(t, rep, "key", verify.StatusFail, "on chain 5 but the node answers for chain 1337")
	})
	t.Run("unknown contract", func(t *testing.T) {
		rep := verifyRec(recs[0], evm.Options{TrustedIssuers: []string{"did:pkh:eip155:1337:0x0000000000000000000000000000000000000001"}})
		if rep.Verdict != verify.VerdictValid {
			t.Fatal(rep.Verdict) // trust never makes a verdict invalid
		}
		check(t, rep, "trust", verify.StatusWarn, "not on your trusted list")
		// A record naming another contract than the network's.
		r := recs[0]
		r.Contract = "0x00000000000000000000000000000000000000aa"
		other := evm.NewChain(c.Client, common.HexToAddress(r.Contract))
		rep = evm.Verify(ctx, other, r.Marshal(), opts)
		check(t, rep, "key", verify.StatusFail, "no contract at")
		check(t, rep, "trust", verify.StatusWarn, "not on your trusted list")
	})
	t.Run("not a recipient", func(t *testing.T) {
		rep := verifyRec(recs[0], evm.Options{Recipients: []string{evmtest.Addr(c.Other).Hex()}})
		check(t, rep, "recipient", verify.StatusFail, "none of your addresses")
	})
	t.Run("minted by someone else", func(t *testing.T) {
		// A mint log of another transaction: the course's instructor did
		// not send it. Point the record at the course-creation transaction.
		r := recs[0]
		r.Evidence.LogIndex = 99
		check(t, verifyRec(r, opts), "signature", verify.StatusFail, "has no log 99")
		r.Evidence.TxHash = "0x" + strings.Repeat("ab", 32)
		check(t, verifyRec(r, opts), "signature", verify.StatusFail, "is not on chain 1337")
	})
	t.Run("burned balance", func(t *testing.T) {
		id, _ := new(big.Int).SetString(recs[0].TokenID, 10)
		c.Burn(t, 0, id, 1)
		rep := evm.Verify(ctx, evm.NewChain(c.Client, c.Contract), recs[0].Marshal(), opts)
		if rep.Verdict != verify.VerdictInvalid {
			t.Fatal(rep.Verdict)
		}
		check(t, rep, "status", verify.StatusFail, "balance of token "+recs[0].TokenID+" is 0")
	})
	t.Run("unreachable node", func(t *testing.T) {
		rep := evm.Verify(ctx, evm.NewChain(evmtest.Unreachable{}, c.Contract), recs[1].Marshal(), opts)
		if rep.Verdict != verify.VerdictUnknown {
			t.Fatalf("%s %+v", rep.Verdict, rep.Checks)
		}
		check(t, rep, "key", verify.StatusError, "could not be reached")
		check(t, rep, "signature", verify.StatusError, "not checked")
	})
	t.Run("no network", func(t *testing.T) {
		rep := evm.Verify(ctx, nil, recs[1].Marshal(), opts)
		if rep.Verdict != verify.VerdictUnknown {
			t.Fatal(rep.Verdict)
		}
		check(t, rep, "key", verify.StatusError, "no EVM network is configured for chain 1337")
	})
	t.Run("not a record", func(t *testing.T) {
		rep := evm.Verify(ctx, chain, []byte(`{"kind":"learning-token","chainId":1337}`), opts)
		if rep.Verdict != verify.VerdictInvalid {
			t.Fatal(rep.Verdict)
		}
		check(t, rep, "parse", verify.StatusFail, "not an address")
	})
}

// Over real HTTP on loopback through internal/netx: allowed with
// AllowPrivate, refused (verdict unknown) without.
func TestVerifyOverJSONRPCThroughNetx(t *testing.T) {
	c := evmtest.Simulated(t, 1)
	recs := readAll(t, c)
	url := c.HTTP(t)
	ctx := context.Background()
	open := netx.New(netx.Options{AllowPrivate: true})
	ec, err := evm.Dial(ctx, url, open.HTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	got, err := evm.NewChain(ec, c.Contract).Read(ctx, evmtest.Addr(c.Learners[0]))
	if err != nil || len(got) != 4 {
		t.Fatalf("read over HTTP: %d, %v", len(got), err)
	}
	if !bytes.Equal(got[2].Marshal(), recs[2].Marshal()) {
		t.Fatalf("over HTTP %s\nin process %s", got[2].Marshal(), recs[2].Marshal())
	}
	rep := evm.Verify(ctx, evm.NewChain(ec, c.Contract), recs[2].Marshal(), evm.Options{TrustedIssuers: trusted(c)})
	if rep.Verdict != verify.VerdictValid {
		t.Fatalf("%s %+v", rep.Verdict, rep.Checks)
	}

	guarded := netx.New(netx.Options{})
	gc, err := evm.Dial(ctx, url, guarded.HTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	rep = evm.Verify(ctx, evm.NewChain(gc, c.Contract), recs[2].Marshal(), evm.Options{})
	if rep.Verdict != verify.VerdictUnknown {
		t.Fatalf("loopback without AllowPrivate: %s %+v", rep.Verdict, rep.Checks)
	}
	if _, err := evm.Dial(ctx, "ws://127.0.0.1:8546", open.HTTPClient()); err == nil {
		t.Fatal("a WebSocket URL was accepted")
	}
}

func TestAnchors(t *testing.T) {
	key, _ := crypto.GenerateKey()
	acct := crypto.PubkeyToAddress(key.PublicKey)
	c := evmtest.Simulated(t, 0, acct)
	ctx := context.Background()
	hashes := map[int64]string{2: strings.Repeat("0a", 32), 3: strings.Repeat("0b", 32)}
	a := sendAnchor(t, c, key, 3, hashes[3])
	raw, _ := json.Marshal(a)
	dial := func(_ context.Context, id uint64) (evm.Backend, error) {
		if id == 1337 {
			return c.Client, nil
		}
		return nil, nil
	}
	in := evm.LedgerAnchors{Anchors: []json.RawMessage{raw, json.RawMessage(`{"method":"other"}`)}, Block: 2, Hashes: hashes, Dial: dial}
	got, ok := evm.CheckLedgerAnchors(ctx, in)
	if !ok || got.Status != verify.StatusPass || !strings.Contains(got.Message, "ledger block 3") {
		t.Fatalf("%v %+v", ok, got)
	}
	// The ledger's block 3 is no longer what was anchored: rewritten.
	in.Hashes = map[int64]string{2: hashes[2], 3: strings.Repeat("0c", 32)}
	if got, _ := evm.CheckLedgerAnchors(ctx, in); got.Status != verify.StatusFail || !strings.Contains(got.Message, "rewritten") {
		t.Fatalf("rewritten ledger: %+v", got)
	}
	// No anchor at or after the credential's block: nothing to say.
	in.Hashes, in.Block = hashes, 4
	if _, ok := evm.CheckLedgerAnchors(ctx, in); ok {
		t.Fatal("an anchor before the credential's block was taken as covering it")
	}
	// No network for the chain, or an unreachable node: a warning only.
	in.Block = 2
	in.Dial = func(context.Context, uint64) (evm.Backend, error) { return nil, nil }
	if got, _ := evm.CheckLedgerAnchors(ctx, in); got.Status != verify.StatusWarn {
		t.Fatalf("no network: %+v", got)
	}
	in.Dial = func(context.Context, uint64) (evm.Backend, error) { return evmtest.Unreachable{}, nil }
	if got, _ := evm.CheckLedgerAnchors(ctx, in); got.Status != verify.StatusWarn || !strings.Contains(got.Message, "could not be confirmed") {
		t.Fatalf("unreachable: %+v", got)
	}
	// An anchor entry whose account did not send the transaction.
	a.Account = evmtest.Addr(c.Other).Hex()
	raw, _ = json.Marshal(a)
	in.Anchors, in.Dial = []json.RawMessage{raw}, dial
	if got, _ := evm.CheckLedgerAnchors(ctx, in); got.Status != verify.StatusWarn || !strings.Contains(got.Message, "anchor account") {
		t.Fatalf("wrong account: %+v", got)
	}

	// MergeCheck adds the note to the ledger check.
	rep := verify.Report{Verdict: verify.VerdictValid, Checks: []verify.Check{{ID: "signature", Status: "pass"}, {ID: "ledger", Status: "pass", Message: "recorded in block 2"}}}
	evm.MergeCheck(&rep, verify.Check{ID: "ledger", Status: "pass", Message: "anchored"})
	if c, _ := rep.Check("ledger"); c.Message != "recorded in block 2; anchored" || rep.Verdict != "valid" {
		t.Fatalf("%+v", rep)
	}
	evm.MergeCheck(&rep, verify.Check{ID: "ledger", Status: "fail", Message: "rewritten"})
	if rep.Verdict != "invalid" {
		t.Fatalf("%+v", rep)
	}
}

func sendAnchor(t *testing.T, c *evmtest.Chain, key *ecdsa.PrivateKey, index int64, hash string) evm.Anchor {
	t.Helper()
	tx, err := evm.SendAnchor(context.Background(), c.Client, key, 1337, index, hash)
	if err != nil {
		t.Fatal(err)
	}
	c.Commit()
	rc, err := c.Client.TransactionReceipt(context.Background(), tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return evm.NewAnchor(1337, crypto.PubkeyToAddress(key.PublicKey), tx.Hash(), rc.BlockNumber.Uint64(), index, hash, "")
}

func TestParseRecordAndAccounts(t *testing.T) {
	for _, s := range []string{"did:pkh:eip155:1337:0xAbC0000000000000000000000000000000000001", "eip155:1337:0xabc0000000000000000000000000000000000001"} {
		chain, addr, ok := evm.ParseAccount(s)
		if !ok || chain != 1337 || addr != common.HexToAddress("0xabc0000000000000000000000000000000000001") {
			t.Errorf("%s: %d %s %v", s, chain, addr, ok)
		}
	}
	if _, _, ok := evm.ParseAccount("mailto:a@example.org"); ok {
		t.Error("an email parsed as an account")
	}
	if evm.IsRecord([]byte(`{"@context":[]}`)) || !evm.IsRecord([]byte(` {"kind":"learning-token"}`)) {
		t.Error("IsRecord")
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"kind":"learning-token","chainId":1337,"contract":"0x0000000000000000000000000000000000000001","holder":"0x0000000000000000000000000000000000000002","tokenId":"1","amount":"5","tokenType":"score","courseId":"0","evidence":{"txHash":"0xabababababababababababababababababababababababababababababababab","blockNumber":3,"logIndex":1}}`))
	f.Add([]byte(`{"kind":"learning-token"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := evm.ParseRecord(data)
		if err != nil {
			return
		}
		back, err := evm.ParseRecord(r.Marshal())
		if err != nil || !bytes.Equal(back.Marshal(), r.Marshal()) {
			t.Fatalf("round trip: %v", err)
		}
		_ = evm.Summary(r)
		_ = evm.Verify(context.Background(), nil, data, evm.Options{})
	})
}
