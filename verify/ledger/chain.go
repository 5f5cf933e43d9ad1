package ledger

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// ChainOptions say what a chain is checked against.
type ChainOptions struct {
	// Issuer is the DID whose keys must have signed every block.
	Issuer string
	// Keys resolves the blocks' verification methods.
	Keys KeyFunc
	// Head, when set, is the head the ledger claims (the /ledger
	// document): the chain must end with it.
	Head *Head
	// LastSeen, when set, is the head a wallet saw earlier: a chain that
	// does not contain it is a fork.
	LastSeen *HeadRef
}

// VerifyChain checks a whole ledger from genesis: index order, the
// previous_hash links, every block (VerifyBlock), the claimed head, and
// the head seen before.
func VerifyChain(ctx context.Context, blocks []Block, opt ChainOptions) Result {
	var r Result
	if len(blocks) > 0 && blocks[0].Index != 0 {
		r.add(chainProblem(CodeIndex, fmt.Sprintf("the chain starts at block %d, not at genesis (block 0)", blocks[0].Index)))
	}
	verifySegment(ctx, blocks, opt, &r)
	if len(blocks) == 0 {
		r.finish("empty ledger: no block sealed yet")
		return r
	}
	r.finish(fmt.Sprintf("%d blocks, %d records (%d awards, %d revocations); head %d %s",
		r.Blocks, r.Records, r.Awards, r.Revocations, r.Head.Index, short16(r.Head.Hash)))
	return r
}

// VerifyExport is VerifyChain on an export, against its own issuer and
// head.
func VerifyExport(ctx context.Context, e *Export, keys KeyFunc, lastSeen *HeadRef) Result {
	return VerifyChain(ctx, e.Blocks, ChainOptions{Issuer: e.Issuer, Keys: keys, Head: e.Head, LastSeen: lastSeen})
}

// verifySegment checks consecutive blocks (from any index), adding what it
// finds to r.
func verifySegment(ctx context.Context, blocks []Block, opt ChainOptions, r *Result) {
	keys := opt.Keys
	if keys != nil {
		keys = cached(keys)
	}
	perBlock := verifyBlocks(ctx, blocks, opt.Issuer, keys)
	for i := range blocks {
		b := &blocks[i]
		if i == 0 {
			if b.Index == 0 && b.PreviousHash != GenesisPreviousHash {
				r.add(blockProblem(CodeLink, 0, "genesis previous_hash is not 64 zeros"))
			}
		} else {
			prev := &blocks[i-1]
			if b.Index != prev.Index+1 {
				r.add(blockProblem(CodeIndex, b.Index, fmt.Sprintf("follows block %d: blocks are missing or out of order", prev.Index)))
			}
			if b.PreviousHash != prev.Hash {
				r.add(blockProblem(CodeLink, b.Index, fmt.Sprintf("previous_hash does not match block %d's hash", prev.Index)))
			}
		}
		r.add(perBlock[i]...)
		r.Blocks++
		for _, rec := range b.Records {
			r.Records++
			switch rec.Type {
			case TypeAward:
				r.Awards++
			case TypeRevocation:
				r.Revocations++
			}
		}
	}
	if len(blocks) > 0 {
		last := &blocks[len(blocks)-1]
		r.Head = &HeadRef{Index: last.Index, Hash: last.Hash}
	}
	if opt.Head != nil {
		switch {
		case len(blocks) == 0:
			r.add(chainProblem(CodeHead, fmt.Sprintf("the ledger names head %d but has no blocks", opt.Head.Index)))
		case opt.Head.Index != r.Head.Index || opt.Head.Hash != r.Head.Hash:
			r.add(chainProblem(CodeHead, fmt.Sprintf("the ledger names head %d %s but the chain ends with block %d %s",
				opt.Head.Index, short16(opt.Head.Hash), r.Head.Index, short16(r.Head.Hash))))
		case opt.Head.Signature != blocks[len(blocks)-1].Signature:
			r.add(chainProblem(CodeHead, fmt.Sprintf("the head's signature is not block %d's", r.Head.Index)))
		}
	}
	if opt.LastSeen != nil {
		r.add(DetectFork(*opt.LastSeen, blocks))
	}
}

// DetectFork reports a fork when blocks (consecutive, already linked by
// previous_hash) do not contain the head seen earlier: the block at that
// index has another hash, or the chain stops before it. It returns nil
// when the head is there. blocks must start at or before seen.Index.
func DetectFork(seen HeadRef, blocks []Block) *Problem {
	if len(blocks) == 0 {
		return chainProblem(CodeFork, fmt.Sprintf("fork: the ledger has no blocks, but block %d %s was seen before", seen.Index, short16(seen.Hash)))
	}
	first, last := blocks[0].Index, blocks[len(blocks)-1].Index
	switch {
	case seen.Index < first:
		return chainProblem(CodeIndex, fmt.Sprintf("cannot look for the head seen before (block %d): the blocks given start at %d", seen.Index, first))
	case seen.Index > last:
		return &Problem{Code: CodeFork, Block: seen.Index, Record: -1,
			Message: fmt.Sprintf("fork: the chain ends at block %d, before the head seen before (block %d %s): blocks were removed", last, seen.Index, short16(seen.Hash))}
	}
	b := &blocks[seen.Index-first]
	if b.Index != seen.Index {
		return chainProblem(CodeIndex, fmt.Sprintf("cannot look for the head seen before (block %d): blocks are out of order", seen.Index))
	}
	if b.Hash != seen.Hash {
		return &Problem{Code: CodeFork, Block: seen.Index, Record: -1,
			Message: fmt.Sprintf("fork: block %d is now %s, not the %s seen before: the ledger was rewritten", seen.Index, short16(b.Hash), short16(seen.Hash))}
	}
	return nil
}

// verifyBlocks runs VerifyBlock on every block, on every CPU; the result
// is in block order.
func verifyBlocks(ctx context.Context, blocks []Block, issuer string, keys KeyFunc) [][]*Problem {
	out := make([][]*Problem, len(blocks))
	workers := min(runtime.GOMAXPROCS(0), len(blocks)/16+1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(blocks) {
					return
				}
				out[i] = VerifyBlock(ctx, &blocks[i], issuer, keys)
			}
		}()
	}
	wg.Wait()
	return out
}
