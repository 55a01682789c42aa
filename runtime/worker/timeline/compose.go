package timeline

import (
	"context"
	"log/slog"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// buildWriter is the timeline worker's composition root.
//
// >>> THE TIMELINE WRITER GOES HERE. <<<
// The real writer turns each message into chii_timeline rows (timeline
// spec §3: cat/type enums, memo encoding, 10-minute merge) using d.MySQL.
// Until it exists, messages are logged at info and acknowledged, so the
// consumer group keeps moving instead of blocking on the first message.
func buildWriter(_ context.Context, _ config.Config, _ *deps.Deps, logger *slog.Logger) (Writer, func(), error) {
	w := func(_ context.Context, m Message) error {
		logger.Info("timeline: message received (no writer configured yet; acknowledged)",
			"op", m.Op, "key", string(m.Key), "message", string(m.Message))
		return nil
	}
	return w, func() {}, nil
}
