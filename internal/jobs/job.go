package jobs

import (
	"encoding/json"
	"fmt"
	"time"
)

// Job is what a handler receives.
type Job struct {
	ID          int64
	Kind        string
	Payload     json.RawMessage
	Attempt     int // 1 on the first run
	MaxAttempts int
}

// Decode unmarshals the payload into v. Its error is Permanent, because a
// payload that does not decode never will, so handlers can return it as is.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return Permanent(fmt.Errorf("decode %s payload: %w", j.Kind, err))
	}
	return nil
}

// State is a job's row state. Succeeded jobs are deleted, so have none.
type State string

// The states of the jobs table.
const (
	Queued  State = "queued"
	Running State = "running"
	Failed  State = "failed"
)

// Info is a job row as the owner page shows it.
type Info struct {
	ID          int64
	Kind        string
	Payload     json.RawMessage // may hold secrets: show selected fields, not all of it
	State       State
	RunAt       time.Time
	Attempts    int
	MaxAttempts int
	LastError   string
	LockedUntil time.Time // zero unless running
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Counts is the number of jobs in each state.
type Counts struct {
	Queued, Running, Failed int
}
