package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// buildAPI is the server's composition root: it builds the /v0 API handler
// from the configured dependencies. d.MySQL == nil means demo mode (the
// in-memory adapters and the demo dataset); d.Redis may be nil (no cache).
// The returned func releases what buildAPI opened; /healthz and /readyz are
// mounted in front of the handler by Run.
//
// For now every request answers bangumi's default 404; the httpapi router
// and the repositories are wired in here.
func buildAPI(_ context.Context, _ config.Config, _ *deps.Deps, _ *slog.Logger) (http.Handler, func(), error) {
	return http.HandlerFunc(defaultNotFound), func() {}, nil
}

// defaultNotFound writes bangumi's catch-all 404 body.
func defaultNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"title":       "Not Found",
		"description": "This is default response, if you see this response, please check your request",
		"details":     map[string]string{"path": r.URL.Path, "method": r.Method},
	})
}
