package archtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/cairn-pl/cairn"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// listPackages asks the go tool for every package of the module with its
// direct imports and its transitive dependencies.
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	cmd := exec.Command(goTool, "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// ours trims the module prefix from our own packages and drops the rest.
func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == module {
			out = append(out, "")
		} else if rest, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rest)
		}
	}
	return out
}

func under(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }

func TestLayers(t *testing.T) {
	for _, v := range violations(listPackages(t)) {
		t.Error(v)
	}
}

// violations lists every broken layering rule of DESIGN.md in pkgs.
func violations(pkgs map[string]pkg) []string {
	var out []string
	report := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for name, p := range pkgs {
		deps := ours(p.Deps)

		// Only internal/web speaks Fiber; app and cmd reach it through web.
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/gofiber/") && !under(name, "internal/web") {
				report("%s imports %s: only internal/web may import Fiber", name, imp)
			}
		}
		if !under(name, "internal/web") && !under(name, "internal/app") && !under(name, "cmd") {
			for _, d := range p.Deps {
				if strings.HasPrefix(d, "github.com/gofiber/") {
					report("%s depends on %s: Fiber must stay behind internal/web", name, d)
					break
				}
			}
		}

		var allowed, forbidden []string
		switch {
		case under(name, "verify"), under(name, "webmention"):
			// Pure protocol and verification: no storage, no web, no domain.
			allowed = []string{"internal/netx", "verify", "webmention"}
		case under(name, "internal/netx"), under(name, "internal/config"), under(name, "static"):
			allowed = []string{name}
		case under(name, "internal/store"):
			allowed = []string{"internal/store"}
		case under(name, "internal/jobs"):
			allowed = []string{"internal/store", "internal/jobs"}
		case under(name, "ple"):
			forbidden = []string{"wallet", "internal/web", "internal/app", "cmd"}
		case under(name, "wallet"):
			forbidden = []string{"ple", "internal/web", "internal/app", "cmd"}
		case under(name, "internal/web"):
			forbidden = []string{"internal/app", "cmd"}
		}
		for _, d := range deps {
			if allowed != nil && !underAny(d, allowed) {
				report("%s depends on %s; it may use only %v of ours", name, d, allowed)
			}
			if underAny(d, forbidden) {
				report("%s depends on %s, which the layering forbids", name, d)
			}
		}
		for _, imp := range ours(p.Imports) {
			if under(imp, "internal/app") && !under(name, "cmd") && !under(name, "internal/app") {
				report("%s imports internal/app: only cmd may", name)
			}
		}
	}
	return out
}

func underAny(p string, roots []string) bool {
	for _, r := range roots {
		if under(p, r) {
			return true
		}
	}
	return false
}

// TestRulesCatchViolations feeds violations a made-up package graph with
// one broken rule per package, proving each check can fail.
func TestRulesCatchViolations(t *testing.T) {
	m := func(s string) string { return module + "/" + s }
	pkgs := map[string]pkg{
		"verify":          {Deps: []string{m("internal/store")}},
		"webmention":      {Deps: []string{m("internal/jobs")}},
		"ple":             {Deps: []string{m("wallet")}},
		"wallet/issuer":   {Deps: []string{m("ple")}},
		"internal/config": {Imports: []string{"github.com/gofiber/fiber/v2"}, Deps: []string{"github.com/gofiber/fiber/v2"}},
		"internal/netx":   {Deps: []string{m("internal/config")}},
		"internal/jobs":   {Deps: []string{m("internal/web")}},
		"internal/web":    {Imports: []string{m("internal/app")}, Deps: []string{m("internal/app")}},
	}
	got := strings.Join(violations(pkgs), "\n")
	for _, want := range []string{
		"verify depends on internal/store", "webmention depends on internal/jobs", "ple depends on wallet",
		"wallet/issuer depends on ple", "internal/config imports github.com/gofiber/fiber/v2",
		"internal/netx depends on internal/config", "internal/jobs depends on internal/web",
		"internal/web imports internal/app",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("violation %q not reported; got:\n%s", want, got)
		}
	}
	if v := violations(map[string]pkg{"ple": {Deps: []string{m("verify"), m("internal/store")}}}); len(v) != 0 {
		t.Errorf("allowed graph reported: %v", v)
	}
}
