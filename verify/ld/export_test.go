package ld

import "github.com/cairn-pl/cairn/verify/contexts"

func embeddedURLs() []string { return contexts.URLs() }
