package contracttests

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/ports"
)

// SearchIndex checks a ports.SearchIndex (search spec §2–§5, decisions D4 and D5). newIndex
// returns a fresh, empty index; each subtest writes its own synthetic documents. The suite
// assumes what the port promises: a write is visible to Search when it returns.
//
// Expectations that every engine shares are exact (placeholder queries, filters, sorts,
// paging); keyword expectations say only what must be found (and what shares no word with the
// keyword must not be), since engines differ in how loosely they match.
func SearchIndex(t *testing.T, newIndex func(t *testing.T) ports.SearchIndex) {
	t.Run("FindsByNameAndAlias", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{
			{ID: 8, Name: "Code Geass Hangyaku no Lelouch R2", Aliases: []string{"Nightingale Chronicle"}, MetaTag: []string{""}},
			{ID: 9, Name: "Planetes", MetaTag: []string{""}},
		}})
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Hangyaku"}, 8,
			"a word of the name finds the document")
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Nightingale"}, 8,
			"a word of an alias finds the document")
		searchNotFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Planetes"}, 8,
			"a keyword sharing no word with a document does not find it")
	})

	t.Run("ExactNameRanksFirst", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{
			{ID: 1, Name: "Lelouch of the Rebellion Lelouch Lelouch"},
			{ID: 2, Name: "Lelouch Lamperouge Lelouch"},
			{ID: 3, Name: "Lelouch"},
			{ID: 4, Name: "Lelouch Story"},
		}})
		searchFirst(t, idx, search.Query{Kind: search.KindSubject, Keyword: "lelouch"}, 3,
			"a name equal to the keyword (case aside) ranks before names that only contain its word")
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{
			{ID: 10, Name: "涼宮ハルヒの憂鬱 ハルヒ"},
			{ID: 11, Name: "涼宮ハルヒ"},
		}})
		searchFirst(t, idx, search.Query{Kind: search.KindSubject, Keyword: "涼宮ハルヒ"}, 11,
			"a CJK name equal to the keyword ranks before names that contain it")
	})

	t.Run("ExactAliasRanksFirst", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Characters: []search.CharacterDoc{
			{ID: 1, Name: "Gundam Pilot Amuro Gundam"},
			{ID: 2, Name: "機動戦士ガンダム", Aliases: []string{"Mobile Suit", "Gundam"}},
			{ID: 3, Name: "Gundam Wing Gundam"},
		}})
		searchFirst(t, idx, search.Query{Kind: search.KindCharacter, Keyword: "Gundam"}, 2,
			"an alias equal to the keyword ranks before names that only contain its word")
	})

	t.Run("UpsertReplacesWholeDocument", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{{
			ID: 5, Name: "Quixotic Marmalade", Aliases: []string{"Xylophonequartz"},
			Tag: []string{"obsoletetag", "kept"}, MetaTag: []string{"TV"}, Date: 20010101, Type: 2, Rank: 10,
		}}})
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Xylophonequartz"}, 5, "the first version is indexed")
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{{
			ID: 5, Name: "Serendipitous Lantern", Tag: []string{"kept", "newtag"}, MetaTag: []string{"TV"}, Type: 2,
		}}})
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Xylophonequartz"},
			"D4: an alias removed by an update no longer matches")
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Marmalade"},
			"D4: the old name no longer matches")
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Filter: searchEq(search.FieldTag, search.String("obsoletetag"))},
			"D4: a tag removed by an update no longer matches")
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Filter: searchEq(search.FieldDate, search.Number(20010101))},
			"D4: a date removed by an update (now unknown) no longer matches")
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Filter: searchEq(search.FieldRank, search.Number(10))},
			"D4: the old rank no longer matches")
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Filter: searchEq(search.FieldTag, search.String("newtag"))}, []uint32{5}, 1,
			"the new version's tag matches")
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Serendipitous"}, 5, "the new name matches")
		searchCount(t, idx, search.KindSubject, 1, "an upsert of an existing id replaces, it does not add")
	})

	t.Run("DeleteRemoves", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{
			Subjects:   []search.SubjectDoc{{ID: 1, Name: "Ephemeral Subject"}, {ID: 2, Name: "Ephemeral Other"}},
			Characters: []search.CharacterDoc{{ID: 1, Name: "Ephemeral Character"}},
		})
		if err := idx.Delete(context.Background(), search.KindSubject, 1); err != nil {
			t.Fatalf("Delete(subjects, 1): %v", err)
		}
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Ephemeral"}, []uint32{2}, 1,
			"a deleted document is no longer found")
		searchExactly(t, idx, search.Query{Kind: search.KindSubject}, []uint32{2}, 1,
			"a deleted document is not in a placeholder search")
		searchCount(t, idx, search.KindSubject, 1, "a deleted document is not counted")
		searchCount(t, idx, search.KindCharacter, 1, "a delete of subjects leaves characters alone")
		if err := idx.Delete(context.Background(), search.KindSubject, 1, 404, 2); err != nil {
			t.Fatalf("Delete of ids with no document: %v; want nil (a missing id is no error)", err)
		}
		searchCount(t, idx, search.KindSubject, 0, "a delete listing present and missing ids removes the present ones")
		if err := idx.Delete(context.Background(), search.KindPerson); err != nil {
			t.Fatalf("Delete with no ids: %v; want nil", err)
		}
	})

	t.Run("CountPerKind", func(t *testing.T) {
		idx := newIndex(t)
		for _, k := range search.Kinds {
			searchCount(t, idx, k, 0, "a fresh index is empty")
		}
		searchUpsert(t, idx, search.Documents{
			Subjects:   []search.SubjectDoc{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}},
			Characters: []search.CharacterDoc{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}},
			Persons:    []search.PersonDoc{{ID: 1, Name: "a"}},
		})
		searchCount(t, idx, search.KindSubject, 3, "Count counts the subjects only")
		searchCount(t, idx, search.KindCharacter, 2, "Count counts the characters only")
		searchCount(t, idx, search.KindPerson, 1, "Count counts the persons only")
	})

	t.Run("KindsAreSeparate", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{
			Subjects:   []search.SubjectDoc{{ID: 7, Name: "Aurelion Subject"}},
			Characters: []search.CharacterDoc{{ID: 7, Name: "Borealis Character"}},
			Persons:    []search.PersonDoc{{ID: 7, Name: "Cassiopeia Person"}},
		})
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Aurelion"}, []uint32{7}, 1,
			"subject 7 and character 7 are different documents")
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Borealis"},
			"a subject search does not find characters")
		searchNone(t, idx, search.Query{Kind: search.KindCharacter, Keyword: "Aurelion"},
			"a character search does not find subjects")
		searchNone(t, idx, search.Query{Kind: search.KindPerson, Keyword: "Borealis"},
			"a person search does not find characters")
		if err := idx.Delete(context.Background(), search.KindCharacter, 7); err != nil {
			t.Fatal(err)
		}
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Aurelion"}, []uint32{7}, 1,
			"deleting character 7 leaves subject 7")
		searchExactly(t, idx, search.Query{Kind: search.KindPerson, Keyword: "Cassiopeia"}, []uint32{7}, 1,
			"deleting character 7 leaves person 7")
		searchNone(t, idx, search.Query{Kind: search.KindCharacter, Keyword: "Borealis"}, "character 7 is deleted")
	})

	t.Run("PlaceholderReturnsAllByID", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{
			Subjects:   []search.SubjectDoc{{ID: 50, Name: "e", Heat: 1}, {ID: 3, Name: "c", Heat: 9}, {ID: 900, Name: "z", Heat: 5}, {ID: 1, Name: "a"}},
			Characters: []search.CharacterDoc{{ID: 20, Name: "y", Collect: 9}, {ID: 2, Name: "x"}},
			Persons:    []search.PersonDoc{{ID: 11, Name: "p"}, {ID: 10, Name: "q"}},
		})
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Limit: 10}, []uint32{1, 3, 50, 900}, 4,
			"an empty keyword with SortMatch returns every subject, id ascending (numerically, not as text)")
		searchExactly(t, idx, search.Query{Kind: search.KindCharacter, Limit: 10}, []uint32{2, 20}, 2,
			"an empty keyword returns every character, id ascending")
		searchExactly(t, idx, search.Query{Kind: search.KindPerson, Limit: 10}, []uint32{10, 11}, 2,
			"an empty keyword returns every person, id ascending")
	})

	t.Run("SubjectFilters", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: searchFilterSubjects})
		num := func(n float64) search.Value { return search.Number(n) }
		for _, tc := range []struct {
			name   string
			filter search.Filter
			want   []uint32
			rule   string
		}{
			{"TagEq", searchEq(search.FieldTag, search.String("SUNRISE")), []uint32{1, 5}, "tag = v holds when any tag equals v"},
			{"TagEqOtherCase", searchEq(search.FieldTag, search.String("sunrise")), []uint32{1, 5}, "string equality is case-insensitive (as Meilisearch's =)"},
			{"TagEqCJK", searchEq(search.FieldTag, search.String("反逆のルルーシュ")), []uint32{1}, "a CJK tag matches whole"},
			{"TagEqIsWhole", searchEq(search.FieldTag, search.String("SUN")), nil, "tag equality compares whole tags, not words or prefixes"},
			{"TagEqAbsent", searchEq(search.FieldTag, search.String("nothing")), nil, "no subject has this tag"},
			{"MetaTagEq", searchEq(search.FieldMetaTag, search.String("TV")), []uint32{1, 3}, "meta_tag = v holds when any meta tag equals v"},
			{"MetaTagEqCJK", searchEq(search.FieldMetaTag, search.String("剧场版")), []uint32{2}, "a CJK meta tag matches whole"},
			{"DateEq", searchEq(search.FieldDate, num(20080406)), []uint32{1, 3}, "date = N"},
			{"DateGt", searchCond(search.FieldDate, search.Gt, num(20080406)), []uint32{2}, "date > N excludes N"},
			{"DateGe", searchCond(search.FieldDate, search.Ge, num(20080406)), []uint32{1, 2, 3}, "date >= N includes N"},
			{"DateLt", searchCond(search.FieldDate, search.Lt, num(20080406)), []uint32{5}, "date < N excludes N, and an unknown date (0, omitted) satisfies no date condition"},
			{"DateLe", searchCond(search.FieldDate, search.Le, num(20080406)), []uint32{1, 3, 5}, "date <= N includes N; unknown dates never match"},
			{"ScoreEq", searchEq(search.FieldScore, num(8.2)), []uint32{1}, "score = x on a fractional score"},
			{"ScoreGt", searchCond(search.FieldScore, search.Gt, num(7)), []uint32{1, 5}, "score > x excludes x"},
			{"ScoreGe", searchCond(search.FieldScore, search.Ge, num(7)), []uint32{1, 2, 5}, "score >= x includes x"},
			{"ScoreLt", searchCond(search.FieldScore, search.Lt, num(6.5)), []uint32{4}, "score < x excludes x; score 0 is a value"},
			{"ScoreLe", searchCond(search.FieldScore, search.Le, num(6.5)), []uint32{3, 4}, "score <= x includes x"},
			{"RatingCountEq", searchEq(search.FieldRatingCount, num(500)), []uint32{2}, "rating_count = n"},
			{"RatingCountGt", searchCond(search.FieldRatingCount, search.Gt, num(500)), []uint32{1, 5}, "rating_count > n excludes n"},
			{"RatingCountGe", searchCond(search.FieldRatingCount, search.Ge, num(500)), []uint32{1, 2, 5}, "rating_count >= n includes n"},
			{"RatingCountLt", searchCond(search.FieldRatingCount, search.Lt, num(120)), []uint32{4}, "rating_count < n excludes n"},
			{"RatingCountLe", searchCond(search.FieldRatingCount, search.Le, num(120)), []uint32{3, 4}, "rating_count <= n includes n"},
			{"RankEq", searchEq(search.FieldRank, num(121)), []uint32{1}, "rank = n"},
			{"RankEqZero", searchEq(search.FieldRank, num(0)), []uint32{3, 4}, "rank = 0 selects the unranked subjects"},
			{"RankGt", searchCond(search.FieldRank, search.Gt, num(0)), []uint32{1, 2, 5}, "rank > 0 selects the ranked subjects"},
			{"RankGe", searchCond(search.FieldRank, search.Ge, num(121)), []uint32{1, 2}, "rank >= n includes n"},
			{"RankLt", searchCond(search.FieldRank, search.Lt, num(121)), []uint32{3, 4, 5}, "rank < n excludes n; unranked is rank 0 to a filter"},
			{"RankLe", searchCond(search.FieldRank, search.Le, num(121)), []uint32{1, 3, 4, 5}, "rank <= n includes n"},
			{"TypeEq", searchEq(search.FieldType, num(2)), []uint32{1, 2}, "type = n"},
			{"TypeOr", search.Filter{{
				{Field: search.FieldType, Op: search.Eq, Value: num(1)},
				{Field: search.FieldType, Op: search.Eq, Value: num(4)},
			}}, []uint32{3, 5}, "a clause of type conditions holds when any of them holds (OR within a clause)"},
			{"NSFWTrue", searchEq(search.FieldNSFW, search.Bool(true)), []uint32{2}, "nsfw = true selects NSFW subjects only"},
			{"NSFWFalse", searchEq(search.FieldNSFW, search.Bool(false)), []uint32{1, 3, 4, 5}, "nsfw = false selects the others"},
			{"AndAcrossClauses", search.Filter{
				{{Field: search.FieldType, Op: search.Eq, Value: num(2)}},
				{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(false)}},
			}, []uint32{1}, "every clause must hold (AND across clauses)"},
			{"AndOfTags", search.Filter{
				{{Field: search.FieldTag, Op: search.Eq, Value: search.String("SUNRISE")}},
				{{Field: search.FieldTag, Op: search.Eq, Value: search.String("mecha")}},
			}, []uint32{1}, "two tag clauses require both tags"},
			{"OrWithinAndAcross", search.Filter{
				{{Field: search.FieldTag, Op: search.Eq, Value: search.String("mecha")}, {Field: search.FieldMetaTag, Op: search.Eq, Value: search.String("TV")}},
				{{Field: search.FieldScore, Op: search.Gt, Value: num(7)}},
			}, []uint32{1}, "(tag = mecha OR meta_tag = TV) AND score > 7"},
			{"EmptyClause", search.Filter{{}}, nil, "an empty clause never holds"},
			{"EmptyClauseAnded", search.Filter{{{Field: search.FieldType, Op: search.Eq, Value: num(2)}}, {}}, nil, "an empty clause makes the whole filter fail"},
			{"EmptyFilter", search.Filter{}, []uint32{1, 2, 3, 4, 5}, "the empty filter holds for every document"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				searchExactly(t, idx, search.Query{Kind: search.KindSubject, Filter: tc.filter, Limit: 10}, tc.want, int64(len(tc.want)), tc.rule)
			})
		}
		t.Run("WithKeyword", func(t *testing.T) {
			searchExactly(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Filtered", Filter: searchEq(search.FieldType, num(2)), Limit: 10}, []uint32{1, 2}, 2,
				"a filter restricts the documents a keyword finds")
		})
	})

	t.Run("CharacterNSFW", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Characters: []search.CharacterDoc{
			{ID: 1, Name: "Safe One"}, {ID: 2, Name: "Adult Two", NSFW: true}, {ID: 3, Name: "Safe Three"},
		}})
		searchExactly(t, idx, search.Query{Kind: search.KindCharacter, Filter: searchEq(search.FieldNSFW, search.Bool(true)), Limit: 10}, []uint32{2}, 1,
			"D3: characters' nsfw = true selects NSFW characters only")
		searchExactly(t, idx, search.Query{Kind: search.KindCharacter, Filter: searchEq(search.FieldNSFW, search.Bool(false)), Limit: 10}, []uint32{1, 3}, 2,
			"D3: characters' nsfw = false selects the others")
	})

	t.Run("PersonCareer", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Persons: []search.PersonDoc{
			{ID: 1, Name: "p1", Career: []string{"seiyu"}},
			{ID: 2, Name: "p2", Career: []string{"mangaka", "artist"}},
			{ID: 3, Name: "p3", Career: []string{"seiyu", "actor"}},
			{ID: 4, Name: "p4"},
		}})
		searchExactly(t, idx, search.Query{Kind: search.KindPerson, Filter: searchEq(search.FieldCareer, search.String("seiyu")), Limit: 10}, []uint32{1, 3}, 2,
			"career = v holds when any career equals v")
		searchExactly(t, idx, search.Query{Kind: search.KindPerson, Filter: searchEq(search.FieldCareer, search.String("artist")), Limit: 10}, []uint32{2}, 1,
			"career = v matches an element that is not the first")
		searchExactly(t, idx, search.Query{Kind: search.KindPerson, Filter: search.Filter{
			{{Field: search.FieldCareer, Op: search.Eq, Value: search.String("seiyu")}},
			{{Field: search.FieldCareer, Op: search.Eq, Value: search.String("actor")}},
		}, Limit: 10}, []uint32{3}, 1, "two career clauses require both careers (one AND clause per career)")
	})

	t.Run("Sorts", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{
			{ID: 1, Name: "Sorted one", Heat: 10, Score: 8.0, Rank: 0},
			{ID: 2, Name: "Sorted two", Heat: 30, Score: 7.5, Rank: 10},
			{ID: 3, Name: "Sorted three", Heat: 30, Score: 8.0, Rank: 3},
			{ID: 4, Name: "Sorted four", Heat: 5, Score: 0, Rank: 0},
			{ID: 5, Name: "Sorted five", Heat: 200, Score: 9.5, Rank: 3},
			{ID: 6, Name: "Sorted six", Heat: 0, Score: 6.1, Rank: 1000},
		}})
		for _, tc := range []struct {
			sort search.Sort
			want []uint32
			rule string
		}{
			{search.SortHeat, []uint32{5, 2, 3, 1, 4, 6}, "sort=heat: heat descending, ties by id ascending"},
			{search.SortScore, []uint32{5, 1, 3, 2, 6, 4}, "sort=score: score descending, ties by id ascending"},
			{search.SortRank, []uint32{3, 5, 2, 6, 1, 4}, "D5: sort=rank: rank ascending, unranked (rank 0) after every ranked subject, ties by id ascending"},
		} {
			t.Run(tc.sort.String(), func(t *testing.T) {
				searchExactly(t, idx, search.Query{Kind: search.KindSubject, Sort: tc.sort, Limit: 10}, tc.want, 6, tc.rule)
				searchExactly(t, idx, search.Query{Kind: search.KindSubject, Sort: tc.sort, Limit: 2, Offset: 3}, tc.want[3:5], 6,
					tc.rule+"; a page is a slice of the same order")
			})
		}
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Sort: search.SortRank, Filter: searchCond(search.FieldRank, search.Gt, search.Number(0)), Limit: 10},
			[]uint32{3, 5, 2, 6}, 4, "sort=rank with rank > 0: ranked subjects only, in rank order")
	})

	t.Run("Paging", func(t *testing.T) {
		idx := newIndex(t)
		var docs []search.SubjectDoc
		for id := uint32(1); id <= 7; id++ {
			docs = append(docs, search.SubjectDoc{ID: id * 10, Name: "Paged subject"})
		}
		searchUpsert(t, idx, search.Documents{Subjects: docs})
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Limit: 3}, []uint32{10, 20, 30}, 7,
			"Limit bounds the page; Total counts every match")
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Limit: 3, Offset: 3}, []uint32{40, 50, 60}, 7,
			"Offset skips that many hits")
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Limit: 3, Offset: 6}, []uint32{70}, 7,
			"the last page is short")
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Limit: 3, Offset: 20}, nil, 7,
			"a page past the end is empty and Total still counts every match")
		searchExactly(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Paged", Limit: 2, Offset: 1}, []uint32{20, 30}, 7,
			"with a keyword, equally relevant hits are paged in id order")
	})

	t.Run("CJK", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{
			{ID: 1, Name: "涼宮ハルヒの憂鬱", Aliases: []string{"凉宫春日的忧郁"}},
			{ID: 2, Name: "進撃の巨人", Aliases: []string{"进击的巨人"}},
			{ID: 3, Name: "コードギアス 反逆のルルーシュR2", Aliases: []string{"叛逆的鲁路修R2"}},
		}})
		for _, tc := range []struct {
			keyword string
			want    uint32
			rule    string
		}{
			{"涼宮ハルヒの憂鬱", 1, "a Japanese name (kanji and kana, no spaces) is found by its exact text"},
			{"ハルヒ", 1, "a Japanese name is found by a katakana substring"},
			{"憂鬱", 1, "a Japanese name is found by a two-kanji substring"},
			{"凉宫春日的忧郁", 1, "a Chinese alias is found by its exact text"},
			{"春日", 1, "a Chinese alias is found by a two-character substring"},
			{"进击的巨人", 2, "a Chinese alias is found by its exact text"},
			{"巨人", 2, "a two-character substring of a name and alias finds the document"},
			{"ルルーシュ", 3, "a katakana word inside a name with a space and Latin finds the document"},
			{"鲁路修", 3, "a Chinese substring of an alias finds the document"},
		} {
			searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: tc.keyword}, tc.want, tc.rule)
		}
		searchNotFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "憂鬱"}, 2,
			"a CJK keyword does not find a document without its characters")
		searchFirst(t, idx, search.Query{Kind: search.KindSubject, Keyword: "进击的巨人"}, 2,
			"the document whose alias is the keyword ranks first")
	})

	t.Run("LatinTypo", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{
			{ID: 1, Name: "Code Geass Hangyaku no Lelouch", Aliases: []string{"Rebellion Chronicle"}},
			{ID: 2, Name: "Mushishi"},
		}})
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Lelouck"}, 1,
			"a one-letter substitution in a keyword of 5+ letters still finds the name")
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Rebelion"}, 1,
			"a missing letter in a keyword of 5+ letters still finds the alias")
		searchFound(t, idx, search.Query{Kind: search.KindSubject, Keyword: "LELOUCH"}, 1,
			"matching ignores case")
		searchNone(t, idx, search.Query{Kind: search.KindSubject, Keyword: "Cxde"},
			"a word under 5 letters tolerates no typo")
	})

	t.Run("InvalidQueries", func(t *testing.T) {
		idx := newIndex(t)
		searchUpsert(t, idx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1, Name: "x"}}})
		for _, tc := range []struct {
			name string
			q    search.Query
			rule string
		}{
			{"SubjectName", search.Query{Kind: search.KindSubject, Filter: searchEq("name", search.String("x"))}, "name is not filterable"},
			{"SubjectHeat", search.Query{Kind: search.KindSubject, Filter: searchCond("heat", search.Gt, search.Number(1))}, "heat is sortable, not filterable"},
			{"CharacterTag", search.Query{Kind: search.KindCharacter, Filter: searchEq(search.FieldTag, search.String("x"))}, "characters have no tag filter"},
			{"PersonNSFW", search.Query{Kind: search.KindPerson, Filter: searchEq(search.FieldNSFW, search.Bool(false))}, "persons have no nsfw filter"},
			{"SubjectCareer", search.Query{Kind: search.KindSubject, Filter: searchEq(search.FieldCareer, search.String("seiyu"))}, "subjects have no career filter"},
			{"TagGt", search.Query{Kind: search.KindSubject, Filter: searchCond(search.FieldTag, search.Gt, search.String("a"))}, "ordering operators apply to numbers only"},
			{"InSecondClause", search.Query{Kind: search.KindSubject, Filter: search.Filter{
				{{Field: search.FieldType, Op: search.Eq, Value: search.Number(2)}},
				{{Field: search.FieldType, Op: search.Eq, Value: search.Number(2)}, {Field: "platform", Op: search.Eq, Value: search.Number(1)}},
			}}, "every condition is checked, not only the first"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := idx.Search(context.Background(), tc.q)
				if !errors.Is(err, domain.ErrInvalid) {
					t.Errorf("Search(%+v) error = %v; want one wrapping domain.ErrInvalid (%s)", tc.q, err, tc.rule)
				}
			})
		}
	})
}

// searchFilterSubjects are the documents of SearchIndex's SubjectFilters.
var searchFilterSubjects = []search.SubjectDoc{
	{
		ID: 1, Name: "Filtered one", Tag: []string{"SUNRISE", "mecha", "反逆のルルーシュ"}, MetaTag: []string{"TV", "原创"},
		Date: 20080406, Score: 8.2, RatingCount: 9438, Rank: 121, Type: 2,
	},
	{
		ID: 2, Name: "Filtered two", Tag: []string{"ufotable"}, MetaTag: []string{"剧场版"},
		Date: 20100101, Score: 7, RatingCount: 500, Rank: 900, Type: 2, NSFW: true,
	},
	{
		ID: 3, Name: "Filtered three", Tag: []string{"mecha"}, MetaTag: []string{"TV"},
		Date: 20080406, Score: 6.5, RatingCount: 120, Rank: 0, Type: 1,
	},
	{
		ID: 4, Name: "Filtered four", MetaTag: []string{""}, // no tag, unknown date, no votes
		Score: 0, RatingCount: 0, Rank: 0, Type: 3,
	},
	{
		ID: 5, Name: "Filtered five", Tag: []string{"SUNRISE"}, MetaTag: []string{"OVA"},
		Date: 19991231, Score: 9.1, RatingCount: 20000, Rank: 5, Type: 4,
	},
}

func searchEq(field string, v search.Value) search.Filter { return searchCond(field, search.Eq, v) }

func searchCond(field string, op search.Op, v search.Value) search.Filter {
	return search.Filter{{{Field: field, Op: op, Value: v}}}
}

func searchUpsert(tb testing.TB, idx ports.SearchIndex, docs search.Documents) {
	tb.Helper()
	if err := idx.Upsert(context.Background(), docs); err != nil {
		tb.Fatalf("Upsert(%d documents): %v", docs.Len(), err)
	}
}

func searchRun(tb testing.TB, idx ports.SearchIndex, q search.Query) search.Result {
	tb.Helper()
	if q.Limit == 0 {
		q.Limit = 20
	}
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		tb.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

// exactly asserts the hits and Total of q.
func searchExactly(tb testing.TB, idx ports.SearchIndex, q search.Query, want []uint32, total int64, rule string) {
	tb.Helper()
	res := searchRun(tb, idx, q)
	if !slices.Equal(res.IDs, want) || res.Total != total {
		tb.Errorf("Search(%+v) = %v (total %d); want %v (total %d): %s", q, res.IDs, res.Total, want, total, rule)
	}
}

func searchFound(tb testing.TB, idx ports.SearchIndex, q search.Query, id uint32, rule string) {
	tb.Helper()
	if res := searchRun(tb, idx, q); !slices.Contains(res.IDs, id) {
		tb.Errorf("Search(%+v) = %v; want it to contain %d: %s", q, res.IDs, id, rule)
	}
}

func searchNotFound(tb testing.TB, idx ports.SearchIndex, q search.Query, id uint32, rule string) {
	tb.Helper()
	if res := searchRun(tb, idx, q); slices.Contains(res.IDs, id) {
		tb.Errorf("Search(%+v) = %v; want it not to contain %d: %s", q, res.IDs, id, rule)
	}
}

func searchNone(tb testing.TB, idx ports.SearchIndex, q search.Query, rule string) {
	tb.Helper()
	if res := searchRun(tb, idx, q); len(res.IDs) != 0 || res.Total != 0 {
		tb.Errorf("Search(%+v) = %v (total %d); want no hit: %s", q, res.IDs, res.Total, rule)
	}
}

func searchFirst(tb testing.TB, idx ports.SearchIndex, q search.Query, id uint32, rule string) {
	tb.Helper()
	if res := searchRun(tb, idx, q); len(res.IDs) == 0 || res.IDs[0] != id {
		tb.Errorf("Search(%+v) = %v; want %d first: %s", q, res.IDs, id, rule)
	}
}

func searchCount(tb testing.TB, idx ports.SearchIndex, kind search.Kind, want int64, rule string) {
	tb.Helper()
	n, err := idx.Count(context.Background(), kind)
	if err != nil {
		tb.Fatalf("Count(%s): %v", kind, err)
	}
	if n != want {
		tb.Errorf("Count(%s) = %d; want %d: %s", kind, n, want, rule)
	}
}
