package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/store"
	wevm "github.com/cairn-pl/cairn/wallet/evm"
)

// EVM networks (issue 9): Settings → EVM networks lists the owner's
// JSON-RPC nodes with their Learning Tokens contract, imports the tokens of
// an address into the wallet, and in issuer mode chooses the network the
// ledger heads are anchored to. The same through the API:
//
//	GET    /api/evm/networks                      → [network]
//	POST   /api/evm/networks {"name", "rpc_url", "chain_id", "contract"?, "from_block"?} → 201 network
//	DELETE /api/evm/networks/{id}                 → 204
//	POST   /api/evm/import {"network", "address"} → 201 {"address", "created", "tokens": [{"id", "name", "verdict"}]}
//	GET    /api/evm/anchors                       → {"account", "network", "anchors": [...]}
//	POST   /api/evm/anchors/network {"network"}   → 200 (0: stop anchoring)
//	POST   /api/evm/anchors                       → 201 the anchor of the current ledger head

func (s *Server) evmRoutes(admin, api fiber.Router) {
	admin.Get("/evm", s.evmPage)
	admin.Post("/evm/networks", s.evmAddNetwork)
	admin.Post("/evm/networks/:id/delete", s.evmDeleteNetwork)
	admin.Post("/evm/import", s.evmImport)
	admin.Post("/evm/anchor-network", s.evmSetAnchorNetwork)
	admin.Post("/evm/anchor", s.evmAnchorNow)

	api.Get("/evm/networks", s.apiEVMNetworks)
	api.Post("/evm/networks", s.apiEVMAddNetwork)
	api.Delete("/evm/networks/:id", s.apiEVMDeleteNetwork)
	api.Post("/evm/import", s.apiEVMImport)
	api.Get("/evm/anchors", s.apiEVMAnchors)
	api.Post("/evm/anchors/network", s.apiEVMSetAnchorNetwork)
	api.Post("/evm/anchors", s.apiEVMAnchorNow)
}

// evmData is the EVM networks page.
type evmData struct {
	Networks []wevm.Network
	Anchors  []wevm.AnchorRow
	Account  string // the anchor account, "" before its key exists
	Issuer   bool   // issuer mode is on: show anchoring
	Form     wevm.Network
	ChainID  string
	Address  string
	Imported *wevm.ImportResult
}

func (s *Server) evmService() (*wevm.Service, error) {
	if s.EVM == nil {
		return nil, fiber.ErrNotFound
	}
	return s.EVM, nil
}

// evmInput turns the service's validation errors into the web layer's
// input errors (400 with the message).
func evmInput(err error) error {
	var ve *wevm.ValidationError
	if errors.As(err, &ve) {
		return &inputError{msg: ve.Msg}
	}
	if errors.Is(err, wevm.ErrNoAnchorNetwork) || errors.Is(err, wevm.ErrNothingToAnchor) || errors.Is(err, wevm.ErrNoLedger) {
		return &inputError{msg: strings.ToUpper(err.Error()[:1]) + err.Error()[1:] + "."}
	}
	return err
}

func (s *Server) evmPageData(c *fiber.Ctx, d evmData) (evmData, error) {
	svc, err := s.evmService()
	if err != nil {
		return d, err
	}
	ctx := c.UserContext()
	if d.Networks, err = svc.Networks(ctx); err != nil {
		return d, err
	}
	if d.Anchors, err = svc.AnchorList(ctx, 20); err != nil {
		return d, err
	}
	if a, ok, err := svc.AnchorAccount(); err == nil && ok {
		d.Account = a.Hex()
	}
	if s.Issuer != nil {
		if p, err := s.Issuer.Profile(ctx); err == nil {
			d.Issuer = p.Enabled
		}
	}
	return d, nil
}

func (s *Server) showEVM(c *fiber.Ctx, status int, d evmData) error {
	d, err := s.evmPageData(c, d)
	if err != nil {
		return err
	}
	return s.show(c, status, "evm", "EVM networks", "settings", d)
}

func (s *Server) evmPage(c *fiber.Ctx) error { return s.showEVM(c, fiber.StatusOK, evmData{}) }

func (s *Server) evmAddNetwork(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	chainStr := strings.TrimSpace(c.FormValue("chain_id"))
	chain, _ := strconv.ParseUint(chainStr, 10, 64)
	from, _ := strconv.ParseUint(strings.TrimSpace(c.FormValue("from_block")), 10, 64)
	in := wevm.Network{Name: c.FormValue("name"), RPCURL: c.FormValue("rpc_url"), ChainID: chain, Contract: c.FormValue("contract"), FromBlock: from}
	n, err := svc.AddNetwork(c.UserContext(), in)
	if err != nil {
		var ve *wevm.ValidationError
		if errors.As(err, &ve) {
			s.setFlashNow(c, "error", ve.Msg)
			return s.showEVM(c, fiber.StatusBadRequest, evmData{Form: in, ChainID: chainStr})
		}
		return err
	}
	s.setFlash(c, "ok", fmt.Sprintf("Added %s (chain %d).", n.Name, n.ChainID))
	return c.Redirect("/admin/evm", fiber.StatusSeeOther)
}

func (s *Server) evmDeleteNetwork(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := svc.DeleteNetwork(c.UserContext(), id); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Network removed. Its tokens stay in your wallet.")
	return c.Redirect("/admin/evm", fiber.StatusSeeOther)
}

func (s *Server) evmImport(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.FormValue("network"), 10, 64)
	addr := c.FormValue("address")
	res, err := svc.Import(c.UserContext(), id, addr)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = &wevm.ValidationError{Msg: "Choose one of your networks."}
		}
		var ve *wevm.ValidationError
		if errors.As(err, &ve) {
			s.setFlashNow(c, "error", ve.Msg)
			return s.showEVM(c, fiber.StatusBadRequest, evmData{Address: addr})
		}
		s.setFlashNow(c, "error", "The tokens could not be read: "+err.Error())
		return s.showEVM(c, fiber.StatusBadGateway, evmData{Address: addr})
	}
	s.setFlashNow(c, "ok", fmt.Sprintf("%d Learning Tokens of %s are in your wallet (%d new).", len(res.Tokens), res.Address, res.Created))
	return s.showEVM(c, fiber.StatusOK, evmData{Imported: &res})
}

func (s *Server) evmSetAnchorNetwork(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.FormValue("network"), 10, 64)
	if err := svc.SetAnchorNetwork(c.UserContext(), id); err != nil {
		return err
	}
	if id == 0 {
		s.setFlash(c, "ok", "The ledger is no longer anchored.")
	} else {
		addr, err := svc.EnsureAnchorKey()
		if err != nil {
			return err
		}
		s.setFlash(c, "ok", "The ledger will be anchored from "+addr.Hex()+": fund that address on the network.")
	}
	return c.Redirect("/admin/evm#anchoring", fiber.StatusSeeOther)
}

func (s *Server) evmAnchorNow(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	a, err := svc.AnchorNow(c.UserContext())
	if err != nil {
		s.setFlash(c, "error", "Not anchored: "+evmInput(err).Error())
	} else {
		s.setFlash(c, "ok", fmt.Sprintf("Ledger block %d anchored in transaction %s (%s).", a.BlockIndex, a.TxHash, a.Status))
	}
	return c.Redirect("/admin/evm#anchoring", fiber.StatusSeeOther)
}

// API.

type apiEVMNetwork struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	RPCURL    string `json:"rpc_url"`
	ChainID   uint64 `json:"chain_id"`
	Contract  string `json:"contract"`
	FromBlock uint64 `json:"from_block"`
	Anchor    bool   `json:"anchor"`
}

func toAPINetwork(n wevm.Network) apiEVMNetwork {
	return apiEVMNetwork{ID: n.ID, Name: n.Name, RPCURL: n.RPCURL, ChainID: n.ChainID, Contract: n.Contract, FromBlock: n.FromBlock, Anchor: n.Anchor}
}

func (s *Server) apiEVMNetworks(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	ns, err := svc.Networks(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]apiEVMNetwork, 0, len(ns))
	for _, n := range ns {
		out = append(out, toAPINetwork(n))
	}
	return c.JSON(out)
}

func (s *Server) apiEVMAddNetwork(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	var body apiEVMNetwork
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	n, err := svc.AddNetwork(c.UserContext(), wevm.Network{Name: body.Name, RPCURL: body.RPCURL, ChainID: body.ChainID,
		Contract: body.Contract, FromBlock: body.FromBlock})
	if err != nil {
		return evmInput(err)
	}
	return c.Status(fiber.StatusCreated).JSON(toAPINetwork(n))
}

func (s *Server) apiEVMDeleteNetwork(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := svc.DeleteNetwork(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiEVMImport(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	var body struct {
		Network int64  `json:"network"`
		Address string `json:"address"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	res, err := svc.Import(c.UserContext(), body.Network, body.Address)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return &inputError{msg: "no such network"}
		}
		return evmInput(err)
	}
	type token struct {
		ID      int64  `json:"id"`
		Name    string `json:"name"`
		Verdict string `json:"verdict"`
	}
	tokens := make([]token, 0, len(res.Tokens))
	for _, t := range res.Tokens {
		tokens = append(tokens, token{ID: t.ID, Name: t.Name, Verdict: t.Verdict})
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"address": res.Address, "created": res.Created, "tokens": tokens})
}

type apiAnchor struct {
	ID         int64  `json:"id"`
	ChainID    uint64 `json:"chain_id"`
	Account    string `json:"account"`
	BlockIndex int64  `json:"block_index"`
	BlockHash  string `json:"block_hash"`
	TxHash     string `json:"tx"`
	ChainBlock uint64 `json:"chain_block,omitempty"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
}

func toAPIAnchor(a wevm.AnchorRow) apiAnchor {
	return apiAnchor{ID: a.ID, ChainID: a.ChainID, Account: a.Account, BlockIndex: a.BlockIndex, BlockHash: a.BlockHash,
		TxHash: a.TxHash, ChainBlock: a.ChainBlock, Status: a.Status, Error: a.Error}
}

func (s *Server) apiEVMAnchors(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rows, err := svc.AnchorList(ctx, 100)
	if err != nil {
		return err
	}
	out := fiber.Map{"account": "", "network": nil, "anchors": []apiAnchor{}}
	if a, ok, err := svc.AnchorAccount(); err == nil && ok {
		out["account"] = a.Hex()
	}
	if n, err := svc.AnchorNetwork(ctx); err == nil {
		out["network"] = toAPINetwork(n)
	}
	list := make([]apiAnchor, 0, len(rows))
	for _, r := range rows {
		list = append(list, toAPIAnchor(r))
	}
	out["anchors"] = list
	return c.JSON(out)
}

func (s *Server) apiEVMSetAnchorNetwork(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	var body struct {
		Network int64 `json:"network"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := svc.SetAnchorNetwork(c.UserContext(), body.Network); err != nil {
		return err
	}
	out := fiber.Map{"network": body.Network, "account": ""}
	if body.Network != 0 {
		addr, err := svc.EnsureAnchorKey()
		if err != nil {
			return err
		}
		out["account"] = addr.Hex()
	}
	return c.JSON(out)
}

func (s *Server) apiEVMAnchorNow(c *fiber.Ctx) error {
	svc, err := s.evmService()
	if err != nil {
		return err
	}
	a, err := svc.AnchorNow(c.UserContext())
	if err != nil {
		return evmInput(err)
	}
	return c.Status(fiber.StatusCreated).JSON(toAPIAnchor(a))
}
