package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// testNow is the fixed time of every test; the golden writes happened at this second.
var testNow = time.Date(2026, 11, 26, 23, 38, 50, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testAPI is the handler under test, wired to use cases over an in-memory store.
type testAPI struct {
	h         http.Handler
	store     *inmem.Store
	metrics   *Metrics
	logs      *syncBuffer
	timeline  *inmem.TimelinePublisher
	validator *docValidator
}

// apiOption adjusts the dependencies before the handler is built.
type apiOption func(d *Deps, st *inmem.Store)

func withLimiter(l ports.RateLimiter) apiOption {
	return func(d *Deps, _ *inmem.Store) { d.RateLimiter = l }
}

// newTestAPI returns the API over a store seeded with the test fixture.
func newTestAPI(tb testing.TB, opts ...apiOption) *testAPI {
	tb.Helper()
	st := inmem.NewStore()
	seed(st)
	clock := fixedClock{testNow}
	tl := inmem.NewTimelinePublisher()
	logs := &syncBuffer{}
	d := Deps{
		Subjects: &usecase.Subjects{
			Subjects: st.Subjects(), Characters: st.Characters(), Persons: st.Persons(), Links: st.Links(),
			Cache: inmem.NewCache(clock.Now), Clock: clock,
		},
		Characters: &usecase.Characters{
			Subjects: st.Subjects(), Characters: st.Characters(), Persons: st.Persons(), Links: st.Links(), Clock: clock,
		},
		Persons: &usecase.Persons{Subjects: st.Subjects(), Characters: st.Characters(), Persons: st.Persons(), Links: st.Links()},
		Browse:  &usecase.Browse{Browser: st.Browser(), Clock: clock},
		Collections: &usecase.Collections{
			Users: st.Users(), Subjects: st.Subjects(), Characters: st.Characters(), Persons: st.Persons(),
			Collections: st.SubjectCollections(), Monos: st.MonoCollects(), Clock: clock,
		},
		Collect: &usecase.Collect{
			Characters: st.Characters(), Persons: st.Persons(), UoW: st.UnitOfWork(), Timeline: tl, Clock: clock,
		},
		Authenticator: &usecase.Authenticator{Tokens: st.Tokens(), Users: st.Users(), Cache: inmem.NewCache(clock.Now), Clock: clock},
		Users:         &usecase.Users{Users: st.Users()},
		Revisions:     &usecase.Revisions{Revisions: st.Revisions()},
		Indices:       &usecase.Indices{Indices: st.Indices(), UoW: st.UnitOfWork(), Subjects: st.Subjects(), Clock: clock},
		Episodes:      &usecase.Episodes{Episodes: st.Episodes(), Subjects: st.Subjects(), Clock: clock},
		CollectionWrites: &usecase.CollectionWrites{Subjects: st.Subjects(), Episodes: st.Episodes(), UoW: st.UnitOfWork(),
			Timeline: tl, Clock: clock},
		RateLimitPrefix: "chii:rate-limit:",
		Logger:          slog.New(slog.NewJSONHandler(logs, nil)),
		Clock:           clock,
		Version:         "test-version",
		Metrics:         &Metrics{},
	}
	for _, o := range opts {
		o(&d, st)
	}
	h := New(d)
	api := &testAPI{h: h, store: st, metrics: d.Metrics, logs: logs, timeline: tl}
	doc := serve(h, httptest.NewRequest(http.MethodGet, "/openapi.json", nil), "chii-test/1.0")
	if doc.Code != http.StatusOK {
		tb.Fatalf("GET /openapi.json = %d", doc.Code)
	}
	api.validator = newDocValidator(tb, doc.Body.Bytes())
	return api
}

func serve(h http.Handler, r *http.Request, ua string) *httptest.ResponseRecorder {
	if ua != "" && r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", ua)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// request describes one call; an unset User-Agent is a browser-like one.
type request struct {
	method  string
	path    string
	headers map[string]string
	noUA    bool
	ctx     context.Context
	body    string // sent when not empty (set Content-Type in headers)
}

// do serves req and checks the answer against the server's own OpenAPI document.
func (a *testAPI) do(tb testing.TB, req request) *httptest.ResponseRecorder {
	tb.Helper()
	method := req.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(method, req.path, body)
	if req.ctx != nil {
		r = r.WithContext(req.ctx)
	}
	for k, v := range req.headers {
		r.Header.Set(k, v)
	}
	ua := "chii-test/1.0"
	if req.noUA {
		ua = ""
	}
	w := serve(a.h, r, ua)
	if r.Context().Err() != nil {
		return w // nobody receives the answer to a cancelled request
	}
	if err := a.validator.validate(method, r.URL.Path, w.Code, w.Header(), w.Body.Bytes()); err != nil && !errors.Is(err, errNoOperation) {
		tb.Errorf("%s %s: response does not match /openapi.json: %v\nbody: %s", method, req.path, err, w.Body.String())
	}
	return w
}

func (a *testAPI) get(tb testing.TB, path string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return a.do(tb, request{path: path, headers: h})
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// errorLike is the expected error body (details always carry path and method).
func errorLike(status int, description, path, method, query string) ErrorDetail {
	return ErrorDetail{
		Title: http.StatusText(status), Description: description,
		Details: &ErrorRequest{Path: path, Method: method, QueryString: query},
	}
}

func unescapePath(tb testing.TB, p string) string {
	tb.Helper()
	u, err := url.PathUnescape(p)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// decodeStrict decodes b into v, refusing unknown fields.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
