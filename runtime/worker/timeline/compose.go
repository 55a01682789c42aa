package timeline

import (
	"context"
	"errors"
	"log/slog"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// buildWriter is the timeline worker's composition root: the timeline use
// case (timeline spec §3: cat/type enums, memo encoding, 10-minute merge) on
// MySQL's unit of work. config.Load refuses a timeline worker without MySQL;
// the check here keeps a worker that could only lose messages from starting.
func buildWriter(_ context.Context, _ config.Config, d *deps.Deps, _ *slog.Logger) (Writer, func(), error) {
	if d.MySQL == nil {
		return nil, nil, errors.New("no MySQL configured (CHII_MYSQL_DSN): chii_timeline cannot be written")
	}
	uc := usecase.TimelineWriter{UoW: mysqldb.NewUnitOfWork(d.MySQL)}
	return uc.Write, func() {}, nil
}
