package searchrt

import (
	"context"
	"log/slog"
	"time"

	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/backoff"
	"github.com/bangumi/chii/runtime/worker/canal"
)

// BuildMissing brings a server's embedded index up to the data, in the background of its
// start: every kind whose rebuild has not finished (a new directory, an in-memory index, an
// interrupted run) is rebuilt from its checkpoint, with a progress line per kind every
// logEvery. A failing rebuild is retried with backoff until ctx ends; meanwhile search
// answers from what is indexed so far.
func BuildMissing(ctx context.Context, eng *Engine, ix *usecase.SearchIndexer, logger *slog.Logger, logEvery time.Duration) {
	var cps *Checkpoints
	if eng.Dir != "" {
		cps = &Checkpoints{Dir: eng.Dir}
	}
	for _, kind := range search.Kinds {
		if cps != nil {
			cp, err := cps.Load(kind)
			if err != nil {
				logger.Warn("search: unreadable checkpoint, rebuilding from the start", "index", kind.String(), "err", err.Error())
				_ = cps.Reset(kind)
			} else if cp.Done {
				// Finished, unless the index lost its documents since (a kind's directory
				// removed, or recreated by a new schema version).
				if n, err := eng.Index.Count(ctx, kind); err != nil || n > 0 || cp.Max == 0 {
					continue
				}
				logger.Info("search: index finished before but empty now, rebuilding", "index", kind.String())
			}
		}
		var b backoff.Backoff
		for {
			start := time.Now()
			report, _ := reporter(kind, ReindexOptions{LogEvery: logEvery}, logger)
			err := Rebuild(ctx, ix, kind, cps, 1000, report)
			if err == nil {
				n, _ := eng.Index.Count(ctx, kind)
				logger.Info("search: index built", "index", kind.String(), "documents", n,
					"seconds", time.Since(start).Round(time.Millisecond).Seconds())
				break
			}
			if ctx.Err() != nil {
				return
			}
			delay := b.Next()
			logger.Warn("search: building the index failed, retrying", "index", kind.String(), "err", err.Error(), "retry_in", delay.String())
			if !backoff.Sleep(ctx, delay) {
				return
			}
		}
	}
}

// Follow keeps an embedded index current with the change events of cfg.Search.Topics, as the
// server's own consumer group (cfg.Search.GroupID): every instance sees every event. It
// returns when ctx ends.
func Follow(ctx context.Context, cfg config.Config, ix *usecase.SearchIndexer, logger *slog.Logger) {
	var b backoff.Backoff
	for {
		err := canal.ServeSearch(ctx, cfg, cfg.Search.Topics, cfg.Search.GroupID, ix, logger.With("consumer", "search"))
		if ctx.Err() != nil {
			return
		}
		delay := b.Next()
		msg := "<nil>"
		if err != nil {
			msg = err.Error()
		}
		logger.Warn("search: following the change topics stopped, retrying", "err", msg, "retry_in", delay.String())
		if !backoff.Sleep(ctx, delay) {
			return
		}
	}
}
