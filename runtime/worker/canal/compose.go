package canal

import (
	"context"
	"log/slog"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// buildHandlers is the canal worker's composition root: it maps
// source.table to the handler that reacts to changes of that table.
//
// No table handler exists yet, so every event is acknowledged (logged at
// debug). The search-index handlers (chii_subjects, chii_subject_fields,
// chii_characters, chii_persons → Meilisearch, cfg.Meilisearch) and the
// member reactions (chii_members → session revoke, Redis PUBLISH, avatar
// purge; d.MySQL, d.Redis) are registered here when they are written.
func buildHandlers(_ context.Context, _ config.Config, _ *deps.Deps, _ *slog.Logger) (map[string]TableHandler, func(), error) {
	return map[string]TableHandler{}, func() {}, nil
}
