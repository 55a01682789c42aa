package canal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/ports"
)

// objectColumn is a column of a table's rows that names an object whose cached answers a
// change of the row makes stale.
type objectColumn struct {
	col    string
	entity ports.Entity
	// crtWhen: when the row's prsn_type is "crt", the id names a character, not a person
	// (chii_person_cs_index: bangumi's credits of characters, an enum value no row of the
	// dev data uses).
	crtWhen bool
}

// invalidateTables maps each table whose changes make cached answers stale to the columns
// naming the objects those answers were rendered from (columns of
// shared/reference/dev-env/sql/schema). An episode has no cached answer of its own: it shows
// in its subject's (the episode count). A link row shows in the answers of each object it
// links.
var invalidateTables = map[string][]objectColumn{
	"chii_subjects":          {{col: "subject_id", entity: ports.EntitySubject}},
	"chii_subject_fields":    {{col: "field_sid", entity: ports.EntitySubject}},
	"chii_characters":        {{col: "crt_id", entity: ports.EntityCharacter}},
	"chii_persons":           {{col: "prsn_id", entity: ports.EntityPerson}},
	"chii_episodes":          {{col: "ep_subject_id", entity: ports.EntitySubject}},
	"chii_crt_subject_index": {{col: "crt_id", entity: ports.EntityCharacter}, {col: "subject_id", entity: ports.EntitySubject}},
	"chii_person_cs_index": {
		{col: "prsn_id", entity: ports.EntityPerson, crtWhen: true}, {col: "subject_id", entity: ports.EntitySubject},
	},
	"chii_crt_cast_index": {
		{col: "crt_id", entity: ports.EntityCharacter}, {col: "prsn_id", entity: ports.EntityPerson},
		{col: "subject_id", entity: ports.EntitySubject},
	},
	"chii_subject_relations": {
		{col: "rlt_subject_id", entity: ports.EntitySubject}, {col: "rlt_related_subject_id", entity: ports.EntitySubject},
	},
	"chii_members": {{col: "uid", entity: ports.EntityUser}},
}

// InvalidateTables are the tables InvalidateHandler handles, sorted.
var InvalidateTables = slices.Sorted(maps.Keys(invalidateTables))

// InvalidateHandler returns the batch handler of InvalidateTables: it collects the objects the
// events of a batch changed and invalidates the cached answers rendered from them with one
// store.Invalidate (the shared tier: Redis deletes the tagged entries and publishes the tags
// to every server instance, which drop their in-process copies). The objects of an event are
// read from its key and from both row images, so a link row that moved makes the answers of
// its old and of its new targets stale. Every op (c, u, d, r) is a change; a snapshot read
// (r) may follow changes the worker never saw.
//
// Errors: an event whose row images are not JSON objects, or that names no object (no id
// column in its key or images, every id 0), can never be processed: an error of kind
// domain.ErrInvalid. An Invalidate that fails (Redis down) is returned as it is: the batch is
// retried, and nothing after it is committed, so no invalidation is lost.
func InvalidateHandler(store ports.TaggedStore, now func() time.Time, logger *slog.Logger) BatchTableHandler {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, events []Event) error {
		var changes []ports.Change
		for _, e := range events {
			cs, err := changedObjects(e)
			if err != nil {
				return fmt.Errorf("canal: invalidate: %s event at %s/%d/%d: %w",
					e.Table, e.Msg.Topic, e.Msg.Partition, e.Msg.Offset, err)
			}
			changes = append(changes, cs...)
		}
		tags := ports.Tags(changes...)
		if len(tags) == 0 {
			return nil
		}
		if err := store.Invalidate(ctx, tags, now()); err != nil {
			return fmt.Errorf("canal: invalidate %d tags of %d events: %w", len(tags), len(events), err)
		}
		logger.Debug("canal: cached answers invalidated", "events", len(events), "tags", len(tags))
		return nil
	}
}

// changedObjects lists the objects e's row names, from its key and both of its images.
func changedObjects(e Event) ([]ports.Change, error) {
	cols, ok := invalidateTables[e.Table]
	if !ok {
		return nil, domain.Errorf(domain.ErrInvalid, "no invalidation for table %s", e.Table)
	}
	var out []ports.Change
	// The key is read when it is a JSON object (the primary key's columns); the images are
	// the row itself, so a malformed one is an error.
	if key, err := rowObject(e.Key); err == nil {
		cs, _ := rowObjects(key, cols)
		out = append(out, cs...)
	}
	for _, img := range []json.RawMessage{e.Before, e.After} {
		row, err := rowObject(img)
		if err != nil {
			return nil, domain.Errorf(domain.ErrInvalid, "row image is not a JSON object: %v", err)
		}
		cs, err := rowObjects(row, cols)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	if len(out) == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "%s %s event names no object (no %s in its key or row images)",
			e.Table, e.Op, cols[0].col)
	}
	return out, nil
}

// rowObject decodes a row image or key: nil for an absent or null one.
func rowObject(raw []byte) (map[string]json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var row map[string]json.RawMessage
	if err := json.Unmarshal(raw, &row); err != nil {
		return nil, err
	}
	return row, nil
}

// rowObjects reads the objects the columns cols of row name; a column that is absent or 0
// names none, one that is not an id is an error of kind domain.ErrInvalid.
func rowObjects(row map[string]json.RawMessage, cols []objectColumn) ([]ports.Change, error) {
	var out []ports.Change
	for _, c := range cols {
		raw, ok := row[c.col]
		if !ok {
			continue
		}
		id, err := idValue(raw)
		if err != nil {
			return nil, domain.Errorf(domain.ErrInvalid, "%s: %v", c.col, err)
		}
		if id == 0 {
			continue
		}
		entity := c.entity
		if c.crtWhen && string(row["prsn_type"]) == `"crt"` {
			entity = ports.EntityCharacter
		}
		out = append(out, ports.Change{Entity: entity, ID: id})
	}
	return out, nil
}

// idValue reads an id: a JSON number, or a string holding one.
func idValue(raw json.RawMessage) (uint32, error) {
	s := string(raw)
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s is not an id", raw)
	}
	return uint32(id), nil
}
