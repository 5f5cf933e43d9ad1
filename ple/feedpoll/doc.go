// Package feedpoll is what following web feeds takes, shared by the
// learner's courses (ple/courses) and the issuer's roster (ple/roster):
// checking a pasted URL, fetching through internal/netx with conditional
// GET and errors written for people, finding the feed a page names
// (autodiscovery), the basics of reading a document with gofeed, importing
// OPML outlines, and polling a table of feeds on the job queue with
// exponential backoff.
//
// It knows nothing of what a feed's items become (a course's tasks, a
// learner's harvested posts): each package parses and stores its feeds
// itself and hands feedpoll its table name, words and callbacks. So both
// packages fetch, back off and schedule the same way, and a fix to one of
// those is a fix to both.
package feedpoll
