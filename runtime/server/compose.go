package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/demo"
	"github.com/bangumi/chii/runtime/internal/backoff"
	"github.com/bangumi/chii/runtime/internal/buildinfo"
	"github.com/bangumi/chii/runtime/internal/deps"
	"github.com/bangumi/chii/runtime/searchrt"
)

// Adapters are the ports the API is composed of. Cache, RateLimiter and Timeline may be nil
// (no caching, no limiting, no timeline messages).
type Adapters struct {
	Subjects           ports.SubjectRepository
	Characters         ports.CharacterRepository
	Persons            ports.PersonRepository
	Links              ports.LinkRepository
	Users              ports.UserRepository
	Tokens             ports.TokenRepository
	SubjectCollections ports.SubjectCollectionRepository
	MonoCollects       ports.MonoCollectReader
	Indices            ports.IndexRepository
	Episodes           ports.EpisodeRepository
	Revisions          ports.RevisionRepository
	Browser            ports.SubjectBrowser
	UnitOfWork         ports.UnitOfWork

	Cache       ports.Cache
	RateLimiter ports.RateLimiter
	Timeline    ports.TimelinePublisher
	// Responses keeps rendered answers; nil renders every request.
	Responses *httpapi.ResponseCache
	// Search answers /v0/search; nil answers bangumi's "search is not enable".
	Search ports.SearchIndex
	// Changes is told about writes through the API besides Responses (the embedded search
	// index follows them); nil: no one else.
	Changes ports.ChangeNotifier
}

// MySQLAdapters returns the repositories and unit of work on bangumi's MySQL database.
func MySQLAdapters(db *sql.DB) Adapters {
	return Adapters{
		Subjects:           mysqldb.NewSubjectRepository(db),
		Characters:         mysqldb.NewCharacterRepository(db),
		Persons:            mysqldb.NewPersonRepository(db),
		Links:              mysqldb.NewLinkRepository(db),
		Users:              mysqldb.NewUserRepository(db),
		Tokens:             mysqldb.NewTokenRepository(db),
		SubjectCollections: mysqldb.NewSubjectCollectionRepository(db),
		MonoCollects:       mysqldb.NewMonoCollectRepository(db),
		Indices:            mysqldb.NewIndexRepository(db),
		Episodes:           mysqldb.NewEpisodeRepository(db),
		Revisions:          mysqldb.NewRevisionRepository(db),
		Browser:            mysqldb.NewSubjectBrowser(db),
		UnitOfWork:         mysqldb.NewUnitOfWork(db),
	}
}

// MemoryAdapters returns the repositories and unit of work of an in-memory store.
func MemoryAdapters(s *inmem.Store) Adapters {
	return Adapters{
		Subjects:           s.Subjects(),
		Characters:         s.Characters(),
		Persons:            s.Persons(),
		Links:              s.Links(),
		Users:              s.Users(),
		Tokens:             s.Tokens(),
		SubjectCollections: s.SubjectCollections(),
		MonoCollects:       s.MonoCollects(),
		Indices:            s.Indices(),
		Episodes:           s.Episodes(),
		Revisions:          s.Revisions(),
		Browser:            s.Browser(),
		UnitOfWork:         s.UnitOfWork(),
	}
}

// APIOptions are the HTTP adapter's settings.
type APIOptions struct {
	Logger          *slog.Logger
	Version         string // x-server-version
	RateLimitPrefix string
	// TrustedProxies are the peers whose Cf-Connecting-Ip / X-Forwarded-For headers name the
	// client that is rate-limited (D14, CHII_TRUSTED_PROXIES); empty: trust none.
	TrustedProxies []netip.Prefix
	// Metrics receives the adapter's counters (exported on the internal listener); nil keeps
	// them private. Without Metrics.Routes the answers are observed by a requestMetrics of
	// their own, so the request path is the same whether it is exported or not.
	Metrics *httpapi.Metrics
	// DatabaseSlots bounds the requests of one route family using the database at once
	// (httpapi.Deps.DatabaseSlots); 0: no bound.
	DatabaseSlots int
}

// NewAPI composes the use cases on a and returns the /v0 handler. With a response cache the
// subject use case keeps no cache of its own: the rendered answers are the cache, and only
// they follow invalidations.
func NewAPI(a Adapters, o APIOptions) http.Handler {
	if o.Metrics == nil {
		o.Metrics = &httpapi.Metrics{}
	}
	if o.Metrics.Routes == nil {
		o.Metrics.Routes = newRequestMetrics()
	}
	subjectCache := a.Cache
	var notify fanout
	if a.Responses != nil {
		subjectCache = nil
		notify = append(notify, a.Responses)
	}
	if a.Changes != nil {
		notify = append(notify, a.Changes)
	}
	var changes ports.ChangeNotifier
	if len(notify) > 0 {
		changes = notify
	}
	var searchUC *usecase.Search
	if a.Search != nil {
		searchUC = &usecase.Search{Index: a.Search, Subjects: a.Subjects, Characters: a.Characters, Persons: a.Persons}
	}
	return httpapi.New(httpapi.Deps{
		Search: searchUC,
		Subjects: &usecase.Subjects{
			Subjects: a.Subjects, Characters: a.Characters, Persons: a.Persons, Links: a.Links, Cache: subjectCache,
		},
		Characters: &usecase.Characters{Subjects: a.Subjects, Characters: a.Characters, Persons: a.Persons, Links: a.Links},
		Persons:    &usecase.Persons{Subjects: a.Subjects, Characters: a.Characters, Persons: a.Persons, Links: a.Links},
		Revisions:  &usecase.Revisions{Revisions: a.Revisions},
		Browse:     &usecase.Browse{Browser: a.Browser},
		Collections: &usecase.Collections{
			Users: a.Users, Subjects: a.Subjects, Characters: a.Characters, Persons: a.Persons,
			Collections: a.SubjectCollections, Monos: a.MonoCollects,
		},
		Collect: &usecase.Collect{
			Characters: a.Characters, Persons: a.Persons, UoW: a.UnitOfWork, Timeline: a.Timeline, Changes: changes,
		},
		Responses:     a.Responses,
		Authenticator: &usecase.Authenticator{Tokens: a.Tokens, Users: a.Users, Cache: a.Cache},
		Users:         &usecase.Users{Users: a.Users},
		Indices:       &usecase.Indices{Indices: a.Indices, UoW: a.UnitOfWork, Subjects: a.Subjects},
		Episodes:      &usecase.Episodes{Episodes: a.Episodes, Subjects: a.Subjects},
		CollectionWrites: &usecase.CollectionWrites{
			Subjects: a.Subjects, Episodes: a.Episodes, UoW: a.UnitOfWork, Timeline: a.Timeline, Changes: changes,
		},
		RateLimiter:     a.RateLimiter,
		RateLimitPrefix: o.RateLimitPrefix,
		TrustedProxies:  o.TrustedProxies,
		Logger:          o.Logger,
		Version:         o.Version,
		Metrics:         o.Metrics,
		DatabaseSlots:   o.DatabaseSlots,
	})
}

// fanout tells every notifier of a change, in order.
type fanout []ports.ChangeNotifier

func (f fanout) Changed(ctx context.Context, changes ...ports.Change) {
	for _, n := range f {
		n.Changed(ctx, changes...)
	}
}

// followInvalidations keeps the response cache subscribed to the invalidations of the shared
// tier until ctx ends, retrying with backoff while Redis cannot be reached (meanwhile the
// in-process answers are bounded by their TTL).
func followInvalidations(ctx context.Context, rc *httpapi.ResponseCache, logger *slog.Logger) {
	var b backoff.Backoff
	for {
		err := rc.Run(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		delay := b.Next()
		logger.Warn("response cache: cannot follow invalidations, retrying", "err", err.Error(), "retry_in", delay.String())
		if !backoff.Sleep(ctx, delay) {
			return
		}
	}
}

// logCacheStats logs the response cache's figures every interval until ctx ends (they are
// also logged once when the server stops, and exported on the internal listener's /metrics).
func logCacheStats(ctx context.Context, rc *httpapi.ResponseCache, logger *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			logger.Info("response cache", "cache", rc)
		}
	}
}

// Version is the build's version: the main module's version, or its VCS revision, or "dev".
func Version() string { return buildinfo.Version() }

// composedAPI is what buildAPI composes: the /v0 handler, the counters and the response cache
// it feeds (exported by the internal listener), and the release of what it opened.
type composedAPI struct {
	handler   http.Handler
	metrics   *httpapi.Metrics
	responses *httpapi.ResponseCache
	timeline  interface{ Failures() uint64 } // nil: no publisher, or one that counts nothing
	close     func()
}

// buildAPI is the server's composition root: the /v0 API handler from the configured
// dependencies. d.MySQL == nil means demo mode (in-memory adapters seeded with the demo
// dataset). Redis, when configured, holds the caches and the rate limiter; otherwise they
// are process-local. Kafka brokers, when configured, receive timeline messages.
// The result's close releases what buildAPI opened; /healthz and /readyz are mounted in
// front of the handler by Run.
func buildAPI(ctx context.Context, cfg config.Config, d *deps.Deps, logger *slog.Logger) (composedAPI, error) {
	version := Version()
	var a Adapters
	if d.MySQL != nil {
		a = MySQLAdapters(d.MySQL)
	} else {
		store := inmem.NewStore()
		demo.Seed(store, time.Now())
		a = MemoryAdapters(store)
	}

	rc := httpapi.ResponseCacheOptions{
		MaxBytes: uint64(cfg.ResponseCache.MaxBytes), LocalTTL: cfg.ResponseCache.LocalTTL,
		SharedTTL: cfg.ResponseCache.SharedTTL, Logger: logger,
	}
	if d.Redis != nil {
		a.Cache = rediscache.NewCache(d.Redis, buildinfo.RedisPrefix())
		a.RateLimiter = rediscache.NewRateLimiter(d.Redis, "", cfg.RateLimit.Window, cfg.RateLimit.Count, cfg.RateLimit.LongTime)
		rc.Shared = rediscache.NewTaggedStore(d.Redis, buildinfo.RedisPrefix())
	} else {
		a.Cache = inmem.NewCache(nil)
		a.RateLimiter = inmem.NewRateLimiter(cfg.RateLimit.Window, cfg.RateLimit.Count, cfg.RateLimit.LongTime, nil)
	}

	a.Responses = httpapi.NewResponseCache(rc)
	go followInvalidations(ctx, a.Responses, logger)
	go logCacheStats(ctx, a.Responses, logger, time.Minute)

	responses := a.Responses
	cleanup := func() { logger.Info("response cache", "cache", responses) }
	switch {
	case len(cfg.Kafka.Brokers) > 0:
		pub, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: cfg.Kafka.Brokers, Topic: cfg.TimelineTopic}, logger)
		if err != nil {
			return composedAPI{}, fmt.Errorf("timeline publisher: %w", err)
		}
		a.Timeline = pub
		cleanup = func() {
			logger.Info("response cache", "cache", responses)
			if err := pub.Close(); err != nil {
				logger.Warn("closing the timeline publisher", "err", err.Error())
			}
		}
		logger.Info("timeline messages go to Kafka", "brokers", strings.Join(cfg.Kafka.Brokers, ","), "topic", cfg.TimelineTopic)
	case d.MySQL == nil:
		a.Timeline = inmem.NewTimelinePublisher()
	default:
		logger.Warn("CHII_KAFKA_BROKERS is not set: collects publish no timeline messages")
	}

	eng, err := searchrt.Open(ctx, cfg, logger)
	if err != nil {
		cleanup()
		return composedAPI{}, err
	}
	a.Search = eng.Index
	if eng.Embedded {
		// This process owns the embedded index: it builds what is missing, follows writes made
		// through this API, and follows the change topics when configured (searchrt.Follow).
		indexer := &usecase.SearchIndexer{
			Index: eng.Index, Subjects: a.Subjects, Characters: a.Characters, Persons: a.Persons,
			OnError: func(err error) { logger.Warn("search: index not updated after a write", "err", err.Error()) },
		}
		a.Changes = indexer
		if d.MySQL == nil {
			searchrt.BuildMissing(ctx, eng, indexer, logger, 10*time.Second) // the demo dataset: at once
		} else {
			go searchrt.BuildMissing(ctx, eng, indexer, logger, 10*time.Second)
		}
		if len(cfg.Search.Topics) > 0 {
			go searchrt.Follow(ctx, cfg, indexer, logger)
		}
	}
	closeAPI := cleanup
	cleanup = func() {
		closeAPI()
		eng.Close()
	}

	// Half the pool per family of routes: a locked table leaves the other half to the others.
	slots := 0
	if d.MySQL != nil && cfg.MySQL.MaxOpenConns > 1 {
		slots = cfg.MySQL.MaxOpenConns / 2
	}
	metrics := &httpapi.Metrics{Routes: newRequestMetrics()}
	handler := NewAPI(a, APIOptions{
		Logger: logger, Version: version, TrustedProxies: cfg.TrustedProxies, Metrics: metrics, DatabaseSlots: slots,
	})
	api := composedAPI{handler: handler, metrics: metrics, responses: responses, close: cleanup}
	api.timeline, _ = a.Timeline.(interface{ Failures() uint64 })
	return api, nil
}
