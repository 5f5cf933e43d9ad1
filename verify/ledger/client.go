package ledger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairn-pl/cairn/verify/did"
)

// PageSize is how many blocks Client asks /ledger/blocks for at a time
// (the server may answer fewer).
const PageSize = 100

// ErrNoRecord is returned by Client.Proof when the ledger answers 404: no
// record of the credential, or the record is still pending.
var ErrNoRecord = errors.New("ledger: no sealed record of this credential")

// Client reads a remote ledger through fetch (the caller's outbound
// client). Transport failures and 5xx answers are *did.UnreachableError,
// so did.IsUnreachable tells "could not check" from "invalid".
type Client struct {
	Fetch did.Fetch
	// MaxBlocks bounds Export (default 1,000,000).
	MaxBlocks int
}

const acceptJSON = "application/json"

func (c Client) get(ctx context.Context, u string) (int, []byte, error) {
	if c.Fetch == nil {
		return 0, nil, &did.UnreachableError{URL: u, Err: errors.New("no network access (nil Fetch)")}
	}
	status, body, err := c.Fetch(ctx, u, acceptJSON)
	switch {
	case err != nil:
		return status, nil, &did.UnreachableError{URL: u, Err: err}
	case status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests:
		return status, nil, &did.UnreachableError{URL: u, Status: status}
	}
	return status, body, nil
}

// LedgerURL turns an issuer's base URL or its /ledger URL into the /ledger
// URL.
func LedgerURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("not an http(s) URL: %q", base)
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/ledger") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/ledger"
	}
	return u.String(), nil
}

// Document fetches the /ledger document.
func (c Client) Document(ctx context.Context, ledgerURL string) (*Document, error) {
	status, body, err := c.get(ctx, ledgerURL)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s answered HTTP %d", ledgerURL, status)
	}
	return ParseDocument(body)
}

// Blocks fetches /ledger/blocks?from=&limit=.
func (c Client) Blocks(ctx context.Context, ledgerURL string, from int64, limit int) ([]Block, error) {
	u := ledgerURL + "/blocks?from=" + strconv.FormatInt(from, 10) + "&limit=" + strconv.Itoa(limit)
	status, body, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s answered HTTP %d", u, status)
	}
	return ParseBlocks(body)
}

// BlocksFrom fetches every block from index from to the head (to when
// to >= 0), page by page.
func (c Client) BlocksFrom(ctx context.Context, ledgerURL string, from, to int64) ([]Block, error) {
	maxBlocks := c.MaxBlocks
	if maxBlocks <= 0 {
		maxBlocks = 1_000_000
	}
	var out []Block
	next := from
	for to < 0 || next <= to {
		page, err := c.Blocks(ctx, ledgerURL, next, PageSize)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, b := range page {
			if b.Index != next {
				return nil, fmt.Errorf("%s/blocks?from=%d answered block %d where %d was due", ledgerURL, next, b.Index, next)
			}
			if to >= 0 && b.Index > to {
				return out, nil
			}
			out = append(out, b)
			next++
		}
		if len(out) > maxBlocks {
			return nil, fmt.Errorf("the ledger has more than %d blocks", maxBlocks)
		}
	}
	return out, nil
}

// Proof fetches /ledger/proof?credential=ID; ErrNoRecord on 404.
func (c Client) Proof(ctx context.Context, ledgerURL, credentialID string) (*Proof, error) {
	u := ledgerURL + "/proof?credential=" + url.QueryEscape(credentialID)
	status, body, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	switch status {
	case http.StatusOK:
		return ParseProof(body)
	case http.StatusNotFound:
		return nil, ErrNoRecord
	}
	return nil, fmt.Errorf("%s answered HTTP %d", u, status)
}

// Export fetches the /ledger document and every block to its head.
func (c Client) Export(ctx context.Context, ledgerURL string) (*Export, error) {
	doc, err := c.Document(ctx, ledgerURL)
	if err != nil {
		return nil, err
	}
	e := &Export{Document: *doc}
	if doc.Head == nil {
		return e, nil
	}
	e.Blocks, err = c.BlocksFrom(ctx, ledgerURL, 0, doc.Head.Index)
	return e, err
}

// CredentialCheck gathers what VerifyCredential needs for one credential:
// the document, the proof and the blocks from the proof's block (or the
// last seen head, when earlier) to the head. A pending or missing record
// gives a check with a nil Proof. issuer is the credential's issuer: the
// blocks must be signed by its keys, whatever the ledger document claims.
// The caller sets Credential and Keys.
func (c Client) CredentialCheck(ctx context.Context, ledgerURL, issuer, credentialID string, lastSeen *HeadRef) (*CredentialCheck, error) {
	doc, err := c.Document(ctx, ledgerURL)
	if err != nil {
		return nil, err
	}
	cc := &CredentialCheck{CredentialID: credentialID, Issuer: issuer, Head: doc.Head, LastSeen: lastSeen, Anchors: doc.Anchors}
	p, err := c.Proof(ctx, ledgerURL, credentialID)
	if errors.Is(err, ErrNoRecord) {
		return cc, nil
	}
	if err != nil {
		return nil, err
	}
	cc.Proof = p
	if doc.Head == nil {
		return cc, nil
	}
	from := p.Block.Index
	if lastSeen != nil && lastSeen.Index < from {
		from = lastSeen.Index
	}
	cc.Blocks, err = c.BlocksFrom(ctx, ledgerURL, from, doc.Head.Index)
	return cc, err
}
