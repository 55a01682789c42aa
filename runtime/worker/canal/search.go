package canal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// ServeSearch consumes topics as consumer group groupID (cfg.Kafka's brokers, cfg's grace)
// with SearchHandler alone, in batches, until ctx ends: how a process that keeps its own
// index (the server's embedded one) follows the change events. Every other table is
// acknowledged.
func ServeSearch(ctx context.Context, cfg config.Config, topics []string, groupID string, syncer SearchSyncer, logger *slog.Logger) error {
	cfg.Kafka.GroupID = groupID
	disp := NewDispatcher(logger, nil).WithBatch(SearchHandler(syncer, logger), SearchTables...)
	return consume.ServeBatch(ctx, cfg, topics, nil, disp.HandleBatch, 0, 0, logger)
}

// SearchSyncer makes the search documents of ids equal to the database:
// usecase.SearchIndexer.Sync.
type SearchSyncer interface {
	Sync(ctx context.Context, kind search.Kind, ids ...uint32) error
}

// searchTable is a table whose rows make search documents (canal-worker spec §3–§4).
type searchTable struct {
	kind  search.Kind
	idCol string // the primary key column: the key's member and the row images' column
}

var searchTables = map[string]searchTable{
	"chii_subjects":       {search.KindSubject, "subject_id"},
	"chii_subject_fields": {search.KindSubject, "field_sid"},
	"chii_characters":     {search.KindCharacter, "crt_id"},
	"chii_persons":        {search.KindPerson, "prsn_id"},
}

// SearchTables are the tables SearchHandler handles, sorted.
var SearchTables = slices.Sorted(maps.Keys(searchTables))

// SearchHandler returns the batch handler of SearchTables: it collects the ids the events of a
// batch name (the message key's primary key column; without one, the row image's: after, or
// before for a delete), and syncs each kind once with all of them. The op does not matter
// beyond being a change: c, u, r and d all mean "this row may have changed", and Sync writes
// the row's whole document or, when the row is gone, merged, or a banned subject, deletes it
// (decision D4; a subject's document is rebuilt from both of its tables whichever changed).
//
// Decisions where the spec leaves a choice (canal-worker spec §4, §7):
//   - an unknown op never reaches it: the dispatcher dead-letters the message (Dispatcher's
//     decode);
//   - an event without a usable id (no key, no row image with the id column, id 0) is an
//     error of kind domain.ErrInvalid, returned before anything is synced: the consume loop
//     hands the batch's messages over one at a time and dead-letters that one alone
//     (<topic>.dlq, with its error), so no event is lost and none holds its partition (bangumi's
//     Go worker returned an error, which its loop then dropped at the next commit);
//   - a Sync error (MySQL or the index down) is returned: the batch is retried, and since
//     Sync reads the rows again, a retry after the cause is fixed writes the current state.
func SearchHandler(syncer SearchSyncer, logger *slog.Logger) BatchTableHandler {
	return func(ctx context.Context, events []Event) error {
		ids := map[search.Kind][]uint32{}
		for _, e := range events {
			t, ok := searchTables[e.Table]
			if !ok {
				logger.Error("canal: search handler given an event of another table; skipped", "table", e.Table,
					"topic", e.Msg.Topic, "partition", e.Msg.Partition, "offset", e.Msg.Offset)
				continue
			}
			id, err := eventID(e, t.idCol)
			if err != nil {
				return domain.Errorf(domain.ErrInvalid, "canal: %s event at %s/%d/%d without a usable id (key %s): %v",
					e.Table, e.Msg.Topic, e.Msg.Partition, e.Msg.Offset, e.Key, err)
			}
			ids[t.kind] = append(ids[t.kind], id)
		}
		for _, kind := range search.Kinds {
			if len(ids[kind]) == 0 {
				continue
			}
			if err := syncer.Sync(ctx, kind, ids[kind]...); err != nil {
				return fmt.Errorf("canal: search %s: %w", kind, err)
			}
		}
		return nil
	}
}

// eventID reads the id of e's row: the key's column col, else the row image's (after, or
// before when there is no after).
func eventID(e Event, col string) (uint32, error) {
	var keyErr error
	if len(e.Key) > 0 {
		id, err := columnID(e.Key, col)
		if err == nil {
			return id, nil
		}
		keyErr = fmt.Errorf("key: %w", err)
	}
	for _, img := range []json.RawMessage{e.After, e.Before} {
		if id, err := columnID(img, col); err == nil {
			return id, nil
		}
	}
	if keyErr != nil {
		return 0, fmt.Errorf("%w; and no row image has %s", keyErr, col)
	}
	return 0, fmt.Errorf("no key, and no row image has %s", col)
}

// columnID reads the JSON object obj's member col as a non-zero uint32 (a JSON number, or a
// string holding one).
func columnID(obj json.RawMessage, col string) (uint32, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return 0, err
	}
	if m == nil {
		return 0, fmt.Errorf("null")
	}
	raw, ok := m[col]
	if !ok {
		return 0, fmt.Errorf("no %s", col)
	}
	s := string(raw)
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", col, err)
	}
	if id == 0 {
		return 0, fmt.Errorf("%s is 0", col)
	}
	return uint32(id), nil
}
