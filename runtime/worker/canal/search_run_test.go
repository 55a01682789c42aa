package canal_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// spyIndex is the embedded index with a record of the documents written to it (so a test can
// compare them whole) and a switch that makes every write fail (an index that is down).
type spyIndex struct {
	ports.SearchIndex
	down     atomic.Bool
	failures atomic.Int64

	mu      sync.Mutex
	written map[search.Kind]map[uint32]any // the last document written of each id
	deleted map[search.Kind][]uint32
}

func newSpyIndex(tb testing.TB) *spyIndex {
	tb.Helper()
	ix, err := bleveindex.Open("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return &spyIndex{SearchIndex: ix, written: map[search.Kind]map[uint32]any{
		search.KindSubject: {}, search.KindCharacter: {}, search.KindPerson: {},
	}, deleted: map[search.Kind][]uint32{}}
}

var errIndexDown = errors.New("index down")

func (s *spyIndex) Upsert(ctx context.Context, docs search.Documents) error {
	if s.down.Load() {
		s.failures.Add(1)
		return errIndexDown
	}
	if err := s.SearchIndex.Upsert(ctx, docs); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range docs.Subjects {
		s.written[search.KindSubject][d.ID] = d
	}
	for _, d := range docs.Characters {
		s.written[search.KindCharacter][d.ID] = d
	}
	for _, d := range docs.Persons {
		s.written[search.KindPerson][d.ID] = d
	}
	return nil
}

func (s *spyIndex) Delete(ctx context.Context, kind search.Kind, ids ...uint32) error {
	if s.down.Load() {
		s.failures.Add(1)
		return errIndexDown
	}
	if err := s.SearchIndex.Delete(ctx, kind, ids...); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.written[kind], id)
	}
	s.deleted[kind] = append(s.deleted[kind], ids...)
	return nil
}

func (s *spyIndex) doc(kind search.Kind, id uint32) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.written[kind][id]
	return d, ok
}

func (s *spyIndex) wasDeleted(kind search.Kind, id uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.deleted[kind], id)
}

// searchPipeline is the canal worker's search path on real parts: a consumer group on an
// in-process Kafka, the dispatcher with the batched SearchHandler, SearchIndexer on MySQL
// (the dev-env data) and the embedded index.
type searchPipeline struct {
	t       *testing.T
	brokers []string
	db      *sql.DB
	ix      *spyIndex
	writer  *kafka.Writer
	sent    int64 // messages produced so far (= the offset committed once all are handled)
}

const (
	searchTopic = "debezium.chii.bangumi.search"
	searchGroup = "chii-canal-search-test"
)

func startSearchPipeline(t *testing.T) *searchPipeline {
	t.Helper()
	_, db := testenv.MySQL(t, testenv.WithData())
	brokers := testenv.Kafka(t, searchTopic)
	p := &searchPipeline{t: t, brokers: brokers, db: db, ix: newSpyIndex(t)}
	indexer := &usecase.SearchIndexer{
		Index:      p.ix,
		Subjects:   mysqldb.NewSubjectRepository(db),
		Characters: mysqldb.NewCharacterRepository(db),
		Persons:    mysqldb.NewPersonRepository(db),
	}
	logger := slog.New(slog.DiscardHandler)
	disp := canal.NewDispatcher(logger, nil).WithBatch(canal.SearchHandler(indexer, logger), canal.SearchTables...)

	reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{
		Brokers: brokers, Topics: []string{searchTopic}, GroupID: searchGroup, MaxWait: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: brokers, Topic: searchTopic})
	if err != nil {
		t.Fatal(err)
	}
	p.writer = w

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- consume.RunBatch(ctx, consume.BatchOptions{
			Reader: reader, Handler: disp.HandleBatch, Logger: logger, Linger: 50 * time.Millisecond,
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunBatch() = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("RunBatch() did not return within 10s of the cancel")
		}
		_ = reader.Close()
		_ = w.Close()
	})
	return p
}

// exec runs a statement on the dev-env database.
func (p *searchPipeline) exec(query string, args ...any) {
	p.t.Helper()
	if _, err := p.db.ExecContext(p.t.Context(), query, args...); err != nil {
		p.t.Fatalf("%s: %v", query, err)
	}
}

// produce sends change events.
func (p *searchPipeline) produce(msgs ...kafka.Message) {
	p.t.Helper()
	for i := range msgs {
		msgs[i].Topic = "" // the writer's topic
	}
	ctx, cancel := context.WithTimeout(p.t.Context(), 20*time.Second)
	defer cancel()
	if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
		p.t.Fatal(err)
	}
	p.sent += int64(len(msgs))
}

// waitCommitted waits until the group has committed every message produced so far.
func (p *searchPipeline) waitCommitted(what string) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := testenv.CommittedOffset(p.t, p.brokers, searchGroup, searchTopic)
		if got == p.sent {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: committed offset = %d after 30s, want %d", what, got, p.sent)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// found searches kind for keyword in the index and reports whether id is a hit.
func (p *searchPipeline) found(kind search.Kind, keyword string, id uint32) bool {
	p.t.Helper()
	r, err := p.ix.Search(p.t.Context(), search.Query{Kind: kind, Keyword: keyword, Limit: 100})
	if err != nil {
		p.t.Fatalf("Search(%s %q): %v", kind, keyword, err)
	}
	return slices.Contains(r.IDs, id)
}

// wantDocument checks that the index holds the whole document of the row as MySQL has it now.
func (p *searchPipeline) wantDocument(kind search.Kind, id uint32) {
	p.t.Helper()
	ctx := p.t.Context()
	var (
		want  any
		index bool
		err   error
	)
	switch kind {
	case search.KindSubject:
		want, index, err = readBack(ctx, mysqldb.NewSubjectRepository(p.db).Get, search.SubjectDocument, id)
	case search.KindCharacter:
		want, index, err = readBack(ctx, mysqldb.NewCharacterRepository(p.db).Get, search.CharacterDocument, id)
	case search.KindPerson:
		want, index, err = readBack(ctx, mysqldb.NewPersonRepository(p.db).Get, search.PersonDocument, id)
	}
	if err != nil || !index {
		p.t.Fatalf("%s %d read back: %v, indexable %v", kind, id, err, index)
	}
	got, ok := p.ix.doc(kind, id)
	if !ok {
		p.t.Fatalf("%s %d: no document written", kind, id)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		p.t.Errorf("%s %d: document (-want: built from the row read back, +got: written):\n%s", kind, id, diff)
	}
}

// readBack reads row id with get and builds its document.
func readBack[E, D any](ctx context.Context, get func(context.Context, uint32) (E, error), build func(E) (D, bool), id uint32) (any, bool, error) {
	row, err := get(ctx, id)
	if err != nil {
		return nil, false, err
	}
	d, ok := build(row)
	return d, ok, nil
}

// TestSearch_ChangeEventsKeepTheIndexEqualToMySQL runs change events of the four search
// tables through the consume loop, the dispatcher and SearchIndexer on the dev-env data:
// after each row change and its event, the index holds the whole document of the row read
// back (or none, for a deleted, merged or banned row), and the offsets are committed only
// after the index write.
func TestSearch_ChangeEventsKeepTheIndexEqualToMySQL(t *testing.T) {
	p := startSearchPipeline(t)

	t.Run("chii_subjects", func(t *testing.T) {
		p.t = t
		p.exec("UPDATE chii_subjects SET subject_name = ? WHERE subject_id = 8", "Chiitest Geass")
		p.produce(event("chii_subjects", "u", `{"subject_id":8}`, `{"subject_id":8,"subject_name":"コードギアス"}`,
			`{"subject_id":8,"subject_name":"Chiitest Geass"}`))
		p.waitCommitted("subject 8 renamed")
		p.wantDocument(search.KindSubject, 8)
		if !p.found(search.KindSubject, "Chiitest Geass", 8) {
			t.Error("subject 8 is not found by its new name")
		}
	})
	t.Run("chii_subject_fields", func(t *testing.T) {
		p.t = t
		old, _ := p.ix.doc(search.KindSubject, 8)
		oldTags := old.(search.SubjectDoc).Tag
		if len(oldTags) == 0 {
			t.Fatal("subject 8 of the data set has no tags")
		}
		p.exec("UPDATE chii_subject_fields SET field_date = '2001-02-03', field_tags = '' WHERE field_sid = 8")
		p.produce(event("chii_subject_fields", "u", `{"field_sid":8}`, `{"field_sid":8}`, `{"field_sid":8,"field_date":11356}`))
		p.waitCommitted("subject 8's fields changed")
		p.wantDocument(search.KindSubject, 8)
		d, _ := p.ix.doc(search.KindSubject, 8)
		if sd := d.(search.SubjectDoc); sd.Date != 20010203 || len(sd.Tag) != 0 {
			t.Errorf("subject 8's document = date %d, tags %v; want 20010203 and none", sd.Date, sd.Tag)
		}
		// Whole documents: the new date is found, the tags the old document had are not.
		r, err := p.ix.Search(t.Context(), search.Query{Kind: search.KindSubject, Filter: search.Filter{
			{{Field: search.FieldDate, Op: search.Eq, Value: search.Number(20010203)}},
		}, Limit: 10})
		if err != nil || !slices.Equal(r.IDs, []uint32{8}) {
			t.Errorf("date = 20010203 finds %v, %v; want [8]", r.IDs, err)
		}
		r, err = p.ix.Search(t.Context(), search.Query{Kind: search.KindSubject, Filter: search.Filter{
			{{Field: search.FieldTag, Op: search.Eq, Value: search.String(oldTags[0])}},
		}, Limit: 100})
		if err != nil || slices.Contains(r.IDs, 8) {
			t.Errorf("tag = %q finds %v, %v; want subject 8 no more", oldTags[0], r.IDs, err)
		}
	})
	t.Run("chii_subject_fields/Redirected", func(t *testing.T) {
		p.t = t
		p.exec("UPDATE chii_subject_fields SET field_redirect = 9 WHERE field_sid = 8")
		p.produce(event("chii_subject_fields", "u", `{"field_sid":8}`, `{"field_sid":8}`, `{"field_sid":8,"field_redirect":9}`))
		p.waitCommitted("subject 8 merged")
		if _, ok := p.ix.doc(search.KindSubject, 8); ok || !p.ix.wasDeleted(search.KindSubject, 8) {
			t.Error("the merged subject 8 was not deleted from the index")
		}
		if p.found(search.KindSubject, "Chiitest Geass", 8) {
			t.Error("the merged subject 8 is still found")
		}
	})
	t.Run("chii_subjects/Deleted", func(t *testing.T) {
		p.t = t
		var id uint32 // a subject of the data set that is in the index
		if err := p.db.QueryRowContext(t.Context(), `SELECT s.subject_id FROM chii_subjects s
			JOIN chii_subject_fields f ON f.field_sid = s.subject_id
			WHERE s.subject_ban = 0 AND f.field_redirect = 0 AND s.subject_id <> 8 ORDER BY s.subject_id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		p.exec("UPDATE chii_subjects SET subject_name = ? WHERE subject_id = ?", "Chiitest Sky", id)
		p.produce(event("chii_subjects", "r", fmt.Sprintf(`{"subject_id":%d}`, id), "", fmt.Sprintf(`{"subject_id":%d}`, id)))
		p.waitCommitted(fmt.Sprintf("subject %d snapshot", id))
		p.wantDocument(search.KindSubject, id)
		p.exec("DELETE FROM chii_subjects WHERE subject_id = ?", id)
		p.produce(event("chii_subjects", "d", fmt.Sprintf(`{"subject_id":%d}`, id), fmt.Sprintf(`{"subject_id":%d}`, id), ""))
		p.waitCommitted(fmt.Sprintf("subject %d deleted", id))
		if _, ok := p.ix.doc(search.KindSubject, id); ok || p.found(search.KindSubject, "Chiitest Sky", id) {
			t.Errorf("the deleted subject %d is still in the index", id)
		}
	})
	t.Run("chii_characters", func(t *testing.T) {
		p.t = t
		for _, name := range []string{"Chiitest Alpha", "Chiitest Omega"} {
			p.exec("UPDATE chii_characters SET crt_name = ?, crt_collects = crt_collects + 1 WHERE crt_id = 1", name)
			p.produce(event("chii_characters", "u", `{"crt_id":1}`, `{"crt_id":1}`, fmt.Sprintf(`{"crt_id":1,"crt_name":%q}`, name)))
			p.waitCommitted("character 1 renamed to " + name)
			p.wantDocument(search.KindCharacter, 1)
		}
		// Whole documents: the old name is gone from the index.
		if !p.found(search.KindCharacter, "Chiitest Omega", 1) || p.found(search.KindCharacter, "Alpha", 1) {
			t.Error("character 1 is not found by its new name only")
		}
		p.exec("DELETE FROM chii_characters WHERE crt_id = 1")
		p.produce(event("chii_characters", "d", `{"crt_id":1}`, `{"crt_id":1}`, ""))
		p.waitCommitted("character 1 deleted")
		if _, ok := p.ix.doc(search.KindCharacter, 1); ok || p.found(search.KindCharacter, "Chiitest Omega", 1) {
			t.Error("the deleted character 1 is still in the index")
		}
	})
	t.Run("chii_persons", func(t *testing.T) {
		p.t = t
		p.exec("UPDATE chii_persons SET prsn_name = ?, prsn_writer = 1 WHERE prsn_id = 1", "Chiitest Person")
		p.produce(event("chii_persons", "c", `{"prsn_id":1}`, "", `{"prsn_id":1}`))
		p.waitCommitted("person 1 changed")
		p.wantDocument(search.KindPerson, 1)
		if !p.found(search.KindPerson, "Chiitest Person", 1) {
			t.Error("person 1 is not found by its new name")
		}
		p.exec("DELETE FROM chii_persons WHERE prsn_id = 1")
		// No key: the id comes from the row image.
		p.produce(event("chii_persons", "d", "", `{"prsn_id":1,"prsn_name":"Chiitest Person"}`, ""))
		p.waitCommitted("person 1 deleted")
		if _, ok := p.ix.doc(search.KindPerson, 1); ok || p.found(search.KindPerson, "Chiitest Person", 1) {
			t.Error("the deleted person 1 is still in the index")
		}
	})
	// With the index down nothing is committed: the batch is retried, holding its partition;
	// when the index is back, the retry writes the row as it is then and commits.
	t.Run("IndexDown", func(t *testing.T) {
		p.t = t
		before := p.sent
		p.ix.down.Store(true)
		p.exec("UPDATE chii_persons SET prsn_name = ? WHERE prsn_id = 2", "Chiitest Down")
		p.produce(event("chii_persons", "u", `{"prsn_id":2}`, `{"prsn_id":2}`, `{"prsn_id":2}`))
		deadline := time.Now().Add(30 * time.Second)
		for p.ix.failures.Load() < 3 {
			if time.Now().After(deadline) {
				t.Fatalf("the failing write was attempted %d times in 30s, want it retried", p.ix.failures.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := testenv.CommittedOffset(t, p.brokers, searchGroup, searchTopic); got != before {
			t.Fatalf("committed offset = %d while the index is down, want %d (nothing after the failure)", got, before)
		}
		p.exec("UPDATE chii_persons SET prsn_name = ? WHERE prsn_id = 2", "Chiitest Back")
		p.ix.down.Store(false)
		p.waitCommitted("the index is back")
		p.wantDocument(search.KindPerson, 2)
		if !p.found(search.KindPerson, "Chiitest Back", 2) {
			t.Error("person 2 is not found by the name it has when the index came back")
		}
	})
}
