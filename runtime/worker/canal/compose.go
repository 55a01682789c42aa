package canal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/bangumi/chii/adapters/meiliindex"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/adapters/s3store"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/backoff"
	"github.com/bangumi/chii/runtime/internal/buildinfo"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// Handlers are what the canal worker reacts to change events with; a nil one is not
// configured and its tables are left alone (acknowledged).
type Handlers struct {
	// Search keeps the search documents of SearchTables (Meilisearch's).
	Search SearchSyncer
	// Members reacts to chii_members updates (sessions, notifications, avatars).
	Members *MemberReactions
	// Answers is the shared tier of the servers' rendered answers; the changes of
	// InvalidateTables invalidate their tags in it.
	Answers ports.TaggedStore
	// Now stamps invalidations; nil: time.Now.
	Now func() time.Time
}

// Compose returns the canal worker's dispatcher for h: one batch handler for every table of
// a configured handler, which hands each batch's events to the search sync, then the member
// reactions, then the invalidation of cached answers (each with the events of its own
// tables; a table may feed several), stopping at the first error — the batch is then retried
// whole (every handler is idempotent), or, for an error of kind domain.ErrInvalid, handed
// over one message at a time by the consume loop to find the poison one. The invalidation
// runs last, so an answer rendered while a batch is handled is invalidated after it.
func Compose(h Handlers, logger *slog.Logger) *Dispatcher {
	var parts []batchPart
	if h.Search != nil {
		parts = append(parts, newBatchPart(SearchHandler(h.Search, logger), SearchTables...))
	}
	if h.Members != nil {
		parts = append(parts, newBatchPart(h.Members.Handler(), MembersTable))
	}
	if h.Answers != nil {
		parts = append(parts, newBatchPart(InvalidateHandler(h.Answers, h.Now, logger), InvalidateTables...))
	}
	disp := NewDispatcher(logger, map[string]TableHandler{})
	if len(parts) == 0 {
		return disp
	}
	var tables []string
	for _, p := range parts {
		for t := range p.tables {
			if !slices.Contains(tables, t) {
				tables = append(tables, t)
			}
		}
	}
	slices.Sort(tables)
	return disp.WithBatch(joinBatches(parts), tables...)
}

// batchPart is a batch handler and the tables whose events it takes.
type batchPart struct {
	tables map[string]bool
	h      BatchTableHandler
}

func newBatchPart(h BatchTableHandler, tables ...string) batchPart {
	p := batchPart{tables: map[string]bool{}, h: h}
	for _, t := range tables {
		p.tables[t] = true
	}
	return p
}

// joinBatches calls each part, in order, with the events of its tables (none: not called),
// and returns the first error.
func joinBatches(parts []batchPart) BatchTableHandler {
	return func(ctx context.Context, events []Event) error {
		for _, p := range parts {
			var mine []Event
			for _, e := range events {
				if p.tables[e.Table] {
					mine = append(mine, e)
				}
			}
			if len(mine) == 0 {
				continue
			}
			if err := p.h(ctx, mine); err != nil {
				return err
			}
		}
		return nil
	}
}

// buildHandlers is the canal worker's composition root: it opens what the configured
// handlers need and composes them (Compose).
//
//   - Search (SearchTables): with Meilisearch configured, SearchIndexer syncs its documents
//     from MySQL (d.MySQL, required then), and an index with no document is built in the
//     background (buildEmptyIndexes). Without it the search tables are not synced here: the
//     server keeps its embedded index itself.
//   - Cached answers (InvalidateTables): with Redis, the changes invalidate the servers'
//     shared tier of rendered answers (rediscache.TaggedStore under buildinfo.RedisPrefix,
//     which publishes to every instance).
//   - Member reactions (chii_members): with MySQL and Redis, sessions are revoked in
//     chii_os_web_sessions and Redis, notification counts published on Redis, and, with S3
//     configured (CHII_S3_*), resized avatars purged.
//
// What is not configured is said once at start. Every other table is acknowledged (logged at
// debug).
func buildHandlers(ctx context.Context, cfg config.Config, d *deps.Deps, logger *slog.Logger) (*Dispatcher, func(), error) {
	var h Handlers
	cleanup := func() {}
	if cfg.Meilisearch.URL == "" {
		logger.Info("canal: no Meilisearch (CHII_MEILISEARCH_URL): the search tables are left to the server's embedded index",
			"tables", SearchTables)
	} else {
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
		h.Search = indexer
		// The build stops with the worker, whether ctx ended or the consume loop failed.
		buildCtx, stopBuild := context.WithCancel(ctx)
		wait := buildEmptyIndexes(buildCtx, indexer, logger, 10*time.Second)
		cleanup = func() { stopBuild(); wait(); ix.Close() }
	}

	if d.Redis == nil {
		logger.Warn("canal: no Redis (CHII_REDIS_URL): cached answers are not invalidated and members' changes set nothing off",
			"tables", InvalidateTables)
	} else {
		h.Answers = rediscache.NewTaggedStore(d.Redis, buildinfo.RedisPrefix())
		logger.Info("canal: changes invalidate the servers' cached answers", "prefix", buildinfo.RedisPrefix(), "tables", InvalidateTables)
	}
	switch {
	case d.Redis == nil:
	case d.MySQL == nil:
		logger.Warn("canal: no MySQL (CHII_MYSQL_DSN): members' changes set nothing off (sessions live in MySQL)", "table", MembersTable)
	default:
		images, err := openImageStore(cfg, logger)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		h.Members = &MemberReactions{
			Sessions:     mysqldb.NewWebSessionRepository(d.MySQL),
			SessionCache: rediscache.NewWebSessionCache(d.Redis, ""),
			Notifier:     rediscache.NewUserNotifier(d.Redis, ""),
			Images:       images,
			Logger:       logger,
		}
	}
	return Compose(h, logger), cleanup, nil
}

// avatarPurgeTimeout bounds the purge of one avatar's resized copies (bangumi: 10 s).
const avatarPurgeTimeout = 10 * time.Second

// openImageStore returns the store of resized images, or nil (said once) when S3 is not
// configured.
func openImageStore(cfg config.Config, logger *slog.Logger) (ports.ImageStore, error) {
	if cfg.S3.EntryPoint == "" {
		logger.Info("canal: no S3 (CHII_S3_ENTRY_POINT): resized avatars are not purged when a member changes theirs")
		return nil, nil
	}
	s, err := s3store.New(s3store.Options{
		Endpoint: cfg.S3.EntryPoint, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey,
		Bucket: cfg.S3.ImageResizeBucket, Timeout: avatarPurgeTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 (CHII_S3_ENTRY_POINT): %w", err)
	}
	logger.Info("canal: avatar changes purge their resized copies", "s3", config.RedactURL(cfg.S3.EntryPoint),
		"bucket", cfg.S3.ImageResizeBucket)
	return s, nil
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
