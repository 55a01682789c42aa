// Command testsum reads `go test -json` on stdin, prints one line per
// package, the output of failed tests and the reasons of skipped ones, and
// ends with a summary line "N passed, N failed, N skipped". It exits 1 when
// a test or a package (build error, panic, missing test binary) failed, or
// when no test ran at all.
//
//	go test -json ./... | go run ./runtime/cmd/testsum
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	Elapsed    float64
	ImportPath string // build-output / build-fail events
}

type key struct{ pkg, test string }

func main() {
	os.Exit(run(os.Stdin, os.Stdout, time.Now()))
}

func run(in io.Reader, out io.Writer, start time.Time) int {
	var (
		passed, failed, skipped int
		failedPkgs              []string
		output                  = map[key][]string{}
		buildOutput             = map[string][]string{}
		failedTestsIn           = map[string]int{}
		pkgOnlyFailures         int // failed packages without a failed test (build error, panic in TestMain, …)
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1024*1024), 64*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// go test prints some build errors without -json framing
			fmt.Fprintln(out, string(line))
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			buildOutput[e.ImportPath] = append(buildOutput[e.ImportPath], e.Output)
		case "build-fail":
			fmt.Fprintf(out, "BUILD FAIL %s\n%s", e.ImportPath, strings.Join(buildOutput[e.ImportPath], ""))
		case "output":
			output[k] = append(output[k], e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				fmt.Fprintf(out, "ok    %s (%.1fs)\n", e.Package, e.Elapsed)
			}
			delete(output, k)
		case "skip":
			if e.Test != "" {
				skipped++
				if !strings.Contains(e.Test, "/") {
					fmt.Fprintf(out, "SKIP  %s %s: %s\n", e.Package, e.Test, skipReason(output[k]))
				}
			} else {
				fmt.Fprintf(out, "-     %s [no test files]\n", e.Package)
			}
			delete(output, k)
		case "fail":
			if e.Test != "" {
				failed++
				failedTestsIn[e.Package]++
				if !strings.Contains(e.Test, "/") { // subtests' output is part of the parent's
					fmt.Fprintf(out, "--- FAIL %s %s\n%s", e.Package, e.Test, indent(collect(output, e.Package, e.Test)))
				}
			} else {
				failedPkgs = append(failedPkgs, e.Package)
				if failedTestsIn[e.Package] == 0 {
					pkgOnlyFailures++
				}
				fmt.Fprintf(out, "FAIL  %s (%.1fs)\n", e.Package, e.Elapsed)
				// package-level output (panics, TestMain failures, build errors)
				if lines := output[k]; len(lines) > 0 {
					fmt.Fprint(out, indent(strings.Join(lines, "")))
				}
			}
			if !strings.Contains(e.Test, "/") { // a failed subtest's output is printed with its parent
				delete(output, k)
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(out, "testsum: reading input: %v\n", err)
		return 1
	}

	sort.Strings(failedPkgs)
	total := passed + failed + skipped
	fmt.Fprintf(out, "\nDONE %d tests, %d skipped, %d failed in %s\n", total, skipped, failed, time.Since(start).Round(100*time.Millisecond))
	if len(failedPkgs) > 0 {
		fmt.Fprintf(out, "failed packages: %s\n", strings.Join(failedPkgs, " "))
	}
	fmt.Fprintf(out, "%d passed, %d failed, %d skipped\n", passed, failed+pkgOnlyFailures, skipped)
	switch {
	case failed > 0 || len(failedPkgs) > 0:
		return 1
	case total == 0:
		fmt.Fprintln(out, "testsum: no test ran")
		return 1
	}
	return 0
}

// collect returns the output of test and of its subtests, in order.
func collect(output map[key][]string, pkg, test string) string {
	var b strings.Builder
	b.WriteString(strings.Join(output[key{pkg, test}], ""))
	var subs []string
	for k := range output {
		if k.pkg == pkg && strings.HasPrefix(k.test, test+"/") {
			subs = append(subs, k.test)
		}
	}
	sort.Strings(subs)
	for _, s := range subs {
		b.WriteString(strings.Join(output[key{pkg, s}], ""))
		delete(output, key{pkg, s})
	}
	return b.String()
}

func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		return l
	}
	return "(no reason given)"
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
