package courses

import (
	"context"
	"database/sql"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// Refresh fetches a course's feed now and applies it. A failure is
// recorded on the course (status error, a readable error, one more
// failure, a later next_fetch_at) and also returned; the course's tasks
// do not change. A 304 Not Modified is a success that changes nothing but
// the fetch time. An unknown course is store.ErrNotFound.
func (s *Service) Refresh(ctx context.Context, id int64) error {
	defer s.poller.Lock(id)()
	return s.poller.Fetch(ctx, id, func(f *feedpoll.Fetched) (feedpoll.Apply, error) {
		pf, err := ParseFeed(f.Body, f.URL)
		if err != nil {
			return nil, err
		}
		return s.applyFeed(id, pf), nil
	})
}

// applyFeed stores a fetched feed on its course, in the transaction that
// marks the course fetched: the course takes the feed's title, site URL
// and hashtag (where the feed gives them) and the items are merged into
// its tasks.
func (s *Service) applyFeed(id int64, pf *ParsedFeed) feedpoll.Apply {
	return func(ctx context.Context, tx *sql.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `UPDATE courses SET
			name = CASE WHEN ? != '' THEN ? ELSE name END,
			site_url = CASE WHEN ? != '' THEN ? ELSE site_url END,
			hashtag = CASE WHEN ? != '' THEN ? ELSE hashtag END WHERE id = ?`,
			pf.Title, pf.Title, pf.SiteURL, pf.SiteURL, pf.Hashtag, pf.Hashtag, id); err != nil {
			return store.MapErr(err)
		}
		return s.applyTx(ctx, tx, id, pf, now)
	}
}
