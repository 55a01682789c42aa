// Command gen writes package label's tables_gen.go from bangumi's label data
// files (pkg/vars platform.go.json, relations.go.json, staffs.go.json).
//
// Usage, from domain/label (see the go:generate line in label.go):
//
//	go run ./internal/gen -vars ../../../shared/reference/vars -out tables_gen.go
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/bangumi/chii/domain/label/internal/gen/labelgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	vars := fs.String("vars", "", "directory holding platform.go.json, relations.go.json and staffs.go.json")
	out := fs.String("out", "tables_gen.go", "file to write")
	pkg := fs.String("pkg", "label", "package name of the generated file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *vars == "" {
		return fmt.Errorf("-vars is required")
	}
	src, err := labelgen.Generate(os.DirFS(*vars), *pkg)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}
