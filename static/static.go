// Package static holds Cairn's embedded CSS, JavaScript and images. No page
// uses inline script or style, so the Content-Security-Policy can forbid
// both.
package static

import "embed"

// FS is the embedded asset tree: css/, js/, img/.
//
//go:embed css js img
var FS embed.FS
