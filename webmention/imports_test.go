package webmention

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package pure protocol: besides the standard library
// it may use only internal/netx of ours and the parsing and sanitising
// libraries below; never storage, jobs, web, Fiber or the ple/wallet domain.
// (internal/archtest checks the transitive graph for the whole module.)
func TestImports(t *testing.T) {
	allowed := []string{
		"github.com/cairn-pl/cairn/internal/netx",
		"golang.org/x/net/html",
		"golang.org/x/text/",
		"willnorris.com/go/microformats",
		"github.com/microcosm-cc/bluemonday",
	}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if !strings.Contains(first, ".") {
				continue // standard library
			}
			ok := false
			for _, a := range allowed {
				if path == a || strings.HasPrefix(path, strings.TrimSuffix(a, "/")+"/") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: webmention may import only %v besides the standard library", name, path, allowed)
			}
		}
	}
}
