package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
)

func decodeError(tb testing.TB, body []byte) ErrorDetail {
	tb.Helper()
	var e ErrorDetail
	if err := decodeStrict(body, &e); err != nil {
		tb.Fatalf("decode error body %q: %v", body, err)
	}
	return e
}

func TestBase_HeadersOnEveryResponse(t *testing.T) {
	api := newTestAPI(t)
	for _, tt := range []request{
		{path: "/v0/subjects/1"},
		{path: "/v0/subjects/999999"},
		{path: "/nowhere"},
		{path: "/v0/subjects/1", noUA: true},
		{path: "/openapi.json"},
		{method: http.MethodOptions, path: "/v0/subjects/1"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := api.do(t, tt)
			got := map[string]string{}
			for _, h := range []string{"x-server-version", "Access-Control-Allow-Origin"} {
				got[h] = w.Header().Get(h)
			}
			want := map[string]string{"x-server-version": "test-version", "Access-Control-Allow-Origin": "*"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCORS_Preflight(t *testing.T) {
	api := newTestAPI(t)
	for _, path := range []string{"/v0/subjects/1", "/v0/characters/1/collect", "/unknown"} {
		t.Run(path, func(t *testing.T) {
			// A preflight carries no User-Agent check and no token check.
			w := api.do(t, request{method: http.MethodOptions, path: path, noUA: true,
				headers: map[string]string{"Authorization": "Basic eA==", "Origin": "https://example.org"}})
			got := map[string]any{
				"status":  w.Code,
				"body":    w.Body.String(),
				"headers": w.Header().Get("Access-Control-Allow-Headers"),
				"maxAge":  w.Header().Get("Access-Control-Max-Age"),
				"methods": w.Header().Get("Access-Control-Allow-Methods"),
			}
			want := map[string]any{
				"status": http.StatusNoContent, "body": "",
				"headers": "Origin, Content-Type, Accept, Authorization", "maxAge": "604800",
				"methods": "GET, HEAD, PUT, PATCH, POST, DELETE",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("preflight mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("ExposedHeaders", func(t *testing.T) {
		w := api.get(t, "/v0/subjects/1", "Origin", "https://example.org")
		if diff := cmp.Diff("x-process-time-ms, x-server-version, Cf-Ray", w.Header().Get("Access-Control-Expose-Headers")); diff != "" {
			t.Errorf("exposed headers mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestUserAgentGate(t *testing.T) {
	tests := []struct {
		ua   string
		want string // "" allowed
	}{
		{"", msgNoUserAgent},
		{"undici", msgLibraryUserAgent},
		{"database", msgLibraryUserAgent},
		{"node-fetch", msgLibraryUserAgent},
		{"undici/6.0", ""},
		{"Java/17", msgLibraryUserAgent},
		{"axios/1.6.0", msgLibraryUserAgent},
		{"okhttp/4.12", msgLibraryUserAgent},
		{"go-resty/2.0", msgLibraryUserAgent},
		{"Faraday v2.7", msgLibraryUserAgent},
		{"node-fetch/1.0", msgLibraryUserAgent},
		{"Go-http-client/1.1", msgLibraryUserAgent},
		{"python-requests/2.31.0", msgLibraryUserAgent},
		{"Apache-HttpClient/5.2", msgLibraryUserAgent},
		{"my-app/1.0 python-requests/2.31.0", ""},
		{"open-ani/ani/4.8.1 (android)", msgAnimeko},
		{"open-ani/ani/4.8.0", msgAnimeko},
		{"open-ani/ani/4.7.9", msgAnimeko},
		{"open-ani/ani/3.99.99", msgAnimeko},
		{"open-ani/ani/4.8.2 (android)", ""},
		{"open-ani/ani/4.8.10", ""},
		{"open-ani/ani/4.9.0", ""},
		{"open-ani/ani/5.0.0", ""},
		{"open-ani/ani/4.8", msgAnimeko},
		{"open-ani/ani/4.8.2a", msgAnimeko},
		{"open-ani/ani/v4.9.0", msgAnimeko},
		{"open-ani/ani/", msgAnimeko},
		{"open-ani/ani/99999999999999999999.0.0", ""}, // Atoi saturates, like bangumi's
		{"open-ani/other/1.0.0", ""},
		{"Mozilla/5.0 (X11; Linux x86_64)", ""},
	}
	api := newTestAPI(t)
	for _, tt := range tests {
		t.Run(tt.ua, func(t *testing.T) {
			if got := userAgentError(tt.ua); got != tt.want {
				t.Errorf("userAgentError(%q) = %q, want %q", tt.ua, got, tt.want)
			}
			w := api.do(t, request{path: "/v0/persons/1", headers: map[string]string{"User-Agent": tt.ua}, noUA: tt.ua == ""})
			if tt.want == "" {
				if w.Code != http.StatusOK {
					t.Errorf("status = %d, want 200: %s", w.Code, w.Body.String())
				}
				return
			}
			want := errorLike(http.StatusForbidden, tt.want, "/v0/persons/1", http.MethodGet, "")
			if diff := cmp.Diff(want, decodeError(t, w.Body.Bytes())); diff != "" || w.Code != http.StatusForbidden {
				t.Errorf("status %d, body mismatch (-want +got):\n%s", w.Code, diff)
			}
		})
	}
	t.Run("OutsideV0", func(t *testing.T) {
		for _, path := range []string{"/openapi.json", "/nowhere"} {
			w := api.do(t, request{path: path, headers: map[string]string{"User-Agent": "axios/1.0"}})
			if w.Code != http.StatusForbidden {
				t.Errorf("GET %s with a library User-Agent = %d, want 403", path, w.Code)
			}
		}
	})
}

func TestAuthenticate(t *testing.T) {
	api := newTestAPI(t)
	api.store.PutToken("zero_uid_token", day(2037, 1, 1), auth.Token{UserID: "0"})
	api.store.PutToken("empty_uid_token", day(2037, 1, 1), auth.Token{UserID: ""})
	api.store.PutToken("text_uid_token", day(2037, 1, 1), auth.Token{UserID: "abc"})
	api.store.PutToken("no_user_token", day(2037, 1, 1), auth.Token{UserID: "777777"})
	const expired = "access token has been expired or doesn't exist"
	tests := []struct {
		name   string
		header string
		status int
		msg    string
	}{
		{"NoHeader", "", http.StatusNotFound, ""},
		{"NoSpace", "Bearer", http.StatusUnauthorized, msgHeaderMissing},
		{"Token only", tokenOld, http.StatusUnauthorized, msgHeaderMissing},
		{"Basic", "Basic dXNlcjpwYXNz", http.StatusUnauthorized, msgHeaderWrongScheme},
		{"LowercaseScheme", "bearer " + tokenOld, http.StatusUnauthorized, msgHeaderWrongScheme},
		{"TokenNotTrimmed", "Bearer  " + tokenOld, http.StatusUnauthorized, expired},
		{"EmptyToken", "Bearer ", http.StatusUnauthorized, expired},
		{"Unknown", "Bearer no_such_token_0123456789", http.StatusUnauthorized, expired},
		{"Expired", "Bearer " + tokenExpired, http.StatusUnauthorized, expired},
		{"ZeroUserID", "Bearer zero_uid_token", http.StatusUnauthorized, expired},
		{"EmptyUserID", "Bearer empty_uid_token", http.StatusUnauthorized, expired},
		{"TextUserID", "Bearer text_uid_token", http.StatusUnauthorized, expired},
		{"UserMissing", "Bearer no_user_token", http.StatusUnauthorized, expired},
		{"CaseSensitive", "Bearer A_DEVELOPMENT_ACCESS_TOKEN", http.StatusUnauthorized, expired},
		// Only an NSFW-eligible caller sees subject 220165.
		{"Valid", "Bearer " + tokenOld, http.StatusOK, ""},
		{"ValidYoung", "Bearer " + tokenYoung, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.header != "" {
				headers = []string{"Authorization", tt.header}
			}
			w := api.get(t, "/v0/subjects/220165", headers...)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body.String())
			}
			if tt.msg != "" {
				want := errorLike(tt.status, tt.msg, "/v0/subjects/220165", http.MethodGet, "")
				if diff := cmp.Diff(want, decodeError(t, w.Body.Bytes())); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
	t.Run("AlsoOnUnknownV0Paths", func(t *testing.T) {
		w := api.get(t, "/v0/unknown", "Authorization", "Basic x")
		if w.Code != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", w.Code)
		}
	})
	t.Run("NotOutsideV0", func(t *testing.T) {
		w := api.get(t, "/openapi.json", "Authorization", "Basic x")
		if w.Code != http.StatusOK {
			t.Errorf("status = %d, want 200", w.Code)
		}
	})
}

// recordingLimiter records the keys it is asked about and answers with allow / err.
type recordingLimiter struct {
	mu    sync.Mutex
	keys  []string
	allow bool
	err   error
}

func (l *recordingLimiter) Allow(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = append(l.keys, key)
	return l.allow, l.err
}

func TestRateLimit(t *testing.T) {
	t.Run("Keys", func(t *testing.T) {
		l := &recordingLimiter{allow: true}
		api := newTestAPI(t, withLimiter(l))
		api.get(t, "/v0/persons/1", "Cf-Connecting-Ip", "203.0.113.7")
		api.get(t, "/v0/persons/1") // httptest's peer is 192.0.2.1:1234
		api.get(t, "/v0/persons/1", bearer(tokenOld)...)
		api.get(t, "/v0/unknown", "Cf-Connecting-Ip", "203.0.113.8")
		api.get(t, "/openapi.json")                             // outside /v0: not limited
		api.get(t, "/v0/persons/1", "Authorization", "Basic x") // rejected before the limiter
		// No trusted proxy (the default): Cf-Connecting-Ip names nobody (D14).
		want := []string{
			"chii:rate-limit:ip:192.0.2.1", "chii:rate-limit:ip:192.0.2.1",
			"chii:rate-limit:u:382951", "chii:rate-limit:ip:192.0.2.1",
		}
		if diff := cmp.Diff(want, l.keys); diff != "" {
			t.Errorf("limiter keys mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("TrustedProxies", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			trusted string
			headers []string
			want    string
		}{
			{"CfConnectingIPFromATrustedPeer", "192.0.2.0/24", []string{"Cf-Connecting-Ip", "203.0.113.7"}, "203.0.113.7"},
			{"CfConnectingIPFromAnotherPeer", "10.0.0.0/8", []string{"Cf-Connecting-Ip", "203.0.113.7"}, "192.0.2.1"},
			{"ForwardedForNearestUntrustedHop", "192.0.2.0/24", []string{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 192.0.2.77"}, "203.0.113.9"},
			{"ForwardedForFromAnotherPeer", "10.0.0.0/8", []string{"X-Forwarded-For", "203.0.113.9"}, "192.0.2.1"},
			{"ForwardedForMalformed", "192.0.2.0/24", []string{"X-Forwarded-For", "203.0.113.9, junk"}, "192.0.2.1"},
			{"MalformedCfConnectingIPFallsBackToForwardedFor", "192.0.2.0/24", []string{"Cf-Connecting-Ip", "nope", "X-Forwarded-For", "203.0.113.4"}, "203.0.113.4"},
			{"OnlyTrustedHops", "192.0.2.0/24", []string{"X-Forwarded-For", "192.0.2.8"}, "192.0.2.1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l := &recordingLimiter{allow: true}
				api := newTestAPI(t, withLimiter(l), func(d *Deps, _ *inmem.Store) {
					d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(tc.trusted)}
				})
				api.get(t, "/v0/persons/1", tc.headers...)
				if diff := cmp.Diff([]string{"chii:rate-limit:ip:" + tc.want}, l.keys); diff != "" {
					t.Errorf("limiter keys mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("Limited", func(t *testing.T) {
		api := newTestAPI(t, withLimiter(&recordingLimiter{allow: false}))
		w := api.get(t, "/v0/persons/1", "Cf-Ray", "ray-1")
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("status = %d, want 429", w.Code)
		}
		if diff := cmp.Diff(`{"title":"Too Many Request","description":"too many request, you have be rate limited"}`+"\n", w.Body.String()); diff != "" {
			t.Errorf("body mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("WithInMemoryLimiter", func(t *testing.T) {
		api := newTestAPI(t, withLimiter(inmem.NewRateLimiter(60e9, 2, 3600e9, testNow.Local)))
		var got []int
		for range 4 {
			got = append(got, api.get(t, "/v0/persons/1").Code)
		}
		got = append(got, api.get(t, "/v0/persons/1", bearer(tokenOld)...).Code) // another key
		if diff := cmp.Diff([]int{200, 200, 429, 429, 200}, got); diff != "" {
			t.Errorf("statuses mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("LimiterErrorFailsOpen", func(t *testing.T) {
		api := newTestAPI(t, withLimiter(&recordingLimiter{err: errors.New("redis: connection refused")}))
		w := api.get(t, "/v0/persons/1", "Cf-Ray", "ray-limiter")
		if w.Code != http.StatusOK {
			t.Fatalf("status = %d, want 200: %s", w.Code, w.Body.String())
		}
		if got := api.metrics.RateLimiterErrors.Load(); got != 1 {
			t.Errorf("RateLimiterErrors = %d, want 1", got)
		}
		logs := api.logs.String()
		if !strings.Contains(logs, "redis: connection refused") || !strings.Contains(logs, `"request_id":"ray-limiter"`) {
			t.Errorf("limiter error not logged with the request id:\n%s", logs)
		}
		// An outage is not one line per request: within the sampling interval (the test clock
		// stands still) further failures are counted, not logged.
		for range 20 {
			if w := api.get(t, "/v0/persons/1"); w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
		}
		if n := strings.Count(api.logs.String(), "rate limiter failed"); n != 1 {
			t.Errorf("%d log lines for 21 limiter failures within 10 s, want 1", n)
		}
		if got := api.metrics.RateLimiterErrors.Load(); got != 21 {
			t.Errorf("RateLimiterErrors = %d, want 21", got)
		}
	})
}

func TestCatchAll(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct{ method, path string }{
		{http.MethodGet, "/v0"},
		{http.MethodGet, "/v0/"},
		{http.MethodGet, "/v0/unknown"},
		{http.MethodGet, "/v0/subjects/1/"},
		{http.MethodGet, "/v0/subjects/1/unknown"},
		{http.MethodPost, "/v0/subjects"},
		{http.MethodGet, "/v0/characters/1/collect"},
		{http.MethodPut, "/v0/subjects/1"},
		{http.MethodDelete, "/v0/subjects/1"},
		{http.MethodPost, "/v0/subjects/1"},
		{http.MethodPatch, "/v0/characters/1"},
		{http.MethodPut, "/v0/persons/1/collect"},
		{http.MethodPost, "/"},
		{http.MethodGet, "/index.html"},
		{http.MethodGet, "/v1/subjects/1"},
		{http.MethodPost, "/openapi.json"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := api.do(t, request{method: tt.method, path: tt.path + "?a=1"})
			if w.Code != http.StatusNotFound {
				t.Fatalf("status = %d, want 404", w.Code)
			}
			want := errorLike(http.StatusNotFound, msgDefaultNotFound, tt.path, tt.method, "a=1")
			if diff := cmp.Diff(want, decodeError(t, w.Body.Bytes())); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		w := api.do(t, request{method: http.MethodHead, path: "/v0/unknown"})
		if w.Code != http.StatusNotFound || w.Body.Len() != 0 {
			t.Errorf("HEAD /v0/unknown = %d with %d body bytes, want 404 without a body", w.Code, w.Body.Len())
		}
	})
}

func TestHead_AnswersAsGetWithoutBody(t *testing.T) {
	api := newTestAPI(t)
	for _, path := range []string{
		"/v0/subjects/1", "/v0/subjects/18", "/v0/subjects/999999", "/v0/subjects/abc",
		"/v0/subjects/1/image?type=small", "/v0/persons/10", "/v0/users/382951/collections", "/openapi.json",
	} {
		t.Run(path, func(t *testing.T) {
			get := api.do(t, request{path: path})
			head := api.do(t, request{method: http.MethodHead, path: path})
			if head.Body.Len() != 0 {
				t.Errorf("HEAD has a body of %d bytes", head.Body.Len())
			}
			if head.Code != get.Code {
				t.Errorf("HEAD status %d, GET status %d", head.Code, get.Code)
			}
			if diff := cmp.Diff(get.Header(), head.Header()); diff != "" {
				t.Errorf("headers mismatch (-GET +HEAD):\n%s", diff)
			}
		})
	}
}

func TestErrorBody_RequestIDAndQuery(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name    string
		path    string
		headers []string
		want    ErrorDetail
	}{
		{"NoRay", "/v0/subjects/999999", nil,
			errorLike(http.StatusNotFound, "resource can't be found in the database or has been removed", "/v0/subjects/999999", "GET", "")},
		{"Ray", "/v0/subjects/999999", []string{"Cf-Ray", "parity-ray-1"}, ErrorDetail{
			Title: "Not Found", Description: "resource can't be found in the database or has been removed", RequestID: "parity-ray-1",
			Details: &ErrorRequest{Path: "/v0/subjects/999999", Method: "GET"}}},
		{"Query", "/v0/subjects/1/image?type=bad&x=%20", nil,
			errorLike(http.StatusBadRequest, "bad image type: bad", "/v0/subjects/1/image", "GET", "type=bad&x=%20")},
		{"DecodedPath", "/v0/users/%E6%A0%91%E6%B4%9E/collections", nil,
			errorLike(http.StatusNotFound, "user doesn't exist or has been removed", "/v0/users/树洞/collections", "GET", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := api.get(t, tt.path, tt.headers...)
			if diff := cmp.Diff(tt.want, decodeError(t, w.Body.Bytes())); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewRequestID(t *testing.T) {
	s := &server{clock: fixedClock{testNow}}
	seen := map[string]bool{}
	for range 100 {
		id := s.newRequestID()
		if !uuidV7.MatchString(id) {
			t.Fatalf("newRequestID() = %q, not a UUIDv7", id)
		}
		if seen[id] {
			t.Fatalf("newRequestID() repeated %q", id)
		}
		seen[id] = true
		// The first 48 bits are the clock's Unix milliseconds.
		if got, want := strings.ReplaceAll(id[:13], "-", ""), "01a21a39df10"; got != want {
			t.Fatalf("timestamp part = %s, want %s", got, want)
		}
	}
}
