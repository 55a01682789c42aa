package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/bangumi/chii/domain/auth"
)

// Request and response headers.
const (
	headerCfRay          = "Cf-Ray"
	headerCfConnectingIP = "Cf-Connecting-Ip"
	headerServerVersion  = "x-server-version"
)

// CORS settings (http-v0.md §1.1).
const (
	corsAllowHeaders  = "Origin, Content-Type, Accept, Authorization"
	corsExposeHeaders = "x-process-time-ms, x-server-version, Cf-Ray"
	corsAllowMethods  = "GET, HEAD, PUT, PATCH, POST, DELETE"
	corsMaxAge        = "604800"
)

// reqInfo is what the middleware chain learns about a request; handlers read it with the
// helpers below.
type reqInfo struct {
	id       string    // Cf-Ray, or a generated UUIDv7 used only in logs
	clientIP string    // the socket peer, or what a trusted proxy says the client is (D14)
	method   string    // the method the client sent (HEAD is routed as GET)
	viewer   auth.Auth // the caller; the zero value is anonymous
	// tags name the domain objects a cacheable answer was rendered from (see ResponseCache).
	tags tagSet
	// route observes the answer (Metrics.Routes); set when the request reaches its route.
	route RouteObserver
}

// tagSet collects the tags of an answer, each once.
type tagSet struct {
	list []string
	seen map[string]struct{}
}

func (t *tagSet) add(prefix byte, ids ...uint32) {
	if t.seen == nil {
		t.seen = make(map[string]struct{}, len(ids))
	}
	for _, id := range ids {
		if id == 0 {
			continue
		}
		s := tag(prefix, id)
		if _, dup := t.seen[s]; !dup {
			t.seen[s] = struct{}{}
			t.list = append(t.list, s)
		}
	}
}

// dependsOn records that the answer to r shows the objects of one kind ('s' subjects,
// 'c' characters, 'p' persons) with the given ids.
func dependsOn(r *http.Request, prefix byte, ids ...uint32) { infoOf(r).tags.add(prefix, ids...) }

type reqInfoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{method: r.Method}
}

// requestID is the id under which the request is logged.
func requestID(r *http.Request) string { return infoOf(r).id }

// requestMethod is the method the client sent.
func requestMethod(r *http.Request) string { return infoOf(r).method }

// viewer is the authenticated caller, anonymous when no token was sent.
func viewer(r *http.Request) auth.Auth { return infoOf(r).viewer }

// recorder remembers whether the response was started and with which status, and drops the
// body of HEAD requests.
type recorder struct {
	http.ResponseWriter
	started bool
	head    bool
	status  int // the first status written; 0 until then
}

func (w *recorder) WriteHeader(status int) {
	w.started = true
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	w.started = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.head {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// base is the first middleware: panic recovery, x-server-version, CORS, request id and
// client IP. HEAD is routed as GET and answered without a body (decision D8).
func (s *server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var start time.Time
		if s.routeObservers != nil {
			start = time.Now()
		}
		h := w.Header()
		h.Set(headerServerVersion, s.version)
		h.Set("Access-Control-Allow-Origin", "*")
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			if s.routeObservers != nil {
				s.routeObservers[routeKey{}].Observe(http.StatusNoContent, time.Since(start))
			}
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)

		ri := &reqInfo{id: r.Header.Get(headerCfRay), clientIP: s.clientIP(r), method: r.Method}
		if ri.id == "" {
			ri.id = s.newRequestID()
		}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		rec := &recorder{ResponseWriter: w}
		if r.Method == http.MethodHead {
			r.Method = http.MethodGet
			rec.head = true
		}
		if s.routeObservers != nil {
			defer s.observe(rec, r, ri, start) // after recoverPanic: a panic is observed as its 500
		}
		defer s.recoverPanic(rec, r)
		next.ServeHTTP(rec, r)
	})
}

// routeKey names a route: its method and chi pattern. The zero key is the unmatched requests.
type routeKey struct{ method, pattern string }

// routeObserver returns the observer of a route, made once (nil when routes are not observed).
func (s *server) routeObserver(method, pattern string) RouteObserver {
	if s.routeObservers == nil {
		return nil
	}
	k := routeKey{method, pattern}
	o, ok := s.routeObservers[k]
	if !ok {
		o = s.metrics.Routes.Route(method, pattern)
		s.routeObservers[k] = o
	}
	return o
}

// observeRoute tells the request's answer which route it is: the route's observer, resolved
// when the route was mounted, so the request path looks nothing up.
func observeRoute(o RouteObserver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r).route = o
		next.ServeHTTP(w, r)
	})
}

// observe records the answer to r. A request that never reached its route (answered by the
// middleware, or matching none) is looked up in the router here, off the common path.
func (s *server) observe(w *recorder, r *http.Request, ri *reqInfo, start time.Time) {
	o := ri.route
	if o == nil {
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		pattern := s.router.Find(chi.NewRouteContext(), r.Method, path)
		if o = s.routeObservers[routeKey{r.Method, pattern}]; o == nil || pattern == "" {
			o = s.routeObservers[routeKey{}]
		}
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	o.Observe(status, time.Since(start))
}

func (s *server) recoverPanic(w *recorder, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is re-panicked as is
		panic(v)
	}
	s.metrics.Panics.Add(1)
	s.log.LogAttrs(r.Context(), slog.LevelError, "panic while serving request",
		slog.String("request_id", requestID(r)),
		slog.String("method", requestMethod(r)),
		slog.String("path", r.URL.Path),
		slog.Any("panic", v),
		slog.String("stack", string(debug.Stack())),
	)
	if w.started {
		return // too late for an error body
	}
	writeInternalError(w, r)
}

func peerIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// clientIP is the address rate limiting counts a request under (D14): the connection's peer,
// unless the peer is a trusted proxy; then Cf-Connecting-Ip, or else the nearest address of
// X-Forwarded-For that is not itself a trusted proxy. A client cannot choose its address by
// sending these headers to the server directly.
func (s *server) clientIP(r *http.Request) string {
	peer := peerIP(r.RemoteAddr)
	if !s.trusted(peer) {
		return peer
	}
	if ip, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get(headerCfConnectingIP))); err == nil {
		return ip.Unmap().String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: nothing before it can be trusted
		}
		if !s.trusted(ip.String()) {
			return ip.Unmap().String()
		}
	}
	return peer
}

func (s *server) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.trustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// newRequestID returns a UUIDv7 string.
func (s *server) newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails
	ms := uint64(s.clock.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// User-Agent gate (http-v0.md §1.1 row 2).
var (
	libraryUserAgents        = []string{"undici", "database", "node-fetch"}
	libraryUserAgentPrefixes = []string{
		"Java/", "axios/", "okhttp/", "go-resty/", "Faraday v", "node-fetch/",
		"Go-http-client/", "python-requests/", "Apache-HttpClient/",
	}
	animekoUserAgent = regexp.MustCompile(`^open-ani/ani/(\d+)\.(\d+)\.(\d+)\b`)
)

// userAgentError returns the 403 description for a forbidden User-Agent, or "".
func userAgentError(ua string) string {
	if ua == "" {
		return msgNoUserAgent
	}
	for _, s := range libraryUserAgents {
		if ua == s {
			return msgLibraryUserAgent
		}
	}
	for _, p := range libraryUserAgentPrefixes {
		if strings.HasPrefix(ua, p) {
			return msgLibraryUserAgent
		}
	}
	if strings.HasPrefix(ua, "open-ani/ani/") {
		m := animekoUserAgent.FindStringSubmatch(ua)
		if m == nil {
			return msgAnimeko
		}
		// Compared like bangumi does, with strconv.Atoi (which saturates on overflow).
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		patch, _ := strconv.Atoi(m[3])
		if major < 4 || major == 4 && (minor < 8 || minor == 8 && patch <= 1) {
			return msgAnimeko
		}
	}
	return ""
}

func (s *server) userAgentGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := userAgentError(r.UserAgent()); msg != "" {
			writeStatusError(w, r, http.StatusForbidden, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the bearer token of /v0 requests (auth.md §2). No header is an
// anonymous caller; a malformed header or an unusable token is a 401, never anonymous.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, found := strings.Cut(header, " ")
		if !found {
			writeStatusError(w, r, http.StatusUnauthorized, msgHeaderMissing)
			return
		}
		if scheme != "Bearer" {
			writeStatusError(w, r, http.StatusUnauthorized, msgHeaderWrongScheme)
			return
		}
		a, err := s.authn.Authenticate(r.Context(), token)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		infoOf(r).viewer = a
		next.ServeHTTP(w, r)
	})
}

// rateLimit limits /v0 requests per user (logged in) or per client IP (auth.md §6).
// A limiter failure lets the request through: it is logged and counted, never a 500.
func (s *server) rateLimit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := infoOf(r)
		key := s.rateLimitPrefix + "ip:" + ri.clientIP
		if ri.viewer.LoggedIn() {
			key = s.rateLimitPrefix + "u:" + strconv.FormatUint(uint64(ri.viewer.UserID), 10)
		}
		allowed, err := s.limiter.Allow(r.Context(), key)
		if err != nil {
			n := s.metrics.RateLimiterErrors.Add(1)
			s.limiterLog.log(r.Context(), s.log,
				slog.String("request_id", ri.id),
				slog.String("key", key),
				slog.Uint64("rate_limiter_errors_total", n),
				slog.String("error", err.Error()),
			)
			allowed = true
		}
		if !allowed {
			s.metrics.RateLimited.Add(1)
			writeJSON(w, http.StatusTooManyRequests, ErrorDetail{Title: msgRateLimitedTitle, Description: msgRateLimited})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// needLogin guards a route that answers only a logged-in caller: anonymous callers get 401.
func needLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !viewer(r).LoggedIn() {
			writeStatusError(w, r, http.StatusUnauthorized, msgNeedLogin)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// needScope guards a route: anonymous callers get 401, tokens without scope 403 (auth.md §4).
func needScope(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := viewer(r)
			if !v.LoggedIn() {
				writeStatusError(w, r, http.StatusUnauthorized, msgNeedLogin)
				return
			}
			if !v.HasScope(scope) {
				writeStatusError(w, r, http.StatusForbidden, msgInsufficientScope)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
