package web

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	vl "github.com/cairn-pl/cairn/verify/ledger"
	"github.com/cairn-pl/cairn/wallet/ledger"
)

// The issuer ledger's public endpoints (DESIGN.md, The issuer ledger):
// /ledger (the head document, or for a browser the chain of blocks drawn
// as the paper's Figure 9), /ledger/blocks, /ledger/blocks/{i} and
// /ledger/proof?credential=ID. They answer 404 while there is no ledger
// (issuer mode off).

// ledgerPageBlocks is how many blocks the page shows, newest first.
const ledgerPageBlocks = 20

func (s *Server) ledgerRoutes(app *fiber.App) {
	app.Get("/ledger", s.ledgerHead)
	app.Get("/ledger/blocks", s.ledgerBlocks)
	app.Get("/ledger/blocks/:i", s.ledgerBlock)
	app.Get("/ledger/proof", s.ledgerProof)
}

// ledger returns the ledger, or 404 while issuer mode is off.
func (s *Server) ledger(c *fiber.Ctx) (*ledger.Ledger, error) {
	if s.Ledger == nil {
		return nil, fiber.ErrNotFound
	}
	l := s.Ledger(c.UserContext())
	if l == nil {
		return nil, fiber.ErrNotFound
	}
	return l, nil
}

type ledgerData struct {
	Doc    *vl.Document
	Blocks []vl.Block
	// Older is the index to page back from (-1: none).
	Older int64
}

func (s *Server) ledgerHead(c *fiber.Ctx) error {
	l, err := s.ledger(c)
	if err != nil {
		return err
	}
	doc, err := l.Document(c.UserContext())
	if err != nil {
		return err
	}
	if wantsJSON(c) || c.Query("format") == "json" {
		return sendJSONDoc(c, fiber.MIMEApplicationJSON, doc, nil)
	}
	d := ledgerData{Doc: doc, Older: -1}
	if doc.Head != nil {
		top := doc.Head.Index
		if b, err := strconv.ParseInt(c.Query("before"), 10, 64); err == nil && b >= 0 && b <= top+1 {
			top = b - 1
		}
		from := max(top-ledgerPageBlocks+1, 0)
		if top >= 0 {
			blocks, err := l.Blocks(c.UserContext(), from, int(top-from+1))
			if err != nil {
				return err
			}
			for i := len(blocks) - 1; i >= 0; i-- { // newest first
				d.Blocks = append(d.Blocks, blocks[i])
			}
		}
		if from > 0 {
			d.Older = from
		}
	}
	return s.show(c, fiber.StatusOK, "ledger", "Ledger", "", d)
}

func (s *Server) ledgerBlocks(c *fiber.Ctx) error {
	l, err := s.ledger(c)
	if err != nil {
		return err
	}
	from, err := strconv.ParseInt(c.Query("from", "0"), 10, 64)
	if err != nil || from < 0 {
		return fiber.NewError(fiber.StatusBadRequest, "from must be a block index (0 or more)")
	}
	limit, err := strconv.Atoi(c.Query("limit", "100"))
	if err != nil || limit < 1 {
		return fiber.NewError(fiber.StatusBadRequest, "limit must be a positive number")
	}
	blocks, err := l.Blocks(c.UserContext(), from, min(limit, 100))
	if err != nil {
		return err
	}
	if blocks == nil {
		blocks = []vl.Block{}
	}
	return sendJSONDoc(c, fiber.MIMEApplicationJSON, blocks, nil)
}

func (s *Server) ledgerBlock(c *fiber.Ctx) error {
	l, err := s.ledger(c)
	if err != nil {
		return err
	}
	i, err := strconv.ParseInt(c.Params("i"), 10, 64)
	if err != nil || i < 0 {
		return fiber.ErrNotFound
	}
	b, err := l.Block(c.UserContext(), i)
	if err != nil {
		return notFoundIf(err)
	}
	return sendJSONDoc(c, fiber.MIMEApplicationJSON, b, nil)
}

func (s *Server) ledgerProof(c *fiber.Ctx) error {
	l, err := s.ledger(c)
	if err != nil {
		return err
	}
	id := c.Query("credential")
	if id == "" {
		return fiber.NewError(fiber.StatusBadRequest, "give the credential's id: /ledger/proof?credential=ID")
	}
	p, err := l.Proof(c.UserContext(), id)
	if err != nil {
		return notFoundIf(err)
	}
	return sendJSONDoc(c, fiber.MIMEApplicationJSON, p, nil)
}

// notFoundIf maps the ledger's not-found (and still-pending) answers to
// 404 and passes other errors on.
func notFoundIf(err error) error {
	if errors.Is(err, ledger.ErrNotFound) {
		return fiber.ErrNotFound
	}
	return err
}

// shortHash shows the start of a hash for the ledger page.
func shortHash(h string) string {
	if len(h) <= 16 {
		return h
	}
	return h[:16] + "…"
}

// blockTime shows a block's RFC 3339 timestamp as a date and time.
func blockTime(ts string) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}
