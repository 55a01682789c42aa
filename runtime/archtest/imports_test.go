package archtest_test

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bangumi/chii/runtime/archtest"
)

const mod = "github.com/bangumi/chii"

// TestImportRules checks the real module.
func TestImportRules(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	module, pkgs, err := archtest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if module != mod {
		t.Fatalf("module %q, want %q", module, mod)
	}
	if len(pkgs) < 5 {
		t.Fatalf("only %d packages listed", len(pkgs))
	}
	for _, v := range archtest.Check(module, pkgs) {
		t.Error(v)
	}
}

// TestCheck shows the check can fail: each fake graph has one forbidden edge.
func TestCheck(t *testing.T) {
	p := func(path string, imports ...string) archtest.Package {
		return archtest.Package{ImportPath: mod + "/" + path, Imports: imports}
	}
	pt := func(path string, testImports ...string) archtest.Package {
		return archtest.Package{ImportPath: mod + "/" + path, XTestImports: testImports}
	}
	m := func(path string) string { return mod + "/" + path }

	tests := []struct {
		name string
		pkg  archtest.Package
		want string // "" = allowed; else a substring of the violation
	}{
		{name: "DomainStdlib", pkg: p("domain/subject", "errors", "time", "net/http")},
		{name: "DomainDomain", pkg: p("domain/collect", m("domain/subject"))},
		{name: "DomainToAdapter", pkg: p("domain/subject", m("adapters/mysqldb")), want: "domain must not depend on adapters"},
		{name: "DomainToRuntime", pkg: p("domain", m("runtime/config")), want: "domain must not depend on runtime"},
		{name: "DomainToContracttests", pkg: p("domain/subject", m("contracttests")), want: "domain may import only the standard library, domain and ports"},
		{name: "DomainToPorts", pkg: p("domain/usecase", m("ports"))},
		{name: "DomainToRootPackage", pkg: p("domain/usecase", mod), want: "domain may import only"},
		{name: "DomainThirdParty", pkg: p("domain/wiki", "github.com/google/go-cmp/cmp"), want: "only the standard library"},
		{name: "DomainTestThirdPartyOK", pkg: pt("domain/wiki", "github.com/google/go-cmp/cmp", m("contracttests"))},
		{name: "DomainTestToAdapter", pkg: pt("domain/wiki", m("adapters/mysqldb")), want: "domain must not depend on adapters"},
		{name: "DomainTestToInmemOK", pkg: pt("domain/usecase", m("adapters/inmem"))},
		{name: "DomainToInmem", pkg: p("domain/usecase", m("adapters/inmem")), want: "domain must not depend on adapters"},
		{name: "PortsDomain", pkg: p("ports", m("domain/subject"), "context")},
		{name: "PortsThirdParty", pkg: p("ports", "github.com/redis/go-redis/v9"), want: "ports may import only the standard library"},
		{name: "PortsToAdapter", pkg: p("ports", m("adapters/inmem")), want: "ports must not depend on adapters"},
		{name: "RuntimeAnything", pkg: p("runtime/server", m("adapters/httpapi"), m("adapters/mysqldb"), "github.com/go-chi/chi/v5")},
		{name: "AdapterToAdapter", pkg: p("adapters/httpapi", m("adapters/inmem")), want: "another adapter"},
		{name: "AdapterSubpackage", pkg: p("adapters/mysqldb", m("adapters/mysqldb/internal/rows"))},
		{name: "AdapterToRuntime", pkg: p("adapters/mysqldb", m("runtime/config")), want: "adapters must not import runtime"},
		{name: "AdapterToContracttests", pkg: p("adapters/inmem", m("contracttests")), want: "only an adapter's tests"},
		{name: "AdapterTestOwnAndTestenv", pkg: pt("adapters/mysqldb", m("adapters/mysqldb"), m("contracttests"), m("contracttests/testenv"))},
		{name: "AdapterTestOtherAdapter", pkg: pt("adapters/httpapi", m("adapters/mysqldb")), want: "another adapter"},
		{name: "AdapterTestInmemOK", pkg: pt("adapters/httpapi", m("adapters/inmem"))},
		{name: "AdapterToInmem", pkg: p("adapters/httpapi", m("adapters/inmem")), want: "another adapter"},
		{name: "ContracttestsToAdapter", pkg: p("contracttests", m("adapters/inmem")), want: "only runtime imports adapters"},
		{name: "ContracttestsTestToAdapter", pkg: pt("contracttests/testenv", m("adapters/mysqldb")), want: "only runtime imports adapters"},
		{name: "RootToAdapter", pkg: archtest.Package{ImportPath: mod, Imports: []string{m("adapters/kafkabus")}}, want: "only runtime imports adapters"},
		{name: "ContracttestsToRuntime", pkg: p("contracttests", m("runtime/config")), want: "only runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := archtest.Check(mod, []archtest.Package{tt.pkg})
			if tt.want == "" {
				for _, v := range got {
					t.Errorf("unexpected violation: %v", v)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].String(), tt.want) {
				t.Errorf("Check() = %v, want one violation containing %q", got, tt.want)
			}
		})
	}
}
