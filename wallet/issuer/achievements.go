package issuer

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/bake"
)

// Alignment is a skill or competency an achievement points to.
type Alignment struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	Framework string `json:"framework,omitempty"`
	Code      string `json:"code,omitempty"`
}

// LinkedTask is a task an achievement is awarded for: one of the owner's
// task posts and the hashtag that answers it.
type LinkedTask struct {
	URL     string `json:"url"`
	Hashtag string `json:"hashtag"`
}

// Learning Token kinds (DESIGN.md, Learning Tokens).
const (
	TokenAttendance      = "attendance"
	TokenScore           = "score"
	TokenHelp            = "help"
	TokenInstructorScore = "instructor-score"
)

// TokenKinds lists the four kinds in display order.
var TokenKinds = []string{TokenAttendance, TokenScore, TokenHelp, TokenInstructorScore}

// Alignment frameworks of a Learning Token.
const (
	FrameworkCIP = "CIP 2020"
	FrameworkWEF = "WEF Global Skills Taxonomy"
)

// Coded is a field of knowledge (CIP code) or a skill (WEF code).
type Coded struct {
	Name string `json:"name"`
	Code string `json:"code"`
	URL  string `json:"url,omitempty"`
}

// UnmarshalJSON accepts an object or a plain string (the name).
func (c *Coded) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = Coded{Name: s}
		return nil
	}
	type plain Coded
	return json.Unmarshal(b, (*plain)(c))
}

// Token is a Learning Token template: the kind, the scoring guide's range
// and the field of knowledge and skill it counts towards.
type Token struct {
	Kind  string  `json:"kind"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Field Coded   `json:"field"`
	Skill Coded   `json:"skill"`
}

// Achievement is a badge class the issuer awards.
type Achievement struct {
	ID          int64
	Name        string
	Description string
	Criteria    string // narrative
	Image       []byte // PNG or SVG; nil for the default image
	ImageType   string // "png", "svg" or ""
	Alignments  []Alignment
	Tags        []string
	Tasks       []LinkedTask
	Token       *Token // nil for a plain badge
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MaxImageBytes caps an achievement image.
const MaxImageBytes = 1 << 20

// SniffImage validates an uploaded achievement image and returns its type,
// "png" or "svg". SVGs with scripts, event handlers, foreign objects or
// external references are refused: the image is served from this origin.
func SniffImage(b []byte) (string, error) {
	if len(b) == 0 {
		return "", invalid("The image is empty.")
	}
	if len(b) > MaxImageBytes {
		return "", invalid("The image is larger than %d KiB.", MaxImageBytes>>10)
	}
	kind, ok := bake.Detect(b)
	switch {
	case ok && kind == bake.PNG:
		if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
			return "", invalid("The PNG image cannot be read: %v.", err)
		}
		return "png", nil
	case ok && kind == bake.SVG:
		if err := checkSVG(b); err != nil {
			return "", err
		}
		return "svg", nil
	}
	return "", invalid("The image must be a PNG or an SVG.")
}

// checkSVG refuses active content in an SVG.
func checkSVG(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.Entity = map[string]string{}
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return invalid("The SVG image is not well-formed XML: %v.", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return invalid("The SVG image declares entities, which are not allowed.")
			}
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "script", "foreignobject", "iframe", "embed", "object":
				return invalid("The SVG image holds a <%s> element, which is not allowed.", t.Name.Local)
			}
			for _, a := range t.Attr {
				name := strings.ToLower(a.Name.Local)
				val := strings.ToLower(strings.TrimSpace(a.Value))
				if strings.HasPrefix(name, "on") {
					return invalid("The SVG image has an event handler (%s), which is not allowed.", a.Name.Local)
				}
				if (name == "href") && !strings.HasPrefix(val, "#") && !strings.HasPrefix(val, "data:image/") {
					return invalid("The SVG image links to %q; only embedded images are allowed.", a.Value)
				}
			}
		}
	}
}

// normalize validates an achievement and tidies its fields.
func (a *Achievement) normalize() error {
	a.Name = strings.TrimSpace(a.Name)
	a.Description = strings.TrimSpace(a.Description)
	a.Criteria = strings.TrimSpace(a.Criteria)
	switch {
	case a.Name == "":
		return invalid("Give the achievement a name.")
	case len([]rune(a.Name)) > maxName:
		return invalid("The name is longer than %d characters.", maxName)
	case a.Description == "":
		return invalid("Give the achievement a description (Open Badges requires one).")
	case len(a.Description) > maxText || len(a.Criteria) > maxText:
		return invalid("The description and criteria are limited to %d characters each.", maxText)
	}
	if a.Criteria == "" {
		a.Criteria = a.Description
	}
	if len(a.Image) > 0 {
		t, err := SniffImage(a.Image)
		if err != nil {
			return err
		}
		a.ImageType = t
	} else {
		a.Image, a.ImageType = nil, ""
	}
	var al []Alignment
	for _, x := range a.Alignments {
		x.Name, x.URL = strings.TrimSpace(x.Name), strings.TrimSpace(x.URL)
		x.Framework, x.Code = strings.TrimSpace(x.Framework), strings.TrimSpace(x.Code)
		if x == (Alignment{}) {
			continue
		}
		if x.Name == "" {
			return invalid("Each skill needs a name.")
		}
		if !isHTTPURL(x.URL) {
			return invalid("The skill %q needs an http(s) URL that describes it.", x.Name)
		}
		al = append(al, x)
	}
	a.Alignments = al
	seen := map[string]bool{}
	var tags []string
	for _, t := range a.Tags {
		t = strings.TrimPrefix(strings.TrimSpace(t), "#")
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if len(t) > 64 {
			return invalid("The tag %q is longer than 64 characters.", t)
		}
		seen[strings.ToLower(t)] = true
		tags = append(tags, t)
	}
	a.Tags = tags
	var tasks []LinkedTask
	for _, t := range a.Tasks {
		t.URL = strings.TrimSpace(t.URL)
		t.Hashtag = strings.TrimPrefix(strings.TrimSpace(t.Hashtag), "#")
		if t.URL == "" && t.Hashtag == "" {
			continue
		}
		if t.URL != "" && !isHTTPURL(t.URL) {
			return invalid("The task URL %q is not an http(s) URL.", t.URL)
		}
		if strings.ContainsAny(t.Hashtag, " \t#") || len(t.Hashtag) > 64 {
			return invalid("The hashtag %q must be one word.", t.Hashtag)
		}
		tasks = append(tasks, t)
	}
	a.Tasks = tasks
	if a.Token != nil {
		if err := a.Token.normalize(); err != nil {
			return err
		}
	}
	return nil
}

func (t *Token) normalize() error {
	t.Kind = strings.ToLower(strings.TrimSpace(t.Kind))
	ok := false
	for _, k := range TokenKinds {
		ok = ok || k == t.Kind
	}
	if !ok {
		return invalid("A Learning Token's kind is one of %s.", strings.Join(TokenKinds, ", "))
	}
	if math.IsNaN(t.Min) || math.IsNaN(t.Max) || math.IsInf(t.Min, 0) || math.IsInf(t.Max, 0) || t.Min > t.Max {
		return invalid("The scoring guide's range needs a minimum no greater than its maximum.")
	}
	if t.Min == 0 && t.Max == 0 {
		t.Max = 1
	}
	for _, c := range []*Coded{&t.Field, &t.Skill} {
		c.Name, c.Code, c.URL = strings.TrimSpace(c.Name), strings.TrimSpace(c.Code), strings.TrimSpace(c.URL)
		if c.URL != "" && !isHTTPURL(c.URL) {
			return invalid("The URL %q is not an http(s) URL.", c.URL)
		}
	}
	if t.Field.Name == "" || t.Skill.Name == "" {
		return invalid("A Learning Token names its field of knowledge (with its CIP code) and its skill (with its WEF code).")
	}
	if t.Field.URL == "" {
		t.Field.URL = "https://nces.ed.gov/ipeds/cipcode/searchresults.aspx?y=56&sv=" + urlQuery(t.Field.Code)
	}
	if t.Skill.URL == "" {
		t.Skill.URL = "https://www.weforum.org/publications/global-skills-taxonomy/#" + urlQuery(t.Skill.Code)
	}
	return nil
}

const achievementCols = `id, name, description, criteria, image, image_type, alignments_json, tags_json, token_json,
	created_at, updated_at`

func scanAchievement(sc interface{ Scan(...any) error }) (Achievement, error) {
	var a Achievement
	var al, tags, tok string
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.Name, &a.Description, &a.Criteria, &a.Image, &a.ImageType, &al, &tags, &tok,
		&created, &updated); err != nil {
		return a, store.MapErr(err)
	}
	_ = json.Unmarshal([]byte(al), &a.Alignments)
	_ = json.Unmarshal([]byte(tags), &a.Tags)
	if tok != "" {
		a.Token = &Token{}
		if err := json.Unmarshal([]byte(tok), a.Token); err != nil {
			a.Token = nil
		}
	}
	a.CreatedAt, a.UpdatedAt = store.Time(created), store.Time(updated)
	return a, nil
}

// Achievement reads one achievement with its linked tasks.
func (s *Service) Achievement(ctx context.Context, id int64) (Achievement, error) {
	a, err := scanAchievement(s.db.R.QueryRowContext(ctx, "SELECT "+achievementCols+" FROM issuer_achievements WHERE id = ?", id))
	if err != nil {
		return a, err
	}
	rows, err := s.db.R.QueryContext(ctx, "SELECT task_url, hashtag FROM issuer_achievement_tasks WHERE achievement = ? ORDER BY id", id)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var t LinkedTask
		if err := rows.Scan(&t.URL, &t.Hashtag); err != nil {
			return a, err
		}
		a.Tasks = append(a.Tasks, t)
	}
	return a, rows.Err()
}

// Achievements lists every achievement with its linked tasks, newest
// first (without images).
func (s *Service) Achievements(ctx context.Context) ([]Achievement, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, name, description, criteria, NULL, image_type, alignments_json,
		tags_json, token_json, created_at, updated_at FROM issuer_achievements ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Achievement
	index := map[int64]int{}
	for rows.Next() {
		a, err := scanAchievement(rows)
		if err != nil {
			return nil, err
		}
		index[a.ID] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	trows, err := s.db.R.QueryContext(ctx, "SELECT achievement, task_url, hashtag FROM issuer_achievement_tasks ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var id int64
		var t LinkedTask
		if err := trows.Scan(&id, &t.URL, &t.Hashtag); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Tasks = append(out[i].Tasks, t)
		}
	}
	return out, trows.Err()
}

// CreateAchievement validates and stores a new achievement.
func (s *Service) CreateAchievement(ctx context.Context, a Achievement) (Achievement, error) {
	return s.saveAchievement(ctx, 0, a, true)
}

// UpdateAchievement replaces an achievement's fields. keepImage keeps the
// stored image when a carries none. Credentials already issued keep what
// they said.
func (s *Service) UpdateAchievement(ctx context.Context, id int64, a Achievement, keepImage bool) (Achievement, error) {
	if id <= 0 {
		return a, ErrNotFound
	}
	return s.saveAchievement(ctx, id, a, !keepImage)
}

func (s *Service) saveAchievement(ctx context.Context, id int64, a Achievement, setImage bool) (Achievement, error) {
	if err := a.normalize(); err != nil {
		return a, err
	}
	al, _ := json.Marshal(nonNilSlice(a.Alignments))
	tags, _ := json.Marshal(nonNilSlice(a.Tags))
	tok := ""
	if a.Token != nil {
		b, _ := json.Marshal(a.Token)
		tok = string(b)
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if id == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO issuer_achievements (name, description, criteria, image, image_type,
				alignments_json, tags_json, token_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				a.Name, a.Description, a.Criteria, a.Image, a.ImageType, string(al), string(tags), tok, now, now)
			if err != nil {
				return err
			}
			id, err = res.LastInsertId()
			if err != nil {
				return err
			}
		} else {
			q := `UPDATE issuer_achievements SET name = ?, description = ?, criteria = ?, alignments_json = ?, tags_json = ?,
				token_json = ?, updated_at = ?`
			args := []any{a.Name, a.Description, a.Criteria, string(al), string(tags), tok, now}
			if setImage || len(a.Image) > 0 {
				q += ", image = ?, image_type = ?"
				args = append(args, a.Image, a.ImageType)
			}
			res, err := tx.ExecContext(ctx, q+" WHERE id = ?", append(args, id)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM issuer_achievement_tasks WHERE achievement = ?", id); err != nil {
				return err
			}
		}
		for _, t := range a.Tasks {
			if _, err := tx.ExecContext(ctx, "INSERT INTO issuer_achievement_tasks (achievement, task_url, hashtag) VALUES (?, ?, ?)",
				id, t.URL, t.Hashtag); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	return s.Achievement(ctx, id)
}

// AchievementImage is the image of an achievement: the upload, or the
// default badge of the asked kind ("png" or "svg", used when the
// achievement has none). It returns the bytes and their type.
func (s *Service) AchievementImage(ctx context.Context, id int64) ([]byte, string, error) {
	if _, err := s.enabledProfile(ctx); err != nil {
		return nil, "", err
	}
	var img []byte
	var typ, name string
	err := s.db.R.QueryRowContext(ctx, "SELECT image, image_type, name FROM issuer_achievements WHERE id = ?", id).Scan(&img, &typ, &name)
	if err != nil {
		return nil, "", store.MapErr(err)
	}
	if len(img) > 0 {
		return img, typ, nil
	}
	return defaultSVG(name), "svg", nil
}

// achievementObject is the OB 3.0 Achievement, as credentials embed it
// and /issuer/achievements/{id} serves it.
func (s *Service) achievementObject(a Achievement) map[string]any {
	id := s.AchievementURL(a.ID)
	o := map[string]any{
		"id":          id,
		"type":        []any{"Achievement"},
		"name":        a.Name,
		"description": a.Description,
		"criteria":    map[string]any{"id": id, "narrative": a.Criteria},
		"image":       map[string]any{"id": s.AchievementImageURL(a.ID), "type": "Image"},
	}
	var align []any
	for _, x := range a.Alignments {
		align = append(align, alignment(x.Name, x.URL, x.Framework, x.Code))
	}
	tags := append([]string(nil), a.Tags...)
	if t := a.Token; t != nil {
		o["achievementType"] = AchievementTypeLearningToken
		tags = append([]string{"learning-token", t.Kind}, tags...)
		align = append(align,
			alignment(t.Field.Name, t.Field.URL, FrameworkCIP, t.Field.Code),
			alignment(t.Skill.Name, t.Skill.URL, FrameworkWEF, t.Skill.Code))
		o["resultDescription"] = []any{map[string]any{
			"id": resultDescriptionID(id), "type": []any{"ResultDescription"}, "name": "Amount",
			"resultType": "RawScore", "valueMin": num(t.Min), "valueMax": num(t.Max)}}
	}
	if len(align) > 0 {
		o["alignment"] = align
	}
	if len(tags) > 0 {
		t := make([]any, len(tags))
		for i, x := range tags {
			t[i] = x
		}
		o["tag"] = t
	}
	return o
}

// AchievementTypeLearningToken marks a Learning Token's achievement.
const AchievementTypeLearningToken = "ext:LearningToken"

func resultDescriptionID(achievementID string) string { return achievementID + "#amount" }

func alignment(name, u, framework, code string) map[string]any {
	m := map[string]any{"type": []any{"Alignment"}, "targetName": name, "targetUrl": u}
	if framework != "" {
		m["targetFramework"] = framework
	}
	if code != "" {
		m["targetCode"] = code
	}
	return m
}

// AchievementDocument is the achievement as a JSON-LD document.
func (s *Service) AchievementDocument(ctx context.Context, id int64) (map[string]any, error) {
	p, err := s.enabledProfile(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.Achievement(ctx, id)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"@context": []any{ContextVC2, ContextOB3}}
	for k, v := range s.achievementObject(a) {
		doc[k] = v
	}
	doc["creator"] = s.profileObject(p)
	return doc, nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func nonNilSlice[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
