package courses

import (
	"context"
	"database/sql"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// existingTask is what applyTx compares a feed item with.
type existingTask struct {
	id                              int64
	guid, url, title, desc, hashtag string
	published, due, removed         sql.NullInt64
	matched                         bool
}

// applyTx merges a parsed feed into a course's tasks inside tx:
//
//   - An item is the same task as an existing one with its GUID (dedupe
//     key) or, failing that, with its URL, so a feed that adds GUIDs later
//     or changes them does not duplicate tasks; the task takes the new key.
//   - An existing task keeps its URL even when the item's link changes:
//     answers point at the old URL byte for byte and must keep matching.
//     (A task that had no URL gains one.) The change is logged.
//   - Title, description, hashtag and dates follow the feed.
//   - Tasks whose item left the feed get removed_at; never deleted, so
//     answers keep their task. An item that comes back clears it.
//   - New tasks are inserted oldest item first, so ids grow with feed
//     recency and undated items list in feed order.
//   - A new task picks up answers written before (posts whose in_reply_to
//     is its URL and which have no task, e.g. after unfollow and follow).
func (s *Service) applyTx(ctx context.Context, tx *sql.Tx, courseID int64, pf *ParsedFeed, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, guid, url, title, description_html, hashtag, published_at, due_at, removed_at
		FROM tasks WHERE course_id = ? ORDER BY id`, courseID)
	if err != nil {
		return store.MapErr(err)
	}
	var all []*existingTask
	byGUID := map[string]*existingTask{}
	byURL := map[string]*existingTask{}
	for rows.Next() {
		t := &existingTask{}
		if err := rows.Scan(&t.id, &t.guid, &t.url, &t.title, &t.desc, &t.hashtag, &t.published, &t.due, &t.removed); err != nil {
			rows.Close()
			return store.MapErr(err)
		}
		all = append(all, t)
		byGUID[t.guid] = t
		if t.url != "" && byURL[t.url] == nil {
			byURL[t.url] = t
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.MapErr(err)
	}

	ms := store.Millis(now)
	var fresh []ParsedItem
	var update *sql.Stmt
	defer func() {
		if update != nil {
			update.Close()
		}
	}()
	for _, it := range pf.Items {
		t := byGUID[it.GUID]
		if t == nil && it.URL != "" {
			t = byURL[it.URL]
		}
		if t == nil {
			fresh = append(fresh, it)
			continue
		}
		if t.matched {
			continue // another item of this feed already is this task
		}
		t.matched = true
		newURL := t.url
		if t.url == "" {
			newURL = it.URL
		} else if it.URL != "" && it.URL != t.url {
			s.logger.Info("courses: item link changed; the task keeps its URL so answers still match",
				"course", courseID, "task", t.id, "kept", t.url, "feed", it.URL)
		}
		if t.guid == it.GUID && t.url == newURL && t.title == it.Title && t.desc == it.DescriptionHTML &&
			t.hashtag == it.Hashtag && sameTime(t.published, it.PublishedAt) && sameTime(t.due, it.DueAt) && !t.removed.Valid {
			continue
		}
		if update == nil {
			if update, err = tx.PrepareContext(ctx, `UPDATE tasks SET guid = ?, url = ?, title = ?, description_html = ?,
				hashtag = ?, published_at = ?, due_at = ?, removed_at = NULL, updated_at = ? WHERE id = ?`); err != nil {
				return store.MapErr(err)
			}
		}
		if t.guid != it.GUID {
			delete(byGUID, t.guid)
			byGUID[it.GUID] = t
		}
		if _, err := update.ExecContext(ctx, it.GUID, newURL, it.Title, it.DescriptionHTML, it.Hashtag,
			nullTime(it.PublishedAt), nullTime(it.DueAt), ms, t.id); err != nil {
			return store.MapErr(err)
		}
	}

	for _, t := range all {
		if !t.matched && !t.removed.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE tasks SET removed_at = ?, updated_at = ? WHERE id = ?`, ms, ms, t.id); err != nil {
				return store.MapErr(err)
			}
		}
	}
	if len(fresh) == 0 {
		return nil
	}

	ins, err := tx.PrepareContext(ctx, `INSERT INTO tasks (course_id, guid, url, title, description_html, hashtag,
		published_at, due_at, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`)
	if err != nil {
		return store.MapErr(err)
	}
	defer ins.Close()
	newByURL := map[string]int64{}
	for i := len(fresh) - 1; i >= 0; i-- {
		it := fresh[i]
		res, err := ins.ExecContext(ctx, courseID, it.GUID, it.URL, it.Title, it.DescriptionHTML, it.Hashtag,
			nullTime(it.PublishedAt), nullTime(it.DueAt), ms, ms)
		if err != nil {
			return store.MapErr(err)
		}
		if it.URL != "" {
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			newByURL[it.URL] = id
		}
	}
	return s.linkOrphanPostsTx(ctx, tx, newByURL)
}

// linkOrphanPostsTx gives answers without a task (written before the
// course was followed, or kept when it was unfollowed) the new task whose
// URL their in_reply_to names byte for byte, and updates those tasks'
// states.
func (s *Service) linkOrphanPostsTx(ctx context.Context, tx *sql.Tx, newByURL map[string]int64) error {
	if len(newByURL) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, in_reply_to FROM posts WHERE task_id IS NULL AND in_reply_to != ''`)
	if err != nil {
		return store.MapErr(err)
	}
	type link struct{ post, task int64 }
	var links []link
	for rows.Next() {
		var id int64
		var irt string
		if err := rows.Scan(&id, &irt); err != nil {
			rows.Close()
			return store.MapErr(err)
		}
		if task, ok := newByURL[irt]; ok {
			links = append(links, link{id, task})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.MapErr(err)
	}
	synced := map[int64]bool{}
	for _, l := range links {
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET task_id = ? WHERE id = ? AND task_id IS NULL`, l.task, l.post); err != nil {
			return store.MapErr(err)
		}
		if !synced[l.task] {
			synced[l.task] = true
			if err := s.SyncTaskStateTx(ctx, tx, l.task); err != nil {
				return err
			}
		}
	}
	return nil
}

func sameTime(n sql.NullInt64, t time.Time) bool {
	if t.IsZero() {
		return !n.Valid
	}
	return n.Valid && n.Int64 == store.Millis(t)
}
