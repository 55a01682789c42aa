package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// msgUnsupportedMediaType is bangumi's answer to a body without its JSON Content-Type.
const msgUnsupportedMediaType = `request with body must set "content-type" header to "application/json"`

// jsonContentType is bangumi's Content-Type gate of the routes with a JSON body
// (http-v0-more.md §0.1), kept exact (D12, N19): the header must be exactly
// "application/json" or "application/json; charset=UTF-8" (case-sensitive), else 415 with
// no details. It runs before the login and scope guards, so an anonymous request without the
// header gets 415, not 401.
func jsonContentType(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Content-Type") {
		case "application/json", "application/json; charset=UTF-8":
			next.ServeHTTP(w, r)
		default:
			writeJSON(w, http.StatusUnsupportedMediaType, ErrorDetail{
				Title: http.StatusText(http.StatusUnsupportedMediaType), Description: msgUnsupportedMediaType,
			})
		}
	})
}

// decodeStrictBody reads the first JSON value of the body into v, rejecting unknown keys
// (§0.2). Every failure is bangumi's second shape: 400 "JSON Error" with the generic
// description and the decoder's message in details.error (informative: its text is Go's, not
// bangumi's decoder's); a body over the server's limit is a 413. Bytes after the first value
// are ignored, as bangumi does.
func decodeStrictBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)}
	}
	return &jsonError{description: msgJSONDecode, cause: err.Error()}
}
