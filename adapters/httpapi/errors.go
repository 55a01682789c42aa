package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bangumi/chii/domain"
)

// Descriptions of the errors the adapter produces itself (the use cases produce the others).
const (
	msgDefaultNotFound   = "This is default response, if you see this response, please check your request"
	msgInternal          = "Unexpected Internal Server Error"
	msgNeedLogin         = "this API need authorization"
	msgInsufficientScope = "insufficient token scope"
	msgHeaderMissing     = "invalid http Authorization header, missing scope or missing token"
	msgHeaderWrongScheme = "http Authorization header has wrong scope"
	msgNoUserAgent       = "Please set a 'User-Agent'"
	msgLibraryUserAgent  = "using HTTP request library's default User-Agent is forbidden, " +
		"please read the document for User-Agent suggestion " +
		"https://github.com/bangumi/api/blob/master/docs-raw/user%20agent.md"
	msgAnimeko = "Animeko version 4.8.1 and earlier contain a bug that causes continuous infinite requests." +
		"Please update to version 4.8.2 or later to resolve this issue."
	msgUnavailable      = "a dependency of the server is unavailable or too slow, please retry later"
	msgRateLimitedTitle = "Too Many Request"
	msgRateLimited      = "too many request, you have be rate limited"
	titleJSONError      = "JSON Error"
	msgJSONDecode       = "can't decode request body as json or value doesn't match expected type"
)

// ErrorDetail is the body of every error response.
type ErrorDetail struct {
	Title       string        `json:"title" required:"true" description:"Reason phrase of the HTTP status" example:"Not Found"`
	Description string        `json:"description" required:"true" description:"What went wrong, for humans" example:"resource can't be found in the database or has been removed"`
	RequestID   string        `json:"request_id,omitempty" description:"Value of the request's Cf-Ray header, when it was sent; always present on a 500, where it is the id the server logged the error under" example:"8a1b2c3d4e5f-NRT"`
	Details     *ErrorRequest `json:"details,omitempty" description:"The request that failed (absent on 429)"`
}

// ErrorRequest describes the request an error answers.
type ErrorRequest struct {
	Error       string `json:"error,omitempty" description:"Why a request body could not be decoded; never the text of an internal error (D13)" example:"unexpected EOF"`
	Path        string `json:"path" required:"true" description:"Request path" example:"/v0/subjects/9999999"`
	Method      string `json:"method" required:"true" description:"Request method" example:"GET"`
	QueryString string `json:"query_string,omitempty" description:"Raw query string, absent when empty" example:"type=bad"`
}

// httpError is an error the adapter answers with a fixed status and message.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{status: http.StatusBadRequest, msg: msg} }

// jsonError is a request body that could not be decoded: 400 with bangumi's title "JSON
// Error" and no request_id. A syntax or type error says where in its description and carries no
// details; any other failure has the generic description and the decoder's message as
// details.error.
type jsonError struct {
	description string
	cause       string // details.error; "" for no details
}

func (e *jsonError) Error() string { return e.description }

func (e *jsonError) body(r *http.Request) ErrorDetail {
	body := ErrorDetail{Title: titleJSONError, Description: e.description}
	if e.cause != "" {
		body.Details = &ErrorRequest{Error: e.cause, Path: r.URL.Path, Method: r.Method, QueryString: r.URL.RawQuery}
	}
	return body
}

// statusOf maps an error to its HTTP status and client-safe description: the one place where
// domain error kinds become status codes. ok is false for an unexpected error (500).
func statusOf(err error) (status int, msg string, ok bool) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.msg, true
	}
	for _, k := range []struct {
		kind   error
		status int
	}{
		{domain.ErrNotFound, http.StatusNotFound},
		{domain.ErrInvalid, http.StatusBadRequest},
		{domain.ErrUnauthorized, http.StatusUnauthorized},
		{domain.ErrForbidden, http.StatusForbidden},
		{domain.ErrConflict, http.StatusConflict},
	} {
		if errors.Is(err, k.kind) {
			msg := domain.Message(err)
			if msg == "" {
				msg = k.kind.Error()
				if k.kind == domain.ErrNotFound {
					msg = domain.NotFoundMessage
				}
			}
			return k.status, msg, true
		}
	}
	return http.StatusInternalServerError, msgInternal, false
}

// errorBody builds the error body of status for request r. The method is the routed one, so
// a HEAD request gets the headers (Content-Length included) of its GET.
func errorBody(r *http.Request, status int, msg string) ErrorDetail {
	return ErrorDetail{
		Title:       http.StatusText(status),
		Description: msg,
		RequestID:   r.Header.Get(headerCfRay),
		Details: &ErrorRequest{
			Path:        r.URL.Path,
			Method:      r.Method,
			QueryString: r.URL.RawQuery,
		},
	}
}

// writeStatusError answers with an error body of a known status and message.
func writeStatusError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, errorBody(r, status, msg))
}

// writeInternalError answers 500 with the id the error was logged under and never its text
// (decision D13): a client quotes the id, an operator finds the log line.
func writeInternalError(w http.ResponseWriter, r *http.Request) {
	body := errorBody(r, http.StatusInternalServerError, msgInternal)
	body.RequestID = requestID(r)
	writeJSON(w, http.StatusInternalServerError, body)
}

// retryAfter is the Retry-After (seconds) of a 503: long enough not to hammer a dependency
// that is down, short enough for a lock or a failover to pass.
const retryAfter = "5"

// unavailableError is an error of the adapter's own that means "too slow now": a 503.
type unavailableError string

func (e unavailableError) Error() string { return string(e) }

// Is makes errors.Is(err, domain.ErrUnavailable) true.
func (unavailableError) Is(target error) bool { return target == domain.ErrUnavailable }

// unavailable reports whether err means "a dependency is down or too slow": an adapter said
// so (domain.ErrUnavailable), or the request's own deadline passed while it waited.
func unavailable(err error, r *http.Request) bool {
	return errors.Is(err, domain.ErrUnavailable) ||
		errors.Is(err, context.DeadlineExceeded) && errors.Is(r.Context().Err(), context.DeadlineExceeded)
}

// writeError answers err. A request whose client went away gets an empty 204; a dependency
// that is down or too slow gets 503 with Retry-After, logged by the sampler (an outage must
// not flood the log); an unexpected error is logged once (with the request id) and answered
// 500 (D13).
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if unavailable(err, r) {
		s.metrics.Unavailable.Add(1)
		s.unavailableLog.log(r.Context(), s.log, slog.String("request_id", requestID(r)),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		w.Header().Set("Retry-After", retryAfter)
		body := errorBody(r, http.StatusServiceUnavailable, msgUnavailable)
		body.RequestID = requestID(r)
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	if je := (*jsonError)(nil); errors.As(err, &je) {
		writeJSON(w, http.StatusBadRequest, je.body(r))
		return
	}
	status, msg, ok := statusOf(err)
	if ok {
		writeStatusError(w, r, status, msg)
		return
	}
	s.metrics.InternalErrors.Add(1)
	s.log.LogAttrs(r.Context(), slog.LevelError, "unexpected error",
		slog.String("request_id", requestID(r)),
		slog.String("method", requestMethod(r)),
		slog.String("path", r.URL.Path),
		slog.String("query", r.URL.RawQuery),
		slog.String("error", err.Error()),
	)
	writeInternalError(w, r)
}

// notFound is the catch-all answer for unknown paths and methods.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeStatusError(w, r, http.StatusNotFound, msgDefaultNotFound)
}

// sampledLog logs the first event of a kind, then at most one line per interval with the
// number of events it did not log since: an outage of seconds costs a few lines, not one per
// request.
type sampledLog struct {
	interval time.Duration
	now      func() time.Time
	level    slog.Level
	msg      string

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newSampledLog(level slog.Level, msg string, now func() time.Time) *sampledLog {
	return &sampledLog{interval: 10 * time.Second, now: now, level: level, msg: msg}
}

// log logs attrs (and the count of events not logged since the last line) unless a line was
// logged less than the interval ago.
func (l *sampledLog) log(ctx context.Context, logger *slog.Logger, attrs ...slog.Attr) {
	l.mu.Lock()
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	logger.LogAttrs(ctx, l.level, l.msg, append(attrs, slog.Int("not_logged_since_last", suppressed))...)
}
