// Package golden reads bangumi's recorded answers (shared/golden: corpus.jsonl, expected.jsonl),
// turns a case into an HTTP request and compares a response with its expected answer as the
// golden README says (status, media type, Location, Cache-Control, JSON by value with ignored
// paths and D10 ties, or text byte for byte). Pending lists the families chii does not serve yet.
package golden

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests/testenv"
)

// UserAgent is the User-Agent a replayed request sends unless its case names another
// (bangumi refuses HTTP libraries' default agents).
const UserAgent = "chii-compat/1.0"

// Request is one line of corpus.jsonl.
type Request struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	Path   string `json:"path"` // with the query
	Family string `json:"family"`
	// Headers are sent as given; "User-Agent": "" sends no User-Agent at all.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is sent with Content-Type: application/json.
	Body json.RawMessage `json:"body,omitempty"`
	// BodyRaw is sent verbatim.
	BodyRaw *string `json:"body_raw,omitempty"`
	// Group names the ordered write sequence the request belongs to.
	Group string `json:"group,omitempty"`
	// Ignore lists dot paths of the JSON body whose values are not compared:
	// "*" is one key or index, "**" any number of levels.
	Ignore []string `json:"ignore,omitempty"`
	// Ties maps the dot path of an array in the answer ("" is the body itself) to the key its
	// order is documented by (D10): items of a run with equal key values may come in any
	// order. A key of "" means the array's order is not part of the contract at all.
	Ties map[string]string `json:"ties,omitempty"`
	Note string            `json:"note,omitempty"`
}

// Expected is one line of expected.jsonl. Empty ContentType, Location and CacheControl mean
// the response must not have the header. Exactly one of JSON and Text is set.
type Expected struct {
	ID           string          `json:"id"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Status       int             `json:"status"`
	ContentType  string          `json:"content_type,omitempty"`
	Location     string          `json:"location,omitempty"`
	CacheControl string          `json:"cache_control,omitempty"`
	JSON         json.RawMessage `json:"json,omitempty"`
	Text         *string         `json:"text,omitempty"`
}

// Case is a request of the corpus with its expected answer.
type Case struct {
	Request
	Want Expected
	// PendingIssue is the issue that makes this case binding, 0 when it already is (see Pending).
	PendingIssue int
}

// Dir returns shared/golden (found as testenv finds shared/).
func Dir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(testenv.SharedDir(tb), "golden")
}

// LoadCases reads corpus.jsonl and expected.jsonl from dir (shared/golden) and pairs them by
// id, in corpus order. Every request must have exactly one answer with the same method and path.
func LoadCases(dir string) ([]Case, error) {
	var reqs []Request
	if err := readJSONL(filepath.Join(dir, "corpus.jsonl"), func(line []byte) error {
		var r Request
		if err := strictUnmarshal(line, &r); err != nil {
			return err
		}
		reqs = append(reqs, r)
		return nil
	}); err != nil {
		return nil, err
	}
	want := map[string]Expected{}
	if err := readJSONL(filepath.Join(dir, "expected.jsonl"), func(line []byte) error {
		var e Expected
		if err := strictUnmarshal(line, &e); err != nil {
			return err
		}
		if _, dup := want[e.ID]; dup {
			return fmt.Errorf("duplicate id %q", e.ID)
		}
		if (e.JSON == nil) == (e.Text == nil) {
			return fmt.Errorf("%s: want exactly one of json and text", e.ID)
		}
		want[e.ID] = e
		return nil
	}); err != nil {
		return nil, err
	}

	cases := make([]Case, 0, len(reqs))
	seen := map[string]bool{}
	for _, r := range reqs {
		if r.ID == "" || seen[r.ID] {
			return nil, fmt.Errorf("corpus: empty or duplicate id %q", r.ID)
		}
		seen[r.ID] = true
		e, ok := want[r.ID]
		if !ok {
			return nil, fmt.Errorf("expected.jsonl: no answer for %q", r.ID)
		}
		if e.Method != r.Method || e.Path != r.Path {
			return nil, fmt.Errorf("%s: corpus asks %s %s, expected.jsonl answers %s %s", r.ID, r.Method, r.Path, e.Method, e.Path)
		}
		if r.Body != nil && r.BodyRaw != nil {
			return nil, fmt.Errorf("%s: both body and body_raw", r.ID)
		}
		cases = append(cases, Case{Request: r, Want: e})
	}
	if len(want) != len(cases) {
		return nil, fmt.Errorf("expected.jsonl has %d answers for %d requests", len(want), len(cases))
	}
	markPending(cases, Pending)
	return cases, nil
}

func readJSONL(path string, fn func(line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("golden: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("golden: %s:%d: %w", filepath.Base(path), n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("golden: %s: %w", filepath.Base(path), err)
	}
	return nil
}

// strictUnmarshal refuses unknown fields, so a corpus feature the harness ignores is noticed.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// NewRequest builds the HTTP request of r against baseURL (scheme://host, no trailing slash).
func (r Request) NewRequest(ctx context.Context, baseURL string) (*http.Request, error) {
	var body io.Reader
	contentType := ""
	switch {
	case r.BodyRaw != nil:
		body = strings.NewReader(*r.BodyRaw)
	case r.Body != nil:
		body = bytes.NewReader(r.Body)
		contentType = "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, baseURL+r.Path, body)
	if err != nil {
		return nil, fmt.Errorf("compat: request %s: %w", r.ID, err)
	}
	req.Header.Set("User-Agent", UserAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range r.Headers {
		// An empty User-Agent is kept as such: net/http then sends none.
		req.Header.Set(k, v)
	}
	return req, nil
}

// Response is what the server answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// NewClient returns a client that does not follow redirects (the suite compares them).
func NewClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Do sends req and reads the whole answer.
func Do(client *http.Client, req *http.Request) (Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("compat: %s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("compat: %s %s: read body: %w", req.Method, req.URL, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// MediaType returns the lower-cased media type of a Content-Type value without parameters.
func MediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// Check compares got with the expected answer of c and returns one line per mismatch
// (none when they agree): status, media type, Location, Cache-Control, and the body —
// JSON by value (object key order free, arrays in order; c.Ignore paths not compared)
// or text byte for byte.
func (c Case) Check(got Response) []string {
	var problems []string
	w := c.Want
	if got.Status != w.Status {
		problems = append(problems, fmt.Sprintf("status = %d, want %d (body %s)", got.Status, w.Status, snippet(got.Body)))
	}
	header := func(name, want, got string) {
		if got != want {
			problems = append(problems, fmt.Sprintf("%s = %q, want %q", name, got, want))
		}
	}
	header("content type", MediaType(w.ContentType), MediaType(got.Header.Get("Content-Type")))
	header("Location", w.Location, got.Header.Get("Location"))
	header("Cache-Control", w.CacheControl, got.Header.Get("Cache-Control"))

	if w.Text != nil {
		if string(got.Body) != *w.Text {
			problems = append(problems, fmt.Sprintf("body = %s, want %q", snippet(got.Body), *w.Text))
		}
		return problems
	}
	if diff, err := DiffJSON(w.JSON, got.Body, c.Ignore, c.Ties); err != nil {
		problems = append(problems, err.Error())
	} else if diff != "" {
		problems = append(problems, "json mismatch (-want +got):\n"+diff)
	}
	return problems
}

func snippet(b []byte) string {
	const max = 300
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// DiffJSON compares two JSON documents by value and returns a cmp diff (-want +got), empty when
// equal. Numbers compare by numeric value. Values at the ignore paths are not compared (a key
// missing on one side still shows). Arrays named in ties are compared run by run (see
// Request.Ties): the runs of equal keys must come in the same order, and each run holds the
// same items in any order. got that is not one JSON value is an error.
func DiffJSON(want, got []byte, ignore []string, ties map[string]string) (string, error) {
	w, err := decodeJSON(want)
	if err != nil {
		return "", fmt.Errorf("expected json: %w", err)
	}
	g, err := decodeJSON(got)
	if err != nil {
		return "", fmt.Errorf("body is not JSON (%v): %s", err, snippet(got))
	}
	for _, p := range ignore {
		pattern := strings.Split(p, ".")
		w = mask(w, pattern)
		g = mask(g, pattern)
	}
	for path, key := range ties {
		w = orderTies(w, splitPath(path), splitPath(key))
		g = orderTies(g, splitPath(path), splitPath(key))
	}
	return cmp.Diff(w, g, cmp.Comparer(equalNumbers)), nil
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func equalNumbers(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

// splitPath splits a dot path; "" is the empty path (the value itself).
func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// orderTies returns v with the array at path put in a canonical order that keeps the order of
// its runs of equal key values (key: a dot path inside each item; empty: the whole array is one
// run) and sorts the items inside each run by their canonical JSON. Two arrays that differ only
// in the order of tied items come out equal; any other difference stays. A path that does not
// lead to an array leaves v as it is, for the diff to show.
func orderTies(v any, path, key []string) any {
	if len(path) > 0 {
		if m, ok := v.(map[string]any); ok {
			if child, ok := m[path[0]]; ok {
				m[path[0]] = orderTies(child, path[1:], key)
			}
		}
		return v
	}
	items, ok := v.([]any)
	if !ok {
		return v
	}
	keyOf := func(item any) string {
		if len(key) == 0 {
			return ""
		}
		return canonical(lookup(item, key))
	}
	for start := 0; start < len(items); {
		end, k := start+1, keyOf(items[start])
		for end < len(items) && keyOf(items[end]) == k {
			end++
		}
		run := items[start:end]
		sort.SliceStable(run, func(i, j int) bool { return canonical(run[i]) < canonical(run[j]) })
		start = end
	}
	return items
}

// lookup returns the value at path inside v, or nil.
func lookup(v any, path []string) any {
	for _, seg := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[seg]
	}
	return v
}

// canonical is a JSON encoding of v with sorted object keys (encoding/json sorts map keys).
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// ignored replaces values that are not compared.
type ignored struct{}

// mask returns v with the values at pattern (dot path segments; "*" one key or index, "**" any
// number of levels, including none) replaced by ignored{}.
func mask(v any, pattern []string) any {
	if len(pattern) == 0 {
		return ignored{}
	}
	seg, rest := pattern[0], pattern[1:]
	switch seg {
	case "**":
		v = mask(v, rest) // zero levels
		return eachChild(v, func(child any) any { return mask(child, pattern) })
	case "*":
		return eachChild(v, func(child any) any { return mask(child, rest) })
	}
	switch t := v.(type) {
	case map[string]any:
		if child, ok := t[seg]; ok {
			t[seg] = mask(child, rest)
		}
	case []any:
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(t) {
			t[i] = mask(t[i], rest)
		}
	}
	return v
}

func eachChild(v any, fn func(any) any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			t[k] = fn(child)
		}
	case []any:
		for i, child := range t {
			t[i] = fn(child)
		}
	}
	return v
}

// Tally counts passed, failed and pending cases per family, in the order families first appear.
type Tally struct {
	// Issues names the issue of each pending family; nil is Pending.
	Issues map[string]int

	order []string
	count map[string]*[3]int // passed, failed, pending
}

func (t *Tally) family(name string) *[3]int {
	if t.count == nil {
		t.count = map[string]*[3]int{}
	}
	c, ok := t.count[name]
	if !ok {
		c = new([3]int)
		t.count[name] = c
		t.order = append(t.order, name)
	}
	return c
}

// Add records one case of family that ran.
func (t *Tally) Add(family string, passed bool) {
	if passed {
		t.family(family)[0]++
	} else {
		t.family(family)[1]++
	}
}

// AddPending records one pending case of family, not sent.
func (t *Tally) AddPending(family string) { t.family(family)[2]++ }

// Pending returns how many cases were recorded as pending.
func (t *Tally) Pending() int {
	n := 0
	for _, c := range t.count {
		n += c[2]
	}
	return n
}

// Lines returns "family: N passed, M failed" per family ("…, K pending" when some of its cases
// wait for an issue; "family: K pending (issue I)" for a family on Pending), and a total line.
func (t *Tally) Lines() []string {
	lines := make([]string, 0, len(t.order)+1)
	var passed, failed, pending int
	for _, f := range t.order {
		c := t.count[f]
		passed += c[0]
		failed += c[1]
		pending += c[2]
		issues := t.Issues
		if issues == nil {
			issues = Pending
		}
		switch issue, onList := issues[f]; {
		case onList:
			lines = append(lines, fmt.Sprintf("%s: %d pending (issue %d)", f, c[2], issue))
		case c[2] > 0:
			lines = append(lines, fmt.Sprintf("%s: %d passed, %d failed, %d pending", f, c[0], c[1], c[2]))
		default:
			lines = append(lines, fmt.Sprintf("%s: %d passed, %d failed", f, c[0], c[1]))
		}
	}
	return append(lines, fmt.Sprintf("total: %d passed, %d failed, %d pending", passed, failed, pending))
}
