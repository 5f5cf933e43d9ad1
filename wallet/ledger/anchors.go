package ledger

import (
	"context"
	"encoding/json"
)

// SetAnchors tells the ledger where its anchors come from (wallet/evm:
// the confirmed transactions that hold its heads on an EVM chain); the
// /ledger document lists them. Call it before the ledger is used.
func (l *Ledger) SetAnchors(f func(context.Context) ([]json.RawMessage, error)) { l.anchors = f }

// anchorList is the document's anchors: never nil, so the JSON has [].
func (l *Ledger) anchorList(ctx context.Context) ([]json.RawMessage, error) {
	if l.anchors == nil {
		return []json.RawMessage{}, nil
	}
	a, err := l.anchors(ctx)
	if a == nil {
		a = []json.RawMessage{}
	}
	return a, err
}
