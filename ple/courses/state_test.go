package courses

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
)

func TestTaskStateMachine(t *testing.T) {
	f := newFixture(t)
	f.site.set("/feed", page{body: fixtureFile(t, "rss.xml")})
	c := f.follow(t, "/feed")
	task := f.tasks(t, c.ID)[0]
	state := func() string {
		t.Helper()
		got, err := f.svc.Task(ctx, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}
	sync := func() {
		t.Helper()
		if err := f.db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.SyncTaskStateTx(ctx, tx, task.ID) }); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	if s := state(); s != StateOpen {
		t.Fatalf("no answer: %s", s)
	}
	post := f.insertPost(t, "a1", task.ID, task.URL) // syncs inside its tx
	if s := state(); s != StateAnswered {
		t.Fatalf("published answer: %s", s)
	}
	f.exec(t, `UPDATE posts SET draft = 1 WHERE id = ?`, post)
	sync()
	if s := state(); s != StateOpen {
		t.Errorf("answer made draft: %s", s)
	}
	f.exec(t, `UPDATE posts SET draft = 0 WHERE id = ?`, post)
	sync()
	if s := state(); s != StateAnswered {
		t.Errorf("answer published again: %s", s)
	}
	f.exec(t, `UPDATE posts SET deleted_at = 1 WHERE id = ?`, post)
	sync()
	if s := state(); s != StateOpen {
		t.Errorf("answer deleted: %s", s)
	}
	f.exec(t, `UPDATE posts SET deleted_at = NULL, published_at = NULL WHERE id = ?`, post)
	sync()
	if s := state(); s != StateOpen {
		t.Errorf("answer never published: %s", s)
	}
	f.exec(t, `UPDATE posts SET published_at = 1 WHERE id = ?`, post)
	sync()

	// Awarded is final.
	award := func(id int64) error {
		return f.db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.MarkAwardedTx(ctx, tx, id) })
	}
	if err := award(task.ID); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != StateAwarded {
		t.Fatalf("awarded: %s", s)
	}
	if err := award(task.ID); err != nil {
		t.Errorf("award twice: %v", err)
	}
	f.exec(t, `UPDATE posts SET deleted_at = 1 WHERE id = ?`, post)
	sync()
	if s := state(); s != StateAwarded {
		t.Errorf("awarded task went back to %s", s)
	}
	if err := award(999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("award unknown task: %v", err)
	}
	// Syncing a task that no longer exists is a no-op.
	if err := f.db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.SyncTaskStateTx(ctx, tx, 999) }); err != nil {
		t.Errorf("sync unknown task: %v", err)
	}
	// An open task can be awarded directly (e.g. attendance).
	open := f.tasks(t, c.ID)[1]
	if err := award(open.ID); err != nil {
		t.Errorf("award open task: %v", err)
	}
	// A refresh never resets the state.
	if err := f.svc.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != StateAwarded {
		t.Errorf("after refresh: %s", s)
	}
}
