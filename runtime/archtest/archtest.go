// Package archtest enforces chii's import rules (hexagonal layout):
//
//   - domain/… and ports/… import only the standard library, domain/… and
//     ports/… (their tests may also use third-party test helpers and
//     contracttests, but never adapters/ or runtime/);
//   - only runtime/… imports adapters/… — except that an adapter's own
//     tests may import that adapter;
//   - an adapter never imports runtime/…, another adapter, or (outside its
//     tests) contracttests/….
//
// One exception for tests only: the adapters named in TestDoubles (the
// contract-tested in-memory adapter, STYLE.md: "prefer contract-tested inmem
// adapters to mocks") may be imported by any package's _test.go files.
//
// Check works on an import graph, so it can be tested on fake graphs; Load
// reads the real one with `go list`.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
)

// Package is one node of the import graph.
type Package struct {
	ImportPath   string
	Imports      []string // imports of the package's non-test files
	TestImports  []string // imports of its in-package _test.go files
	XTestImports []string // imports of its external (package x_test) test files
}

// Violation is one forbidden import.
type Violation struct {
	From, To string
	Test     bool // the import comes from a _test.go file
	Rule     string
}

func (v Violation) String() string {
	kind := ""
	if v.Test {
		kind = " (test)"
	}
	return fmt.Sprintf("%s%s imports %s: %s", v.From, kind, v.To, v.Rule)
}

// TestDoubles are the adapters any package's tests may import.
var TestDoubles = []string{"inmem"}

func isTestDouble(adapter string) bool {
	for _, a := range TestDoubles {
		if a == adapter {
			return true
		}
	}
	return false
}

// Check returns every import in pkgs that breaks the rules. module is the
// module path (e.g. github.com/bangumi/chii).
func Check(module string, pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			if rule := check(module, p.ImportPath, imp, false); rule != "" {
				out = append(out, Violation{From: p.ImportPath, To: imp, Rule: rule})
			}
		}
		for _, imp := range append(append([]string(nil), p.TestImports...), p.XTestImports...) {
			if rule := check(module, p.ImportPath, imp, true); rule != "" {
				out = append(out, Violation{From: p.ImportPath, To: imp, Test: true, Rule: rule})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// layer returns the top-level folder of an in-module package ("domain",
// "ports", "adapters", "runtime", "contracttests", or "" for the module
// root) and, for adapters, the adapter's name. ok is false outside the module.
func layer(module, path string) (top, adapter string, ok bool) {
	if path == module {
		return "", "", true
	}
	rel, found := strings.CutPrefix(path, module+"/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rel, "/")
	if parts[0] == "adapters" && len(parts) > 1 {
		return "adapters", parts[1], true
	}
	return parts[0], "", true
}

// isStd reports whether path is a standard-library package (no dot in its
// first element, the rule the go command itself uses).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func check(module, from, to string, test bool) string {
	fromTop, fromAdapter, _ := layer(module, from)
	toTop, toAdapter, inModule := layer(module, to)
	std := !inModule && isStd(to)
	thirdParty := !inModule && !std

	if test && inModule && toTop == "adapters" && isTestDouble(toAdapter) {
		return ""
	}

	switch fromTop {
	case "domain", "ports":
		if std {
			return ""
		}
		if inModule && (toTop == "adapters" || toTop == "runtime") {
			return fromTop + " must not depend on " + toTop
		}
		if test {
			return "" // tests may use go-cmp, contracttests, …
		}
		if thirdParty {
			return fromTop + " may import only the standard library"
		}
		if toTop == "domain" || toTop == "ports" {
			return ""
		}
		return fromTop + " may import only the standard library, domain and ports"
	case "runtime":
		return ""
	case "adapters":
		if !inModule {
			return ""
		}
		switch toTop {
		case "runtime":
			return "adapters must not import runtime"
		case "adapters":
			if toAdapter != fromAdapter {
				return "adapters must not import another adapter"
			}
		case "contracttests":
			if !test {
				return "only an adapter's tests may import contracttests"
			}
		}
		return ""
	default: // contracttests, module root, anything else
		if inModule && toTop == "adapters" {
			return "only runtime imports adapters"
		}
		if inModule && toTop == "runtime" {
			return "only runtime (and the binary) may import runtime"
		}
		return ""
	}
}

// Load lists the module's packages with `go list -e -json ./...` run in dir
// and returns the module path and the graph.
func Load(dir string) (module string, pkgs []Package, err error) {
	modOut, err := run(dir, "list", "-m")
	if err != nil {
		return "", nil, err
	}
	module = strings.TrimSpace(string(modOut))
	out, err := run(dir, "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports", "./...")
	if err != nil {
		return "", nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", nil, fmt.Errorf("decode go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return module, pkgs, nil
}

func run(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}
