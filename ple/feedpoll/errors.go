package feedpoll

import (
	"errors"
	"time"
)

// ValidationError is bad input from a person (an API 400); its message is
// safe to show.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// FeedError is a fetch or parse of a feed URL that failed. Msg is written
// for people and is what the course or roster page shows ("the course site
// answered 404 Not Found", "the feed's XML is broken (line 3: …)"). The
// API answers 422 for a follow or add that fails with it.
type FeedError struct {
	URL        string        // the URL fetched
	StatusCode int           // the HTTP status when the site answered with an error, else 0
	RetryAfter time.Duration // from a 429 or 503 Retry-After header, else 0
	Msg        string
	Err        error // the cause, for logs and errors.Is (ErrNotFeed, ErrNoFeedFound, netx errors)
}

func (e *FeedError) Error() string { return e.Msg }
func (e *FeedError) Unwrap() error { return e.Err }

// Sentinel causes; a FeedError unwraps to them.
var (
	// ErrNotFeed means the document is not an RSS, Atom or JSON feed.
	ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")
	// ErrBrokenFeed means the document looked like a feed but could not be read.
	ErrBrokenFeed = errors.New("broken feed")
	// ErrNoFeedFound means a page was fetched but names no feed.
	ErrNoFeedFound = errors.New("no feed found")
)

// asFeedError makes a parse error of the feed at u a FeedError (one that
// already is passes through), so every failure a caller sees has a
// readable Msg.
func asFeedError(u string, err error) *FeedError {
	var fe *FeedError
	if errors.As(err, &fe) {
		return fe
	}
	return &FeedError{URL: u, Msg: err.Error(), Err: err}
}
