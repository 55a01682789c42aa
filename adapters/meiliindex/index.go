// Package meiliindex is the ports.SearchIndex on Meilisearch: bangumi's three indexes
// (subjects, characters, persons; primary key id) with bangumi's settings (search spec §5),
// written with whole documents (decision D4) and queried with bangumi's filter strings.
//
// Every write waits for its Meilisearch task, so a nil error means the change is visible to
// Search. Connection failures, timeouts, 5xx and 429 answers wrap domain.ErrUnavailable, so the
// API answers 503 rather than 500 while Meilisearch is down.
package meiliindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/ports"
)

var _ ports.SearchIndex = (*Index)(nil)

// Defaults of Options.
const (
	DefaultTimeout     = 2 * time.Second  // bangumi's MEILISEARCH_REQUEST_TIMEOUT
	DefaultTaskTimeout = 30 * time.Second // a write's wait for its task
)

// Options configure an Index.
type Options struct {
	URL string // e.g. http://127.0.0.1:7700
	Key string // API key (or master key); "" for none
	// Timeout bounds one HTTP request (default 2 s, as bangumi's MEILISEARCH_REQUEST_TIMEOUT).
	Timeout time.Duration
	// TaskTimeout bounds how long a write waits for Meilisearch to process its task (default
	// 30 s); the caller's context bounds it too.
	TaskTimeout time.Duration
	// IndexPrefix is put before every index uid: "" uses bangumi's names (subjects,
	// characters, persons); tests use a prefix of their own so they never touch a real index.
	IndexPrefix string
}

// Index is a ports.SearchIndex on a Meilisearch server.
type Index struct {
	client      meilisearch.ServiceManager
	prefix      string
	taskTimeout time.Duration
}

// New connects to Meilisearch and asks for its version (as bangumi's server does at start-up),
// so a wrong URL or key fails here with an error naming the URL, not at the first search.
// It does not create or configure the indexes: see EnsureIndexes.
func New(ctx context.Context, o Options) (*Index, error) {
	if o.URL == "" {
		return nil, errors.New("meiliindex: no URL")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.TaskTimeout <= 0 {
		o.TaskTimeout = DefaultTaskTimeout
	}
	opts := []meilisearch.Option{
		meilisearch.WithCustomClient(&http.Client{Timeout: o.Timeout}),
		// No retries with backoff inside a request (the client's default waits 1 s, 2 s,
		// 3 s on 502/503/504): a request fails within Timeout and answers 503; the caller
		// (a consume loop, a client) retries.
		meilisearch.DisableRetries(),
		meilisearch.WithCustomJsonMarshaler(marshal),
	}
	if o.Key != "" {
		opts = append(opts, meilisearch.WithAPIKey(o.Key))
	}
	ix := &Index{
		client:      meilisearch.New(o.URL, opts...),
		prefix:      o.IndexPrefix,
		taskTimeout: o.TaskTimeout,
	}
	if _, err := ix.client.Version(ctx); err != nil {
		ix.Close()
		return nil, classify("ping Meilisearch at "+o.URL+" (GET /version)", err)
	}
	return ix, nil
}

// marshal is json.Marshal without HTML escaping: filters read `date >= 20080101`, not
// `date \u003e= 20080101` (the same JSON, but what an operator sees in a request log).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Ping asks Meilisearch for its version (which needs the key when the server has one).
func (ix *Index) Ping(ctx context.Context) error {
	if _, err := ix.client.Version(ctx); err != nil {
		return classify("version", err)
	}
	return nil
}

// Close releases the idle connections.
func (ix *Index) Close() { ix.client.Close() }

// UID is the Meilisearch index uid of kind: the prefix, then bangumi's name.
func (ix *Index) UID(kind search.Kind) string { return ix.prefix + kind.String() }

// settings are bangumi's index settings (search spec §5): the attribute lists in the order of
// the document's fields, and the ranking rules.
var settings = map[search.Kind]meilisearch.Settings{
	search.KindSubject: {
		SearchableAttributes: []string{"name", "aliases"},
		FilterableAttributes: []string{"tag", "meta_tag", "date", "score", "rating_count", "rank", "type", "nsfw"},
		SortableAttributes:   []string{"date", "score", "rating_count", "page_rank", "heat", "rank"},
		RankingRules: []string{"exactness", "words", "typo", "proximity", "attribute", "sort",
			"id:asc", "rank:asc", "score:desc", "nsfw:asc"},
	},
	search.KindCharacter: {
		SearchableAttributes: []string{"name", "aliases"},
		FilterableAttributes: []string{"nsfw"},
		SortableAttributes:   []string{"comment", "collect"},
		RankingRules: []string{"exactness", "words", "typo", "proximity", "attribute", "sort",
			"id:asc", "comment:desc", "collect:desc", "nsfw:asc"},
	},
	search.KindPerson: {
		SearchableAttributes: []string{"name", "aliases"},
		FilterableAttributes: []string{"career"},
		SortableAttributes:   []string{"comment", "collect"},
		RankingRules: []string{"exactness", "words", "typo", "proximity", "attribute", "sort",
			"id:asc", "comment:desc", "collect:desc"},
	},
}

// EnsureIndexes creates the indexes that are missing (primary key id) and applies bangumi's
// settings to all three, waiting for each task. It is idempotent: settings equal to the
// stored ones change nothing (Meilisearch does not reindex).
func (ix *Index) EnsureIndexes(ctx context.Context) error {
	for _, kind := range search.Kinds {
		uid := ix.UID(kind)
		if err := ix.ensureIndex(ctx, uid); err != nil {
			return err
		}
		s := settings[kind]
		task, err := ix.client.Index(uid).UpdateSettings(ctx, &s)
		if err != nil {
			return classify("update settings of "+uid, err)
		}
		if err := ix.wait(ctx, task); err != nil {
			return fmt.Errorf("meiliindex: update settings of %s: %w", uid, err)
		}
	}
	return nil
}

func (ix *Index) ensureIndex(ctx context.Context, uid string) error {
	info, err := ix.client.GetIndex(ctx, uid)
	if err == nil {
		if info.PrimaryKey != "" && info.PrimaryKey != "id" {
			return fmt.Errorf("meiliindex: index %s has primary key %q, want id", uid, info.PrimaryKey)
		}
		return nil
	}
	if !hasCode(err, meilisearch.APIErrCodeIndexNotFound) {
		return classify("get index "+uid, err)
	}
	task, err := ix.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
	if err != nil {
		return classify("create index "+uid, err)
	}
	err = ix.wait(ctx, task)
	if err != nil && !hasCode(err, meilisearch.APIErrCodeIndexAlreadyExists) { // created meanwhile
		return fmt.Errorf("meiliindex: create index %s: %w", uid, err)
	}
	return nil
}

// Upsert writes whole documents, one "add or replace" request (POST /indexes/<uid>/documents)
// per kind — never a partial update, so no field of an older version survives (decision D4) —
// and waits for the tasks.
func (ix *Index) Upsert(ctx context.Context, docs search.Documents) error {
	type pending struct {
		uid  string
		task *meilisearch.TaskInfo
	}
	var tasks []pending
	add := func(kind search.Kind, n int, docs any) error {
		if n == 0 {
			return nil
		}
		uid := ix.UID(kind)
		pk := "id"
		task, err := ix.client.Index(uid).AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return classify("add documents to "+uid, err)
		}
		tasks = append(tasks, pending{uid, task})
		return nil
	}
	if err := add(search.KindSubject, len(docs.Subjects), docs.Subjects); err != nil {
		return err
	}
	if err := add(search.KindCharacter, len(docs.Characters), docs.Characters); err != nil {
		return err
	}
	if err := add(search.KindPerson, len(docs.Persons), docs.Persons); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, ix.taskTimeout) // one deadline for every task
	defer cancel()
	for _, p := range tasks {
		if err := ix.wait(ctx, p.task); err != nil {
			return fmt.Errorf("meiliindex: add documents to %s: %w", p.uid, err)
		}
	}
	return nil
}

// Delete removes documents by id (POST /indexes/<uid>/documents/delete-batch) and waits for
// the task. Ids without a document are no error.
func (ix *Index) Delete(ctx context.Context, kind search.Kind, ids ...uint32) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	uid := ix.UID(kind)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strconv.FormatUint(uint64(id), 10)
	}
	task, err := ix.client.Index(uid).DeleteDocuments(ctx, keys, nil)
	if err != nil {
		return classify("delete documents from "+uid, err)
	}
	if err := ix.wait(ctx, task); err != nil {
		return fmt.Errorf("meiliindex: delete documents from %s: %w", uid, err)
	}
	return nil
}

// Count is the index's numberOfDocuments. An index that does not exist holds no document: 0.
func (ix *Index) Count(ctx context.Context, kind search.Kind) (int64, error) {
	if err := checkKind(kind); err != nil {
		return 0, err
	}
	uid := ix.UID(kind)
	stats, err := ix.client.Index(uid).GetStats(ctx, nil)
	if hasCode(err, meilisearch.APIErrCodeIndexNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, classify("stats of "+uid, err)
	}
	return stats.NumberOfDocuments, nil
}

func checkKind(kind search.Kind) error {
	for _, k := range search.Kinds {
		if k == kind {
			return nil
		}
	}
	return domain.Errorf(domain.ErrInvalid, "unknown search kind %d", uint8(kind))
}

// Task polling: quick at first (a one-document task takes milliseconds), then every 100 ms.
const (
	firstPoll = 5 * time.Millisecond
	maxPoll   = 100 * time.Millisecond
)

// wait polls the task until it ends, for at most TaskTimeout (and the context). A failed or
// canceled task is an error carrying Meilisearch's code and message (a *TaskError); a task
// still unfinished at the deadline is an error wrapping domain.ErrUnavailable and
// context.DeadlineExceeded.
func (ix *Index) wait(ctx context.Context, info *meilisearch.TaskInfo) error {
	ctx, cancel := context.WithTimeout(ctx, ix.taskTimeout)
	defer cancel()
	tasks := ix.client.TaskReader()
	interval := firstPoll
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return classify(fmt.Sprintf("task %d not finished", info.TaskUID), ctx.Err())
		case <-timer.C:
		}
		task, err := tasks.GetTask(ctx, info.TaskUID)
		if err != nil {
			return classify(fmt.Sprintf("get task %d", info.TaskUID), err)
		}
		switch task.Status {
		case meilisearch.TaskStatusSucceeded:
			return nil
		case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
			return &TaskError{UID: info.TaskUID, Status: string(task.Status), Code: task.Error.Code, Message: task.Error.Message}
		}
		timer.Reset(interval)
		interval = min(2*interval, maxPoll)
	}
}

// TaskError is a Meilisearch task that failed or was canceled.
type TaskError struct {
	UID     int64
	Status  string // failed, canceled
	Code    meilisearch.APIErrCode
	Message string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task %d %s: %s (%s)", e.UID, e.Status, e.Message, e.Code)
}
