package wallet_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/wallet"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// expiringPath is an assertion the fake fetcher serves with an expires.
const expiringPath = "/assertions/expiring"

type fixture struct {
	is    *issuer
	db    *store.DB
	w     *wallet.Service
	q     *jobs.Queue
	clock *testClock
	exp   time.Time
}

// newFixture is a wallet on a real store with a job queue, sharing one
// clock, answering from the issuer's documents without the network.
func newFixture(t *testing.T, is *issuer) *fixture {
	t.Helper()
	f := &fixture{is: is, db: storetest.New(t), clock: &testClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}
	f.exp = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	base := is.fetcher()
	fetch := verify.FetcherFunc(func(ctx context.Context, url, accept string) (*verify.Response, error) {
		if url == is.srv.URL+expiringPath {
			return &verify.Response{Status: http.StatusOK, ContentType: "application/ld+json", Body: f.expiring()}, nil
		}
		return base.Fetch(ctx, url, accept)
	})
	f.w = wallet.New(f.db, fetch, nil, quietLogger())
	f.w.SetNow(f.clock.Now)
	f.q = jobs.New(f.db, jobs.Config{Now: f.clock.Now, Logger: quietLogger()})
	f.w.RegisterJobs(f.q)
	return f
}

func (f *fixture) expiring() []byte {
	b, _ := f.is.doc("/assertions/1")
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["id"] = f.is.srv.URL + expiringPath
	m["expires"] = f.exp.Format(time.RFC3339)
	out, _ := json.Marshal(m)
	return out
}

// sweepers returns the queued sweeper jobs' run times.
func (f *fixture) sweepers(t *testing.T) []time.Time {
	t.Helper()
	rows, err := f.db.R.Query(`SELECT run_at FROM jobs WHERE kind = ? AND state != 'failed' ORDER BY id`, wallet.JobReverify)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			t.Fatal(err)
		}
		out = append(out, store.Time(ms))
	}
	return out
}

func (f *fixture) runOnce(t *testing.T) int {
	t.Helper()
	n, err := f.q.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func (f *fixture) get(t *testing.T, id int64) wallet.Credential {
	t.Helper()
	c, err := f.w.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScheduleTwiceQueuesOne(t *testing.T) {
	f := newFixture(t, newIssuer(t))
	ctx := context.Background()
	for range 2 {
		if err := f.w.Schedule(ctx, f.q); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.sweepers(t); len(got) != 1 {
		t.Fatalf("%d sweepers queued, want 1", len(got))
	}
}

func TestSweeperReverifiesStaleOnly(t *testing.T) {
	f := newFixture(t, newIssuer(t))
	ctx := context.Background()
	stale, _, err := f.w.Import(ctx, f.is.assertion(t, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(12 * time.Hour)
	fresh, _, err := f.w.Import(ctx, f.is.assertion(t, 2), "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(13 * time.Hour) // stale: verified 25 h ago; fresh: 13 h
	if err := f.w.Schedule(ctx, f.q); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if n := f.runOnce(t); n != 1 {
		t.Fatalf("ran %d jobs, want the sweeper once", n)
	}
	if got := f.get(t, stale.ID); !got.VerifiedAt.Equal(f.clock.Now()) {
		t.Errorf("stale credential verified at %v, want now %v", got.VerifiedAt, f.clock.Now())
	}
	if got := f.get(t, fresh.ID); !got.VerifiedAt.Equal(fresh.VerifiedAt) {
		t.Errorf("fresh credential re-verified: %v, was %v", got.VerifiedAt, fresh.VerifiedAt)
	}
	// Re-enqueued once, for when the fresh one turns stale.
	q := f.sweepers(t)
	if len(q) != 1 || !q[0].Equal(fresh.VerifiedAt.Add(wallet.DefaultReverifyEvery)) {
		t.Fatalf("sweepers %v, want one at %v", q, fresh.VerifiedAt.Add(wallet.DefaultReverifyEvery))
	}
	// Nothing due yet: nothing runs.
	if n := f.runOnce(t); n != 0 {
		t.Fatalf("ran %d jobs before the next sweep", n)
	}
	// A Schedule at startup while one is queued adds none.
	if err := f.w.Schedule(ctx, f.q); err != nil {
		t.Fatal(err)
	}
	if q := f.sweepers(t); len(q) != 1 {
		t.Fatalf("%d sweepers after Schedule, want 1", len(q))
	}
	f.clock.Set(q[0])
	if n := f.runOnce(t); n != 1 {
		t.Fatalf("ran %d jobs, want 1", n)
	}
	if got := f.get(t, fresh.ID); !got.VerifiedAt.Equal(f.clock.Now()) {
		t.Errorf("second sweep did not re-verify the now-stale credential")
	}
	if q := f.sweepers(t); len(q) != 1 {
		t.Fatalf("%d sweepers after the second sweep, want 1", len(q))
	}
}

func TestSweeperReverifiesAtExpiry(t *testing.T) {
	f := newFixture(t, newIssuer(t))
	ctx := context.Background()
	c, _, err := f.w.Import(ctx, f.expiring(), "")
	if err != nil || c.Verdict != "valid" {
		t.Fatalf("import: %q %v", c.Verdict, err)
	}
	if !c.ChangedAt.IsZero() {
		t.Errorf("ChangedAt %v before any change", c.ChangedAt)
	}
	if err := f.w.Schedule(ctx, f.q); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if n := f.runOnce(t); n != 1 {
		t.Fatalf("ran %d, want 1", n)
	}
	if got := f.get(t, c.ID); !got.VerifiedAt.Equal(c.VerifiedAt) {
		t.Errorf("fresh credential re-verified before expiry")
	}
	q := f.sweepers(t)
	if len(q) != 1 || !q[0].Equal(f.exp) {
		t.Fatalf("sweepers %v, want one at the expiry %v", q, f.exp)
	}
	f.clock.Set(f.exp.Add(time.Second))
	if n := f.runOnce(t); n != 1 {
		t.Fatalf("ran %d, want 1", n)
	}
	got := f.get(t, c.ID)
	if got.Verdict != "invalid" || !got.VerifiedAt.Equal(f.clock.Now()) {
		t.Fatalf("after expiry: verdict %q verified %v", got.Verdict, got.VerifiedAt)
	}
	hist, _ := f.w.History(ctx, c.ID)
	if len(hist) != 2 || hist[0].Verdict != "valid" || hist[1].Verdict != "invalid" || store.Millis(hist[1].At) != store.Millis(f.clock.Now()) {
		t.Errorf("history %+v, want valid then invalid now", hist)
	}
	if !got.ChangedAt.Equal(f.clock.Now()) {
		t.Errorf("ChangedAt %v, want %v", got.ChangedAt, f.clock.Now())
	}
	at, ok, err := f.w.LastChange(ctx, c.ID)
	if err != nil || !ok || !at.Equal(f.clock.Now()) {
		t.Errorf("LastChange %v %v %v", at, ok, err)
	}
	if list, _ := f.w.List(ctx); len(list) != 1 || !list[0].ChangedAt.Equal(f.clock.Now()) {
		t.Errorf("List ChangedAt: %+v", list)
	}
	// Verified after its expiry, it is next due a day later, not again now.
	q = f.sweepers(t)
	if len(q) != 1 || !q[0].Equal(f.clock.Now().Add(wallet.DefaultReverifyEvery)) {
		t.Fatalf("sweepers %v after expiry", q)
	}
	if _, ok, _ := f.w.LastChange(ctx, 999); ok {
		t.Errorf("LastChange of an unknown credential")
	}
}

func digests(t *testing.T, w *wallet.Service) []string {
	t.Helper()
	list, err := w.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list {
		out = append(out, c.Digest+" "+c.OriginalType+" "+c.SourceURL+" "+c.CredentialID)
	}
	sort.Strings(out)
	return out
}

func TestExportImportArchive(t *testing.T) {
	is := newIssuer(t)
	src := newFixture(t, is)
	ctx := context.Background()
	if _, _, err := src.w.Import(ctx, is.assertion(t, 1), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.w.Import(ctx, []byte(is.assertionURL(2)), is.assertionURL(2)); err != nil {
		t.Fatal(err)
	}
	baked, err := bake.BakePNG(smallPNG(t), bake.KeywordOB2, is.assertion(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.w.Import(ctx, baked, ""); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.w.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := "index.json credentials/1.json credentials/2.txt credentials/3.png"; strings.Join(names, " ") != want {
		t.Errorf("entries %q, want %q", names, want)
	}
	rc, _ := zr.File[0].Open()
	var idx struct {
		Format      string `json:"format"`
		ExportedAt  string `json:"exported_at"`
		Credentials []map[string]string
	}
	if err := json.NewDecoder(rc).Decode(&idx); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if idx.Format != "cairn-wallet/1" || idx.ExportedAt != "2026-03-01T00:00:00Z" || len(idx.Credentials) != 3 ||
		idx.Credentials[1]["original_type"] != "url" || idx.Credentials[1]["source_url"] != is.assertionURL(2) ||
		len(idx.Credentials[0]["digest"]) != 64 || idx.Credentials[0]["imported_at"] == "" {
		t.Errorf("index %+v", idx)
	}

	dst := newFixture(t, is)
	rep, err := dst.w.ImportArchive(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || rep.Added != 3 || rep.Present != 0 || rep.Failed != 0 || len(rep.Entries) != 3 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	for _, e := range rep.Entries {
		if e.Status != wallet.EntryAdded || e.ID == 0 {
			t.Errorf("entry %+v", e)
		}
	}
	if a, b := digests(t, src.w), digests(t, dst.w); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("restored wallet differs:\n%v\n%v", a, b)
	}
	again, err := dst.w.ImportArchive(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || again.Added != 0 || again.Present != 3 {
		t.Fatalf("second import: %+v, %v", again, err)
	}
	if list, _ := dst.w.List(ctx); len(list) != 3 {
		t.Fatalf("%d credentials after a second import, want 3", len(list))
	}
	// An empty wallet exports an archive that imports to nothing.
	empty := newFixture(t, is)
	buf.Reset()
	if err := empty.w.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if rep, err := dst.w.ImportArchive(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil || len(rep.Entries) != 0 {
		t.Fatalf("empty archive: %+v %v", rep, err)
	}
}

type zipEntry struct {
	name     string
	data     []byte
	declared uint64 // when set, written raw with this uncompressed size
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.declared != 0 {
			fw, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(e.data),
				CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.declared})
			if err != nil {
				t.Fatal(err)
			}
			fw.Write(e.data)
			continue
		}
		fw, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportArchiveRefusesMalformed(t *testing.T) {
	is := newIssuer(t)
	f := newFixture(t, is)
	ctx := context.Background()
	good := is.assertion(t, 1)
	index := func(files ...string) []byte {
		var items []map[string]string
		for _, name := range files {
			items = append(items, map[string]string{"file": name})
		}
		b, _ := json.Marshal(map[string]any{"format": "cairn-wallet/1", "credentials": items})
		return b
	}
	var many []zipEntry
	for i := range 33 {
		many = append(many, zipEntry{name: "credentials/" + string(rune('a'+i%26)) + strings.Repeat("x", i) + ".json", data: []byte("{}"), declared: 8 << 20})
	}
	var tooMany []zipEntry
	for i := range wallet.MaxArchiveEntries + 1 {
		tooMany = append(tooMany, zipEntry{name: "f" + strings.Repeat("/d", i%3) + "/" + time.Duration(i).String()})
	}
	cases := []struct {
		name, want string
		zip        []byte
	}{
		{"not a zip", "not a readable zip", []byte("hello, not a zip")},
		{"no index", "no index.json", makeZip(t, zipEntry{name: "credentials/1.json", data: good})},
		{"traversal", `"../x"`, makeZip(t, zipEntry{name: "index.json", data: index("credentials/1.json")},
			zipEntry{name: "credentials/1.json", data: good}, zipEntry{name: "../x", data: good})},
		{"absolute", `"/etc/x"`, makeZip(t, zipEntry{name: "index.json", data: index()}, zipEntry{name: "/etc/x", data: good})},
		{"index traversal", "not under credentials/", makeZip(t, zipEntry{name: "index.json", data: index("credentials/../index.json")}, zipEntry{name: "credentials/1.json", data: good})},
		{"invalid index", "not valid JSON", makeZip(t, zipEntry{name: "index.json", data: []byte("{nope")})},
		{"unknown format", `format "other/2"`, makeZip(t, zipEntry{name: "index.json", data: []byte(`{"format":"other/2","credentials":[]}`)})},
		{"missing file", "does not hold", makeZip(t, zipEntry{name: "index.json", data: index("credentials/9.json")})},
		{"bomb declared", "larger than 8 MiB", makeZip(t, zipEntry{name: "index.json", data: index("credentials/1.json")},
			zipEntry{name: "credentials/1.json", data: good}, zipEntry{name: "credentials/2.json", data: []byte("{}"), declared: 9 << 20})},
		{"bomb total", "more than 256 MiB", makeZip(t, append([]zipEntry{{name: "index.json", data: index()}}, many...)...)},
		{"too many", "more than 2000", makeZip(t, tooMany...)},
		{"lying size", "damaged", makeZip(t, zipEntry{name: "index.json", data: index("credentials/1.json", "credentials/2.json")},
			zipEntry{name: "credentials/1.json", data: good}, zipEntry{name: "credentials/2.json", data: good, declared: 10})},
		{"wrong digest", "digest", makeZip(t, zipEntry{name: "index.json",
			data: []byte(`{"format":"cairn-wallet/1","credentials":[{"file":"credentials/1.json","digest":"00"}]}`)},
			zipEntry{name: "credentials/1.json", data: good})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.w.ImportArchive(ctx, bytes.NewReader(tc.zip), int64(len(tc.zip)))
			var ve *wallet.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(ve.Msg, tc.want) {
				t.Fatalf("err %v, want a ValidationError containing %q", err, tc.want)
			}
		})
	}
	if list, err := f.w.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("stored %d credentials from malformed archives, %v", len(list), err)
	}
}

func TestImportArchiveReportsBadEntry(t *testing.T) {
	is := newIssuer(t)
	f := newFixture(t, is)
	ctx := context.Background()
	idx := []byte(`{"format":"cairn-wallet/1","credentials":[{"file":"credentials/1.json"},{"file":"credentials/2.json"}]}`)
	z := makeZip(t, zipEntry{name: "index.json", data: idx},
		zipEntry{name: "credentials/1.json", data: []byte("{not a credential")},
		zipEntry{name: "credentials/2.json", data: is.assertion(t, 1)})
	rep, err := f.w.ImportArchive(ctx, bytes.NewReader(z), int64(len(z)))
	if err != nil || rep.Added != 1 || rep.Failed != 1 || len(rep.Entries) != 2 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if e := rep.Entries[0]; e.Status != wallet.EntryError || e.Reason == "" || e.File != "credentials/1.json" {
		t.Errorf("bad entry %+v", e)
	}
	if e := rep.Entries[1]; e.Status != wallet.EntryAdded {
		t.Errorf("good entry %+v", e)
	}
}
