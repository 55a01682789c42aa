package timeline

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// TestBuildWriter_RefusesWithoutMySQL: a worker without a database could only acknowledge
// (and so lose) messages; it must not start.
func TestBuildWriter_RefusesWithoutMySQL(t *testing.T) {
	w, _, err := buildWriter(t.Context(), config.Config{}, &deps.Deps{}, slog.New(slog.DiscardHandler))
	if err == nil || w != nil {
		t.Fatalf("buildWriter() = %v, %v; want no writer and an error", w != nil, err)
	}
	if !strings.Contains(err.Error(), "CHII_MYSQL_DSN") {
		t.Errorf("error %q does not name CHII_MYSQL_DSN", err)
	}
}
