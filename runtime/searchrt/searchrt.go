// Package searchrt composes search for chii's processes: it opens the configured index (the
// embedded one by default, Meilisearch when CHII_MEILISEARCH_URL is set) and rebuilds an index
// from MySQL in resumable steps, for `chii search reindex` and for a server whose embedded
// index is new or unfinished.
package searchrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/adapters/meiliindex"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/config"
)

// Engine is the configured search index.
type Engine struct {
	Index ports.SearchIndex
	// Embedded is true for the embedded index: this process owns it and keeps it current.
	Embedded bool
	// Dir is the embedded index's directory ("" in memory or for Meilisearch); the rebuild's
	// checkpoints live there.
	Dir   string
	close func()
}

// Close releases the index.
func (e *Engine) Close() {
	if e != nil && e.close != nil {
		e.close()
	}
}

// Open opens Meilisearch when cfg names it (checking that it answers and that bangumi's
// indexes exist with their settings, as bangumi's worker does), else the embedded index in
// cfg.Search.Dir (in memory when empty).
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Engine, error) {
	if cfg.Meilisearch.URL != "" {
		ix, err := meiliindex.New(ctx, meiliindex.Options{URL: cfg.Meilisearch.URL, Key: cfg.Meilisearch.Key, Timeout: cfg.Meilisearch.Timeout})
		if err != nil {
			return nil, fmt.Errorf("search: Meilisearch: %w", err)
		}
		if err := ix.EnsureIndexes(ctx); err != nil {
			ix.Close()
			return nil, fmt.Errorf("search: Meilisearch indexes: %w", err)
		}
		logger.Info("search: Meilisearch", "url", config.RedactURL(cfg.Meilisearch.URL))
		return &Engine{Index: ix, close: ix.Close}, nil
	}
	ix, err := bleveindex.Open(cfg.Search.Dir)
	if err != nil {
		return nil, fmt.Errorf("search: embedded index: %w", err)
	}
	where := cfg.Search.Dir
	if where == "" {
		where = "memory"
	}
	logger.Info("search: embedded index", "dir", where)
	return &Engine{Index: ix, Embedded: true, Dir: cfg.Search.Dir, close: func() {
		if err := ix.Close(); err != nil {
			logger.Warn("search: closing the embedded index", "err", err.Error())
		}
	}}, nil
}

// Checkpoint is how far a rebuild of one kind got: every id up to Last is written. A finished
// rebuild has Done set.
type Checkpoint struct {
	Kind    string    `json:"kind"`
	Last    uint32    `json:"last"`
	Max     uint32    `json:"max"`
	Done    bool      `json:"done"`
	Updated time.Time `json:"updated"`
}

// Checkpoints stores rebuild checkpoints as small JSON files in a directory.
type Checkpoints struct{ Dir string }

func (c Checkpoints) path(kind search.Kind) string {
	return filepath.Join(c.Dir, "reindex-"+kind.String()+".json")
}

// Load returns the stored checkpoint of kind; a missing one is the zero checkpoint.
func (c Checkpoints) Load(kind search.Kind) (Checkpoint, error) {
	b, err := os.ReadFile(c.path(kind))
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{Kind: kind.String()}, nil
	}
	if err != nil {
		return Checkpoint{}, err
	}
	var cp Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint %s: %w", c.path(kind), err)
	}
	return cp, nil
}

// Save writes cp atomically (a crash leaves the old or the new file, never half of one).
func (c Checkpoints) Save(cp Checkpoint) error {
	kind, ok := search.ParseKind(cp.Kind)
	if !ok {
		return fmt.Errorf("checkpoint of unknown kind %q", cp.Kind)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.Dir, ".reindex-*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.path(kind))
}

// Reset forgets the checkpoint of kind.
func (c Checkpoints) Reset(kind search.Kind) error {
	err := os.Remove(c.path(kind))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Progress is told how far a rebuild is after each batch.
type Progress func(kind search.Kind, done, max uint32)

// Rebuild writes every document of kind from the repositories into the index, from the id
// after the stored checkpoint (nil cps: from the start), saving the checkpoint after each
// batch so that an interrupted rebuild resumes where it stopped. A finished rebuild marks its
// checkpoint done; a rebuild of a kind whose checkpoint is done starts over.
func Rebuild(ctx context.Context, ix *usecase.SearchIndexer, kind search.Kind, cps *Checkpoints, batch int, progress Progress) error {
	var cp Checkpoint
	if cps != nil {
		var err error
		if cp, err = cps.Load(kind); err != nil {
			return err
		}
	}
	from := cp.Last
	if cp.Done {
		from = 0
	}
	var saveErr error
	last, err := ix.Reindex(ctx, kind, from, batch, func(done, max uint32) {
		if cps != nil && saveErr == nil {
			saveErr = cps.Save(Checkpoint{Kind: kind.String(), Last: done, Max: max, Updated: time.Now().UTC()})
		}
		if progress != nil {
			progress(kind, done, max)
		}
	})
	if err != nil {
		return fmt.Errorf("reindex %s after id %d: %w", kind, last, err)
	}
	if saveErr != nil {
		return fmt.Errorf("reindex %s: saving the checkpoint: %w", kind, saveErr)
	}
	if cps != nil {
		return cps.Save(Checkpoint{Kind: kind.String(), Last: last, Max: last, Done: true, Updated: time.Now().UTC()})
	}
	return nil
}
