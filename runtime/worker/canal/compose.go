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
//     (d.MySQL, required then). Without it the search tables are not handled here: the
//     server keeps its embedded index itself.
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
	return disp, ix.Close, nil
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
