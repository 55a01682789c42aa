// Package logging builds the process logger from the configuration.
package logging

import (
	"io"
	"log/slog"

	"github.com/bangumi/chii/runtime/config"
)

// New returns a slog logger writing to w in cfg.Format ("json" or "text")
// at cfg.Level.
func New(w io.Writer, cfg config.Log) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
