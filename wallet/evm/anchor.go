package evm

import (
	"context"
	"crypto/ecdsa"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
	vevm "github.com/cairn-pl/cairn/verify/evm"
)

// AnchorKeyFile is the anchor key's file name in the keys directory.
const AnchorKeyFile = "evm-anchor-secp256k1.key"

// Job kinds.
const (
	// JobAnchor anchors the ledger head when it changed, then queues
	// itself again AnchorEvery later (Schedule at start).
	JobAnchor = "evm.anchor"
	// JobConfirm waits for an anchor's receipt (payload: the anchor id).
	JobConfirm = "evm.anchor-confirm"
)

// ErrNoAnchorNetwork is returned when no network is marked for anchoring.
var ErrNoAnchorNetwork = errors.New("no EVM network is chosen for anchoring")

// ErrNoLedger is returned when there is no issuer ledger to anchor.
var ErrNoLedger = errors.New("there is no issuer ledger to anchor")

// ErrNothingToAnchor is returned while the ledger has no sealed block.
var ErrNothingToAnchor = errors.New("the ledger has no sealed block to anchor yet")

func (s *Service) keyPath() string { return filepath.Join(s.cfg.KeysDir, AnchorKeyFile) }

// loadKey reads the anchor key; nil, nil when there is none.
func (s *Service) loadKey() (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(s.keyPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("evm: read the anchor key: %w", err)
	}
	k, err := crypto.HexToECDSA(strings.TrimSpace(string(b)))
	if err != nil {
		// Never echo the file: it holds key material.
		return nil, fmt.Errorf("evm: the anchor key file %s is malformed", AnchorKeyFile)
	}
	return k, nil
}

// AnchorAccount returns the anchor key's address; ok is false while no key
// exists.
func (s *Service) AnchorAccount() (common.Address, bool, error) {
	k, err := s.loadKey()
	if err != nil || k == nil {
		return common.Address{}, false, err
	}
	return crypto.PubkeyToAddress(k.PublicKey), true, nil
}

// EnsureAnchorKey generates the anchor key once (0600, created with
// O_EXCL: an existing key is never overwritten) and returns its address.
func (s *Service) EnsureAnchorKey() (common.Address, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if k, err := s.loadKey(); err != nil || k != nil {
		if err != nil {
			return common.Address{}, err
		}
		return crypto.PubkeyToAddress(k.PublicKey), nil
	}
	if err := os.MkdirAll(s.cfg.KeysDir, 0o700); err != nil {
		return common.Address{}, fmt.Errorf("evm: create %s: %w", s.cfg.KeysDir, err)
	}
	k, err := crypto.GenerateKey()
	if err != nil {
		return common.Address{}, err
	}
	f, err := os.OpenFile(s.keyPath(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return common.Address{}, fmt.Errorf("evm: create the anchor key: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(crypto.FromECDSA(k)) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return common.Address{}, fmt.Errorf("evm: write the anchor key: %w", werr)
	}
	return crypto.PubkeyToAddress(k.PublicKey), nil
}

// AnchorNetwork returns the network marked for anchoring.
func (s *Service) AnchorNetwork(ctx context.Context) (Network, error) {
	n, err := scanNetwork(s.cfg.Store.R.QueryRowContext(ctx, "SELECT "+networkColumns+" FROM evm_networks WHERE anchor = 1 LIMIT 1"))
	if errors.Is(err, store.ErrNotFound) {
		return n, ErrNoAnchorNetwork
	}
	return n, err
}

// AnchorRow is one anchor transaction as stored.
type AnchorRow struct {
	ID          int64
	NetworkID   int64
	ChainID     uint64
	Account     string
	BlockIndex  int64
	BlockHash   string
	TxHash      string
	ChainBlock  uint64 // 0 until confirmed
	Status      string // sent, confirmed, failed
	Error       string
	CreatedAt   time.Time
	ConfirmedAt time.Time
}

const anchorColumns = "id, coalesce(network, 0), chain_id, account, block_index, block_hash, tx_hash, coalesce(chain_block, 0), status, error, created_at, coalesce(confirmed_at, 0)"

func scanAnchor(row interface{ Scan(...any) error }) (AnchorRow, error) {
	var a AnchorRow
	var chain, cblock, created, confirmed int64
	err := row.Scan(&a.ID, &a.NetworkID, &chain, &a.Account, &a.BlockIndex, &a.BlockHash, &a.TxHash, &cblock, &a.Status, &a.Error, &created, &confirmed)
	if err != nil {
		return a, store.MapErr(err)
	}
	a.ChainID, a.ChainBlock, a.CreatedAt = uint64(chain), uint64(cblock), store.Time(created)
	if confirmed > 0 {
		a.ConfirmedAt = store.Time(confirmed)
	}
	return a, nil
}

// AnchorList lists the anchors, newest first.
func (s *Service) AnchorList(ctx context.Context, limit int) ([]AnchorRow, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.cfg.Store.R.QueryContext(ctx, "SELECT "+anchorColumns+" FROM ledger_anchors ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	var out []AnchorRow
	for rows.Next() {
		a, err := scanAnchor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, store.MapErr(rows.Err())
}

// Anchors are the confirmed anchors as /ledger publishes them (oldest
// first); wallet/ledger's document takes them through SetAnchors.
func (s *Service) Anchors(ctx context.Context) ([]json.RawMessage, error) {
	rows, err := s.cfg.Store.R.QueryContext(ctx, "SELECT "+anchorColumns+" FROM ledger_anchors WHERE status = 'confirmed' ORDER BY block_index, id")
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	out := []json.RawMessage{}
	for rows.Next() {
		a, err := scanAnchor(rows)
		if err != nil {
			return nil, err
		}
		e := vevm.NewAnchor(a.ChainID, common.HexToAddress(a.Account), common.HexToHash(a.TxHash), a.ChainBlock,
			a.BlockIndex, a.BlockHash, a.ConfirmedAt.UTC().Format(time.RFC3339))
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, store.MapErr(rows.Err())
}

// AnchorNow sends the anchor of the ledger's current head to the anchoring
// network, unless that head is anchored (or being anchored) there already,
// in which case it returns that anchor. It generates the anchor key on
// first use; the owner must fund its address.
func (s *Service) AnchorNow(ctx context.Context) (AnchorRow, error) {
	if s.cfg.Ledger == nil {
		return AnchorRow{}, ErrNoLedger
	}
	n, err := s.AnchorNetwork(ctx)
	if err != nil {
		return AnchorRow{}, err
	}
	head, err := s.cfg.Ledger.Head(ctx)
	if err != nil {
		return AnchorRow{}, err
	}
	if head == nil {
		return AnchorRow{}, ErrNothingToAnchor
	}
	existing, err := scanAnchor(s.cfg.Store.R.QueryRowContext(ctx, "SELECT "+anchorColumns+` FROM ledger_anchors
		WHERE chain_id = ? AND block_index = ? AND block_hash = ? AND status != 'failed' ORDER BY id DESC LIMIT 1`,
		int64(n.ChainID), head.Index, head.Hash))
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return AnchorRow{}, err
	}
	if _, err := s.EnsureAnchorKey(); err != nil {
		return AnchorRow{}, err
	}
	key, err := s.loadKey()
	if err != nil {
		return AnchorRow{}, err
	}
	c, err := s.client(ctx, n)
	if err != nil {
		return AnchorRow{}, err
	}
	tx, err := vevm.SendAnchor(ctx, c, key, n.ChainID, head.Index, head.Hash)
	if err != nil {
		return AnchorRow{}, fmt.Errorf("anchor ledger block %d on %s: %w", head.Index, n.Name, err)
	}
	account := crypto.PubkeyToAddress(key.PublicKey).Hex()
	var id int64
	err = s.cfg.Store.Tx(ctx, func(dbtx *sql.Tx) error {
		res, err := dbtx.ExecContext(ctx, `INSERT INTO ledger_anchors (network, chain_id, account, block_index, block_hash, tx_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, int64(n.ChainID), account, head.Index, head.Hash, tx.Hash().Hex(), store.Millis(s.cfg.Now()))
		if err != nil {
			return store.MapErr(err)
		}
		id, _ = res.LastInsertId()
		if s.queue != nil {
			_, err = s.queue.EnqueueTx(ctx, dbtx, JobConfirm, id, jobs.After(2*time.Second), jobs.MaxAttempts(30))
		}
		return err
	})
	if err != nil {
		return AnchorRow{}, err
	}
	s.cfg.Logger.Info("ledger head anchored", "block", head.Index, "chain", n.ChainID, "tx", tx.Hash().Hex())
	return s.anchor(ctx, id)
}

func (s *Service) anchor(ctx context.Context, id int64) (AnchorRow, error) {
	return scanAnchor(s.cfg.Store.R.QueryRowContext(ctx, "SELECT "+anchorColumns+" FROM ledger_anchors WHERE id = ?", id))
}

// errNotMined makes JobConfirm try again later.
var errNotMined = errors.New("the anchor transaction is not mined yet")

// Confirm looks for an anchor's receipt: confirmed (with its block) when
// it succeeded, failed when it reverted; errNotMined while there is none.
func (s *Service) Confirm(ctx context.Context, id int64) (AnchorRow, error) {
	a, err := s.anchor(ctx, id)
	if err != nil || a.Status != "sent" {
		return a, err
	}
	n, ok, err := s.networkFor(ctx, a.ChainID, "")
	if err != nil {
		return a, err
	}
	if a.NetworkID != 0 {
		if nn, err := s.Network(ctx, a.NetworkID); err == nil {
			n, ok = nn, true
		}
	}
	if !ok {
		return a, fmt.Errorf("no EVM network for chain %d to confirm anchor %d", a.ChainID, id)
	}
	c, err := s.client(ctx, n)
	if err != nil {
		return a, err
	}
	rc, err := c.TransactionReceipt(ctx, common.HexToHash(a.TxHash))
	if errors.Is(err, ethereum.NotFound) {
		return a, errNotMined
	}
	if err != nil {
		return a, err
	}
	now := store.Millis(s.cfg.Now())
	if rc.Status != types.ReceiptStatusSuccessful {
		_, err = s.cfg.Store.W.ExecContext(ctx, `UPDATE ledger_anchors SET status = 'failed', error = 'the transaction reverted',
			chain_block = ?, confirmed_at = ? WHERE id = ?`, rc.BlockNumber.Int64(), now, id)
	} else {
		_, err = s.cfg.Store.W.ExecContext(ctx, `UPDATE ledger_anchors SET status = 'confirmed', chain_block = ?, confirmed_at = ? WHERE id = ?`,
			rc.BlockNumber.Int64(), now, id)
	}
	if err != nil {
		return a, store.MapErr(err)
	}
	return s.anchor(ctx, id)
}

// RegisterJobs registers JobAnchor and JobConfirm on q.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	s.queue = q
	q.Register(JobConfirm, func(ctx context.Context, job jobs.Job) error {
		var id int64
		if err := job.Decode(&id); err != nil {
			return err
		}
		_, err := s.Confirm(ctx, id)
		return err
	})
	q.Register(JobAnchor, func(ctx context.Context, job jobs.Job) error {
		if _, err := s.AnchorNow(ctx); err != nil && !errors.Is(err, ErrNoAnchorNetwork) && !errors.Is(err, ErrNothingToAnchor) && !errors.Is(err, ErrNoLedger) {
			// Logged, not retried: the next sweep tries again.
			s.cfg.Logger.Warn("evm: anchor the ledger head", "err", err)
		}
		return s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error { return s.ensureAnchorJobTx(ctx, tx, job.ID) })
	})
}

// Schedule makes sure one JobAnchor is queued (call at serve start).
func (s *Service) Schedule(ctx context.Context) error {
	if s.queue == nil || s.cfg.Ledger == nil {
		return nil
	}
	return s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error { return s.ensureAnchorJobTx(ctx, tx, 0) })
}

func (s *Service) ensureAnchorJobTx(ctx context.Context, tx *sql.Tx, self int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = ? AND state != 'failed' AND id != ?`,
		JobAnchor, self).Scan(&n); err != nil {
		return store.MapErr(err)
	}
	if n > 0 {
		return nil
	}
	_, err := s.queue.EnqueueTx(ctx, tx, JobAnchor, struct{}{}, jobs.After(s.cfg.AnchorEvery))
	return err
}

// CheckLedgerAnchors is verify/evm.CheckLedgerAnchors with this owner's
// networks, the verify.Options.LedgerAnchors hook the middleware installs:
// the /ledger document's anchors, the credential's block index and the
// hashes of the blocks from it to the head as the ledger check verified
// them. With no network configured it adds nothing (anchoring is optional).
func (s *Service) CheckLedgerAnchors(ctx context.Context, anchors []json.RawMessage, block int64, hashes map[int64]string) (verify.Check, bool) {
	var count int
	if err := s.cfg.Store.R.QueryRowContext(ctx, "SELECT count(*) FROM evm_networks").Scan(&count); err != nil || count == 0 {
		return verify.Check{}, false
	}
	return vevm.CheckLedgerAnchors(ctx, vevm.LedgerAnchors{Anchors: anchors, Block: block, Hashes: hashes,
		Dial: func(ctx context.Context, chainID uint64) (vevm.Backend, error) { return s.backendFor(ctx, chainID) }})
}
