package canal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bangumi/chii/adapters/meiliindex"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/backoff"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// buildHandlers is the canal worker's composition root: it maps
// source.table to the handler that reacts to changes of that table.
//
//   - Search (chii_subjects, chii_subject_fields, chii_characters, chii_persons): with
//     Meilisearch configured, the batched SearchHandler syncs its documents from MySQL
//     (d.MySQL, required then), and an index with no document is built in the background
//     (buildEmptyIndexes). Without it the search tables are not handled here: the server
//     keeps its embedded index itself.
//   - The member reactions (chii_members → session revoke, Redis PUBLISH, avatar purge;
//     d.MySQL, d.Redis) are registered here when they are written.
//
// Every other table is acknowledged (logged at debug).
func buildHandlers(ctx context.Context, cfg config.Config, d *deps.Deps, logger *slog.Logger) (*Dispatcher, func(), error) {
	disp := NewDispatcher(logger, map[string]TableHandler{})
	if cfg.Meilisearch.URL == "" {
		logger.Info("canal: no Meilisearch (CHII_MEILISEARCH_URL): the search tables are left to the server's embedded index",
			"tables", SearchTables)
		return disp, func() {}, nil
	}
	if d.MySQL == nil {
		return nil, nil, errors.New("search: Meilisearch is configured but MySQL is not (CHII_MYSQL_DSN): the documents are read from MySQL")
	}
	ix, err := openMeilisearch(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	indexer := &usecase.SearchIndexer{
		Index:      ix,
		Subjects:   mysqldb.NewSubjectRepository(d.MySQL),
		Characters: mysqldb.NewCharacterRepository(d.MySQL),
		Persons:    mysqldb.NewPersonRepository(d.MySQL),
	}
	disp.WithBatch(SearchHandler(indexer, logger), SearchTables...)
	// The build stops with the worker, whether ctx ended or the consume loop failed.
	buildCtx, stopBuild := context.WithCancel(ctx)
	wait := buildEmptyIndexes(buildCtx, indexer, logger, 10*time.Second)
	return disp, func() { stopBuild(); wait(); ix.Close() }, nil
}

// buildEmptyIndexes is bangumi's first run (search spec §6): in the background, every kind
// whose index holds no document is filled by a walk of every id (SearchIndexer.Reindex),
// retried with backoff when it fails, with a progress line every logEvery. It stops when ctx
// ends; wait returns once it has. Change events are handled meanwhile: both write documents
// read from MySQL, so the index converges (a walk's write may land after an event's write of
// a newer row state; the row's next change repairs it, as with bangumi's worker).
func buildEmptyIndexes(ctx context.Context, x *usecase.SearchIndexer, logger *slog.Logger, logEvery time.Duration) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, kind := range search.Kinds {
			buildIfEmpty(ctx, x, kind, logger, logEvery)
			if ctx.Err() != nil {
				return
			}
		}
	}()
	return func() { <-done }
}

func buildIfEmpty(ctx context.Context, x *usecase.SearchIndexer, kind search.Kind, logger *slog.Logger, logEvery time.Duration) {
	bo := backoff.Backoff{Min: time.Second, Max: time.Minute}
	retry := func(what string, after uint32, err error) bool {
		if ctx.Err() != nil {
			return false
		}
		wait := bo.Next()
		logger.Warn("canal: "+what+" failed; retrying", "index", kind.String(), "after_id", after,
			"err", err.Error(), "retry_in", wait.Round(time.Millisecond).String())
		return backoff.Sleep(ctx, wait)
	}
	for {
		n, err := x.Index.Count(ctx, kind)
		if err == nil {
			if n > 0 {
				return // built before: not a first run
			}
			break
		}
		if !retry("counting the search index's documents", 0, err) {
			return
		}
	}
	logger.Info("canal: search index is empty, building it from MySQL", "index", kind.String())
	start, lastLog := time.Now(), time.Now()
	var last uint32
	for {
		var err error
		last, err = x.Reindex(ctx, kind, last, usecase.DefaultReindexBatch, func(done, max uint32) {
			if time.Since(lastLog) >= logEvery {
				lastLog = time.Now()
				logger.Info("canal: building search index", "index", kind.String(), "id", done, "max_id", max)
			}
		})
		if err == nil {
			n, _ := x.Index.Count(ctx, kind)
			logger.Info("canal: search index built", "index", kind.String(), "documents", n, "max_id", last,
				"seconds", time.Since(start).Round(time.Millisecond).Seconds())
			return
		}
		if !retry("building the search index", last, err) {
			return
		}
	}
}

// openMeilisearch connects to Meilisearch and makes sure bangumi's indexes exist with their
// settings. While Meilisearch is unavailable it logs and retries with backoff (the events
// wait in Kafka meanwhile); any other error (a wrong key, an index with another primary key)
// is returned, and so is ctx's end.
func openMeilisearch(ctx context.Context, cfg config.Config, logger *slog.Logger) (*meiliindex.Index, error) {
	bo := backoff.Backoff{Min: time.Second, Max: 30 * time.Second}
	for {
		ix, err := meiliindex.New(ctx, meiliindex.Options{URL: cfg.Meilisearch.URL, Key: cfg.Meilisearch.Key, Timeout: cfg.Meilisearch.Timeout})
		if err == nil {
			if err = ix.EnsureIndexes(ctx); err == nil {
				logger.Info("canal: search tables sync Meilisearch", "url", config.RedactURL(cfg.Meilisearch.URL), "tables", SearchTables)
				return ix, nil
			}
			ix.Close()
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errors.Is(err, domain.ErrUnavailable) {
			return nil, fmt.Errorf("search: Meilisearch at %s: %w", config.RedactURL(cfg.Meilisearch.URL), err)
		}
		wait := bo.Next()
		logger.Warn("canal: Meilisearch unavailable; retrying", "url", config.RedactURL(cfg.Meilisearch.URL),
			"err", err.Error(), "retry_in", wait.Round(time.Millisecond).String())
		if !backoff.Sleep(ctx, wait) {
			return nil, ctx.Err()
		}
	}
}
