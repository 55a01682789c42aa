package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/domain/user"
)

// Hard pagination (http-v0.md §1.4).
const (
	defaultLimit = 30
	maxLimit     = 100
)

// pathParam returns the path parameter name, unescaped when the request path was escaped.
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// parseID parses a path id: decimal uint32 without sign, leading zeros allowed, 0 invalid.
func parseID(raw string) (uint32, error) {
	if raw == "" {
		return 0, badRequest("character ID is required") // bangumi's text for every entity
	}
	v, err := strconv.ParseUint(raw, 10, 32)
	if err != nil || v == 0 {
		return 0, badRequest(strconv.Quote(raw) + " is not valid ID")
	}
	return uint32(v), nil
}

// parsePage applies the hard pagination helper to the limit and offset query values
// (absent or empty means the default). The offset-versus-total check is the use case's.
func parsePage(limit, offset string) (usecase.Page, error) {
	return parsePageBounds(limit, offset, defaultLimit, maxLimit)
}

// parsePageBounds is parsePage with another default and maximum limit.
func parsePageBounds(limit, offset string, defaultLimit, maxLimit int) (usecase.Page, error) {
	p := usecase.Page{Limit: defaultLimit}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil {
			return p, badRequest("can't parse query args limit as int: " + strconv.Quote(limit))
		}
		if n > maxLimit {
			return p, badRequest("limit should less equal than " + strconv.Itoa(maxLimit))
		}
		if n <= 0 {
			return p, badRequest("limit should be greater than zero")
		}
		p.Limit = n
	}
	if offset != "" {
		n, err := strconv.Atoi(offset)
		if err != nil {
			return p, badRequest("can't parse query args offset as int: " + strconv.Quote(offset))
		}
		if n < 0 {
			return p, badRequest("offset should be greater than or equal to 0")
		}
		p.Offset = n
	}
	return p, nil
}

// Soft pagination (http-v0.md §1.4): the search endpoints.
const (
	defaultSoftLimit = 10
	maxSoftLimit     = 20
)

// parseSoftPage applies the soft pagination helper: the hard helper's parse errors and lower
// bounds, but a limit over maxSoftLimit is clamped to it, and there is no offset-versus-total
// check.
func parseSoftPage(limit, offset string) (usecase.Page, error) {
	n := defaultSoftLimit
	if limit != "" {
		var err error
		if n, err = strconv.Atoi(limit); err != nil {
			return usecase.Page{}, badRequest("can't parse query args limit as int: " + strconv.Quote(limit))
		}
		if n <= 0 {
			return usecase.Page{}, badRequest("limit should be greater than zero")
		}
		n = min(n, maxSoftLimit)
	}
	p, err := parsePage("", offset) // the offset rules are the hard helper's
	p.Limit = n
	return p, err
}

// softPageOf reads the page of a search request.
func softPageOf(r *http.Request) (usecase.Page, error) {
	q := r.URL.Query()
	return parseSoftPage(q.Get("limit"), q.Get("offset"))
}

// pageOf reads the page of a request.
func pageOf(r *http.Request) (usecase.Page, error) {
	q := r.URL.Query()
	return parsePage(q.Get("limit"), q.Get("offset"))
}

// parseSubjectType parses the subject_type filter of user collections; "" is every type.
// Its messages carry bangumi's doubled "400: " prefix.
func parseSubjectType(s string) (uint8, error) {
	if s == "" {
		return 0, nil
	}
	t, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, badRequest("400: bad subject type: " + strconv.Quote(s))
	}
	if !subject.ValidType(uint8(t)) {
		return 0, badRequest("400: " + strconv.Quote(s) + " is not a valid subject type")
	}
	return uint8(t), nil
}

// parseCollectionType parses the type filter of user collections; "" and "0" are every type.
func parseCollectionType(s string) (uint8, error) {
	if s == "" {
		return 0, nil
	}
	t, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, badRequest("bad collection type: " + strconv.Quote(s))
	}
	if t != 0 && !user.ValidCollectionType(uint8(t)) {
		// No space before "is": bangumi's message, kept verbatim.
		return 0, badRequest(strconv.Quote(s) + "is not a valid collection type")
	}
	return uint8(t), nil
}

// badImageType is the 400 for an image size that does not exist (or is missing).
func badImageType(t string) error { return badRequest("bad image type: " + t) }
