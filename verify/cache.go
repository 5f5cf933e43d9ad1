package verify

import (
	"sync"
	"time"

	"github.com/cairn-pl/cairn/verify/did"
)

// Cache shares what verifications fetch between them: documents (DID
// documents, key sets, status lists, issuer profiles) and the verdicts on
// status list credentials. A wallet re-verifying hundreds of credentials
// from a few issuers then fetches and checks each list once. Entries live
// for the cache's TTL; failures are never cached, so an issuer that was
// down is asked again. Safe for concurrent use.
type Cache struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	docs    map[string]cachedDoc
	lists   map[string]cachedList
	methods map[string]cachedMethod
	ledgers map[string]cachedDoc // issuer → its ledger endpoint ("" for none), in resp.URL
}

type cachedMethod struct {
	m  *did.Method
	at time.Time
}

type cachedDoc struct {
	resp *Response
	at   time.Time
}

type cachedList struct {
	list *decodedList
	at   time.Time
}

// maxCacheEntries bounds the cache; when full it is emptied, which costs
// refetches but never memory.
const maxCacheEntries = 4096

// NewCache returns a cache whose entries live for ttl.
func NewCache(ttl time.Duration) *Cache {
	return &Cache{ttl: ttl, now: time.Now, docs: map[string]cachedDoc{}, lists: map[string]cachedList{},
		methods: map[string]cachedMethod{}, ledgers: map[string]cachedDoc{}}
}

func (c *Cache) doc(u string) (*Response, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.docs[u]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return nil, false
	}
	return e.resp, true
}

func (c *Cache) putDoc(u string, r *Response) {
	if c == nil || r == nil || r.Status < 200 || r.Status > 299 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) >= maxCacheEntries {
		c.docs = map[string]cachedDoc{}
	}
	c.docs[u] = cachedDoc{r, c.now()}
}

func (c *Cache) list(u string) (*decodedList, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lists[u]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return nil, false
	}
	return e.list, true
}

func (c *Cache) putList(u string, l *decodedList) {
	if c == nil || l == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.lists) >= maxCacheEntries {
		c.lists = map[string]cachedList{}
	}
	c.lists[u] = cachedList{l, c.now()}
}

// method returns a verification method resolved before (a copy: callers
// may adjust the controller).
func (c *Cache) method(id string) (*did.Method, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.methods[id]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return nil, false
	}
	m := *e.m
	return &m, true
}

func (c *Cache) putMethod(id string, m *did.Method) {
	if c == nil || m == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.methods) >= maxCacheEntries {
		c.methods = map[string]cachedMethod{}
	}
	cp := *m
	c.methods[id] = cachedMethod{&cp, c.now()}
}

// ledgerEndpoint returns an issuer's ledger endpoint found before ("" when
// the issuer publishes none).
func (c *Cache) ledgerEndpoint(issuer string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.ledgers[issuer]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return "", false
	}
	return e.resp.URL, true
}

func (c *Cache) putLedgerEndpoint(issuer, endpoint string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ledgers) >= maxCacheEntries {
		c.ledgers = map[string]cachedDoc{}
	}
	c.ledgers[issuer] = cachedDoc{&Response{URL: endpoint}, c.now()}
}
