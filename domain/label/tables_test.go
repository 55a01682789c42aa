package label_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/label/internal/gen/labelgen"
)

// varsDir locates bangumi's label data files: $CHII_SHARED_DIR/reference/vars
// if CHII_SHARED_DIR is set, else the first shared/reference/vars found
// walking up from the working directory. ok is false when there is none.
func varsDir(tb testing.TB) (dir string, ok bool) {
	tb.Helper()
	if shared := os.Getenv("CHII_SHARED_DIR"); shared != "" {
		dir = filepath.Join(shared, "reference", "vars")
		if !isDir(dir) {
			tb.Fatalf("CHII_SHARED_DIR=%s: %s is not a directory", shared, dir)
		}
		return dir, true
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if candidate := filepath.Join(d, "shared", "reference", "vars"); isDir(candidate) {
			return candidate, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// TestTablesUpToDate regenerates tables_gen.go in memory from the data files
// and compares it with the committed file.
func TestTablesUpToDate(t *testing.T) {
	t.Parallel()
	dir, ok := varsDir(t)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("shared/reference/vars not found (set CHII_SHARED_DIR); cannot check tables_gen.go under CI")
		}
		t.Skip("shared/reference/vars not found; set CHII_SHARED_DIR to check tables_gen.go")
	}
	want, err := labelgen.Generate(os.DirFS(dir), "label")
	if err != nil {
		t.Fatalf("Generate(%s): %v", dir, err)
	}
	got, err := os.ReadFile("tables_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("tables_gen.go is stale, run go generate ./domain/label (-generated +committed):\n%s", diff)
	}
}

func TestTablesHeader(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("tables_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	// The marker go and linters look for (https://go.dev/s/generatedcode).
	marker := regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)
	first, _, _ := strings.Cut(string(src), "\n")
	if !marker.MatchString(first) {
		t.Errorf("tables_gen.go starts with %q, want the generated-code marker", first)
	}
}
