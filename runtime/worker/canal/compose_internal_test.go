package canal

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// flakyIndex fails its first writes.
type flakyIndex struct {
	ports.SearchIndex
	failures atomic.Int64
}

func (f *flakyIndex) Upsert(ctx context.Context, d search.Documents) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("index down")
	}
	return f.SearchIndex.Upsert(ctx, d)
}

// The first run builds every empty index from the data (retrying a failed walk), and leaves
// an index that holds documents alone.
func TestBuildEmptyIndexes(t *testing.T) {
	store := inmem.NewStore()
	store.PutSubject(subject.Subject{ID: 1, Name: "one", Type: 2}, subject.Subject{ID: 5, Name: "five", Type: 2},
		subject.Subject{ID: 6, Name: "merged", Type: 2, Redirect: 5})
	store.PutCharacter(character.Character{ID: 1, Name: "c1"}, character.Character{ID: 2, Name: "c2"})
	store.PutPerson(person.Person{ID: 3, Name: "p3"})
	bl, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bl.Close() })
	// The character index was built before: one document, which the first run must not redo.
	if err := bl.Upsert(t.Context(), search.Documents{Characters: []search.CharacterDoc{{ID: 9, Name: "kept"}}}); err != nil {
		t.Fatal(err)
	}
	ix := &flakyIndex{SearchIndex: bl}
	ix.failures.Store(1)
	x := &usecase.SearchIndexer{Index: ix, Subjects: store.Subjects(), Characters: store.Characters(), Persons: store.Persons()}

	var buf syncBuffer
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	wait := buildEmptyIndexes(ctx, x, slog.New(slog.NewJSONHandler(&buf, nil)), time.Hour)
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the first run did not finish within 20s:\n%s", buf.String())
	}
	for kind, want := range map[search.Kind]int64{search.KindSubject: 2, search.KindCharacter: 1, search.KindPerson: 1} {
		if n, err := bl.Count(t.Context(), kind); err != nil || n != want {
			t.Errorf("%s: %d documents, %v; want %d", kind, n, err, want)
		}
	}
	out := buf.String()
	if strings.Count(out, "search index is empty, building it") != 2 || strings.Count(out, "search index built") != 2 ||
		!strings.Contains(out, "building the search index failed; retrying") {
		t.Errorf("log does not show two builds, one of them retried:\n%s", out)
	}
}

// A stop ends the first run.
func TestBuildEmptyIndexes_Stops(t *testing.T) {
	store := inmem.NewStore()
	store.PutSubject(subject.Subject{ID: 1, Name: "one", Type: 2})
	bl, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bl.Close() })
	ix := &flakyIndex{SearchIndex: bl}
	ix.failures.Store(1 << 30) // never up
	x := &usecase.SearchIndexer{Index: ix, Subjects: store.Subjects(), Characters: store.Characters(), Persons: store.Persons()}
	ctx, cancel := context.WithCancel(t.Context())
	wait := buildEmptyIndexes(ctx, x, slog.New(slog.DiscardHandler), time.Hour)
	time.Sleep(50 * time.Millisecond)
	cancel()
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the first run did not stop within 5s of the cancel")
	}
}
