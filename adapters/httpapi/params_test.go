package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/usecase"
)

// result is a parser outcome: a value, or the 400 description.
type result[T any] struct {
	Value T
	Err   string
}

func outcome[T any](tb testing.TB, v T, err error) result[T] {
	tb.Helper()
	if err == nil {
		return result[T]{Value: v}
	}
	var he *httpError
	if !errors.As(err, &he) || he.status != http.StatusBadRequest {
		tb.Fatalf("error %v is not a 400", err)
	}
	var zero T
	return result[T]{Value: zero, Err: he.msg}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		raw  string
		want result[uint32]
	}{
		{"1", result[uint32]{Value: 1}},
		{"007", result[uint32]{Value: 7}},
		{"4294967295", result[uint32]{Value: 4294967295}},
		{"4294967296", result[uint32]{Err: `"4294967296" is not valid ID`}},
		{"4294967297", result[uint32]{Err: `"4294967297" is not valid ID`}},
		{"0", result[uint32]{Err: `"0" is not valid ID`}},
		{"000", result[uint32]{Err: `"000" is not valid ID`}},
		{"-1", result[uint32]{Err: `"-1" is not valid ID`}},
		{"+1", result[uint32]{Err: `"+1" is not valid ID`}},
		{"1.5", result[uint32]{Err: `"1.5" is not valid ID`}},
		{"0x10", result[uint32]{Err: `"0x10" is not valid ID`}},
		{"1_000", result[uint32]{Err: `"1_000" is not valid ID`}},
		{" 1", result[uint32]{Err: `" 1" is not valid ID`}},
		{"abc", result[uint32]{Err: `"abc" is not valid ID`}},
		{"树", result[uint32]{Err: `"树" is not valid ID`}},
		{"", result[uint32]{Err: "character ID is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := parseID(tt.raw)
			if diff := cmp.Diff(tt.want, outcome(t, v, err)); diff != "" {
				t.Errorf("parseID(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestParsePage(t *testing.T) {
	type page = result[usecase.Page]
	tests := []struct {
		name          string
		limit, offset string
		want          page
	}{
		{"Defaults", "", "", page{Value: usecase.Page{Limit: 30}}},
		{"Values", "5", "7", page{Value: usecase.Page{Limit: 5, Offset: 7}}},
		{"MaxLimit", "100", "0", page{Value: usecase.Page{Limit: 100}}},
		{"LeadingZeros", "010", "+3", page{Value: usecase.Page{Limit: 10, Offset: 3}}},
		{"LimitTooLarge", "101", "", page{Err: "limit should less equal than 100"}},
		{"LimitZero", "0", "", page{Err: "limit should be greater than zero"}},
		{"LimitNegative", "-1", "", page{Err: "limit should be greater than zero"}},
		{"LimitNotInt", "abc", "", page{Err: `can't parse query args limit as int: "abc"`}},
		{"LimitFloat", "1.5", "", page{Err: `can't parse query args limit as int: "1.5"`}},
		{"LimitOverflow", "99999999999999999999", "", page{Err: `can't parse query args limit as int: "99999999999999999999"`}},
		{"LimitCheckedFirst", "abc", "abc", page{Err: `can't parse query args limit as int: "abc"`}},
		{"OffsetNotInt", "", "abc", page{Err: `can't parse query args offset as int: "abc"`}},
		{"OffsetNegative", "", "-1", page{Err: "offset should be greater than or equal to 0"}},
		{"OffsetLarge", "", "1000000", page{Value: usecase.Page{Limit: 30, Offset: 1000000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePage(tt.limit, tt.offset)
			if diff := cmp.Diff(tt.want, outcome(t, p, err)); diff != "" {
				t.Errorf("parsePage(%q, %q) mismatch (-want +got):\n%s", tt.limit, tt.offset, diff)
			}
		})
	}
}

func TestParseSubjectType(t *testing.T) {
	tests := []struct {
		raw  string
		want result[uint8]
	}{
		{"", result[uint8]{}},
		{"1", result[uint8]{Value: 1}},
		{"2", result[uint8]{Value: 2}},
		{"3", result[uint8]{Value: 3}},
		{"4", result[uint8]{Value: 4}},
		{"6", result[uint8]{Value: 6}},
		{"06", result[uint8]{Value: 6}},
		{"0", result[uint8]{Err: `400: "0" is not a valid subject type`}},
		{"5", result[uint8]{Err: `400: "5" is not a valid subject type`}},
		{"7", result[uint8]{Err: `400: "7" is not a valid subject type`}},
		{"x", result[uint8]{Err: `400: bad subject type: "x"`}},
		{"-1", result[uint8]{Err: `400: bad subject type: "-1"`}},
		{"256", result[uint8]{Err: `400: bad subject type: "256"`}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := parseSubjectType(tt.raw)
			if diff := cmp.Diff(tt.want, outcome(t, v, err)); diff != "" {
				t.Errorf("parseSubjectType(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestParseCollectionType(t *testing.T) {
	tests := []struct {
		raw  string
		want result[uint8]
	}{
		{"", result[uint8]{}},
		{"0", result[uint8]{}},
		{"1", result[uint8]{Value: 1}},
		{"5", result[uint8]{Value: 5}},
		{"6", result[uint8]{Err: `"6"is not a valid collection type`}},
		{"9", result[uint8]{Err: `"9"is not a valid collection type`}},
		{"abc", result[uint8]{Err: `bad collection type: "abc"`}},
		{"-1", result[uint8]{Err: `bad collection type: "-1"`}},
		{"300", result[uint8]{Err: `bad collection type: "300"`}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := parseCollectionType(tt.raw)
			if diff := cmp.Diff(tt.want, outcome(t, v, err)); diff != "" {
				t.Errorf("parseCollectionType(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

// checkParsed fails unless err is nil or a 400 whose message names raw the way bangumi does.
func checkParsed(t *testing.T, raw string, err error, prefixes ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var he *httpError
	if !errors.As(err, &he) || he.status != http.StatusBadRequest {
		t.Fatalf("%q: error %v is not a 400", raw, err)
	}
	for _, p := range prefixes {
		if strings.HasPrefix(he.msg, p) {
			return
		}
	}
	t.Fatalf("%q: unexpected message %q", raw, he.msg)
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "007", "0", "-1", "+1", "1.5", "0x10", "4294967295", "4294967296", "", "abc", " 1", "१"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := parseID(raw)
		if err != nil {
			if raw == "" {
				checkParsed(t, raw, err, "character ID is required")
				return
			}
			checkParsed(t, raw, err, strconv.Quote(raw)+" is not valid ID")
			return
		}
		if id == 0 {
			t.Fatalf("parseID(%q) = 0 without error", raw)
		}
		// An accepted id is plain decimal digits.
		if strings.TrimLeft(raw, "0123456789") != "" {
			t.Fatalf("parseID(%q) accepted a non-digit", raw)
		}
		if n, _ := strconv.ParseUint(raw, 10, 64); n != uint64(id) {
			t.Fatalf("parseID(%q) = %d", raw, id)
		}
	})
}

func FuzzPage(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"30", "0"}, {"100", "5"}, {"101", "0"}, {"0", ""}, {"-1", ""}, {"abc", ""}, {"", "-1"}, {"", "abc"}, {"1e3", "1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, limit, offset string) {
		p, err := parsePage(limit, offset)
		checkParsed(t, limit+"|"+offset, err, "can't parse query args ", "limit should", "offset should")
		if err == nil && (p.Limit < 1 || p.Limit > maxLimit || p.Offset < 0) {
			t.Fatalf("parsePage(%q, %q) = %+v", limit, offset, p)
		}
	})
}

func FuzzSubjectType(f *testing.F) {
	for _, s := range []string{"", "1", "2", "5", "6", "7", "x", "-1", "256"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := parseSubjectType(raw)
		checkParsed(t, raw, err, "400: bad subject type: "+strconv.Quote(raw), "400: "+strconv.Quote(raw)+" is not a valid subject type")
		if err == nil && raw != "" && v != 1 && v != 2 && v != 3 && v != 4 && v != 6 {
			t.Fatalf("parseSubjectType(%q) = %d", raw, v)
		}
	})
}

func FuzzCollectionType(f *testing.F) {
	for _, s := range []string{"", "0", "1", "5", "6", "9", "abc", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := parseCollectionType(raw)
		checkParsed(t, raw, err, "bad collection type: "+strconv.Quote(raw), strconv.Quote(raw)+"is not a valid collection type")
		if err == nil && v > 5 {
			t.Fatalf("parseCollectionType(%q) = %d", raw, v)
		}
	})
}

// referenceUserAgentError is the User-Agent gate of http-v0.md §1.1 row 2, written apart from
// userAgentError (no regexp, no strconv): the empty agent, the library agents (exact names and
// prefixes), and Animeko agents up to 4.8.1 or without a version are forbidden.
func referenceUserAgentError(ua string) string {
	if ua == "" {
		return msgNoUserAgent
	}
	switch ua {
	case "undici", "database", "node-fetch":
		return msgLibraryUserAgent
	}
	for _, p := range []string{
		"Java/", "axios/", "okhttp/", "go-resty/", "Faraday v", "node-fetch/",
		"Go-http-client/", "python-requests/", "Apache-HttpClient/",
	} {
		if len(ua) >= len(p) && ua[:len(p)] == p {
			return msgLibraryUserAgent
		}
	}
	const animeko = "open-ani/ani/"
	if len(ua) < len(animeko) || ua[:len(animeko)] != animeko {
		return ""
	}
	// ^open-ani/ani/(\d+)\.(\d+)\.(\d+)\b: three runs of ASCII digits separated by dots, the
	// last one not followed by a letter, digit or underscore.
	rest := ua[len(animeko):]
	var parts [3]string
	for i := range parts {
		n := 0
		for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
			n++
		}
		if n == 0 {
			return msgAnimeko
		}
		parts[i], rest = rest[:n], rest[n:]
		if i < 2 {
			if rest == "" || rest[0] != '.' {
				return msgAnimeko
			}
			rest = rest[1:]
		}
	}
	if rest != "" {
		c := rest[0]
		if c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			return msgAnimeko
		}
	}
	// Compare the version with 4.8.1 as numbers of any length.
	for i, limit := range []string{"4", "8", "1"} {
		switch c := compareDecimal(parts[i], limit); {
		case c > 0:
			return ""
		case c < 0:
			return msgAnimeko
		}
	}
	return msgAnimeko // exactly 4.8.1
}

// compareDecimal compares two runs of decimal digits by value, whatever their length.
func compareDecimal(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// FuzzUserAgent: for every agent the gate's decision (and description) equals the reference
// predicate's. The seeds, run by make test, sit on each rule's edges.
func FuzzUserAgent(f *testing.F) {
	for _, s := range []string{
		"", " ", "Mozilla/5.0", "undici", "undici/5", "Undici", " undici", "database", "database ", "node-fetch",
		"node-fetch/3.0", "node-fetchx", "Java/17", "java/17", "Java", "axios/1.6", "okhttp/4", "go-resty/2",
		"Faraday v2.7", "Faraday", "Go-http-client/1.1", "Go-http-client", "python-requests/2.31.0",
		"python-requests", "Apache-HttpClient/4.5", "curl/8.0", "my-app/1.0 (https://example.com)",
		"open-ani/ani/", "open-ani/ani/x", "open-ani/ani/4.8", "open-ani/ani/4.8.", "open-ani/ani/4.8.1",
		"open-ani/ani/4.8.1 (android)", "open-ani/ani/4.8.2", "open-ani/ani/4.8.2-beta", "open-ani/ani/4.8.2a",
		"open-ani/ani/4.8.2_1", "open-ani/ani/4.8.2.1", "open-ani/ani/4.8.0", "open-ani/ani/4.7.99",
		"open-ani/ani/4.9.0", "open-ani/ani/5.0.0", "open-ani/ani/3.99.99", "open-ani/ani/4.08.02",
		"open-ani/ani/004.008.001", "open-ani/ani/99999999999999999999.0.0", "open-ani/ani/4.99999999999999999999.0",
		"open-ani/ani/4.8.99999999999999999999", "open-ani/ani/4.8.2\xff", "open-ani/ani/4.8.2树",
		"open-ani/ani/١.٢.٣", "Open-ani/ani/4.8.1", "xopen-ani/ani/4.8.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		if got, want := userAgentError(ua), referenceUserAgentError(ua); got != want {
			t.Fatalf("userAgentError(%q) = %q, want %q", ua, got, want)
		}
	})
}

// FuzzRequest sends arbitrary paths and query strings through the whole handler: nothing may
// panic or answer 500, and every documented answer must match /openapi.json.
func FuzzRequest(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/v0/subjects/8", ""}, {"GET", "/v0/subjects/1/image", "type=small"},
		{"GET", "/v0/users/382951/collections", "limit=abc&subject_type=2&type=9"},
		{"GET", "/v0/users/1/collections/-/characters/3", ""}, {"POST", "/v0/characters/2/collect", ""},
		{"DELETE", "/v0/persons/1/collect", ""}, {"HEAD", "/v0/persons/1", ""}, {"GET", "/v0", ""},
		{"PUT", "/v0/subjects/1", ""}, {"GET", "/v0/users//collections", "offset=-1"},
		{"GET", "/v0/users/%E6%A0%91/collections/0", ""}, {"OPTIONS", "/anything", ""},
		{"GET", "/v0/episodes", "subject_id=2703&type=1&limit=1000&offset=1"}, {"GET", "/v0/episodes/17244", ""},
		{"GET", "/v0/users/-/collections/2703/episodes", "episode_type=9&offset=99999999999"},
		{"GET", "/v0/users/-/collections/-/episodes/1075440", ""},
	} {
		f.Add(s[0], s[1], s[2], false)
	}
	api := newTestAPI(f)
	f.Fuzz(func(t *testing.T, method, path, query string, loggedIn bool) {
		switch method {
		case "GET", "HEAD", "POST", "DELETE", "PUT", "PATCH", "OPTIONS":
		default:
			return
		}
		u := &url.URL{Path: "/" + strings.TrimPrefix(path, "/"), RawQuery: query}
		if strings.ContainsAny(u.String(), " \t\r\n#") {
			return
		}
		if _, err := url.ParseRequestURI(u.String()); err != nil {
			return
		}
		req := request{method: method, path: u.String(), headers: map[string]string{}}
		if loggedIn {
			req.headers["Authorization"] = "Bearer " + tokenOld
		}
		w := api.do(t, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s = %d: %s", method, u, w.Code, w.Body.String())
		}
	})
}
