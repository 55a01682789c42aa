package bleveindex_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/ports"
)

func open(tb testing.TB, dir string) *bleveindex.Index {
	tb.Helper()
	ix, err := bleveindex.Open(dir)
	if err != nil {
		tb.Fatalf("Open(%q): %v", dir, err)
	}
	tb.Cleanup(func() {
		if err := ix.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return ix
}

func TestSearchIndex_Memory(t *testing.T) {
	contracttests.SearchIndex(t, func(t *testing.T) ports.SearchIndex { return open(t, "") })
}

func TestSearchIndex_Directory(t *testing.T) {
	contracttests.SearchIndex(t, func(t *testing.T) ports.SearchIndex { return open(t, t.TempDir()) })
}

func upsert(tb testing.TB, ix ports.SearchIndex, docs search.Documents) {
	tb.Helper()
	if err := ix.Upsert(context.Background(), docs); err != nil {
		tb.Fatalf("Upsert: %v", err)
	}
}

func ids(tb testing.TB, ix ports.SearchIndex, q search.Query) search.Result {
	tb.Helper()
	if q.Limit == 0 {
		q.Limit = 20
	}
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		tb.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func wantIDs(tb testing.TB, ix ports.SearchIndex, q search.Query, want []uint32, rule string) {
	tb.Helper()
	if got := ids(tb, ix, q).IDs; !slices.Equal(got, want) {
		tb.Errorf("Search(%+v) = %v; want %v: %s", q, got, want, rule)
	}
}

func TestIndex_ReopenKeepsDocuments(t *testing.T) {
	dir := t.TempDir()
	ix, err := bleveindex.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, search.Documents{
		Subjects:   []search.SubjectDoc{{ID: 1, Name: "Durable Subject", Tag: []string{"kept"}, Rank: 3}, {ID: 2, Name: "Deleted Subject"}},
		Characters: []search.CharacterDoc{{ID: 1, Name: "Durable Character", NSFW: true}},
		Persons:    []search.PersonDoc{{ID: 1, Name: "Durable Person", Career: []string{"seiyu"}}},
	})
	if err := ix.Delete(context.Background(), search.KindSubject, 2); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	ix = open(t, dir)
	for kind, want := range map[search.Kind]int64{search.KindSubject: 1, search.KindCharacter: 1, search.KindPerson: 1} {
		if n, err := ix.Count(context.Background(), kind); err != nil || n != want {
			t.Errorf("after reopen, Count(%s) = %d, %v; want %d (writes are durable when they return)", kind, n, err, want)
		}
	}
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "Durable"}, []uint32{1}, "a reopened index finds what was written")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "Deleted"}, nil, "a reopened index does not find what was deleted")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Sort: search.SortRank, Filter: search.Filter{{{Field: search.FieldTag, Op: search.Eq, Value: search.String("kept")}}}}, []uint32{1},
		"filters and sorts work on a reopened index")
	wantIDs(t, ix, search.Query{Kind: search.KindCharacter, Filter: search.Filter{{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(true)}}}}, []uint32{1},
		"a reopened character index keeps its fields")
	wantIDs(t, ix, search.Query{Kind: search.KindPerson, Filter: search.Filter{{{Field: search.FieldCareer, Op: search.Eq, Value: search.String("seiyu")}}}}, []uint32{1},
		"a reopened person index keeps its fields")
}

// The embedded index orders by the sort key also with a keyword (domain/search.Sort's doc).
func TestIndex_KeywordWithSortOrdersBySortKey(t *testing.T) {
	ix := open(t, "")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{
		{ID: 1, Name: "Mecha", Heat: 5, Score: 6, Rank: 0},               // exact name: most relevant
		{ID: 2, Name: "Mecha Mecha Story", Heat: 50, Score: 9, Rank: 40}, // contains the word
		{ID: 3, Name: "Real Robot Mecha", Heat: 20, Score: 7, Rank: 2},
		{ID: 4, Name: "Unrelated", Heat: 999, Score: 10, Rank: 1},
	}})
	first := ids(t, ix, search.Query{Kind: search.KindSubject, Keyword: "mecha"}).IDs
	if len(first) != 3 || first[0] != 1 {
		t.Fatalf("sort=match: %v; want the exact name 1 first among 3 hits", first)
	}
	for _, tc := range []struct {
		sort search.Sort
		want []uint32
	}{
		{search.SortHeat, []uint32{2, 3, 1}},
		{search.SortScore, []uint32{2, 3, 1}},
		{search.SortRank, []uint32{3, 2, 1}},
	} {
		wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "mecha", Sort: tc.sort}, tc.want,
			"with a keyword, an explicit sort orders the hits strictly by its key, not by relevance")
	}
}

func TestIndex_CJKSingleCharacterAndHangul(t *testing.T) {
	ix := open(t, "")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{
		{ID: 1, Name: "叛逆的鲁路修", Aliases: []string{"진격의 거인"}},
		{ID: 2, Name: "進撃の巨人"},
	}})
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "鲁"}, []uint32{1}, "a one-character CJK keyword finds the character inside a name (unigrams are indexed)")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "진격"}, []uint32{1}, "a Hangul substring finds the alias (Hangul is cut into bigrams)")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "ＲＥＢＥＬ"}, nil, "full-width Latin is folded (and finds nothing here)")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{{ID: 3, Name: "Rebel Ｓｔａｒ"}}})
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "star"}, []uint32{3}, "full-width letters in a name are folded to ASCII")
}

func TestIndex_FilterDoesNotChangeRelevance(t *testing.T) {
	ix := open(t, "")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{
		{ID: 1, Name: "Orbit Orbit Orbit Saga", Tag: []string{"space", "a", "b", "c", "d"}, Type: 2},
		{ID: 2, Name: "Orbit", Tag: []string{"space"}, Type: 1},
		{ID: 3, Name: "Orbit Tales", Tag: []string{"space", "a"}, Type: 2},
	}})
	plain := ids(t, ix, search.Query{Kind: search.KindSubject, Keyword: "orbit"}).IDs
	for _, f := range []search.Filter{
		{{{Field: search.FieldTag, Op: search.Eq, Value: search.String("space")}}},
		{{{Field: search.FieldType, Op: search.Eq, Value: search.Number(1)}, {Field: search.FieldType, Op: search.Eq, Value: search.Number(2)}}},
		{{{Field: search.FieldDate, Op: search.Lt, Value: search.Number(1)}, {Field: search.FieldRank, Op: search.Ge, Value: search.Number(0)}}},
	} {
		wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "orbit", Filter: f}, plain,
			"a filter every hit satisfies leaves the relevance order unchanged")
	}
}

func TestIndex_OddKeywords(t *testing.T) {
	ix := open(t, "")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{{ID: 1, Name: "!!!"}, {ID: 2, Name: "Hello World"}}})
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "!!!"}, []uint32{1}, "a keyword of separators only finds a name that is exactly it")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "   "}, []uint32{1, 2}, "a blank keyword is the placeholder search")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: `name:hello AND world*`}, nil, "query-string syntax is text, not syntax (\"name\", \"and\" are words no document has)")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: `"hello" (world)`}, []uint32{2}, "quotes and parentheses are separators")
}

func TestIndex_DuplicateIDsInOneUpsert(t *testing.T) {
	ix := open(t, "")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{{ID: 1, Name: "Older"}, {ID: 1, Name: "Newer"}}})
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "newer"}, []uint32{1}, "the last document of an id in one batch wins")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "older"}, nil, "the earlier document of the same id is replaced")
}

func TestIndex_Invalid(t *testing.T) {
	ix := open(t, "")
	ctx := context.Background()
	for name, q := range map[string]search.Query{
		"UnknownKind":       {Kind: 9},
		"NegativeOffset":    {Kind: search.KindSubject, Offset: -1, Limit: 1},
		"NegativeLimit":     {Kind: search.KindSubject, Limit: -1},
		"SortHeatCharacter": {Kind: search.KindCharacter, Sort: search.SortHeat, Limit: 1},
		"SortRankPerson":    {Kind: search.KindPerson, Sort: search.SortRank, Limit: 1},
		"UnknownSort":       {Kind: search.KindSubject, Sort: 42, Limit: 1},
		"StringOnNumber":    {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{{Field: search.FieldRank, Op: search.Eq, Value: search.String("1")}}}},
		"NumberOnBool":      {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Number(1)}}}},
		"BoolGt":            {Kind: search.KindCharacter, Limit: 1, Filter: search.Filter{{{Field: search.FieldNSFW, Op: search.Gt, Value: search.Bool(true)}}}},
		"UnknownOp":         {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{{Field: search.FieldRank, Op: 0, Value: search.Number(1)}}}},
		"NaN":               {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{{Field: search.FieldScore, Op: search.Gt, Value: search.Number(nan())}}}},
	} {
		if _, err := ix.Search(ctx, q); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: Search(%+v) error = %v; want domain.ErrInvalid", name, q, err)
		}
	}
	if err := ix.Delete(ctx, 9, 1); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Delete(unknown kind) = %v; want domain.ErrInvalid", err)
	}
	if _, err := ix.Count(ctx, 0); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Count(unknown kind) = %v; want domain.ErrInvalid", err)
	}
}

func nan() float64 { var z float64; return z / z }

func TestIndex_LimitZeroCountsOnly(t *testing.T) {
	ix := open(t, "")
	upsert(t, ix, search.Documents{Subjects: []search.SubjectDoc{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}})
	res, err := ix.Search(context.Background(), search.Query{Kind: search.KindSubject})
	if err != nil || len(res.IDs) != 0 || res.Total != 2 {
		t.Errorf("Search(Limit 0) = %v, %v; want no ids and Total 2", res, err)
	}
}

func TestIndex_CanceledContext(t *testing.T) {
	ix := open(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ix.Upsert(ctx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1, Name: "a"}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Upsert = %v; want context.Canceled", err)
	}
	if err := ix.Delete(ctx, search.KindSubject, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete = %v; want context.Canceled", err)
	}
	if _, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Limit: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search = %v; want context.Canceled", err)
	}
	if _, err := ix.Count(ctx, search.KindSubject); !errors.Is(err, context.Canceled) {
		t.Errorf("Count = %v; want context.Canceled", err)
	}
	if n, _ := ix.Count(context.Background(), search.KindSubject); n != 0 {
		t.Errorf("Count after a canceled Upsert = %d; want 0 (nothing written)", n)
	}
}

// A large Upsert is split into concurrent batches; an id given twice must still end as its
// last document, wherever the split falls.
func TestIndex_LargeUpsertLastDocumentWins(t *testing.T) {
	ix := open(t, t.TempDir())
	docs := []search.SubjectDoc{{ID: 1, Name: "Original"}}
	for id := uint32(2); id <= 1200; id++ {
		docs = append(docs, search.SubjectDoc{ID: id, Name: "Bulk"})
	}
	docs = append(docs, search.SubjectDoc{ID: 1, Name: "Replacement"})
	upsert(t, ix, search.Documents{Subjects: docs})
	if n, err := ix.Count(context.Background(), search.KindSubject); err != nil || n != 1200 {
		t.Errorf("Count = %d, %v; want 1200", n, err)
	}
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "original"}, nil, "the earlier document of id 1 is replaced")
	wantIDs(t, ix, search.Query{Kind: search.KindSubject, Keyword: "replacement"}, []uint32{1}, "the last document of id 1 wins")
	if res := ids(t, ix, search.Query{Kind: search.KindSubject, Keyword: "bulk", Limit: 1}); res.Total != 1199 {
		t.Errorf("Total of bulk = %d; want 1199", res.Total)
	}
}
