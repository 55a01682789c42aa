package searchrt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// ReindexOptions are the settings of `chii search reindex`.
type ReindexOptions struct {
	Kinds []search.Kind // empty: every kind
	Batch int           // ids per batch; 0: 1000
	// Restart ignores the checkpoints: every kind starts from the first id.
	Restart bool
	// Bar, when set, receives a progress bar (a terminal); otherwise progress is logged
	// every LogEvery (0: 10s).
	Bar      io.Writer
	LogEvery time.Duration
	// StateDir holds the checkpoints of a Meilisearch rebuild; "" is the user's cache
	// directory. An embedded index keeps its checkpoints in its own directory.
	StateDir string
}

// pingTimeout bounds the check that MySQL answers before the rebuild starts: a server that
// accepts connections and never answers would otherwise hang the command for ever.
const pingTimeout = 10 * time.Second

// ParseKinds reads the command's arguments: subjects, characters, persons; none means all.
func ParseKinds(args []string) ([]search.Kind, error) {
	if len(args) == 0 {
		return search.Kinds, nil
	}
	var out []search.Kind
	seen := map[search.Kind]bool{}
	for _, a := range args {
		k, ok := search.ParseKind(a)
		if !ok {
			return nil, fmt.Errorf("unknown index %q: want subjects, characters or persons", a)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// Reindex is `chii search reindex`: it writes every subject, character and person of MySQL
// (or the kinds named) into the configured index in batches, saving a checkpoint after each,
// so that an interrupted run resumes where it stopped when run again. It returns an error,
// and the command exits non-zero, when any kind could not be finished.
func Reindex(ctx context.Context, cfg config.Config, logger *slog.Logger, o ReindexOptions) error {
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.LogEvery <= 0 {
		o.LogEvery = 10 * time.Second
	}
	if len(o.Kinds) == 0 {
		o.Kinds = search.Kinds
	}
	d, err := deps.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.MySQL == nil {
		return fmt.Errorf("reindex: no MySQL configured (CHII_MYSQL_DSN)")
	}
	pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	err = d.MySQL.PingContext(pingCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("reindex: MySQL does not answer: %w", err)
	}
	eng, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer eng.Close()

	stateDir := eng.Dir
	if !eng.Embedded {
		stateDir, err = meiliStateDir(o.StateDir, cfg.Meilisearch.URL)
		if err != nil {
			return err
		}
	}
	cps := &Checkpoints{Dir: stateDir}
	ix := &usecase.SearchIndexer{
		Index:      eng.Index,
		Subjects:   mysqldb.NewSubjectRepository(d.MySQL),
		Characters: mysqldb.NewCharacterRepository(d.MySQL),
		Persons:    mysqldb.NewPersonRepository(d.MySQL),
	}
	for _, kind := range o.Kinds {
		if o.Restart {
			if err := cps.Reset(kind); err != nil {
				return fmt.Errorf("reindex %s: %w", kind, err)
			}
		}
		cp, err := cps.Load(kind)
		if err != nil {
			return err
		}
		if !cp.Done && cp.Last > 0 {
			logger.Info("reindex: resuming from the checkpoint", "index", kind.String(), "after_id", cp.Last, "checkpoint", cps.path(kind))
		}
		start := time.Now()
		first := cp.Last
		if cp.Done {
			first = 0
		}
		report, finish := reporter(kind, o, logger)
		err = Rebuild(ctx, ix, kind, cps, o.Batch, report)
		finish()
		if err != nil {
			return err
		}
		n, _ := eng.Index.Count(ctx, kind)
		elapsed := time.Since(start)
		logger.Info("reindex: done", "index", kind.String(), "from_id", first+1, "documents", n,
			"seconds", fmt.Sprintf("%.1f", elapsed.Seconds()))
	}
	return nil
}

// reporter shows progress as a bar on a terminal, or as a log line every o.LogEvery.
func reporter(kind search.Kind, o ReindexOptions, logger *slog.Logger) (Progress, func()) {
	if o.Bar != nil {
		var bar *progressbar.ProgressBar
		return func(_ search.Kind, done, max uint32) {
				if bar == nil {
					bar = progressbar.NewOptions64(int64(max),
						progressbar.OptionSetWriter(o.Bar),
						progressbar.OptionSetDescription("reindex "+kind.String()),
						progressbar.OptionShowCount(),
						progressbar.OptionSetItsString("ids"),
						progressbar.OptionShowIts(),
						progressbar.OptionThrottle(100*time.Millisecond),
						progressbar.OptionOnCompletion(func() { fmt.Fprintln(o.Bar) }),
					)
				}
				if int64(max) != bar.GetMax64() {
					bar.ChangeMax64(int64(max))
				}
				_ = bar.Set64(int64(done))
			}, func() {
				if bar != nil {
					_ = bar.Finish()
				}
			}
	}
	var last time.Time
	return func(_ search.Kind, done, max uint32) {
		if time.Since(last) < o.LogEvery && done < max {
			return
		}
		last = time.Now()
		pct := 100.0
		if max > 0 {
			pct = float64(done) * 100 / float64(max)
		}
		logger.Info("reindex: progress", "index", kind.String(), "id", done, "max_id", max, "percent", fmt.Sprintf("%.1f", pct))
	}, func() {}
}

// meiliStateDir is where the checkpoints of a Meilisearch rebuild live: one directory per
// Meilisearch URL, so two deployments never share one.
func meiliStateDir(dir, url string) (string, error) {
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("reindex: no directory for checkpoints (set HOME or XDG_CACHE_HOME): %w", err)
		}
		dir = filepath.Join(cache, "chii")
	}
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(dir, "reindex-meilisearch-"+hex.EncodeToString(sum[:6])), nil
}
