package issuer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/sign"
)

// JSON-LD contexts of what the issuer writes.
const (
	ContextVC2 = "https://www.w3.org/ns/credentials/v2"
	ContextOB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

// AwardRequest asks for one award of an achievement. At least one of
// Email and SubjectURL names the recipient.
type AwardRequest struct {
	AchievementID int64
	Email         string   // hashed (salted sha256$) into the credential; never stored or shown
	SubjectURL    string   // the learner's site: the subject id and the award page's h-card
	Name          string   // the learner's name for the award page (optional)
	Evidence      string   // the learner's post: the credential's evidence and the Webmention target
	Narrative     string   // what the learner did (optional)
	Amount        *float64 // a Learning Token's amount, within the template's range
}

// Award is one issued credential and its state.
type Award struct {
	ID              string
	AchievementID   int64
	AchievementName string
	CredentialID    string
	Credential      []byte // the signed JSON exactly as issued
	RecipientHash   string // sha256$… of the email (or the URL) with RecipientSalt
	RecipientSalt   string
	RecipientEmail  bool // the hash is of an email address
	RecipientURL    string
	RecipientName   string
	Evidence        string
	Narrative       string
	Amount          string
	StatusList      int64
	StatusIndex     int
	IssuedAt        time.Time
	Revoked         bool
	RevokedAt       time.Time
	Reason          string
	MentionStatus   string // none, queued, sent, no-endpoint, failed
	MentionError    string
}

// State is "revoked" or "issued".
func (a Award) State() string {
	if a.Revoked {
		return "revoked"
	}
	return "issued"
}

const awardCols = `w.id, w.achievement, coalesce(a.name, ''), w.credential_id, w.credential, w.recipient_hash, w.recipient_salt,
	w.recipient_email, w.recipient_url, w.recipient_name, w.evidence_url, w.narrative, w.amount, w.status_list,
	w.status_index, w.issued_at, w.revoked_at, w.revocation_reason, w.mention_status, w.mention_error`

const awardFrom = ` FROM issuer_awards w LEFT JOIN issuer_achievements a ON a.id = w.achievement`

func scanAward(sc interface{ Scan(...any) error }) (Award, error) {
	var a Award
	var email int
	var issued int64
	var revoked sql.NullInt64
	err := sc.Scan(&a.ID, &a.AchievementID, &a.AchievementName, &a.CredentialID, &a.Credential, &a.RecipientHash,
		&a.RecipientSalt, &email, &a.RecipientURL, &a.RecipientName, &a.Evidence, &a.Narrative, &a.Amount,
		&a.StatusList, &a.StatusIndex, &issued, &revoked, &a.Reason, &a.MentionStatus, &a.MentionError)
	if err != nil {
		return a, store.MapErr(err)
	}
	a.RecipientEmail = email == 1
	a.IssuedAt = store.Time(issued)
	if revoked.Valid {
		a.Revoked, a.RevokedAt = true, store.Time(revoked.Int64)
	}
	return a, nil
}

// GetAward reads one award.
func (s *Service) GetAward(ctx context.Context, id string) (Award, error) {
	return scanAward(s.db.R.QueryRowContext(ctx, "SELECT "+awardCols+awardFrom+" WHERE w.id = ?", id))
}

// AwardQuery filters Awards.
type AwardQuery struct {
	AchievementID int64 // 0: every achievement
	Limit         int   // default 50, at most 500
	Offset        int
}

// Awards lists awards, newest first.
func (s *Service) Awards(ctx context.Context, q AwardQuery) ([]Award, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	where, args := "", []any{}
	if q.AchievementID > 0 {
		where, args = " WHERE w.achievement = ?", append(args, q.AchievementID)
	}
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+awardCols+awardFrom+where+" ORDER BY w.issued_at DESC, w.rowid DESC LIMIT ? OFFSET ?",
		append(args, q.Limit, max(q.Offset, 0))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Award
	for rows.Next() {
		a, err := scanAward(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Job kinds this package registers.
const (
	// JobWebmention sends the award page's Webmention to the evidence post
	// (payload {"award": id}).
	JobWebmention = "issuer.webmention"
	// JobLedger makes sure an award or revocation reached the ledger
	// (payload {"award": id, "type": "award"|"revocation"}).
	JobLedger = "issuer.ledger"
)

type awardPayload struct {
	Award string `json:"award"`
	Type  string `json:"type,omitempty"`
}

// ledgerCheckDelay is when the ledger job looks whether the immediate
// Append after the commit succeeded (and appends when it did not).
const ledgerCheckDelay = time.Minute

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, kind string, p awardPayload, opts ...jobs.Option) error {
	var err error
	if s.jobs != nil {
		_, err = s.jobs.EnqueueTx(ctx, tx, kind, p, opts...)
	} else {
		_, err = jobs.EnqueueTx(ctx, tx, kind, p, opts...)
	}
	return err
}

// validate checks a request against its achievement.
func (r *AwardRequest) validate(a Achievement) error {
	r.Email = strings.TrimSpace(r.Email)
	r.SubjectURL = strings.TrimSpace(r.SubjectURL)
	r.Name = strings.TrimSpace(r.Name)
	r.Evidence = strings.TrimSpace(r.Evidence)
	r.Narrative = strings.TrimSpace(r.Narrative)
	r.Email = strings.TrimPrefix(r.Email, "mailto:")
	if r.Email == "" && r.SubjectURL == "" {
		return invalid("Name the recipient: an email address, the learner's site URL, or both.")
	}
	if r.Email != "" {
		m, err := mail.ParseAddress(r.Email)
		if err != nil || m.Address != r.Email {
			return invalid("%q is not an email address.", r.Email)
		}
	}
	if r.SubjectURL != "" && !isHTTPURL(r.SubjectURL) {
		return invalid("The learner's URL must be an http(s) URL.")
	}
	if r.Evidence != "" && !isHTTPURL(r.Evidence) {
		return invalid("The evidence must be the http(s) URL of the learner's post.")
	}
	if len([]rune(r.Name)) > maxName || len(r.Narrative) > maxText {
		return invalid("The name or the narrative is too long.")
	}
	if a.Token != nil {
		if r.Amount == nil {
			return invalid("A Learning Token needs the amount earned (%s to %s).", num(a.Token.Min), num(a.Token.Max))
		}
		v := *r.Amount
		if math.IsNaN(v) || v < a.Token.Min || v > a.Token.Max {
			return invalid("The amount must be between %s and %s.", num(a.Token.Min), num(a.Token.Max))
		}
	} else if r.Amount != nil {
		return invalid("Only Learning Tokens carry an amount.")
	}
	return nil
}

// Award issues one credential: an Open Badges 3.0 OpenBadgeCredential
// signed eddsa-rdfc-2022 by the current key, with a fresh revocation
// status entry. It stores the credential exactly as signed, queues the
// Webmention to the evidence post, and records the award in the ledger.
func (s *Service) Award(ctx context.Context, r AwardRequest) (Award, error) {
	p, err := s.enabledProfile(ctx)
	if err != nil {
		return Award{}, err
	}
	a, err := s.Achievement(ctx, r.AchievementID)
	if errors.Is(err, ErrNotFound) {
		return Award{}, invalid("There is no achievement %d.", r.AchievementID)
	}
	if err != nil {
		return Award{}, err
	}
	if err := r.validate(a); err != nil {
		return Award{}, err
	}
	vm, key, err := s.current()
	if err != nil {
		return Award{}, err
	}
	id, err := newID()
	if err != nil {
		return Award{}, err
	}
	salt, err := randomHex(16)
	if err != nil {
		return Award{}, err
	}
	identity := r.Email
	if identity == "" {
		identity = r.SubjectURL
	}
	hash := identityHash(identity, salt)
	now := s.now().UTC().Truncate(time.Second)
	amount := ""
	if r.Amount != nil {
		amount = num(*r.Amount)
	}
	w := Award{ID: id, AchievementID: a.ID, AchievementName: a.Name, CredentialID: s.CredentialID(id),
		RecipientHash: hash, RecipientSalt: salt, RecipientEmail: r.Email != "", RecipientURL: r.SubjectURL,
		RecipientName: r.Name, Evidence: r.Evidence, Narrative: r.Narrative, Amount: amount, IssuedAt: now,
		MentionStatus: "none"}
	if w.Evidence != "" {
		w.MentionStatus = "queued"
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		list, index, err := allocateIndex(ctx, tx, now)
		if err != nil {
			return err
		}
		w.StatusList, w.StatusIndex = list, index
		doc := s.credential(p, a, w, r.Email)
		signed, err := sign.AddProof(jsonShaped(doc), key, sign.Options{VerificationMethod: vm, Created: now})
		if err != nil {
			return err
		}
		if w.Credential, err = json.Marshal(signed); err != nil {
			return err
		}
		email := 0
		if w.RecipientEmail {
			email = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO issuer_awards (id, achievement, credential_id, credential,
			recipient_hash, recipient_salt, recipient_email, recipient_url, recipient_name, evidence_url, narrative, amount,
			status_list, status_index, issued_at, mention_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, w.AchievementID, w.CredentialID, w.Credential, w.RecipientHash, w.RecipientSalt, email, w.RecipientURL,
			w.RecipientName, w.Evidence, w.Narrative, w.Amount, w.StatusList, w.StatusIndex, store.Millis(now),
			w.MentionStatus); err != nil {
			return err
		}
		if w.Evidence != "" {
			if err := s.enqueue(ctx, tx, JobWebmention, awardPayload{Award: w.ID}, jobs.MaxAttempts(8)); err != nil {
				return err
			}
		}
		if s.getLedger() != nil {
			return s.enqueue(ctx, tx, JobLedger, awardPayload{Award: w.ID, Type: RecordAward}, jobs.After(ledgerCheckDelay))
		}
		return nil
	})
	if err != nil {
		return Award{}, err
	}
	s.appendLedger(ctx, w, RecordAward)
	return w, nil
}

// BulkResult is the outcome of one request of AwardMany.
type BulkResult struct {
	Award Award
	Err   error
}

// AwardMany awards one achievement for each request: each succeeds or
// fails on its own, and every outcome is reported in order.
func (s *Service) AwardMany(ctx context.Context, achievementID int64, reqs []AwardRequest) []BulkResult {
	out := make([]BulkResult, len(reqs))
	for i, r := range reqs {
		r.AchievementID = achievementID
		out[i].Award, out[i].Err = s.Award(ctx, r)
	}
	return out
}

// credential builds the unsigned OpenBadgeCredential (credentials.md
// a.11).
func (s *Service) credential(p Profile, a Achievement, w Award, email string) map[string]any {
	subj := map[string]any{"type": []any{"AchievementSubject"}, "achievement": s.achievementObject(a)}
	if email != "" {
		subj["identifier"] = []any{map[string]any{"type": "IdentityObject", "identityType": "emailAddress",
			"hashed": true, "salt": w.RecipientSalt, "identityHash": identityHash(email, w.RecipientSalt)}}
	}
	if w.RecipientURL != "" {
		subj["id"] = w.RecipientURL
	}
	if a.Token != nil && w.Amount != "" {
		subj["result"] = []any{map[string]any{"type": []any{"Result"},
			"resultDescription": resultDescriptionID(s.AchievementURL(a.ID)), "value": w.Amount}}
	}
	if w.Narrative != "" && w.Evidence == "" {
		subj["narrative"] = w.Narrative
	}
	listURL := s.StatusListURL(w.StatusList)
	idx := strconv.Itoa(w.StatusIndex)
	doc := map[string]any{
		"@context":          []any{ContextVC2, ContextOB3},
		"id":                w.CredentialID,
		"type":              []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":            s.profileObject(p),
		"validFrom":         w.IssuedAt.UTC().Format(time.RFC3339),
		"name":              a.Name,
		"credentialSubject": subj,
		"credentialStatus": map[string]any{"id": listURL + "#" + idx, "type": "BitstringStatusListEntry",
			"statusPurpose": "revocation", "statusListIndex": idx, "statusListCredential": listURL},
	}
	if w.Evidence != "" {
		ev := map[string]any{"id": w.Evidence, "type": []any{"Evidence"}, "name": "Evidence: " + a.Name}
		if w.Narrative != "" {
			ev["narrative"] = w.Narrative
		}
		doc["evidence"] = []any{ev}
	}
	return doc
}

// Revoke revokes an award: its status bit is set (the status list is
// re-signed), the hosted Open Badges 2.0 assertion answers revoked, a
// revocation record goes to the ledger and the Webmention is sent again
// so the learner's site sees the award page say so. Revoking a revoked
// award changes nothing.
func (s *Service) Revoke(ctx context.Context, id, reason string) (Award, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 1000 {
		return Award{}, invalid("The reason is longer than 1000 characters.")
	}
	if _, err := s.enabledProfile(ctx); err != nil {
		return Award{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	var w Award
	changed := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		w, err = scanAward(tx.QueryRowContext(ctx, "SELECT "+awardCols+awardFrom+" WHERE w.id = ?", id))
		if err != nil || w.Revoked {
			return err
		}
		changed = true
		w.Revoked, w.RevokedAt, w.Reason = true, now, reason
		mention := w.MentionStatus
		if w.Evidence != "" {
			mention = "queued"
		}
		w.MentionStatus = mention
		if _, err := tx.ExecContext(ctx, `UPDATE issuer_awards SET revoked_at = ?, revocation_reason = ?, mention_status = ?
			WHERE id = ?`, store.Millis(now), reason, mention, id); err != nil {
			return err
		}
		if err := setBit(ctx, tx, w.StatusList, w.StatusIndex); err != nil {
			return err
		}
		if err := s.signStatusList(ctx, tx, w.StatusList, now); err != nil {
			return err
		}
		if w.Evidence != "" {
			if err := s.enqueue(ctx, tx, JobWebmention, awardPayload{Award: w.ID}, jobs.MaxAttempts(8)); err != nil {
				return err
			}
		}
		if s.getLedger() != nil {
			return s.enqueue(ctx, tx, JobLedger, awardPayload{Award: w.ID, Type: RecordRevocation}, jobs.After(ledgerCheckDelay))
		}
		return nil
	})
	if err != nil {
		return w, err
	}
	if changed {
		s.appendLedger(ctx, w, RecordRevocation)
	}
	return w, nil
}

func identityHash(identity, salt string) string {
	h := sha256.Sum256([]byte(identity + salt))
	return "sha256$" + hex.EncodeToString(h[:])
}

// newID is a random (version 4) UUID.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// ValidID reports whether s has the shape of an award id.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jsonShaped turns Go maps into decoded JSON (what sign.AddProof and the
// verifier expect).
func jsonShaped(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("issuer: marshal document: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		panic(fmt.Sprintf("issuer: decode document: %v", err))
	}
	return out
}
