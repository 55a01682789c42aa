package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

func TestStatusOf(t *testing.T) {
	type outcome struct {
		Status   int
		Msg      string
		Expected bool
	}
	tests := []struct {
		name string
		err  error
		want outcome
	}{
		{"NotFound", domain.NotFound(), outcome{404, domain.NotFoundMessage, true}},
		{"NotFoundMessage", domain.Errorf(domain.ErrNotFound, "person not collected"), outcome{404, "person not collected", true}},
		{"Wrapped", fmt.Errorf("load: %w", domain.Errorf(domain.ErrInvalid, "offset should be less than or equal to 3")),
			outcome{400, "offset should be less than or equal to 3", true}},
		{"BareNotFound", fmt.Errorf("row: %w", domain.ErrNotFound), outcome{404, domain.NotFoundMessage, true}},
		{"BareInvalid", domain.ErrInvalid, outcome{400, "invalid input", true}},
		{"Unauthorized", domain.Errorf(domain.ErrUnauthorized, "access token has been expired or doesn't exist"),
			outcome{401, "access token has been expired or doesn't exist", true}},
		{"Forbidden", domain.Errorf(domain.ErrForbidden, "no"), outcome{403, "no", true}},
		{"Conflict", domain.Errorf(domain.ErrConflict, "already"), outcome{409, "already", true}},
		{"Adapter", badRequest("bad image type: x"), outcome{400, "bad image type: x", true}},
		{"Unexpected", errors.New("dial tcp: connection refused"), outcome{500, msgInternal, false}},
		{"Canceled", context.Canceled, outcome{500, msgInternal, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg, ok := statusOf(tt.err)
			if diff := cmp.Diff(tt.want, outcome{status, msg, ok}); diff != "" {
				t.Errorf("statusOf(%v) mismatch (-want +got):\n%s", tt.err, diff)
			}
		})
	}
}

// faultySubjects makes the subject repository fail, panic, or honour cancellation.
type faultySubjects struct {
	ports.SubjectRepository
	err      error
	panicVal any
}

func (f faultySubjects) Get(ctx context.Context, id uint32) (subject.Subject, error) {
	if f.panicVal != nil {
		panic(f.panicVal)
	}
	if err := ctx.Err(); err != nil {
		return subject.Subject{}, fmt.Errorf("query: %w", err)
	}
	if f.err != nil {
		return subject.Subject{}, f.err
	}
	return f.SubjectRepository.Get(ctx, id)
}

func withFaultySubjects(f faultySubjects) apiOption {
	return func(d *Deps, st *inmem.Store) {
		f.SubjectRepository = st.Subjects()
		d.Subjects.Subjects = f
		d.Subjects.Cache = nil
	}
}

func TestWriteError_Unexpected(t *testing.T) {
	api := newTestAPI(t, withFaultySubjects(faultySubjects{err: errors.New("dial tcp 127.0.0.1:3306: connection refused")}))
	w := api.get(t, "/v0/subjects/1?x=1", "Cf-Ray", "ray-500")
	want := ErrorDetail{
		Title: "Internal Server Error", Description: "Unexpected Internal Server Error", RequestID: "ray-500",
		Details: &ErrorRequest{Path: "/v0/subjects/1", Method: "GET", QueryString: "x=1"}, // D13: no internal text
	}
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	if diff := cmp.Diff(want, decodeError(t, w.Body.Bytes())); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
	logs := api.logs.String()
	if n := strings.Count(logs, "unexpected error"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs, `"request_id":"ray-500"`) || !strings.Contains(logs, "connection refused") {
		t.Errorf("log lacks the request id or the error:\n%s", logs)
	}
	if got := api.metrics.InternalErrors.Load(); got != 1 {
		t.Errorf("InternalErrors = %d, want 1", got)
	}
	// Without Cf-Ray the body carries the generated id the error was logged under (D13).
	w = api.get(t, "/v0/subjects/1")
	id := decodeError(t, w.Body.Bytes()).RequestID
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(id) {
		t.Fatalf("500 body request_id = %q, want a generated UUID", id)
	}
	if !strings.Contains(api.logs.String(), `"request_id":"`+id+`"`) {
		t.Errorf("no log line under request id %s:\n%s", id, api.logs.String())
	}
	if strings.Contains(w.Body.String(), "connection refused") {
		t.Errorf("the 500 body leaks the internal error: %s", w.Body)
	}
}

func TestWriteError_ClientGone(t *testing.T) {
	api := newTestAPI(t, withFaultySubjects(faultySubjects{}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := api.do(t, request{path: "/v0/subjects/1", ctx: ctx})
	if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Errorf("cancelled request = %d with body %q, want an empty 204", w.Code, w.Body.String())
	}
	if got := api.metrics.InternalErrors.Load(); got != 0 {
		t.Errorf("InternalErrors = %d, want 0", got)
	}
}

func TestRecovery(t *testing.T) {
	api := newTestAPI(t, withFaultySubjects(faultySubjects{panicVal: "boom"}))
	w := api.get(t, "/v0/subjects/1", "Cf-Ray", "ray-panic")
	want := ErrorDetail{
		Title: "Internal Server Error", Description: "Unexpected Internal Server Error", RequestID: "ray-panic",
		Details: &ErrorRequest{Path: "/v0/subjects/1", Method: "GET"}, // D13: not the panic value
	}
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	if diff := cmp.Diff(want, decodeError(t, w.Body.Bytes())); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
	if w.Header().Get("x-server-version") != "test-version" {
		t.Errorf("x-server-version missing on a recovered panic")
	}
	if got := api.metrics.Panics.Load(); got != 1 {
		t.Errorf("Panics = %d, want 1", got)
	}
	if logs := api.logs.String(); !strings.Contains(logs, "panic while serving request") || !strings.Contains(logs, `"request_id":"ray-panic"`) {
		t.Errorf("panic not logged with its request id:\n%s", logs)
	}
	t.Run("AbortHandlerIsReraised", func(t *testing.T) {
		api := newTestAPI(t, withFaultySubjects(faultySubjects{panicVal: http.ErrAbortHandler}))
		defer func() {
			if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		api.get(t, "/v0/subjects/1")
		t.Error("the request did not panic")
	})
}

type failingTokens struct{}

func (failingTokens) Find(context.Context, string, time.Time) (auth.Token, error) {
	return auth.Token{}, errors.New("redis: i/o timeout")
}

func TestAuthenticate_StoreErrorIs500(t *testing.T) {
	api := newTestAPI(t, func(d *Deps, _ *inmem.Store) {
		d.Authenticator.Tokens = failingTokens{}
		d.Authenticator.Cache = nil
	})
	w := api.get(t, "/v0/subjects/1", bearer("any")...)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	if body := decodeError(t, w.Body.Bytes()); body.Details.Error != "" || body.RequestID == "" {
		t.Errorf("500 body: details.error %q (want none, D13), request_id %q (want one)", body.Details.Error, body.RequestID)
	}
	if !strings.Contains(api.logs.String(), "redis: i/o timeout") {
		t.Errorf("the log lacks the store error:\n%s", api.logs.String())
	}
	// Anonymous requests do not touch the token store.
	if w := api.get(t, "/v0/subjects/1"); w.Code != http.StatusOK {
		t.Errorf("anonymous status = %d, want 200", w.Code)
	}
}

func TestNew_Defaults(t *testing.T) {
	h := New(Deps{}) // no logger, clock, metrics or limiter
	for _, tt := range []struct {
		path   string
		status int
	}{{"/openapi.json", 200}, {"/v0/nothing", 404}, {"/v0/subjects/abc", 400}} {
		w := serve(h, httptest.NewRequest(http.MethodGet, tt.path, nil), "chii-test/1.0")
		if w.Code != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.path, w.Code, tt.status)
		}
	}
}

func TestWriteError_UnavailableIs503(t *testing.T) {
	down := fmt.Errorf("%w: dial tcp 127.0.0.1:3306: connection refused", domain.ErrUnavailable)
	api := newTestAPI(t, withFaultySubjects(faultySubjects{err: down}))
	for i := range 50 {
		w := api.get(t, "/v0/subjects/1", "Cf-Ray", "ray-"+itoa(i))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != retryAfter {
			t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After %s", w.Code, w.Header().Get("Retry-After"), retryAfter)
		}
		body := decodeError(t, w.Body.Bytes())
		if body.Description != msgUnavailable || body.RequestID != "ray-"+itoa(i) || strings.Contains(w.Body.String(), "refused") {
			t.Fatalf("503 body %s", w.Body)
		}
	}
	if got := api.metrics.Unavailable.Load(); got != 50 {
		t.Errorf("Unavailable = %d, want 50", got)
	}
	if got := api.metrics.InternalErrors.Load(); got != 0 {
		t.Errorf("InternalErrors = %d, want 0: an outage is not a server bug", got)
	}
	// The clock is fixed: 50 failures in one instant are one log line.
	if n := strings.Count(api.logs.String(), "dependency unavailable"); n != 1 {
		t.Errorf("logged %d lines for 50 failures within the sampling interval, want 1", n)
	}
}

func TestSampledLog(t *testing.T) {
	now := time.Unix(0, 0)
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	l := newSampledLog(slog.LevelError, "down", func() time.Time { return now })
	for i := range 25 { // 25 errors over 25 s: logged at 0 s, 10 s, 20 s
		l.log(context.Background(), logger, slog.String("path", "/p"))
		now = now.Add(time.Second)
		_ = i
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{`"not_logged_since_last":0`, `"not_logged_since_last":9`, `"not_logged_since_last":9`} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %s, want %s", i, lines[i], want)
		}
	}
}

func TestWriteError_RequestDeadlineIs503(t *testing.T) {
	api := newTestAPI(t, withFaultySubjects(faultySubjects{}))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	w := api.do(t, request{path: "/v0/subjects/1", ctx: ctx})
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("a request past its deadline = %d (Retry-After %q), want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
}
