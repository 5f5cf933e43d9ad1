package mentions

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// Mention is a received Webmention as pages and the API show it.
type Mention struct {
	ID          int64
	Source      string
	Target      string
	PostID      int64
	Status      string
	Type        string
	AuthorName  string
	AuthorURL   string
	AuthorPhoto string
	Title       string
	ContentHTML string // sanitised by the webmention package
	Text        string
	URL         string
	Published   time.Time
	Error       string
	ReceivedAt  time.Time
}

const mentionColumns = `id, source, target, coalesce(post_id, 0), status, type, author_name, author_url, author_photo,
	title, content_html, content_text, url, coalesce(published_at, 0), error, received_at`

func scanMentions(rows *sql.Rows) ([]Mention, error) {
	defer rows.Close()
	var out []Mention
	for rows.Next() {
		var m Mention
		var published, received int64
		if err := rows.Scan(&m.ID, &m.Source, &m.Target, &m.PostID, &m.Status, &m.Type, &m.AuthorName, &m.AuthorURL,
			&m.AuthorPhoto, &m.Title, &m.ContentHTML, &m.Text, &m.URL, &published, &m.Error, &received); err != nil {
			return nil, err
		}
		if published != 0 {
			m.Published = store.Time(published)
		}
		m.ReceivedAt = store.Time(received)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ForPost lists the approved mentions of a post, oldest first, as they
// show under it.
func (s *Service) ForPost(ctx context.Context, postID int64) ([]Mention, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+mentionColumns+
		" FROM mentions WHERE post_id = ? AND status = 'approved' ORDER BY coalesce(published_at, received_at), id", postID)
	if err != nil {
		return nil, err
	}
	return scanMentions(rows)
}

// List lists mentions for the owner, newest first; status "" means all.
func (s *Service) List(ctx context.Context, status string, limit int) ([]Mention, error) {
	q := "SELECT " + mentionColumns + " FROM mentions"
	var args []any
	if status != "" {
		q += " WHERE status = ?"
		args = append(args, status)
	}
	q += " ORDER BY received_at DESC, id DESC LIMIT ?"
	args = append(args, max(limit, 1))
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanMentions(rows)
}

// Get loads one mention.
func (s *Service) Get(ctx context.Context, id int64) (Mention, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+mentionColumns+" FROM mentions WHERE id = ?", id)
	if err != nil {
		return Mention{}, err
	}
	list, err := scanMentions(rows)
	if err != nil {
		return Mention{}, err
	}
	if len(list) == 0 {
		return Mention{}, store.ErrNotFound
	}
	return list[0], nil
}

// Approve shows a verified mention under its post.
func (s *Service) Approve(ctx context.Context, id int64) error {
	return s.moderate(ctx, id, StatusApproved, "status IN ('pending', 'approved')")
}

// Reject hides a mention (the owner's "delete").
func (s *Service) Reject(ctx context.Context, id int64) error {
	return s.moderate(ctx, id, StatusRejected, "1")
}

func (s *Service) moderate(ctx context.Context, id int64, status, allowed string) error {
	m, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	defer s.changed()
	res, err := s.db.W.ExecContext(ctx, "UPDATE mentions SET status = ?, updated_at = ? WHERE id = ? AND "+allowed,
		status, store.Now(), m.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &statusError{status: m.Status}
	}
	return nil
}

type statusError struct{ status string }

func (e *statusError) Error() string {
	return "a " + e.status + " mention cannot be approved; re-verify it first"
}

// BlockHost blocks the host of a mention's source: its mentions are hidden
// and new ones are refused.
func (s *Service) BlockHost(ctx context.Context, id int64) error {
	m, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return s.SetHostRule(ctx, hostOf(m.Source), "blocked")
}

// Outgoing is one target a post has mentioned.
type Outgoing struct {
	Target     string
	Status     string
	Endpoint   string
	HTTPStatus int
	Error      string
	SentAt     time.Time
}

// OutgoingFor lists every target a post has sent (or will send) to.
func (s *Service) OutgoingFor(ctx context.Context, postID int64) ([]Outgoing, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT target, status, endpoint, http_status, error, coalesce(sent_at, 0)
		FROM outgoing_mentions WHERE post_id = ? ORDER BY id`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var o Outgoing
		var sent int64
		if err := rows.Scan(&o.Target, &o.Status, &o.Endpoint, &o.HTTPStatus, &o.Error, &sent); err != nil {
			return nil, err
		}
		if sent != 0 {
			o.SentAt = store.Time(sent)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Award is a badge award in the inbox.
type Award struct {
	ID            int64
	Source        string
	IssuerName    string
	IssuerURL     string
	BadgeName     string
	BadgeURL      string
	BadgeImage    string
	Evidence      string
	CredentialURL string
	PostID        int64
	TaskID        int64
	State         string
	ReceivedAt    time.Time
}

// Awards lists the award inbox, newest first.
func (s *Service) Awards(ctx context.Context) ([]Award, error) {
	return s.awards(ctx, "1 ORDER BY received_at DESC, id DESC")
}

// Award loads one award of the inbox.
func (s *Service) Award(ctx context.Context, id int64) (Award, error) {
	list, err := s.awards(ctx, "id = ?", id)
	if err != nil {
		return Award{}, err
	}
	if len(list) == 0 {
		return Award{}, store.ErrNotFound
	}
	return list[0], nil
}

func (s *Service) awards(ctx context.Context, where string, args ...any) ([]Award, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, source, issuer_name, issuer_url, badge_name, badge_url, badge_image,
		evidence, credential_url, coalesce(post_id, 0), coalesce(task_id, 0), state, received_at
		FROM awards WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Award
	for rows.Next() {
		var a Award
		var received int64
		if err := rows.Scan(&a.ID, &a.Source, &a.IssuerName, &a.IssuerURL, &a.BadgeName, &a.BadgeURL, &a.BadgeImage,
			&a.Evidence, &a.CredentialURL, &a.PostID, &a.TaskID, &a.State, &received); err != nil {
			return nil, err
		}
		a.ReceivedAt = store.Time(received)
		out = append(out, a)
	}
	return out, rows.Err()
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func mustURL(path string) *url.URL {
	u, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil {
		return &url.URL{}
	}
	return u
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Millis(t)
}

// SetAwardState records what the owner did with an award: accepted (its
// credential is in the wallet) or dismissed.
func (s *Service) SetAwardState(ctx context.Context, id int64, state string) error {
	if state != "accepted" && state != "dismissed" {
		return &statusError{status: state}
	}
	res, err := s.db.W.ExecContext(ctx, "UPDATE awards SET state = ?, updated_at = ? WHERE id = ?", state, store.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
