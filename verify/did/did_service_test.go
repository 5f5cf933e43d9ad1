package did

import (
	"context"
	"testing"
)

func TestServiceEndpoint(t *testing.T) {
	doc := `{"id":"did:web:example.com","service":[
		{"id":"#hub","type":"LinkedDomains","serviceEndpoint":"https://example.com/"},
		{"id":"did:web:example.com#ledger","type":["CairnLedger"],"serviceEndpoint":"https://example.com/ledger"},
		{"id":"#map","type":"X","serviceEndpoint":{"a":"b"}}, 7]}`
	fetch := func(_ context.Context, u, _ string) (int, []byte, error) {
		if u != "https://example.com/.well-known/did.json" {
			return 404, nil, nil
		}
		return 200, []byte(doc), nil
	}
	got, err := ServiceEndpoint(t.Context(), "did:web:example.com", "CairnLedger", fetch, Options{})
	if err != nil || got != "https://example.com/ledger" {
		t.Fatalf("got %q, %v", got, err)
	}
	none, err := ServiceEndpoint(t.Context(), "did:web:example.com", "Nothing", fetch, Options{})
	if err != nil || none != "" {
		t.Fatalf("got %q, %v", none, err)
	}
	d, err := ParseDocument([]byte(doc), "did:web:example.com")
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Services(); len(s) != 2 || s[0].ID != "did:web:example.com#hub" {
		t.Fatalf("services %+v", s)
	}
	if got, err := ServiceEndpoint(t.Context(), "did:key:z6Mk", "CairnLedger", fetch, Options{}); got != "" || err != nil {
		t.Fatalf("did:key: %q %v", got, err)
	}
}
