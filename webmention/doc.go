// Package webmention is the pure Webmention protocol (W3C Recommendation,
// 2017): endpoint discovery, sending, validation of received requests, source
// verification and microformats classification. Storage, queueing, trust and
// display are its callers'. It fetches only through internal/netx (the SSRF
// guard, timeouts and caps live there) and imports nothing else of ours.
//
// # Sending
//
// For each target of a post (LinksIn over the post's e-content, plus its
// in-reply-to and like-of/repost-of/bookmark-of URLs), on publish, on every
// update (to current targets and to every target sent before, including
// removed links) and after a delete (the post then answers 410):
//
//	res, err := webmention.SendMention(ctx, client, permalink, target)
//	switch retry, after := webmention.Retryable(err); {
//	case err == nil && res.Outcome == webmention.NoEndpoint: // done: nothing to send to
//	case err == nil:                                         // done: res.Status, res.Location
//	case retry:                                              // retry after max(after, backoff)
//	default:                                                 // give up; show err
//	}
//
// SendMention discovers afresh each time (never cache endpoints: one-time
// endpoints exist) with one GET of the target, and Discover, Send and
// SendMention report every failure as a *SendError.
//
// # Receiving
//
// The POST /webmention handler calls ParseRequest with the Content-Type, the
// body and an isOurs callback; a *RequestError is a 400 with its Reason, a
// Request is queued (unique on Source and Target) and answered 202 without a
// Location. The verification job calls Verify(ctx, client, req.Source,
// req.Target):
//
//   - ErrSourceGone or ErrNoLink (errors.Is): delete the stored mention;
//   - a retryable *VerifyError: keep it, retry after RetryAfter or backoff;
//   - another *VerifyError: drop a new mention, give up on a stored one;
//   - a Mention: store it under req.Page. Content is sanitised HTML; Title,
//     Text and Author.Name are plain text; every URL is absolute http(s).
//     Type "award" carries the badge-award markup in Award, which says what
//     the source claims: whether its author is a trusted issuer is the
//     caller's decision.
//
// ParseMention is Verify without the fetch, for tests, benchmarks and
// re-classification of a stored source.
//
// # Choices
//
//   - Discovery reads the Link header first, then the first <link> or <a>
//     with the rel token "webmention" (exact ASCII case-insensitive token),
//     resolving against the final URL after redirects, ignoring <base> (the
//     spec resolves against the target URL), keeping the query and dropping
//     the fragment. It uses the x/net/html tokenizer: no nesting limit, and
//     comments, escaped markup and raw-text elements are never links.
//   - Send re-POSTs on 301/302/307/308 instead of letting net/http turn the
//     POST into a GET, and takes 303 as acceptance.
//   - Targets are sent exactly as linked (receivers compare raw strings).
//   - Verification accepts the target as an exact attribute value, or as the
//     exact result of resolving one against the final source URL or the
//     document's <base>; nothing is normalised.
//   - Mention content strips images (no hot-linking from our pages) and ids.
package webmention
