package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantCode int
		wantLast string
		wantIn   []string
	}{
		{
			name: "AllPass",
			input: `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.1}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:3: testenv: no MySQL server: nothing on 127.0.0.1:3306\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"pass","Package":"p","Elapsed":0.2}
{"Action":"skip","Package":"q"}
`,
			wantCode: 0,
			wantLast: "1 passed, 0 failed, 1 skipped",
			wantIn:   []string{"ok    p", "SKIP  p TestB: b_test.go:3: testenv: no MySQL server", "-     q [no test files]"},
		},
		{
			name: "FailedTestWithSubtest",
			input: `{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN TestA\n"}
{"Action":"output","Package":"p","Test":"TestA/sub","Output":"    a_test.go:9: boom\n"}
{"Action":"fail","Package":"p","Test":"TestA/sub"}
{"Action":"fail","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p","Elapsed":0.3}
`,
			wantCode: 1,
			wantLast: "1 passed, 2 failed, 0 skipped",
			wantIn:   []string{"--- FAIL p TestA", "a_test.go:9: boom", "FAIL  p", "failed packages: p"},
		},
		{
			name: "BuildFailure",
			input: `{"ImportPath":"p [p.test]","Action":"build-output","Output":"p/x.go:1:1: syntax error\n"}
{"ImportPath":"p [p.test]","Action":"build-fail"}
{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}
{"Action":"fail","Package":"p","Elapsed":0}
{"Action":"pass","Package":"q","Test":"TestQ"}
`,
			wantCode: 1,
			wantLast: "1 passed, 1 failed, 0 skipped",
			wantIn:   []string{"BUILD FAIL p [p.test]", "syntax error", "FAIL  p"},
		},
		{name: "NoTests", input: `{"Action":"skip","Package":"q"}` + "\n", wantCode: 1, wantLast: "testsum: no test ran"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(strings.NewReader(tt.input), &out, time.Now())
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\n%s", code, tt.wantCode, out.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if last := lines[len(lines)-1]; last != tt.wantLast {
				t.Errorf("last line %q, want %q\n%s", last, tt.wantLast, out.String())
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
