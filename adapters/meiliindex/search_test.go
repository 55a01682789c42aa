package meiliindex_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
)

func cond(field string, op search.Op, v search.Value) search.Cond {
	return search.Cond{Field: field, Op: op, Value: v}
}

// TestIndex_Search_Body pins the whole JSON body of a search: bangumi's filter strings in the
// array syntax, the sort, the page.
func TestIndex_Search_Body(t *testing.T) {
	tests := map[string]struct {
		q    search.Query
		want string // the body without "hybrid" (the client's null)
	}{
		"EveryFilterKind": {
			q: search.Query{Kind: search.KindSubject, Keyword: "ギアス", Limit: 10, Offset: 20, Filter: search.Filter{
				{cond(search.FieldDate, search.Ge, search.Number(20080101))},
				{cond(search.FieldType, search.Eq, search.Number(2)), cond(search.FieldType, search.Eq, search.Number(6))},
				{cond(search.FieldNSFW, search.Eq, search.Bool(false))},
				{cond(search.FieldTag, search.Eq, search.String("原创"))},
			}},
			want: `{"q":"ギアス","offset":20,"limit":10,"attributesToRetrieve":["id"],` +
				`"filter":[["date >= 20080101"],["type = 2","type = 6"],["nsfw = false"],["tag = \"原创\""]]}`,
		},
		"NumbersAndOperators": {
			q: search.Query{Kind: search.KindSubject, Limit: 5, Filter: search.Filter{
				{cond(search.FieldRank, search.Gt, search.Number(10))},
				{cond(search.FieldScore, search.Ge, search.Number(7.5))},
				{cond(search.FieldScore, search.Lt, search.Number(9))},
				{cond(search.FieldRatingCount, search.Le, search.Number(1e7))},
				{cond(search.FieldDate, search.Eq, search.Number(20080406))},
				{cond(search.FieldRank, search.Gt, search.Number(math.Copysign(0, -1)))},
			}},
			want: `{"q":"","limit":5,"attributesToRetrieve":["id"],"filter":[["rank > 10"],["score >= 7.5"],` +
				`["score < 9"],["rating_count <= 10000000"],["date = 20080406"],["rank > 0"]]}`,
		},
		"StringsGoQuoted": {
			q: search.Query{Kind: search.KindSubject, Limit: 1, Filter: search.Filter{
				{cond(search.FieldMetaTag, search.Eq, search.String(""))},
				{cond(search.FieldTag, search.Eq, search.String(`a "b" \c`+"\n"))},
			}},
			want: `{"q":"","limit":1,"attributesToRetrieve":["id"],` +
				`"filter":[["meta_tag = \"\""],["tag = \"a \\\"b\\\" \\\\c\\n\""]]}`,
		},
		"CharacterNSFW": {
			q: search.Query{Kind: search.KindCharacter, Keyword: "x", Limit: 10, Filter: search.Filter{
				{cond(search.FieldNSFW, search.Eq, search.Bool(true))},
			}},
			want: `{"q":"x","limit":10,"attributesToRetrieve":["id"],"filter":[["nsfw = true"]]}`,
		},
		"PersonCareer": {
			q: search.Query{Kind: search.KindPerson, Limit: 10, Filter: search.Filter{
				{cond(search.FieldCareer, search.Eq, search.String("seiyu"))},
				{cond(search.FieldCareer, search.Eq, search.String("actor"))},
			}},
			want: `{"q":"","limit":10,"attributesToRetrieve":["id"],"filter":[["career = \"seiyu\""],["career = \"actor\""]]}`,
		},
		"NoFilterNoSort": {
			q:    search.Query{Kind: search.KindSubject, Keyword: "k", Limit: 10},
			want: `{"q":"k","limit":10,"attributesToRetrieve":["id"]}`,
		},
		"SortHeat": {
			q:    search.Query{Kind: search.KindSubject, Sort: search.SortHeat, Limit: 10},
			want: `{"q":"","limit":10,"attributesToRetrieve":["id"],"sort":["heat:desc"]}`,
		},
		"SortScore": {
			q:    search.Query{Kind: search.KindSubject, Sort: search.SortScore, Limit: 10},
			want: `{"q":"","limit":10,"attributesToRetrieve":["id"],"sort":["score:desc"]}`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			ix, ctx := open(t, f)
			if _, err := ix.Search(ctx, tt.q); err != nil {
				t.Fatalf("Search: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests:\n%s want one search", describe(reqs))
			}
			r := reqs[0]
			if want := "/indexes/" + tt.q.Kind.String() + "/search"; r.Method != "POST" || r.Path != want {
				t.Errorf("request %s %s, want POST %s", r.Method, r.Path, want)
			}
			var got, want map[string]any
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatal(err)
			}
			delete(got, "hybrid")
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("search body mismatch (-want +got):\n%s\nbody: %s", diff, r.Body)
			}
		})
	}
}

// TestIndex_Search_FilterArray compares the filter array byte for byte.
func TestIndex_Search_FilterArray(t *testing.T) {
	f := newFake(t)
	ix, ctx := open(t, f)
	_, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Limit: 10, Filter: search.Filter{
		{cond(search.FieldDate, search.Ge, search.Number(20080101))},
		{cond(search.FieldType, search.Eq, search.Number(2)), cond(search.FieldType, search.Eq, search.Number(6))},
		{cond(search.FieldNSFW, search.Eq, search.Bool(false))},
		{cond(search.FieldTag, search.Eq, search.String("原创"))},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Filter json.RawMessage }
	if err := json.Unmarshal(f.requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	const want = `[["date >= 20080101"],["type = 2","type = 6"],["nsfw = false"],["tag = \"原创\""]]`
	if string(body.Filter) != want {
		t.Errorf("filter = %s, want %s", body.Filter, want)
	}
}

func TestIndex_Search_Result(t *testing.T) {
	f := newFake(t)
	f.search = func(uid string, b searchBody) ([]uint32, int64) { return []uint32{8, 3, 4294967295}, 123 }
	ix, ctx := open(t, f)
	got, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Keyword: "a", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := search.Result{IDs: []uint32{8, 3, 4294967295}, Total: 123}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Search() mismatch (-want +got):\n%s", diff)
	}
}

// TestIndex_Search_LimitZero: a page of no hits still has its total; the client cannot send
// limit 0, so the adapter asks for one hit and drops it.
func TestIndex_Search_LimitZero(t *testing.T) {
	f := newFake(t)
	f.search = func(uid string, b searchBody) ([]uint32, int64) { return []uint32{1}[:min(b.Limit, 1)], 7 }
	ix, ctx := open(t, f)
	got, err := ix.Search(ctx, search.Query{Kind: search.KindPerson, Limit: 0})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.IDs) != 0 || got.Total != 7 {
		t.Errorf("Search(limit 0) = %+v, want no ids and total 7", got)
	}
}

// TestIndex_Search_EmptyClause: an empty clause matches nothing; the adapter answers an empty
// result without asking Meilisearch, but still validates the other clauses.
func TestIndex_Search_EmptyClause(t *testing.T) {
	f := newFake(t)
	f.search = func(uid string, b searchBody) ([]uint32, int64) { return []uint32{1, 2}, 2 }
	ix, ctx := open(t, f)
	got, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Limit: 10, Filter: search.Filter{
		{cond(search.FieldNSFW, search.Eq, search.Bool(false))}, {},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(search.Result{IDs: []uint32{}}, got); diff != "" {
		t.Errorf("Search() mismatch (-want +got):\n%s", diff)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("requests:\n%s want none", describe(reqs))
	}
	_, err = ix.Search(ctx, search.Query{Kind: search.KindSubject, Limit: 10, Filter: search.Filter{
		{}, {cond(search.FieldCareer, search.Eq, search.String("seiyu"))},
	}})
	if !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Search(empty clause, unfilterable field) = %v, want ErrInvalid", err)
	}
}

func TestIndex_Search_Invalid(t *testing.T) {
	tests := map[string]search.Query{
		"UnknownKind":         {Kind: 9, Limit: 1},
		"NotFilterable":       {Kind: search.KindCharacter, Limit: 1, Filter: search.Filter{{cond(search.FieldTag, search.Eq, search.String("a"))}}},
		"PersonNSFW":          {Kind: search.KindPerson, Limit: 1, Filter: search.Filter{{cond(search.FieldNSFW, search.Eq, search.Bool(false))}}},
		"UnknownField":        {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond("name", search.Eq, search.String("a"))}}},
		"StringOrdered":       {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldTag, search.Gt, search.String("a"))}}},
		"BoolOrdered":         {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldNSFW, search.Le, search.Bool(true))}}},
		"NumberAsString":      {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldRank, search.Eq, search.String("1"))}}},
		"StringAsNumber":      {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldTag, search.Eq, search.Number(1))}}},
		"NaN":                 {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldScore, search.Gt, search.Number(math.NaN()))}}},
		"Inf":                 {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldScore, search.Gt, search.Number(math.Inf(1)))}}},
		"NoOp":                {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldRank, 0, search.Number(1))}}},
		"NoValue":             {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldRank, search.Eq, search.Value{})}}},
		"CharacterSortHeat":   {Kind: search.KindCharacter, Limit: 1, Sort: search.SortHeat},
		"PersonSortRank":      {Kind: search.KindPerson, Limit: 1, Sort: search.SortRank},
		"UnknownSort":         {Kind: search.KindSubject, Limit: 1, Sort: 42},
		"NegativeOffset":      {Kind: search.KindSubject, Limit: 1, Offset: -1},
		"NegativeLimit":       {Kind: search.KindSubject, Limit: -1},
		"SecondConditionOfOr": {Kind: search.KindSubject, Limit: 1, Filter: search.Filter{{cond(search.FieldType, search.Eq, search.Number(2)), cond(search.FieldCareer, search.Eq, search.String("x"))}}},
	}
	for name, q := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			ix, ctx := open(t, f)
			_, err := ix.Search(ctx, q)
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("Search() = %v, want ErrInvalid", err)
			}
			if reqs := f.requests(); len(reqs) != 0 {
				t.Errorf("requests:\n%s want none", describe(reqs))
			}
		})
	}
}

// TestIndex_Search_RankD5: sort=rank lists the ranked subjects by rank, then the unranked ones
// (rank 0), with two searches whose pages meet at the ranked total (decision D5).
func TestIndex_Search_RankD5(t *testing.T) {
	ranked := []uint32{30, 10, 20}      // by rank ascending
	unranked := []uint32{1, 2, 3, 4, 5} // by id
	answer := func(uid string, b searchBody) ([]uint32, int64) {
		part := unranked
		if last := b.Filter[len(b.Filter)-1]; len(last) == 1 && last[0] == "rank > 0" {
			part = ranked
		}
		lo := min(b.Offset, len(part))
		hi := min(b.Offset+b.Limit, len(part))
		return part[lo:hi], int64(len(part))
	}
	nsfw := []string{"nsfw = false"}
	rankedBody := func(offset, limit int) searchBody {
		return searchBody{Q: "q", Offset: offset, Limit: limit, Filter: [][]string{nsfw, {"rank > 0"}}, Sort: []string{"rank:asc"}}
	}
	unrankedBody := func(offset, limit int) searchBody {
		return searchBody{Q: "q", Offset: offset, Limit: limit, Filter: [][]string{nsfw, {"rank = 0"}}}
	}
	tests := map[string]struct {
		offset, limit int
		wantIDs       []uint32
		wantSearches  []searchBody
	}{
		"WithinRanked": {0, 2, []uint32{30, 10},
			[]searchBody{rankedBody(0, 2), unrankedBody(0, 1)}}, // the second only for its total
		"EndsAtRankedTotal": {1, 2, []uint32{10, 20},
			[]searchBody{rankedBody(1, 2), unrankedBody(0, 1)}},
		"AcrossTheBoundary": {2, 3, []uint32{20, 1, 2},
			[]searchBody{rankedBody(2, 3), unrankedBody(0, 2)}},
		"StartsAtRankedTotal": {3, 2, []uint32{1, 2},
			[]searchBody{rankedBody(3, 2), unrankedBody(0, 2)}},
		"WithinUnranked": {5, 10, []uint32{3, 4, 5},
			[]searchBody{rankedBody(5, 10), unrankedBody(2, 10)}},
		"PastTheEnd": {20, 5, []uint32{},
			[]searchBody{rankedBody(20, 5), unrankedBody(17, 5)}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.search = answer
			ix, ctx := open(t, f)
			got, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Keyword: "q", Sort: search.SortRank,
				Offset: tt.offset, Limit: tt.limit,
				Filter: search.Filter{{cond(search.FieldNSFW, search.Eq, search.Bool(false))}}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(search.Result{IDs: tt.wantIDs, Total: 8}, got); diff != "" {
				t.Errorf("Search() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSearches, f.searches(t)); diff != "" {
				t.Errorf("searches mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIndex_Search_RankD5_NoFilter: the rank clause is the only one when the query has none.
func TestIndex_Search_RankD5_NoFilter(t *testing.T) {
	f := newFake(t)
	ix, ctx := open(t, f)
	if _, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Sort: search.SortRank, Limit: 10}); err != nil {
		t.Fatal(err)
	}
	want := []searchBody{
		{Limit: 10, Filter: [][]string{{"rank > 0"}}, Sort: []string{"rank:asc"}},
		{Limit: 10, Filter: [][]string{{"rank = 0"}}},
	}
	if diff := cmp.Diff(want, f.searches(t)); diff != "" {
		t.Errorf("searches mismatch (-want +got):\n%s", diff)
	}
}
