package cli

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/searchrt"
)

// reindexCommand is `chii search reindex [-batch N] [-restart] [kinds...]`.
func reindexCommand(fs *flag.FlagSet, stderr io.Writer) (func([]string) error, runArgs) {
	batch := fs.Int("batch", 1000, "ids per batch (one read and one index write each)")
	restart := fs.Bool("restart", false, "ignore the checkpoints of an interrupted run: start from the first id")
	check := func(args []string) error {
		_, err := searchrt.ParseKinds(args)
		return err
	}
	run := func(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string) error {
		kinds, err := searchrt.ParseKinds(args)
		if err != nil {
			return err
		}
		o := searchrt.ReindexOptions{Kinds: kinds, Batch: *batch, Restart: *restart}
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			o.Bar = stderr
		}
		return searchrt.Reindex(ctx, cfg, logger, o)
	}
	return check, run
}
