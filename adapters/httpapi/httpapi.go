// Package httpapi is the HTTP adapter of chii: bangumi's /v0 read API (subjects, characters,
// persons, user collections) and the character/person collect endpoints, answering exactly
// like bangumi's Go server (see /work/shared/spec/http-v0.md and auth.md), plus the OpenAPI
// document reflected from the handlers' own request and response types.
//
// The adapter drives use cases only: it parses requests, maps domain errors to statuses in
// one place (statusOf) and renders bangumi's JSON.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// Deps are the collaborators of the HTTP adapter. The use cases are required.
type Deps struct {
	Subjects      *usecase.Subjects
	Characters    *usecase.Characters
	Persons       *usecase.Persons
	Collections   *usecase.Collections
	Collect       *usecase.Collect
	Authenticator *usecase.Authenticator
	Users         *usecase.Users // /v0/me, /v0/users/{username} and its avatar
	// Indices serves GET /v0/indices/{index_id} and its subjects (目录).
	Indices *usecase.Indices
	// Search serves /v0/search; nil answers bangumi's 200 "search is not enable".
	Search *usecase.Search
	// Revisions serves /v0/revisions (the edit history).
	Revisions *usecase.Revisions
	// Browse serves GET /v0/subjects (browsing subjects by type and filters).
	Browse *usecase.Browse
	// Episodes serves /v0/episodes and the viewer's own episode marks.
	Episodes *usecase.Episodes
	// CollectionWrites serves the subject and episode collection writes.
	CollectionWrites *usecase.CollectionWrites

	// Responses keeps rendered answers of the cacheable routes; nil renders every request
	// (answers still carry ETags and honour If-None-Match).
	Responses *ResponseCache

	// RateLimiter limits /v0 requests per caller; nil disables rate limiting.
	RateLimiter ports.RateLimiter
	// RateLimitPrefix is put before the limiter keys "u:<uid>" and "ip:<client ip>".
	RateLimitPrefix string
	// DatabaseSlots bounds the requests of one family of routes (subjects, characters, persons,
	// users) that may use the database at once (a bulkhead: a locked table cannot take the
	// whole pool); half the pool is a good value. 0: no bound.
	DatabaseSlots int
	// TrustedProxies are the peers whose Cf-Connecting-Ip / X-Forwarded-For headers name the
	// client (D14); from any other peer the client is the peer itself. Empty: trust none.
	TrustedProxies []netip.Prefix

	Logger  *slog.Logger // nil discards logs
	Clock   ports.Clock  // nil is the system clock
	Version string       // sent in the x-server-version header
	// Metrics receives the adapter's counters; nil keeps them private.
	Metrics *Metrics
}

// Metrics are counters the runtime may export.
type Metrics struct {
	// RateLimiterErrors counts requests let through because the rate limiter failed.
	RateLimiterErrors atomic.Uint64
	// InternalErrors counts 500 answers caused by unexpected errors.
	InternalErrors atomic.Uint64
	// Panics counts handler panics (answered 500).
	Panics atomic.Uint64
	// Unavailable counts 503 answers: a dependency down or too slow.
	Unavailable atomic.Uint64
	// RateLimited counts requests the rate limiter refused (answered 429).
	RateLimited atomic.Uint64

	// Routes, when set, observes every answer by route. New asks it for the observer of each
	// route once, as it mounts the route (the method and chi pattern, such as "GET" and
	// "/v0/subjects/{subject_id}"; HEAD is served and observed as GET), and once with "", ""
	// for the requests no route matches (bangumi's catch-all 404, a CORS preflight), so that a
	// request resolves no label. An answer given before its route ran (a 401 of a bad token, a
	// 403 of the User-Agent gate, a 429) is observed under the route its path and method match.
	Routes RouteObservers
}

// RouteObservers makes the observer of one route's answers (see Metrics.Routes).
type RouteObservers interface {
	Route(method, pattern string) RouteObserver
}

// RouteObserver records the answers of one route. It is called on the request path, once per
// request, and must be cheap and safe for concurrent use.
type RouteObserver interface {
	// Observe records one answer: its status and the time since the request arrived.
	Observe(status int, elapsed time.Duration)
}

type server struct {
	subjects    *usecase.Subjects
	characters  *usecase.Characters
	persons     *usecase.Persons
	collections *usecase.Collections
	collect     *usecase.Collect
	authn       *usecase.Authenticator
	search      *usecase.Search
	revisions   *usecase.Revisions
	browse      *usecase.Browse
	responses   *ResponseCache
	users       *usecase.Users
	indices     *usecase.Indices
	episodes    *usecase.Episodes

	collectionWrites *usecase.CollectionWrites

	limiter         ports.RateLimiter
	rateLimitPrefix string
	trustedProxies  []netip.Prefix
	log             *slog.Logger
	clock           ports.Clock
	version         string
	metrics         *Metrics
	routeObservers  map[routeKey]RouteObserver // every route's, and unmatched's under routeKey{}; nil: not observed
	router          *chi.Mux                   // finds the route of an answer given before its route ran
	openapi         []byte
	bulkheads       *bulkheads
	unavailableLog  *sampledLog
	limiterLog      *sampledLog
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// handlerFunc is a handler whose error is answered by server.writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// New returns the HTTP handler of the API. It builds the OpenAPI document once and panics
// if the document cannot be built (a programming error caught by the package's tests).
func New(d Deps) http.Handler {
	s := &server{
		browse:   d.Browse,
		subjects: d.Subjects, characters: d.Characters, persons: d.Persons,
		collections: d.Collections, collect: d.Collect, authn: d.Authenticator, search: d.Search, revisions: d.Revisions, responses: d.Responses,
		limiter: d.RateLimiter, rateLimitPrefix: d.RateLimitPrefix, trustedProxies: d.TrustedProxies,
		log: d.Logger, clock: d.Clock, version: d.Version, metrics: d.Metrics,
		users: d.Users, indices: d.Indices, episodes: d.Episodes,
		collectionWrites: d.CollectionWrites,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = systemClock{}
	}
	if s.metrics == nil {
		s.metrics = &Metrics{}
	}
	if s.metrics.Routes != nil {
		s.routeObservers = map[routeKey]RouteObserver{}
	}
	s.unavailableLog = newSampledLog(slog.LevelError, "dependency unavailable, answered 503", s.clock.Now)
	s.limiterLog = newSampledLog(slog.LevelWarn, "rate limiter failed, request allowed", s.clock.Now)
	s.bulkheads = newBulkheads(d.DatabaseSlots, "subjects", "characters", "persons", "users", "search", "revisions", "indices", "episodes")
	routes := s.routes()
	for i := range routes {
		if routes[i].handler != nil {
			routes[i].handler = s.guard(routes[i].path, routes[i].handler)
		}
	}
	doc, err := openAPIDocument(routes)
	if err != nil {
		panic("httpapi: build OpenAPI document: " + err.Error())
	}
	s.openapi = doc

	root := chi.NewRouter()
	root.Use(s.base, s.userAgentGate)
	root.NotFound(notFound)
	root.MethodNotAllowed(notFound)
	root.Get("/openapi.json", s.serveOpenAPI)
	mountPages(root)

	v0 := chi.NewRouter()
	v0.Use(s.authenticate, s.rateLimit)
	v0.NotFound(notFound)
	v0.MethodNotAllowed(notFound)
	for _, rt := range routes {
		pattern, ok := strings.CutPrefix(rt.path, "/v0")
		if !ok {
			continue // /openapi.json, routed above
		}
		var h http.Handler = s.handle(rt.handler)
		if rt.method == http.MethodGet {
			h = s.rendered(rt)
		}
		switch {
		case rt.scope != "":
			h = needScope(rt.scope)(h)
		case rt.login:
			h = needLogin(h)
		}
		if rt.body {
			h = jsonContentType(h)
		}
		if o := s.routeObserver(rt.method, rt.path); o != nil {
			h = observeRoute(o, h)
		}
		v0.Method(rt.method, pattern, h)
	}
	root.Mount("/v0", v0)
	s.router = root
	if s.routeObservers != nil {
		// The routes of the root (the OpenAPI document, the pages) and the unmatched requests.
		s.routeObservers[routeKey{}] = s.metrics.Routes.Route("", "")
		_ = chi.Walk(root, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			s.routeObserver(method, pattern)
			return nil
		})
	}
	return root
}

// rendered serves a GET route through a rendered answer: from the ResponseCache for a cached
// route (rendering it once for all concurrent requests on a miss), rendered for this request
// otherwise. Either way a 200 carries a strong ETag and If-None-Match can answer 304.
func (s *server) rendered(rt route) http.HandlerFunc {
	render := func(w http.ResponseWriter, r *http.Request) []string {
		if err := rt.handler(w, r); err != nil {
			s.writeError(w, r, err)
		}
		return infoOf(r).tags.list
	}
	if !rt.cached || s.responses == nil {
		return func(w http.ResponseWriter, r *http.Request) {
			c := newCapture()
			render(c, r)
			c.entry(0, nil).write(w, r)
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		key := keyFor(r, viewer(r), s.clock.Now())
		e := s.responses.get(r.Context(), key)
		if e == nil {
			e = s.responses.load(r, key, render)
		}
		e.write(w, r)
	}
}

func (s *server) serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", itoa(len(s.openapi)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.openapi)
}
