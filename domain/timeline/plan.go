package timeline

import (
	"strconv"
)

// Row is one row of chii_timeline.
type Row struct {
	ID       uint32 // tml_id
	UID      uint32 // tml_uid
	Cat      uint16 // tml_cat, one of the Cat* constants
	Type     uint16 // tml_type
	Related  string // tml_related
	Memo     string // tml_memo as stored: JSON, PHP-serialized (legacy rows), raw text or ""
	Img      string // tml_img
	Batch    bool   // tml_batch: Memo is a map of several items keyed by id
	Source   uint8  // tml_source
	Replies  uint32 // tml_replies
	Dateline int64  // tml_dateline, unix seconds
}

// Filter selects the "previous" row of a message: the newest row (highest ID) of the user
// in the category, of the given type unless AnyType.
type Filter struct {
	UID     uint32
	Cat     uint16
	Type    uint16
	AnyType bool
}

// Matches reports whether r is selected by f (before picking the newest).
func (f Filter) Matches(r Row) bool {
	return r.UID == f.UID && r.Cat == f.Cat && (f.AnyType || r.Type == f.Type)
}

// Update is a merge into a previous row: its memo, batch flag and source are replaced; every
// other column (type, related, image, dateline, replies) stays as it is.
type Update struct {
	ID     uint32
	Memo   string
	Batch  bool
	Source uint8
}

// Write is what one message does to chii_timeline: at most one of Insert (a new row; its ID
// is left to the database) and Update is set. Neither is set when Written is: the message's
// effect is already there (a redelivery, see Plan), and nothing is to be written.
type Write struct {
	Insert  *Row
	Update  *Update
	Written bool
}

// Previous returns the filter of the row Plan needs: the newest row of it is the row e may
// merge into (daily 2–5, subject, mono, progress*), and for every op the row a first
// delivery of e wrote if e is delivered again. For the messages that never merge (wiki,
// status*, daily types 0 and 1) it is the row's own user, category and type.
func Previous(e Event) Filter {
	if f, ok := e.previous(); ok {
		return f
	}
	first, err := e.plan(nil)
	if err != nil || first.Insert == nil {
		return Filter{}
	}
	return Filter{UID: first.Insert.UID, Cat: first.Insert.Cat, Type: first.Insert.Type}
}

// Plan returns the write of e given the row Previous(e) selects (nil when there is none).
// Recent means prev.Dateline > createdAt − MergeWindow.
//
// Redelivery (Kafka delivers a message again when the worker stopped between the MySQL
// commit and the offset commit): when prev is exactly the row e inserts on its own — same
// user, category, type, related id, memo, source, tml_dateline = createdAt, not a batch —
// the message is already written and Plan returns Written. Without this rule a redelivered
// merging message would turn its own single row into a batch of one, and a message that
// never merges would insert its row twice. A merge into an existing row needs no rule: a
// batch item is set under its id and a progress memo replaced, so doing it again leaves the
// same row. The rule assumes one user's messages are written in order (one partition per
// key): then the row a first delivery wrote is still the newest of its filter. Two identical
// messages of one user in the same second are indistinguishable from a redelivery and leave
// one row.
//
//   - daily 2–5, subject, mono: a recent previous row becomes (or stays) a batch: its memo
//     becomes a map from id to item — the previous batch map, or the previous single memo keyed
//     by its own id — plus the new item under its id (replacing an item of the same id); the
//     source becomes the message's. A previous memo that cannot be decoded, or whose items
//     have no usable id, is not merged into: a new row is inserted instead.
//   - progressEpisode: a recent previous progress row (any type) of the same subject
//     (tml_related) and of type = episode status gets the new single memo and source.
//   - progressSubject: a recent previous subject-progress row (type 0) of the same subject
//     gets the new memo and source.
//   - everything else inserts a row: tml_img "", tml_replies 0, tml_batch 0, tml_dateline =
//     createdAt, tml_source = source (0 for wiki: its source is not written).
//
// Invalid input (see Decode) is an error of kind domain.ErrInvalid.
func Plan(e Event, prev *Row) (Write, error) {
	if err := e.validate(); err != nil {
		return Write{}, err
	}
	if prev != nil {
		first, err := e.plan(nil)
		if err != nil {
			return Write{}, err
		}
		if first.Insert != nil && sameRow(*prev, *first.Insert) {
			return Write{Written: true}, nil
		}
	}
	return e.plan(prev)
}

// sameRow reports whether stored is the row ins describes (its ID, image and reply count aside:
// replies may have come since).
func sameRow(stored, ins Row) bool {
	return stored.UID == ins.UID && stored.Cat == ins.Cat && stored.Type == ins.Type &&
		stored.Related == ins.Related && stored.Memo == ins.Memo && stored.Batch == ins.Batch &&
		stored.Source == ins.Source && stored.Dateline == ins.Dateline
}

func recent(prev *Row, createdAt int64) bool {
	return prev != nil && prev.Dateline > createdAt-MergeWindow
}

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func insert(r Row) Write { return Write{Insert: &r} }

// relatedIs compares tml_related with a subject id as numbers (bangumi: Number(related) === id).
func relatedIs(related string, id uint32) bool {
	k, ok := indexKey(related)
	return ok && k == u32(id)
}

// batch merges item (keyed by key) into prev when prev is recent; idField names the id of a
// previous single memo. ok is false when a new row must be inserted instead.
func batch(prev *Row, createdAt int64, idField, key string, item *object, source uint8) (Write, bool) {
	if !recent(prev, createdAt) {
		return Write{}, false
	}
	old, err := decodeMemo(prev.Memo)
	if err != nil {
		return Write{}, false
	}
	items := &object{}
	if prev.Batch {
		entries, ok := entriesOf(old)
		if !ok {
			return Write{}, false
		}
		for _, m := range entries {
			k, ok := indexKey(m.key)
			if !ok {
				return Write{}, false
			}
			items.set(k, m.val)
		}
	} else {
		single, ok := old.(*object)
		if !ok {
			return Write{}, false
		}
		id, found := single.get(idField)
		if !found {
			return Write{}, false
		}
		k, ok := indexKey(id)
		if !ok {
			return Write{}, false
		}
		items.set(k, single)
	}
	items.set(key, item)
	return Write{Update: &Update{ID: prev.ID, Memo: encodeJSON(items), Batch: true, Source: source}}, true
}

// subjectCollectionTypes maps a subject type to the tml_type of collection types 1–5.
var subjectCollectionTypes = map[uint8][5]uint16{
	1: {1, 5, 9, 13, 14},  // book
	2: {2, 6, 10, 13, 14}, // anime
	6: {2, 6, 10, 13, 14}, // real
	3: {3, 7, 11, 13, 14}, // music
	4: {4, 8, 12, 13, 14}, // game
}

func subjectCollectionType(m *Subject) (uint16, error) {
	types, ok := subjectCollectionTypes[m.Subject.Type]
	if !ok {
		return 0, invalid(m, "unsupported subject type %d", m.Subject.Type)
	}
	if m.Collect.Type < 1 || m.Collect.Type > 5 {
		return 0, invalid(m, "unsupported collection type %d", m.Collect.Type)
	}
	return types[m.Collect.Type-1], nil
}

// subject

func (m *Subject) previous() (Filter, bool) {
	t, _ := subjectCollectionType(m)
	return Filter{UID: m.UID, Cat: CatSubject, Type: t}, true
}

func (m *Subject) plan(prev *Row) (Write, error) {
	t, err := subjectCollectionType(m)
	if err != nil {
		return Write{}, err
	}
	item := newObject(
		"subject_id", m.Subject.ID,
		"collect_id", m.Collect.ID,
		"collect_comment", EscapeHTML(m.Collect.Comment),
		"collect_rate", m.Collect.Rate,
	)
	if w, ok := batch(prev, m.CreatedAt, "subject_id", u32(m.Subject.ID), item, m.Source); ok {
		return w, nil
	}
	return insert(Row{UID: m.UID, Cat: CatSubject, Type: t, Related: u32(m.Subject.ID),
		Memo: encodeJSON(item), Source: m.Source, Dateline: m.CreatedAt}), nil
}

// progressEpisode

func (m *ProgressEpisode) previous() (Filter, bool) {
	return Filter{UID: m.UID, Cat: CatProgress, AnyType: true}, true
}

func (m *ProgressEpisode) plan(prev *Row) (Write, error) {
	memo := encodeJSON(newObject(
		"subject_id", m.Subject.ID,
		"subject_type_id", m.Subject.Type,
		"ep_id", m.Episode.ID,
	))
	if recent(prev, m.CreatedAt) && relatedIs(prev.Related, m.Subject.ID) && prev.Type == uint16(m.Episode.Status) {
		return Write{Update: &Update{ID: prev.ID, Memo: memo, Batch: prev.Batch, Source: m.Source}}, nil
	}
	return insert(Row{UID: m.UID, Cat: CatProgress, Type: uint16(m.Episode.Status), Related: u32(m.Subject.ID),
		Memo: memo, Source: m.Source, Dateline: m.CreatedAt}), nil
}

// progressSubject

func (m *ProgressSubject) previous() (Filter, bool) {
	return Filter{UID: m.UID, Cat: CatProgress, Type: ProgressTypeSubject}, true
}

func total(n uint32) string {
	if n == 0 {
		return "??"
	}
	return u32(n)
}

func (m *ProgressSubject) plan(prev *Row) (Write, error) {
	memo := newObject("subject_id", m.Subject.ID, "subject_type_id", m.Subject.Type, "eps_total", total(m.Subject.Eps))
	if m.Collect.EpsUpdate != nil {
		memo.set("eps_update", *m.Collect.EpsUpdate)
	}
	memo.set("vols_total", total(m.Subject.Volumes))
	if m.Collect.VolsUpdate != nil {
		memo.set("vols_update", *m.Collect.VolsUpdate)
	}
	s := encodeJSON(memo)
	if recent(prev, m.CreatedAt) && relatedIs(prev.Related, m.Subject.ID) {
		return Write{Update: &Update{ID: prev.ID, Memo: s, Batch: prev.Batch, Source: m.Source}}, nil
	}
	return insert(Row{UID: m.UID, Cat: CatProgress, Type: ProgressTypeSubject, Related: u32(m.Subject.ID),
		Memo: s, Source: m.Source, Dateline: m.CreatedAt}), nil
}

// mono

func (m *Mono) previous() (Filter, bool) {
	return Filter{UID: m.UID, Cat: CatMono, Type: uint16(m.Type)}, true
}

// plan keys a batch by id only (bangumi's quirk): a character and a person with the same id
// collected within the window replace each other in the memo map.
func (m *Mono) plan(prev *Row) (Write, error) {
	item := newObject("cat", m.Cat, "id", m.ID, "name", m.Name)
	if w, ok := batch(prev, m.CreatedAt, "id", u32(m.ID), item, m.Source); ok {
		return w, nil
	}
	return insert(Row{UID: m.UID, Cat: CatMono, Type: uint16(m.Type), Related: u32(m.ID),
		Memo: encodeJSON(item), Source: m.Source, Dateline: m.CreatedAt}), nil
}

// daily

// dailyIDField names the id of a daily type's memo ("" for the types without memo).
func dailyIDField(t uint8) string {
	switch t {
	case DailyAddFriend:
		return "uid"
	case DailyJoinGroup, DailyCreateGroup:
		return "grp_id"
	case DailyJoinEden:
		return "eden_id"
	}
	return ""
}

func (m *Daily) previous() (Filter, bool) {
	if dailyIDField(m.Type) == "" {
		return Filter{}, false
	}
	return Filter{UID: m.UID, Cat: CatDaily, Type: uint16(m.Type)}, true
}

func (m *Daily) plan(prev *Row) (Write, error) {
	row := Row{UID: m.UID, Cat: CatDaily, Type: uint16(m.Type), Related: u32(m.MID), Source: m.Source, Dateline: m.CreatedAt}
	field := dailyIDField(m.Type)
	if field == "" {
		return insert(row), nil // mystery, register: empty memo, never merged
	}
	item := newObject(field, m.MID)
	if w, ok := batch(prev, m.CreatedAt, field, u32(m.MID), item, m.Source); ok {
		return w, nil
	}
	row.Memo = encodeJSON(item)
	return insert(row), nil
}

// wiki

func (m *Wiki) previous() (Filter, bool) { return Filter{}, false }

// plan does not write the message's source: tml_source stays 0, as bangumi's writer leaves it.
func (m *Wiki) plan(*Row) (Write, error) {
	return insert(Row{UID: m.UID, Cat: CatWiki, Type: uint16(m.Subject.Type), Related: u32(m.Subject.ID),
		Memo: encodeJSON(newObject("subject_id", m.Subject.ID)), Dateline: m.CreatedAt}), nil
}

// status

func (m *StatusSign) previous() (Filter, bool)     { return Filter{}, false }
func (m *StatusTsukkomi) previous() (Filter, bool) { return Filter{}, false }
func (m *StatusNickname) previous() (Filter, bool) { return Filter{}, false }

// plan stores the sign as it is: not JSON, not escaped.
func (m *StatusSign) plan(*Row) (Write, error) {
	return insert(Row{UID: m.UID, Cat: CatStatus, Type: StatusTypeSign, Memo: m.Sign, Source: m.Source, Dateline: m.CreatedAt}), nil
}

// plan stores the text as it is: not JSON, not escaped.
func (m *StatusTsukkomi) plan(*Row) (Write, error) {
	return insert(Row{UID: m.UID, Cat: CatStatus, Type: StatusTypeTsukkomi, Memo: m.Text, Source: m.Source, Dateline: m.CreatedAt}), nil
}

func (m *StatusNickname) plan(*Row) (Write, error) {
	memo := encodeJSON(newObject("before", EscapeHTML(m.Before), "after", EscapeHTML(m.After)))
	return insert(Row{UID: m.UID, Cat: CatStatus, Type: StatusTypeNickname, Memo: memo, Source: m.Source, Dateline: m.CreatedAt}), nil
}
