package usecase_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// indexCall is one write a recordingIndex received.
type indexCall struct {
	Op   string // "upsert" or "delete"
	Kind search.Kind
	IDs  []uint32
	Docs search.Documents // upsert only
}

// recordingIndex is a ports.SearchIndex that records its writes and keeps the documents they
// leave, so a test can check both what was sent and what the index ends with. fail, when set,
// may refuse a write (its error is returned and nothing is stored); a write with an ended
// context is refused and not recorded.
type recordingIndex struct {
	mu    sync.Mutex
	calls []indexCall
	docs  map[search.Kind]map[uint32]any
	fail  func(c indexCall) error
}

func newRecordingIndex() *recordingIndex {
	return &recordingIndex{docs: map[search.Kind]map[uint32]any{
		search.KindSubject: {}, search.KindCharacter: {}, search.KindPerson: {},
	}}
}

func (r *recordingIndex) Upsert(ctx context.Context, d search.Documents) error {
	var ids []uint32
	kind := search.Kind(0)
	for _, s := range d.Subjects {
		ids, kind = append(ids, s.ID), search.KindSubject
	}
	for _, c := range d.Characters {
		ids, kind = append(ids, c.ID), search.KindCharacter
	}
	for _, p := range d.Persons {
		ids, kind = append(ids, p.ID), search.KindPerson
	}
	return r.record(ctx, indexCall{Op: "upsert", Kind: kind, IDs: ids, Docs: d}, func() {
		for _, s := range d.Subjects {
			r.docs[search.KindSubject][s.ID] = s
		}
		for _, c := range d.Characters {
			r.docs[search.KindCharacter][c.ID] = c
		}
		for _, p := range d.Persons {
			r.docs[search.KindPerson][p.ID] = p
		}
	})
}

func (r *recordingIndex) Delete(ctx context.Context, kind search.Kind, ids ...uint32) error {
	return r.record(ctx, indexCall{Op: "delete", Kind: kind, IDs: slices.Clone(ids)}, func() {
		for _, id := range ids {
			delete(r.docs[kind], id)
		}
	})
}

func (r *recordingIndex) record(ctx context.Context, c indexCall, apply func()) error {
	if err := ctx.Err(); err != nil {
		return err // like an index on the network: an ended context writes nothing
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
	if r.fail != nil {
		if err := r.fail(c); err != nil {
			return err
		}
	}
	apply()
	return nil
}

func (r *recordingIndex) Search(context.Context, search.Query) (search.Result, error) {
	return search.Result{}, errors.New("recordingIndex does not search")
}

func (r *recordingIndex) Count(_ context.Context, kind search.Kind) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(len(r.docs[kind])), nil
}

func (r *recordingIndex) writes() []indexCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// stored returns the ids of kind's documents, ascending.
func (r *recordingIndex) stored(kind search.Kind) []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []uint32
	for id := range r.docs[kind] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (r *recordingIndex) doc(kind search.Kind, id uint32) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.docs[kind][id]
}

// readCountingSubjects counts the reads of a subject repository.
type readCountingSubjects struct {
	ports.SubjectRepository
	mu    sync.Mutex
	reads [][]uint32
	err   error
}

func (c *readCountingSubjects) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]subject.Subject, error) {
	c.mu.Lock()
	c.reads = append(c.reads, slices.Clone(ids))
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return c.SubjectRepository.GetByIDs(ctx, ids)
}

// indexerStore holds a subject, character and person in every state the index rules tell
// apart (search spec §5: merged and banned or locked subjects, merged characters and persons
// are deleted; a banned character is kept).
func indexerStore() *inmem.Store {
	s := inmem.NewStore()
	s.PutSubject(
		subject.Subject{
			ID: 1, Type: subject.TypeAnime, Name: "one", NameCN: "一",
			Infobox:    "{{Infobox animanga/TVAnime\n|别名={\n[first]\n}\n}}",
			Date:       time.Date(2008, 4, 6, 0, 0, 0, 0, time.UTC),
			RateCounts: [10]uint32{0, 0, 0, 0, 0, 0, 0, 1, 2, 0}, Rank: 7,
			Tags:          []subject.Tag{{Name: "TV", Count: 3}},
			MetaTagsField: "TV 原创",
			Collection:    subject.Collection{Wish: 1, Collect: 2},
		},
		subject.Subject{ID: 2, Type: subject.TypeBook, Name: "two", NSFW: true},
		subject.Subject{ID: 3, Type: subject.TypeAnime, Name: "merged", Redirect: 1},
		subject.Subject{ID: 5, Type: subject.TypeAnime, Name: "banned", Ban: 1},
		subject.Subject{ID: 6, Type: subject.TypeAnime, Name: "locked", Ban: 2},
	)
	s.PutCharacter(
		character.Character{ID: 1, Name: "c1", Collects: 4},
		character.Character{ID: 2, Name: "banned c2", Ban: 1},
		character.Character{ID: 3, Name: "merged c3", Redirect: 1},
	)
	s.PutPerson(
		person.Person{ID: 1, Name: "p1", Career: person.Career{Seiyu: true}},
		person.Person{ID: 2, Name: "merged p2", Redirect: 1},
	)
	return s
}

func newIndexer(s *inmem.Store, ix ports.SearchIndex) *usecase.SearchIndexer {
	return &usecase.SearchIndexer{Index: ix, Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons()}
}

// docOf builds the document of row id of get with build, failing tb unless it is indexable.
func docOf[E, D any](tb testing.TB, get func(context.Context, uint32) (E, error), build func(E) (D, bool), id uint32) D {
	tb.Helper()
	row, err := get(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	d, ok := build(row)
	if !ok {
		tb.Fatalf("row %d is not indexable", id)
	}
	return d
}

func subjectDoc(tb testing.TB, s *inmem.Store, id uint32) search.SubjectDoc {
	tb.Helper()
	return docOf(tb, s.Subjects().Get, search.SubjectDocument, id)
}

func characterDoc(tb testing.TB, s *inmem.Store, id uint32) search.CharacterDoc {
	tb.Helper()
	return docOf(tb, s.Characters().Get, search.CharacterDocument, id)
}

func personDoc(tb testing.TB, s *inmem.Store, id uint32) search.PersonDoc {
	tb.Helper()
	return docOf(tb, s.Persons().Get, search.PersonDocument, id)
}

func diffCalls(tb testing.TB, what string, want, got []indexCall) {
	tb.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("%s: index writes mismatch (-want +got):\n%s", what, diff)
	}
}

// One read for all the ids, one Upsert of the whole documents of the indexable rows, one
// Delete of the rest: missing, merged, banned and locked subjects.
func TestSearchIndexer_Sync_Subjects(t *testing.T) {
	s := indexerStore()
	ix := newRecordingIndex()
	subjects := &readCountingSubjects{SubjectRepository: s.Subjects()}
	x := newIndexer(s, ix)
	x.Subjects = subjects

	if err := x.Sync(t.Context(), search.KindSubject, 6, 1, 3, 999, 2, 5, 1); err != nil {
		t.Fatalf("Sync() = %v", err)
	}
	if diff := cmp.Diff([][]uint32{{1, 2, 3, 5, 6, 999}}, subjects.reads); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
	diffCalls(t, "Sync", []indexCall{
		{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{1, 2},
			Docs: search.Documents{Subjects: []search.SubjectDoc{subjectDoc(t, s, 1), subjectDoc(t, s, 2)}}},
		{Op: "delete", Kind: search.KindSubject, IDs: []uint32{3, 5, 6, 999}},
	}, ix.writes())
	// The document is the whole one (D4), not only the fields that changed.
	d := ix.doc(search.KindSubject, 1).(search.SubjectDoc)
	if d.Name != "one" || !slices.Equal(d.Aliases, []string{"一", "first"}) || d.Date != 20080406 ||
		d.Rank != 7 || d.Heat != 3 || !slices.Equal(d.Tag, []string{"TV"}) || !slices.Equal(d.MetaTag, []string{"TV", "原创"}) {
		t.Errorf("document of subject 1 = %+v", d)
	}
}

func TestSearchIndexer_Sync_CharactersAndPersons(t *testing.T) {
	s := indexerStore()
	ix := newRecordingIndex()
	x := newIndexer(s, ix)
	if err := x.Sync(t.Context(), search.KindCharacter, 1, 2, 3, 4); err != nil {
		t.Fatal(err)
	}
	if err := x.Sync(t.Context(), search.KindPerson, 2, 1); err != nil {
		t.Fatal(err)
	}
	diffCalls(t, "Sync", []indexCall{
		// A banned character stays searchable; a merged one is deleted.
		{Op: "upsert", Kind: search.KindCharacter, IDs: []uint32{1, 2},
			Docs: search.Documents{Characters: []search.CharacterDoc{characterDoc(t, s, 1), characterDoc(t, s, 2)}}},
		{Op: "delete", Kind: search.KindCharacter, IDs: []uint32{3, 4}},
		{Op: "upsert", Kind: search.KindPerson, IDs: []uint32{1},
			Docs: search.Documents{Persons: []search.PersonDoc{personDoc(t, s, 1)}}},
		{Op: "delete", Kind: search.KindPerson, IDs: []uint32{2}},
	}, ix.writes())
	if d := ix.doc(search.KindCharacter, 1).(search.CharacterDoc); d.Collect != 4 {
		t.Errorf("character 1's document = %+v, want collect 4", d)
	}
	if d := ix.doc(search.KindPerson, 1).(search.PersonDoc); !slices.Equal(d.Career, []string{"seiyu"}) {
		t.Errorf("person 1's document = %+v, want career [seiyu]", d)
	}
}

func TestSearchIndexer_Sync_OnlyWhatIsNeeded(t *testing.T) {
	s := indexerStore()
	for _, tc := range []struct {
		name string
		ids  []uint32
		want []indexCall
	}{
		{name: "NoIDs"},
		{name: "OnlyGone", ids: []uint32{3, 999}, want: []indexCall{{Op: "delete", Kind: search.KindSubject, IDs: []uint32{3, 999}}}},
		{name: "OnlyIndexable", ids: []uint32{2}, want: []indexCall{{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{2},
			Docs: search.Documents{Subjects: []search.SubjectDoc{subjectDoc(t, s, 2)}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := newRecordingIndex()
			if err := newIndexer(s, ix).Sync(t.Context(), search.KindSubject, tc.ids...); err != nil {
				t.Fatal(err)
			}
			diffCalls(t, tc.name, tc.want, ix.writes())
		})
	}
	t.Run("UnknownKind", func(t *testing.T) {
		if err := newIndexer(s, newRecordingIndex()).Sync(t.Context(), search.Kind(9), 1); err == nil {
			t.Error("Sync(Kind(9)) = nil, want an error")
		}
	})
}

// Errors are returned to the caller, which retries: a failed read writes nothing.
func TestSearchIndexer_Sync_Errors(t *testing.T) {
	s := indexerStore()
	t.Run("ReadFails", func(t *testing.T) {
		ix := newRecordingIndex()
		x := newIndexer(s, ix)
		down := errors.New("mysql down")
		x.Subjects = &readCountingSubjects{SubjectRepository: s.Subjects(), err: down}
		if err := x.Sync(t.Context(), search.KindSubject, 1, 3); !errors.Is(err, down) {
			t.Errorf("Sync() = %v, want it to wrap %v", err, down)
		}
		diffCalls(t, "failed read", nil, ix.writes())
	})
	for _, op := range []string{"upsert", "delete"} {
		t.Run(op+"Fails", func(t *testing.T) {
			ix := newRecordingIndex()
			down := errors.New("index down")
			ix.fail = func(c indexCall) error {
				if c.Op == op {
					return down
				}
				return nil
			}
			if err := newIndexer(s, ix).Sync(t.Context(), search.KindSubject, 1, 3); !errors.Is(err, down) {
				t.Errorf("Sync() = %v, want it to wrap %v", err, down)
			}
		})
	}
}

// Changed syncs each changed subject, character and person (a collect changes the target's
// document), kind by kind, and ignores users.
func TestSearchIndexer_Changed(t *testing.T) {
	s := indexerStore()
	ix := newRecordingIndex()
	x := newIndexer(s, ix)
	x.OnError = func(err error) { t.Errorf("OnError(%v)", err) }
	x.Changed(t.Context(),
		ports.Change{Entity: ports.EntityPerson, ID: 1},
		ports.Change{Entity: ports.EntityUser, ID: 10},
		ports.Change{Entity: ports.EntityCharacter, ID: 1},
		ports.Change{Entity: ports.EntitySubject, ID: 3},
		ports.Change{Entity: ports.EntitySubject, ID: 1},
		ports.Change{Entity: ports.EntityCharacter, ID: 1},
	)
	diffCalls(t, "Changed", []indexCall{
		{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{1},
			Docs: search.Documents{Subjects: []search.SubjectDoc{subjectDoc(t, s, 1)}}},
		{Op: "delete", Kind: search.KindSubject, IDs: []uint32{3}},
		{Op: "upsert", Kind: search.KindCharacter, IDs: []uint32{1},
			Docs: search.Documents{Characters: []search.CharacterDoc{characterDoc(t, s, 1)}}},
		{Op: "upsert", Kind: search.KindPerson, IDs: []uint32{1},
			Docs: search.Documents{Persons: []search.PersonDoc{personDoc(t, s, 1)}}},
	}, ix.writes())

	t.Run("OnlyUsersIsNoWrite", func(t *testing.T) {
		ix := newRecordingIndex()
		newIndexer(s, ix).Changed(t.Context(), ports.Change{Entity: ports.EntityUser, ID: 1})
		diffCalls(t, "user change", nil, ix.writes())
	})
	// The change is committed: the index follows it even when the request that made it has
	// gone (its context is cancelled).
	t.Run("CallerCancelledStillSyncs", func(t *testing.T) {
		ix := newRecordingIndex()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		newIndexer(s, ix).Changed(ctx, ports.Change{Entity: ports.EntityCharacter, ID: 1})
		if got := ix.stored(search.KindCharacter); !slices.Equal(got, []uint32{1}) {
			t.Errorf("stored characters = %v, want [1]", got)
		}
	})
}

// Changed never fails its caller: errors go to OnError (one per kind that failed, naming the
// kind and ids), and a hanging index is given up after Timeout.
func TestSearchIndexer_Changed_Errors(t *testing.T) {
	s := indexerStore()
	t.Run("ReportedToOnError", func(t *testing.T) {
		ix := newRecordingIndex()
		ix.fail = func(c indexCall) error {
			if c.Kind == search.KindSubject {
				return errors.New("index down")
			}
			return nil
		}
		x := newIndexer(s, ix)
		var errs []error
		x.OnError = func(err error) { errs = append(errs, err) }
		x.Changed(t.Context(), ports.Change{Entity: ports.EntitySubject, ID: 2}, ports.Change{Entity: ports.EntityPerson, ID: 1})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "index down") || !strings.Contains(errs[0].Error(), "subjects [2]") {
			t.Errorf("OnError got %v, want one error about subjects [2]", errs)
		}
		if got := ix.stored(search.KindPerson); !slices.Equal(got, []uint32{1}) {
			t.Errorf("a failed kind stopped the others: stored persons = %v, want [1]", got)
		}
	})
	t.Run("NoOnErrorIsFine", func(t *testing.T) {
		ix := newRecordingIndex()
		ix.fail = func(indexCall) error { return errors.New("index down") }
		newIndexer(s, ix).Changed(t.Context(), ports.Change{Entity: ports.EntitySubject, ID: 2})
	})
	t.Run("BoundedByTimeout", func(t *testing.T) {
		x := newIndexer(s, hangingIndex{})
		x.Timeout = 50 * time.Millisecond
		var got error
		x.OnError = func(err error) { got = err }
		done := make(chan struct{})
		start := time.Now()
		go func() { defer close(done); x.Changed(t.Context(), ports.Change{Entity: ports.EntitySubject, ID: 1}) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Changed() did not return within 5s with a 50ms timeout")
		}
		if d := time.Since(start); d < 40*time.Millisecond {
			t.Errorf("Changed() returned after %v, before its timeout", d)
		}
		if !errors.Is(got, context.DeadlineExceeded) {
			t.Errorf("OnError(%v), want the deadline", got)
		}
	})
}

// hangingIndex blocks every write until its context ends.
type hangingIndex struct{ ports.SearchIndex }

func (hangingIndex) Upsert(ctx context.Context, _ search.Documents) error {
	<-ctx.Done()
	return ctx.Err()
}

func (hangingIndex) Delete(ctx context.Context, _ search.Kind, _ ...uint32) error {
	<-ctx.Done()
	return ctx.Err()
}

// reindexStore has subjects 1..24 but for 2, 6, 10, ... (ids without a row), and a merged
// one at the greatest id, 25: 19 rows.
func reindexStore() *inmem.Store {
	s := inmem.NewStore()
	for id := uint32(1); id <= 24; id++ {
		if id%4 == 2 {
			continue
		}
		s.PutSubject(subject.Subject{ID: id, Type: subject.TypeAnime, Name: fmt.Sprintf("s%d", id)})
	}
	s.PutSubject(subject.Subject{ID: 25, Type: subject.TypeAnime, Name: "merged", Redirect: 1})
	return s
}

type progressCall struct{ Done, Max uint32 }

// writeIDs lists the op and ids of each write, without the documents.
func writeIDs(calls []indexCall) []indexCall {
	out := make([]indexCall, len(calls))
	for i, c := range calls {
		out[i] = indexCall{Op: c.Op, Kind: c.Kind, IDs: c.IDs}
	}
	return out
}

// Reindex walks the rows after from by keyset, batch rows per Sync: every indexable row's
// document is rewritten and a merged row's document is deleted. Ids without a row are not
// walked: no write names them (bangumi merges rows and never deletes them; a deleted row's
// document leaves through its change event).
func TestSearchIndexer_Reindex(t *testing.T) {
	s := reindexStore()
	ix := newRecordingIndex()
	// Stale documents: 25 was merged, 24 holds an old name, 2 has no row (never walked).
	_ = ix.Upsert(t.Context(), search.Documents{Subjects: []search.SubjectDoc{{ID: 2}, {ID: 25}, {ID: 24, Name: "old"}}})
	ix.calls = nil
	x := newIndexer(s, ix)

	var progress []progressCall
	last, err := x.Reindex(t.Context(), search.KindSubject, 0, 10, func(done, max uint32) {
		progress = append(progress, progressCall{done, max})
	})
	if err != nil || last != 25 {
		t.Fatalf("Reindex() = %d, %v; want 25, nil", last, err)
	}
	if diff := cmp.Diff([]progressCall{{13, 25}, {25, 25}}, progress); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	// Two batches of rows (10, then the 9 left), each one Sync: one upsert, and a delete of
	// the merged row.
	diffCalls(t, "Reindex() writes", []indexCall{
		{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{1, 3, 4, 5, 7, 8, 9, 11, 12, 13}},
		{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{15, 16, 17, 19, 20, 21, 23, 24}},
		{Op: "delete", Kind: search.KindSubject, IDs: []uint32{25}},
	}, writeIDs(ix.writes()))
	want := []uint32{2} // the stale document of an id without a row is not Reindex's to remove
	for id := uint32(1); id <= 24; id++ {
		if id%4 != 2 {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, ix.stored(search.KindSubject)); diff != "" {
		t.Errorf("stored subjects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(subjectDoc(t, s, 24), ix.doc(search.KindSubject, 24)); diff != "" {
		t.Errorf("subject 24's document is not rewritten (-want +got):\n%s", diff)
	}
}

// Sparse ids (bangumi's dev data: 101 subjects up to id 406,604) cost one Sync per batch of
// rows, not one per batch of numbers; the index ends holding exactly the indexable rows.
func TestSearchIndexer_Reindex_SparseIDs(t *testing.T) {
	t.Run("Subjects", func(t *testing.T) {
		s := inmem.NewStore()
		s.PutSubject(
			subject.Subject{ID: 1, Type: subject.TypeAnime, Name: "one"},
			subject.Subject{ID: 5, Type: subject.TypeAnime, Name: "banned", Ban: 1},
			subject.Subject{ID: 90000, Type: subject.TypeGame, Name: "last"},
		)
		ix := newRecordingIndex()
		_ = ix.Upsert(t.Context(), search.Documents{Subjects: []search.SubjectDoc{{ID: 5, Name: "stale"}}})
		ix.calls = nil
		reads := &readCountingSubjects{SubjectRepository: s.Subjects()}
		x := newIndexer(s, ix)
		x.Subjects = reads

		var progress []progressCall
		last, err := x.Reindex(t.Context(), search.KindSubject, 0, 2, func(done, max uint32) {
			progress = append(progress, progressCall{done, max})
		})
		if err != nil || last != 90000 {
			t.Fatalf("Reindex() = %d, %v; want 90000, nil", last, err)
		}
		if diff := cmp.Diff([][]uint32{{1, 5}, {90000}}, reads.reads); diff != "" {
			t.Errorf("GetByIDs calls, one per Sync (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]progressCall{{5, 90000}, {90000, 90000}}, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
		diffCalls(t, "Reindex() writes", []indexCall{
			{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{1}},
			{Op: "delete", Kind: search.KindSubject, IDs: []uint32{5}},
			{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{90000}},
		}, writeIDs(ix.writes()))
		if diff := cmp.Diff([]uint32{1, 90000}, ix.stored(search.KindSubject)); diff != "" {
			t.Errorf("stored subjects (-want +got):\n%s", diff)
		}
	})
	t.Run("MergedPersonDeleted", func(t *testing.T) {
		s := inmem.NewStore()
		s.PutPerson(
			person.Person{ID: 3, Name: "p3"},
			person.Person{ID: 63985, Name: "merged", Redirect: 3},
		)
		ix := newRecordingIndex()
		_ = ix.Upsert(t.Context(), search.Documents{Persons: []search.PersonDoc{{ID: 63985, Name: "stale"}}})
		ix.calls = nil
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindPerson, 0, 1000, nil)
		if err != nil || last != 63985 {
			t.Fatalf("Reindex(persons) = %d, %v; want 63985, nil", last, err)
		}
		diffCalls(t, "Reindex(persons) writes", []indexCall{
			{Op: "upsert", Kind: search.KindPerson, IDs: []uint32{3}},
			{Op: "delete", Kind: search.KindPerson, IDs: []uint32{63985}},
		}, writeIDs(ix.writes()))
		if diff := cmp.Diff([]uint32{3}, ix.stored(search.KindPerson)); diff != "" {
			t.Errorf("stored persons (-want +got):\n%s", diff)
		}
	})
}

func TestSearchIndexer_Reindex_Resumes(t *testing.T) {
	s := reindexStore()
	t.Run("FromTheLastIDDone", func(t *testing.T) {
		ix := newRecordingIndex()
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, 20, 10, nil)
		if err != nil || last != 25 {
			t.Fatalf("Reindex(from 20) = %d, %v; want 25, nil", last, err)
		}
		diffCalls(t, "Reindex(from 20)", []indexCall{
			{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{21, 23, 24}, Docs: search.Documents{Subjects: []search.SubjectDoc{
				subjectDoc(t, s, 21), subjectDoc(t, s, 23), subjectDoc(t, s, 24),
			}}},
			{Op: "delete", Kind: search.KindSubject, IDs: []uint32{25}},
		}, ix.writes())
	})
	t.Run("FromAnIDWithoutARow", func(t *testing.T) {
		ix := newRecordingIndex()
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, 22, 10, nil)
		if err != nil || last != 25 {
			t.Fatalf("Reindex(from 22) = %d, %v; want 25, nil", last, err)
		}
		diffCalls(t, "Reindex(from 22)", []indexCall{
			{Op: "upsert", Kind: search.KindSubject, IDs: []uint32{23, 24}},
			{Op: "delete", Kind: search.KindSubject, IDs: []uint32{25}},
		}, writeIDs(ix.writes()))
	})
	t.Run("NothingLeft", func(t *testing.T) {
		ix := newRecordingIndex()
		for _, from := range []uint32{25, 30} {
			last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, from, 10, nil)
			if err != nil || last != from {
				t.Errorf("Reindex(from %d) = %d, %v; want %d, nil", from, last, err, from)
			}
		}
		diffCalls(t, "Reindex past the end", nil, ix.writes())
	})
	t.Run("EmptyTable", func(t *testing.T) {
		ix := newRecordingIndex()
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindPerson, 0, 10, nil)
		if err != nil || last != 0 {
			t.Errorf("Reindex(persons) = %d, %v; want 0, nil", last, err)
		}
		diffCalls(t, "Reindex of an empty table", nil, ix.writes())
	})
	t.Run("DefaultBatch", func(t *testing.T) {
		ix := newRecordingIndex()
		var progress []progressCall
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, 0, 0, func(d, m uint32) {
			progress = append(progress, progressCall{d, m})
		})
		if err != nil || last != 25 || !slices.Equal(progress, []progressCall{{25, 25}}) {
			t.Errorf("Reindex(batch 0) = %d, %v, progress %v; want one batch to 25", last, err, progress)
		}
	})
	t.Run("BatchEndingAtTheLastRow", func(t *testing.T) {
		// 19 rows in batches of 19: the full batch is followed by one more read, which is empty.
		ix := newRecordingIndex()
		var progress []progressCall
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, 0, 19, func(d, m uint32) {
			progress = append(progress, progressCall{d, m})
		})
		if err != nil || last != 25 || !slices.Equal(progress, []progressCall{{25, 25}}) {
			t.Errorf("Reindex(batch 19) = %d, %v, progress %v; want one batch to 25", last, err, progress)
		}
	})
	t.Run("RowAddedDuringTheWalk", func(t *testing.T) {
		// The greatest id is read once, for progress; the walk goes on to the rows after it.
		s := reindexStore()
		ix := newRecordingIndex()
		var progress []progressCall
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, 0, 10, func(d, m uint32) {
			progress = append(progress, progressCall{d, m})
			if d == 13 {
				s.PutSubject(subject.Subject{ID: 30, Type: subject.TypeAnime, Name: "new"})
			}
		})
		if err != nil || last != 30 {
			t.Fatalf("Reindex() = %d, %v; want 30, nil", last, err)
		}
		if diff := cmp.Diff([]progressCall{{13, 25}, {30, 30}}, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
		if !slices.Contains(ix.stored(search.KindSubject), 30) {
			t.Errorf("stored subjects %v, want 30 in them", ix.stored(search.KindSubject))
		}
	})
}

// A stop (ctx) or a failed read or Sync ends the walk with the last id completed, from which
// a rerun resumes.
func TestSearchIndexer_Reindex_Stops(t *testing.T) {
	s := reindexStore()
	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		ix := newRecordingIndex()
		last, err := newIndexer(s, ix).Reindex(ctx, search.KindSubject, 0, 10, func(done, _ uint32) {
			if done == 13 {
				cancel()
			}
		})
		if last != 13 || !errors.Is(err, context.Canceled) || !errors.Is(err, usecase.ErrReindexStopped) {
			t.Errorf("Reindex() = %d, %v; want 13 and an error wrapping ErrReindexStopped and context.Canceled", last, err)
		}
		// Resumed from there, the rest is done.
		last, err = newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, last, 10, nil)
		if err != nil || last != 25 {
			t.Fatalf("Reindex(from 13) = %d, %v; want 25, nil", last, err)
		}
		if got := ix.stored(search.KindSubject); len(got) != 18 || got[len(got)-1] != 24 {
			t.Errorf("stored subjects %v, want the 18 indexable rows, 1 to 24", got)
		}
	})
	t.Run("SyncFails", func(t *testing.T) {
		ix := newRecordingIndex()
		down := errors.New("index down")
		ix.fail = func(c indexCall) error {
			if c.IDs[0] > 13 {
				return down
			}
			return nil
		}
		last, err := newIndexer(s, ix).Reindex(t.Context(), search.KindSubject, 0, 10, nil)
		if last != 13 || !errors.Is(err, down) {
			t.Errorf("Reindex() = %d, %v; want 13 and the index's error", last, err)
		}
	})
	t.Run("MaxIDFails", func(t *testing.T) {
		x := newIndexer(s, newRecordingIndex())
		x.Characters = failingIDs{maxErr: errors.New("mysql down")}
		last, err := x.Reindex(t.Context(), search.KindCharacter, 3, 10, nil)
		if last != 3 || err == nil {
			t.Errorf("Reindex() = %d, %v; want 3 and an error", last, err)
		}
	})
	t.Run("IDsAfterFails", func(t *testing.T) {
		down := errors.New("mysql down")
		x := newIndexer(s, newRecordingIndex())
		x.Characters = failingIDs{idsErr: down}
		last, err := x.Reindex(t.Context(), search.KindCharacter, 3, 10, nil)
		if last != 3 || !errors.Is(err, down) {
			t.Errorf("Reindex() = %d, %v; want 3 and the repository's error", last, err)
		}
	})
	t.Run("IDsNotAfterTheLast", func(t *testing.T) {
		// A broken repository ends the walk with an error instead of looping on one id.
		x := newIndexer(s, newRecordingIndex())
		x.Characters = notAfterIDs{x.Characters}
		last, err := x.Reindex(t.Context(), search.KindCharacter, 3, 1, nil)
		if last != 3 || err == nil {
			t.Errorf("Reindex() = %d, %v; want 3 and an error", last, err)
		}
	})
}

// notAfterIDs is a character repository whose IDsAfter lists after itself (>= instead of >).
type notAfterIDs struct{ ports.CharacterRepository }

func (notAfterIDs) MaxID(context.Context) (uint32, error) { return 9, nil }

func (notAfterIDs) IDsAfter(_ context.Context, after uint32, _ int) ([]uint32, error) {
	return []uint32{after}, nil
}

// failingIDs is a character repository whose MaxID or IDsAfter fails.
type failingIDs struct {
	ports.CharacterRepository
	maxErr, idsErr error
}

func (f failingIDs) MaxID(context.Context) (uint32, error) { return 9, f.maxErr }

func (f failingIDs) IDsAfter(context.Context, uint32, int) ([]uint32, error) {
	return nil, f.idsErr
}
