package httpapi

import (
	"bytes"
	"net/http"
	"strconv"

	json "github.com/goccy/go-json"
)

// encodeJSON encodes v as encoding/json's Encoder with SetEscapeHTML(false) does (the same
// bytes, newline included), with go-json: it compiles an encoder per type once instead of
// walking values by reflection on every answer.
func encodeJSON(v any) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return &buf, nil
}

// writeJSON answers v as JSON without HTML escaping, with an explicit Content-Length so a
// HEAD request gets the same headers as its GET.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf, err := encodeJSON(v)
	if err != nil {
		// Response types are plain structs of strings, numbers and slices: they always encode.
		panic("httpapi: encode response: " + err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client may be gone; nothing to do about it
}

// cacheFor sets the public Cache-Control header bangumi sends on cacheable answers.
func cacheFor(w http.ResponseWriter, seconds int) {
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(seconds))
}

// cacheUnlessNSFW sets the public Cache-Control header only on an answer about content that is
// not NSFW: a shared cache keyed by URL must never hand an NSFW answer to a viewer who may not
// see it (D1, D11).
func cacheUnlessNSFW(w http.ResponseWriter, nsfw bool, seconds int) {
	if !nsfw {
		cacheFor(w, seconds)
	}
}

const (
	cacheHour = 3600
	cacheDay  = 86400
)

// redirect answers 302 to location with no body.
func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
}
