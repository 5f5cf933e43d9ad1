// Package webmention is the pure Webmention protocol: endpoint discovery,
// sending, validation of received requests, source verification and
// microformats classification. Storage and queueing are its callers'.
package webmention
