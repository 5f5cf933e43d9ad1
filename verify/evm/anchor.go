package evm

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cairn-pl/cairn/verify"
)

// Anchoring: a Cairn issuer writes the hash of its latest ledger head
// (cairn-ledger/1) to an EVM chain in the data of a plain transaction from
// its anchor account to itself, and lists the anchor in the "anchors" of
// its /ledger document. The data is AnchorPrefix ‖ uint64 big-endian block
// index ‖ the 32 bytes of the block hash (54 bytes).

// AnchorMethod names this kind of anchor in the /ledger document.
const AnchorMethod = "eip155-tx-data"

// AnchorPrefix starts the data of an anchor transaction.
var AnchorPrefix = []byte("CAIRN-LEDGER-1")

// Anchor is one entry of the /ledger document's anchors.
type Anchor struct {
	Method  string `json:"method"`   // AnchorMethod
	Chain   string `json:"chain"`    // eip155:<chainId>
	ChainID uint64 `json:"chain_id"` // the same as a number
	Account string `json:"account"`  // the issuer's anchor account (sender and receiver)
	Tx      string `json:"tx"`       // transaction hash
	Block   uint64 `json:"block"`    // the chain block that holds it
	Head    struct {
		Index int64  `json:"index"`
		Hash  string `json:"hash"` // lowercase hex, as the ledger writes it
	} `json:"head"`
	Time string `json:"time,omitempty"` // when it was confirmed (RFC 3339)
}

// AnchorData is the transaction data that anchors block index with hash
// (64 hex digits).
func AnchorData(index int64, hash string) ([]byte, error) {
	h, err := hex.DecodeString(hash)
	if err != nil || len(h) != 32 || index < 0 {
		return nil, fmt.Errorf("evm: block %d hash %q cannot be anchored", index, hash)
	}
	out := make([]byte, 0, len(AnchorPrefix)+8+32)
	out = append(out, AnchorPrefix...)
	out = binary.BigEndian.AppendUint64(out, uint64(index))
	return append(out, h...), nil
}

// ParseAnchorData reads anchor transaction data.
func ParseAnchorData(data []byte) (index int64, hash string, err error) {
	if len(data) != len(AnchorPrefix)+40 || !bytes.HasPrefix(data, AnchorPrefix) {
		return 0, "", errors.New("the transaction's data is not a Cairn ledger anchor")
	}
	i := binary.BigEndian.Uint64(data[len(AnchorPrefix):])
	if i > 1<<62 {
		return 0, "", errors.New("the anchored block index is out of range")
	}
	return int64(i), hex.EncodeToString(data[len(AnchorPrefix)+8:]), nil
}

// ParseAnchors reads the anchors of a /ledger document that this package
// understands (method eip155-tx-data); others are ignored.
func ParseAnchors(raw []json.RawMessage) []Anchor {
	var out []Anchor
	for _, r := range raw {
		var a Anchor
		if json.Unmarshal(r, &a) != nil || a.Method != AnchorMethod || a.ChainID == 0 ||
			!common.IsHexAddress(a.Account) || !isTxHash(a.Tx) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// CheckAnchor checks one anchor on the chain b reads: the transaction is
// mined and succeeded in the block the anchor names, on its chain, sent by
// the anchor account to itself, and its data anchors the block index and
// hash the anchor names. It returns the index and hash the chain holds
// (when the data could be read) so a caller can compare them with the
// ledger. Unreachable errors mean the node did not answer.
func CheckAnchor(ctx context.Context, b Backend, a Anchor) (index int64, hash string, err error) {
	id, err := b.ChainID(ctx)
	if err != nil {
		return 0, "", classify(err)
	}
	if !id.IsUint64() || id.Uint64() != a.ChainID {
		return 0, "", fmt.Errorf("the node answers for chain %s, not %d", id, a.ChainID)
	}
	h := common.HexToHash(a.Tx)
	tx, pending, err := b.TransactionByHash(ctx, h)
	if err != nil {
		if err = classify(err); errors.Is(err, ethereum.NotFound) {
			return 0, "", fmt.Errorf("transaction %s is not on chain %d", a.Tx, a.ChainID)
		}
		return 0, "", err
	}
	if pending {
		return 0, "", fmt.Errorf("transaction %s is not mined yet", a.Tx)
	}
	rc, err := b.TransactionReceipt(ctx, h)
	if err != nil {
		return 0, "", classify(err)
	}
	if rc.Status != types.ReceiptStatusSuccessful {
		return 0, "", fmt.Errorf("transaction %s failed", a.Tx)
	}
	if rc.BlockNumber == nil || !rc.BlockNumber.IsUint64() || rc.BlockNumber.Uint64() != a.Block {
		return 0, "", fmt.Errorf("transaction %s is in block %v, not %d", a.Tx, rc.BlockNumber, a.Block)
	}
	from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(a.ChainID)), tx)
	if err != nil {
		return 0, "", fmt.Errorf("the sender of %s cannot be recovered: %v", a.Tx, err)
	}
	acct := common.HexToAddress(a.Account)
	if from != acct || tx.To() == nil || *tx.To() != acct {
		return 0, "", fmt.Errorf("transaction %s is not from the issuer's anchor account %s to itself", a.Tx, acct.Hex())
	}
	index, hash, err = ParseAnchorData(tx.Data())
	if err != nil {
		return 0, "", err
	}
	if index != a.Head.Index || !strings.EqualFold(hash, a.Head.Hash) {
		return index, hash, fmt.Errorf("transaction %s anchors block %d (%s…), not block %d as the ledger lists", a.Tx, index, hash[:12], a.Head.Index)
	}
	return index, hash, nil
}

// LedgerAnchors is what CheckLedgerAnchors needs of one credential's
// ledger check.
type LedgerAnchors struct {
	// Anchors are the /ledger document's anchors.
	Anchors []json.RawMessage
	// Block is the index of the block that records the credential.
	Block int64
	// Hashes are the hashes of the blocks from Block to the head, by index,
	// as the ledger check verified them (the chain of previous_hash).
	Hashes map[int64]string
	// Dial gives a Backend for a chain id; nil Backend and nil error when
	// no network is configured for that chain.
	Dial func(ctx context.Context, chainID uint64) (Backend, error)
}

// CheckLedgerAnchors checks the anchors that cover the credential's block:
// those of a block between it and the head. It returns a ledger check to
// add to the report as an extra note: pass when an anchor on a chain the
// holder has a network for holds a block hash of the verified chain (the
// credential's block was witnessed on that chain); fail when a chain holds
// a different hash for a block of the verified chain (the ledger was
// rewritten after it was anchored); warn when the anchors could not be
// checked (no network for their chain, node unreachable, a bad anchor
// entry); ok is false when no anchor covers the block (nothing to add).
// Anchoring is optional, so an unreachable node warns rather than making
// the verdict unknown.
func CheckLedgerAnchors(ctx context.Context, in LedgerAnchors) (c verify.Check, ok bool) {
	var covering []Anchor
	for _, a := range ParseAnchors(in.Anchors) {
		if _, known := in.Hashes[a.Head.Index]; known && a.Head.Index >= in.Block {
			covering = append(covering, a)
		}
	}
	if len(covering) == 0 {
		return verify.Check{}, false
	}
	// The earliest anchor after the credential's block first: it is the
	// strongest witness (closest to the time of the award).
	sort.SliceStable(covering, func(i, j int) bool { return covering[i].Head.Index < covering[j].Head.Index })
	var warns []string
	for _, a := range covering {
		if in.Dial == nil {
			warns = append(warns, fmt.Sprintf("anchored on %s but no EVM network is configured to check it", a.Chain))
			continue
		}
		b, err := in.Dial(ctx, a.ChainID)
		if err != nil || b == nil {
			msg := fmt.Sprintf("anchored on eip155:%d in %s but no EVM network is configured for that chain", a.ChainID, a.Tx)
			if err != nil {
				msg = fmt.Sprintf("the anchor on eip155:%d could not be checked: %v", a.ChainID, err)
			}
			warns = append(warns, msg)
			continue
		}
		idx, hash, err := CheckAnchor(ctx, b, a)
		if hash != "" {
			if want, known := in.Hashes[idx]; known && !strings.EqualFold(want, hash) {
				return verify.Check{ID: verify.CheckLedger, Status: verify.StatusFail, Message: fmt.Sprintf(
					"block %d of the ledger is not the one anchored on eip155:%d in transaction %s (block %d): the ledger was rewritten after it was anchored",
					idx, a.ChainID, a.Tx, a.Block)}, true
			}
		}
		if err != nil {
			warns = append(warns, fmt.Sprintf("the anchor in %s on eip155:%d could not be confirmed: %v", a.Tx, a.ChainID, err))
			continue
		}
		return verify.Check{ID: verify.CheckLedger, Status: verify.StatusPass, Message: fmt.Sprintf(
			"anchored: ledger block %d (which the chain from block %d leads to) is witnessed on eip155:%d in transaction %s, block %d, by %s",
			idx, in.Block, a.ChainID, a.Tx, a.Block, common.HexToAddress(a.Account).Hex())}, true
	}
	return verify.Check{ID: verify.CheckLedger, Status: verify.StatusWarn, Message: strings.Join(warns, "; ")}, true
}

// MergeCheck adds c to a report as another check of its id (the worse
// status wins; messages of the same status are joined) and recomputes the
// verdict.
func MergeCheck(rep *verify.Report, c verify.Check) {
	for i := range rep.Checks {
		if rep.Checks[i].ID != c.ID {
			continue
		}
		old := &rep.Checks[i]
		switch {
		case rank(c.Status) > rank(old.Status):
			old.Status, old.Message = c.Status, c.Message+" (and: "+old.Message+")"
		case c.Message != "":
			old.Message += "; " + c.Message
		}
		rep.Verdict = verify.Verdict(rep.Checks)
		return
	}
	rep.Checks = append(rep.Checks, c)
	order := map[string]int{}
	for i, id := range verify.CheckIDs {
		order[id] = i
	}
	sort.SliceStable(rep.Checks, func(i, j int) bool { return order[rep.Checks[i].ID] < order[rep.Checks[j].ID] })
	rep.Verdict = verify.Verdict(rep.Checks)
}

// Sender is what SendAnchor asks of a node (ethclient.Client has it).
type Sender interface {
	ChainID(ctx context.Context) (*big.Int, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	SuggestGasPrice(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
}

// SendAnchor signs with key and sends the anchor transaction of ledger
// block index with hash: a legacy (EIP-155) transaction from the key's
// account to itself, value 0, whose data is AnchorData. Legacy with the
// node's suggested gas price works on Besu's free-gas networks as on geth.
// It returns the transaction sent; the caller waits for its receipt.
func SendAnchor(ctx context.Context, b Sender, key *ecdsa.PrivateKey, wantChainID uint64, index int64, hash string) (*types.Transaction, error) {
	data, err := AnchorData(index, hash)
	if err != nil {
		return nil, err
	}
	id, err := b.ChainID(ctx)
	if err != nil {
		return nil, classify(err)
	}
	if !id.IsUint64() || id.Uint64() != wantChainID {
		return nil, fmt.Errorf("the node answers for chain %s, not %d", id, wantChainID)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := b.PendingNonceAt(ctx, from)
	if err != nil {
		return nil, classify(err)
	}
	price, err := b.SuggestGasPrice(ctx)
	if err != nil {
		return nil, classify(err)
	}
	gas, err := b.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &from, Data: data, GasPrice: price})
	if err != nil {
		return nil, fmt.Errorf("estimate the anchor's gas (is %s funded?): %w", from.Hex(), classify(err))
	}
	tx := types.NewTx(&types.LegacyTx{Nonce: nonce, GasPrice: price, Gas: gas + gas/5, To: &from, Data: data})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(id), key)
	if err != nil {
		return nil, err
	}
	if err := b.SendTransaction(ctx, signed); err != nil {
		return nil, fmt.Errorf("send the anchor transaction: %w", classify(err))
	}
	return signed, nil
}

// NewAnchor is the /ledger anchors entry of a mined anchor transaction.
func NewAnchor(chainID uint64, account common.Address, tx common.Hash, block uint64, index int64, hash string, at string) Anchor {
	a := Anchor{Method: AnchorMethod, Chain: fmt.Sprintf("eip155:%d", chainID), ChainID: chainID,
		Account: account.Hex(), Tx: tx.Hex(), Block: block, Time: at}
	a.Head.Index, a.Head.Hash = index, strings.ToLower(hash)
	return a
}
