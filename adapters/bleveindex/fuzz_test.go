package bleveindex_test

import (
	"context"
	"testing"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/domain/search"
)

// FuzzSearchKeyword: any keyword, query-syntax characters and invalid UTF-8 included, is
// searched without a panic or an error, and the page is consistent with Total.
func FuzzSearchKeyword(f *testing.F) {
	for _, seed := range []string{
		"", " ", "Lelouch", "lelouck", "涼宮ハルヒの憂鬱", "鲁", "진격", "!!!",
		`+-&&||!(){}[]^"~*?:\/`, `name:foo`, `"unclosed`, `*`, `?`, `a~2`, `foo^10`, `/re.*gex/`,
		`title:>5`, "\x00", "\xff\xfe", "a\u0301", "ＲＥＢＥＬ", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	} {
		f.Add(seed, uint8(search.SortMatch))
	}
	ix, err := bleveindex.Open("")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = ix.Close() })
	if err := ix.Upsert(context.Background(), search.Documents{Subjects: []search.SubjectDoc{
		{ID: 1, Name: "Code Geass Hangyaku no Lelouch", Aliases: []string{"叛逆的鲁路修"}, Tag: []string{"SUNRISE"}, Rank: 3},
		{ID: 2, Name: "涼宮ハルヒの憂鬱", Aliases: []string{"凉宫春日的忧郁", "진격의 거인"}, Heat: 9},
		{ID: 3, Name: "!!!", Score: 7.5},
	}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, keyword string, sort uint8) {
		q := search.Query{Kind: search.KindSubject, Keyword: keyword, Sort: search.Sort(sort % 4), Limit: 2}
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("Search(%q): %v", keyword, err)
		}
		if len(res.IDs) > 2 || res.Total < int64(len(res.IDs)) || res.Total > 3 {
			t.Fatalf("Search(%q) = %v; want at most 2 ids, Total between their number and 3", keyword, res)
		}
	})
}
