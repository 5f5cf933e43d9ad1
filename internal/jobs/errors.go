package jobs

import (
	"errors"
	"fmt"
	"time"
)

// ErrRunning is returned by Retry for a job a worker holds right now.
var ErrRunning = errors.New("job is running")

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (an HTTP 4xx other than 429, a
// payload that does not decode): the job fails now. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type retryAfterError struct {
	d   time.Duration
	err error
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter asks for the next attempt exactly d from now instead of the
// backoff delay (an HTTP 429 or 503 Retry-After). The attempt still counts
// towards max_attempts. A nil err gets a generic message.
func RetryAfter(d time.Duration, err error) error {
	if err == nil {
		err = fmt.Errorf("retry requested after %s", d)
	}
	return &retryAfterError{d: max(d, 0), err: err}
}

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

func retryDelay(err error) (time.Duration, bool) {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.d, true
	}
	return 0, false
}
