package search_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
)

func ptr[T any](v T) *T { return &v }

func eq(field string, v search.Value) search.Cond {
	return search.Cond{Field: field, Op: search.Eq, Value: v}
}

func num(field string, op search.Op, n float64) search.Cond {
	return search.Cond{Field: field, Op: op, Value: search.Number(n)}
}

func clause(c ...search.Cond) search.Clause { return search.Clause(c) }

var (
	nsfwFalse = clause(eq(search.FieldNSFW, search.Bool(false)))
	nsfwTrue  = clause(eq(search.FieldNSFW, search.Bool(true)))
)

// many returns n copies of v.
func many(n int, v string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// wantInvalid fails unless err is ErrInvalid with exactly msg as its message.
func wantInvalid(tb testing.TB, err error, msg string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("err = nil, want ErrInvalid %q", msg)
	}
	if !errors.Is(err, domain.ErrInvalid) {
		tb.Errorf("err = %v, want it to wrap domain.ErrInvalid", err)
	}
	if got := domain.Message(err); got != msg {
		tb.Errorf("message mismatch:\n got: %s\nwant: %s", got, msg)
	}
}

const (
	rankFormat  = `, should be in the format of "^(>|<|>=|<=|=) *\d+$"`
	scoreFormat = `, should be in the format of "^(>|<|>=|<=|=) *\d+(\.\d)?$"`
)

func TestSubjectQuery_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    search.SubjectRequest
		msg  string
	}{
		// air_date: one message per operator.
		{"DateGe", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{">=2020-1-01"}}},
			`invalid date filter: ">=2020-1-01", date should be in the format of ">= YYYY-MM-DD"`},
		{"DateGt", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{">2020/01/01"}}},
			`invalid date filter: ">2020/01/01", date should be in the format of "> YYYY-MM-DD"`},
		{"DateLe", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"<=20200101"}}},
			`invalid date filter: "<=20200101", date should be in the format of "<= YYYY-MM-DD"`},
		{"DateLt", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"<"}}},
			`invalid date filter: "<", date should be in the format of "< YYYY-MM-DD"`},
		{"DateEq", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"2020-01-0"}}},
			`invalid date filter: "2020-01-0", date should be in the format of "YYYY-MM-DD"`},
		{"DateEmpty", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{""}}},
			`invalid date filter: "", date should be in the format of "YYYY-MM-DD"`},
		{"DateEqualsSignRejected", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"=2020-01-01"}}},
			`invalid date filter: "=2020-01-01", date should be in the format of "YYYY-MM-DD"`},
		{"DateSpaceAfterOperator", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{">= 2020-01-01"}}},
			`invalid date filter: ">= 2020-01-01", date should be in the format of ">= YYYY-MM-DD"`},
		{"DateLeadingSpace", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{" 2020-01-01"}}},
			`invalid date filter: " 2020-01-01", date should be in the format of "YYYY-MM-DD"`},
		{"DateNonASCIIDigit", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"２０２0-01-01"}}},
			`invalid date filter: "２０２0-01-01", date should be in the format of "YYYY-MM-DD"`},
		{"DateYearNotDigits", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{">=20a0-01-01"}}},
			`invalid date filter: ">=20a0-01-01", date should be in the format of ">= YYYY-MM-DD"`},
		{"DateMonthNotDigits", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"2020-/1-01"}}},
			`invalid date filter: "2020-/1-01", date should be in the format of "YYYY-MM-DD"`},
		{"DateDayNotDigits", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"<=2020-01-0:"}}},
			`invalid date filter: "<=2020-01-0:", date should be in the format of "<= YYYY-MM-DD"`},
		{"DateSignedYear", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"+999-01-01"}}},
			`invalid date filter: "+999-01-01", date should be in the format of "YYYY-MM-DD"`},
		{"DateSecondValueFails", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{">2020-01-01", "<2020-13"}}},
			`invalid date filter: "<2020-13", date should be in the format of "< YYYY-MM-DD"`},
		{"DateQuoting", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: []string{"\"x\\\n\x00\xff日"}}},
			`invalid date filter: "\"x\\\n\x00\xff日", date should be in the format of "YYYY-MM-DD"`},

		// rank / rating / rating_count.
		{"Rank", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{"10"}}},
			`invalid rank filter: "10"` + rankFormat},
		{"RankFloat", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{">1.5"}}},
			`invalid rank filter: ">1.5"` + rankFormat},
		{"RankNegative", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{">-1"}}},
			`invalid rank filter: ">-1"` + rankFormat},
		{"RankTrailingSpace", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{">1 "}}},
			`invalid rank filter: ">1 "` + rankFormat},
		{"RankLeadingSpace", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{" >1"}}},
			`invalid rank filter: " >1"` + rankFormat},
		{"RankDoubleEquals", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{"==1"}}},
			`invalid rank filter: "==1"` + rankFormat},
		{"RankNotEqual", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{"!=1"}}},
			`invalid rank filter: "!=1"` + rankFormat},
		{"RankTab", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{">\t1"}}},
			`invalid rank filter: ">\t1"` + rankFormat},
		{"RankNewline", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{">1\n"}}},
			`invalid rank filter: ">1\n"` + rankFormat},
		{"RankNonASCIIDigit", search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{">١"}}},
			`invalid rank filter: ">١"` + rankFormat},
		{"Rating", search.SubjectRequest{Filter: search.SubjectFilter{Rating: []string{">=7."}}},
			`invalid score filter: ">=7."` + scoreFormat},
		{"RatingNoOperator", search.SubjectRequest{Filter: search.SubjectFilter{Rating: []string{"7.5"}}},
			`invalid score filter: "7.5"` + scoreFormat},
		{"RatingLeadingDot", search.SubjectRequest{Filter: search.SubjectFilter{Rating: []string{">.5"}}},
			`invalid score filter: ">.5"` + scoreFormat},
		{"RatingExponent", search.SubjectRequest{Filter: search.SubjectFilter{Rating: []string{">1e3"}}},
			`invalid score filter: ">1e3"` + scoreFormat},
		{"RatingCount", search.SubjectRequest{Filter: search.SubjectFilter{RatingCount: []string{">=1.0"}}},
			`invalid rating_count filter: ">=1.0"` + rankFormat},

		// The first failing filter, in the table order, wins.
		{"DateBeforeRank", search.SubjectRequest{Filter: search.SubjectFilter{
			Rank: []string{"x"}, AirDate: []string{"y"}}},
			`invalid date filter: "y", date should be in the format of "YYYY-MM-DD"`},
		{"RankBeforeRating", search.SubjectRequest{Filter: search.SubjectFilter{
			RatingCount: []string{"c"}, Rating: []string{"b"}, Rank: []string{"a"}}},
			`invalid rank filter: "a"` + rankFormat},
		{"RatingBeforeRatingCount", search.SubjectRequest{Filter: search.SubjectFilter{
			RatingCount: []string{"c"}, Rating: []string{"b"}}},
			`invalid score filter: "b"` + scoreFormat},
		{"FilterBeforeSort", search.SubjectRequest{Sort: "nope", Filter: search.SubjectFilter{RatingCount: []string{"c"}}},
			`invalid rating_count filter: "c"` + rankFormat},

		// sort.
		{"SortUnknown", search.SubjectRequest{Sort: "id"}, "sort not supported"},
		{"SortCase", search.SubjectRequest{Sort: "Heat"}, "sort not supported"},
		{"SortSpace", search.SubjectRequest{Sort: " rank"}, "sort not supported"},

		// Limits.
		{"KeywordTooLong", search.SubjectRequest{Keyword: strings.Repeat("鲁", search.MaxKeywordRunes+1)},
			"keyword is too long: at most 256 characters"},
		{"KeywordTooLongBeforeFilter", search.SubjectRequest{Keyword: strings.Repeat("a", 257),
			Filter: search.SubjectFilter{Rank: []string{"x"}}},
			"keyword is too long: at most 256 characters"},
		{"TooManyAirDate", search.SubjectRequest{Filter: search.SubjectFilter{AirDate: many(65, "2020-01-01")}},
			"too many values in filter.air_date: at most 64"},
		{"TooManyType", search.SubjectRequest{Filter: search.SubjectFilter{Type: make([]uint8, 65)}},
			"too many values in filter.type: at most 64"},
		{"TooManyMetaTags", search.SubjectRequest{Filter: search.SubjectFilter{MetaTags: many(65, "TV")}},
			"too many values in filter.meta_tags: at most 64"},
		{"TooManyTag", search.SubjectRequest{Filter: search.SubjectFilter{Tag: many(65, "a")}},
			"too many values in filter.tag: at most 64"},
		{"TooManyRank", search.SubjectRequest{Filter: search.SubjectFilter{Rank: many(65, ">1")}},
			"too many values in filter.rank: at most 64"},
		{"TooManyRating", search.SubjectRequest{Filter: search.SubjectFilter{Rating: many(65, ">1")}},
			"too many values in filter.rating: at most 64"},
		{"TooManyRatingCount", search.SubjectRequest{Filter: search.SubjectFilter{RatingCount: many(65, ">1")}},
			"too many values in filter.rating_count: at most 64"},
		{"TooManyBeforeInvalid", search.SubjectRequest{Filter: search.SubjectFilter{
			AirDate: []string{"bad"}, RatingCount: many(65, ">1")}},
			"too many values in filter.rating_count: at most 64"},
		{"TooManyInTableOrder", search.SubjectRequest{Filter: search.SubjectFilter{
			Tag: many(65, "a"), MetaTags: many(65, "b")}},
			"too many values in filter.meta_tags: at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, allow := range []bool{false, true} {
				q, err := search.SubjectQuery(tt.r, allow, 10, 0)
				wantInvalid(t, err, tt.msg)
				if diff := cmp.Diff(search.Query{}, q); diff != "" {
					t.Errorf("query on error is not zero (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestSubjectQuery_Filter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    search.SubjectFilter
		want search.Filter // after the NSFW clauses of an allowed viewer (none)
	}{
		{"Empty", search.SubjectFilter{}, nil},
		{"EmptySlices", search.SubjectFilter{AirDate: []string{}, Type: []uint8{}, Tag: []string{}}, nil},
		{"AirDateOperators", search.SubjectFilter{AirDate: []string{
			">=2008-04-06", ">2008-04-06", "<=2008-04-06", "<2008-04-06", "2008-04-06",
		}}, search.Filter{
			clause(num("date", search.Ge, 20080406)),
			clause(num("date", search.Gt, 20080406)),
			clause(num("date", search.Le, 20080406)),
			clause(num("date", search.Lt, 20080406)),
			clause(num("date", search.Eq, 20080406)),
		}},
		{"AirDateTailIgnored", search.SubjectFilter{AirDate: []string{"<2020-01-31T00:00:00Z", "1999-12-31 junk"}},
			search.Filter{clause(num("date", search.Lt, 20200131)), clause(num("date", search.Eq, 19991231))}},
		{"AirDateUnchecked", search.SubjectFilter{AirDate: []string{"0000-99-99"}},
			search.Filter{clause(num("date", search.Eq, 9999))}},
		{"TypeOneClauseOrAll", search.SubjectFilter{Type: []uint8{2, 6, 0, 255}}, search.Filter{clause(
			num("type", search.Eq, 2), num("type", search.Eq, 6), num("type", search.Eq, 0), num("type", search.Eq, 255),
		)}},
		{"MetaTagsOneClauseEach", search.SubjectFilter{MetaTags: []string{"TV", "-日本", "", "a\"b"}}, search.Filter{
			clause(eq("meta_tag", search.String("TV"))),
			clause(eq("meta_tag", search.String("-日本"))),
			clause(eq("meta_tag", search.String(""))),
			clause(eq("meta_tag", search.String("a\"b"))),
		}},
		{"TagOneClauseEach", search.SubjectFilter{Tag: []string{"SUNRISE", "叛逆的鲁鲁修"}}, search.Filter{
			clause(eq("tag", search.String("SUNRISE"))),
			clause(eq("tag", search.String("叛逆的鲁鲁修"))),
		}},
		{"Rank", search.SubjectFilter{Rank: []string{">0", "<=  100", "=007", ">=5", "<3"}}, search.Filter{
			clause(num("rank", search.Gt, 0)),
			clause(num("rank", search.Le, 100)),
			clause(num("rank", search.Eq, 7)),
			clause(num("rank", search.Ge, 5)),
			clause(num("rank", search.Lt, 3)),
		}},
		{"RankHuge", search.SubjectFilter{Rank: []string{"<" + strings.Repeat("9", 400), ">99999999999999999999"}},
			search.Filter{clause(num("rank", search.Lt, math.MaxFloat64)), clause(num("rank", search.Gt, 1e20))}},
		{"Rating", search.SubjectFilter{Rating: []string{">=7.5", "< 9", "=8.25", "<=10", ">0.0"}}, search.Filter{
			clause(num("score", search.Ge, 7.5)),
			clause(num("score", search.Lt, 9)),
			clause(num("score", search.Eq, 8.25)),
			clause(num("score", search.Le, 10)),
			clause(num("score", search.Gt, 0)),
		}},
		{"RatingCount", search.SubjectFilter{RatingCount: []string{">100", "<= 9438"}}, search.Filter{
			clause(num("rating_count", search.Gt, 100)),
			clause(num("rating_count", search.Le, 9438)),
		}},
		{"TableOrder", search.SubjectFilter{
			RatingCount: []string{">1"}, Rating: []string{">2"}, Rank: []string{">3"}, Tag: []string{"t"},
			MetaTags: []string{"m"}, NSFW: ptr(false), Type: []uint8{1}, AirDate: []string{"2000-01-01"},
		}, search.Filter{
			clause(num("date", search.Eq, 20000101)),
			clause(num("type", search.Eq, 1)),
			nsfwFalse,
			clause(eq("meta_tag", search.String("m"))),
			clause(eq("tag", search.String("t"))),
			clause(num("rank", search.Gt, 3)),
			clause(num("score", search.Gt, 2)),
			clause(num("rating_count", search.Gt, 1)),
		}},
		{"AtTheLimit", search.SubjectFilter{Tag: many(search.MaxFilterValues, "x")}, func() search.Filter {
			var f search.Filter
			for range search.MaxFilterValues {
				f = append(f, clause(eq("tag", search.String("x"))))
			}
			return f
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := search.SubjectQuery(search.SubjectRequest{Filter: tt.f}, true, 10, 0)
			if err != nil {
				t.Fatalf("SubjectQuery() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, q.Filter); diff != "" {
				t.Errorf("Filter mismatch (-want +got):\n%s", diff)
			}
			for _, c := range q.Filter {
				for _, cond := range c {
					if !search.Filterable(search.KindSubject, cond.Field) {
						t.Errorf("condition on %q, which is not filterable for subjects", cond.Field)
					}
				}
			}
		})
	}
}

func TestSubjectQuery_Query(t *testing.T) {
	t.Parallel()
	q, err := search.SubjectQuery(search.SubjectRequest{Keyword: " \t鲁路修 R2\n", Sort: "heat"}, true, 20, 40)
	if err != nil {
		t.Fatalf("SubjectQuery() error = %v", err)
	}
	want := search.Query{Kind: search.KindSubject, Keyword: "鲁路修 R2", Sort: search.SortHeat, Limit: 20, Offset: 40}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("SubjectQuery() mismatch (-want +got):\n%s", diff)
	}
}

func TestSubjectQuery_Sort(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]search.Sort{
		"":      search.SortMatch,
		"match": search.SortMatch,
		"heat":  search.SortHeat,
		"score": search.SortScore,
		"rank":  search.SortRank,
	} {
		q, err := search.SubjectQuery(search.SubjectRequest{Sort: in}, false, 10, 0)
		if err != nil {
			t.Errorf("sort %q: error = %v", in, err)
			continue
		}
		if q.Sort != want {
			t.Errorf("sort %q: Sort = %v, want %v", in, q.Sort, want)
		}
	}
}

func TestKeyword(t *testing.T) {
	t.Parallel()
	atLimit := strings.Repeat("鲁", search.MaxKeywordRunes)
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"Empty", "", "", true},
		{"OnlySpaces", " \t\n\u3000", "", true},
		{"Trimmed", "\u3000 Code Geass \n", "Code Geass", true},
		{"InnerSpacesKept", "a  b", "a  b", true},
		{"AtTheLimit", atLimit, atLimit, true},
		{"AtTheLimitAfterTrim", "  " + atLimit + "  ", atLimit, true},
		{"InvalidUTF8CountsOneEach", strings.Repeat("\xff", search.MaxKeywordRunes), strings.Repeat("\xff", search.MaxKeywordRunes), true},
		{"OverTheLimit", atLimit + "x", "", false},
		{"InvalidUTF8OverTheLimit", strings.Repeat("\xff", search.MaxKeywordRunes+1), "", false},
	}
	const msg = "keyword is too long: at most 256 characters"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			queries := map[string]func() (search.Query, error){
				"subjects": func() (search.Query, error) {
					return search.SubjectQuery(search.SubjectRequest{Keyword: tt.in}, true, 10, 0)
				},
				"characters": func() (search.Query, error) {
					return search.CharacterQuery(search.CharacterRequest{Keyword: tt.in}, true, 10, 0)
				},
				"persons": func() (search.Query, error) {
					return search.PersonQuery(search.PersonRequest{Keyword: tt.in}, 10, 0)
				},
			}
			for kind, query := range queries {
				q, err := query()
				if !tt.ok {
					wantInvalid(t, err, msg)
					continue
				}
				if err != nil {
					t.Errorf("%s: error = %v", kind, err)
					continue
				}
				if q.Keyword != tt.want {
					t.Errorf("%s: Keyword = %q, want %q", kind, q.Keyword, tt.want)
				}
			}
		})
	}
}

// TestNSFW is decision D3, for subjects and characters: every combination of the viewer's
// permission and filter.nsfw.
func TestNSFW(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		allow bool
		nsfw  *bool
		want  search.Filter
	}{
		{"AllowedAbsentSeesAll", true, nil, nil},
		{"AllowedTrueSeesOnlyNSFW", true, ptr(true), search.Filter{nsfwTrue}},
		{"AllowedFalseSeesOnlySafe", true, ptr(false), search.Filter{nsfwFalse}},
		{"NotAllowedAbsentSeesOnlySafe", false, nil, search.Filter{nsfwFalse}},
		{"NotAllowedTrueSeesNothing", false, ptr(true), search.Filter{nsfwTrue, nsfwFalse}},
		{"NotAllowedFalseSeesOnlySafe", false, ptr(false), search.Filter{nsfwFalse}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sq, err := search.SubjectQuery(search.SubjectRequest{Filter: search.SubjectFilter{NSFW: tt.nsfw}}, tt.allow, 10, 0)
			if err != nil {
				t.Fatalf("SubjectQuery() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, sq.Filter); diff != "" {
				t.Errorf("subjects: Filter mismatch (-want +got):\n%s", diff)
			}
			cq, err := search.CharacterQuery(search.CharacterRequest{NSFW: tt.nsfw}, tt.allow, 10, 0)
			if err != nil {
				t.Fatalf("CharacterQuery() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, cq.Filter); diff != "" {
				t.Errorf("characters: Filter mismatch (-want +got):\n%s", diff)
			}

			// What each filter lets through, on a safe and an NSFW document.
			for _, doc := range []bool{false, true} {
				got := nsfwMatches(sq.Filter, doc)
				want := !doc && (tt.nsfw == nil || !*tt.nsfw) ||
					doc && tt.allow && (tt.nsfw == nil || *tt.nsfw)
				if got != want {
					t.Errorf("a document with nsfw=%t matches = %t, want %t", doc, got, want)
				}
			}
		})
	}
}

// nsfwMatches evaluates a filter made of nsfw conditions only on a document's nsfw field.
func nsfwMatches(f search.Filter, nsfw bool) bool {
	for _, c := range f {
		holds := false
		for _, cond := range c {
			holds = holds || cond.Value.Bool == nsfw
		}
		if !holds {
			return false
		}
	}
	return true
}

func TestCharacterQuery(t *testing.T) {
	t.Parallel()
	q, err := search.CharacterQuery(search.CharacterRequest{Keyword: " 鲁路修 ", NSFW: ptr(false)}, true, 5, 15)
	if err != nil {
		t.Fatalf("CharacterQuery() error = %v", err)
	}
	want := search.Query{Kind: search.KindCharacter, Keyword: "鲁路修", Filter: search.Filter{nsfwFalse},
		Sort: search.SortMatch, Limit: 5, Offset: 15}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("CharacterQuery() mismatch (-want +got):\n%s", diff)
	}
}

func TestPersonQuery(t *testing.T) {
	t.Parallel()
	t.Run("Careers", func(t *testing.T) {
		t.Parallel()
		q, err := search.PersonQuery(search.PersonRequest{Keyword: "福山", Career: []string{"seiyu", "actor", "", "x\"y"}}, 3, 6)
		if err != nil {
			t.Fatalf("PersonQuery() error = %v", err)
		}
		want := search.Query{Kind: search.KindPerson, Keyword: "福山", Filter: search.Filter{
			clause(eq("career", search.String("seiyu"))),
			clause(eq("career", search.String("actor"))),
			clause(eq("career", search.String(""))),
			clause(eq("career", search.String("x\"y"))),
		}, Sort: search.SortMatch, Limit: 3, Offset: 6}
		if diff := cmp.Diff(want, q); diff != "" {
			t.Errorf("PersonQuery() mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("NoCareer", func(t *testing.T) {
		t.Parallel()
		q, err := search.PersonQuery(search.PersonRequest{}, 10, 0)
		if err != nil {
			t.Fatalf("PersonQuery() error = %v", err)
		}
		if q.Filter != nil {
			t.Errorf("Filter = %v, want nil", q.Filter)
		}
	})
	t.Run("AtTheLimit", func(t *testing.T) {
		t.Parallel()
		q, err := search.PersonQuery(search.PersonRequest{Career: many(search.MaxFilterValues, "seiyu")}, 10, 0)
		if err != nil {
			t.Fatalf("PersonQuery() error = %v", err)
		}
		if len(q.Filter) != search.MaxFilterValues {
			t.Errorf("len(Filter) = %d, want %d", len(q.Filter), search.MaxFilterValues)
		}
	})
	t.Run("TooManyCareers", func(t *testing.T) {
		t.Parallel()
		_, err := search.PersonQuery(search.PersonRequest{Career: many(search.MaxFilterValues+1, "seiyu")}, 10, 0)
		wantInvalid(t, err, "too many values in filter.career: at most 64")
	})
}

// FuzzSubjectQuery: whatever the body, SubjectQuery does not panic, fails only with a
// client-safe ErrInvalid, and a query it builds only filters filterable fields and never
// shows an NSFW subject to a viewer who may not see one (D3).
func FuzzSubjectQuery(f *testing.F) {
	f.Add("", "2008-04-06", ">0", ">=7.5", uint8(0), false)
	f.Add(" Code Geass ", ">=2020-01-01", "<= 100", "< 9", uint8(1), false)
	f.Add("鲁路修", "<2020-01-31T00", "=7", "=8", uint8(1), true)
	f.Add("x", ">2020-13-45", "<"+strings.Repeat("9", 400), ">0."+strings.Repeat("0", 400)+"1", uint8(2), true)
	f.Add("x", "=2020-01-01", ">", ">=7.", uint8(2), false)
	f.Add(strings.Repeat("a", 257), ">= 2020-01-01", "1", ">1e3", uint8(0), true)
	f.Fuzz(func(t *testing.T, keyword, airDate, rank, rating string, nsfw uint8, allow bool) {
		var flag *bool
		switch nsfw % 3 {
		case 1:
			flag = ptr(true)
		case 2:
			flag = ptr(false)
		}
		r := search.SubjectRequest{Keyword: keyword, Filter: search.SubjectFilter{
			AirDate: []string{airDate}, Rank: []string{rank}, Rating: []string{rating}, NSFW: flag,
		}}
		q, err := search.SubjectQuery(r, allow, 10, 0)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v does not wrap domain.ErrInvalid", err)
			}
			if domain.Message(err) == "" {
				t.Fatalf("error %v has no client-safe message", err)
			}
			return
		}
		if q.Kind != search.KindSubject {
			t.Errorf("Kind = %v", q.Kind)
		}
		if len(q.Filter) < 3 {
			t.Errorf("Filter has %d clauses, want at least one per value", len(q.Filter))
		}
		onlySafe := false // a clause that only non-NSFW documents satisfy
		for _, c := range q.Filter {
			safeClause := len(c) > 0
			for _, cond := range c {
				if !search.Filterable(search.KindSubject, cond.Field) {
					t.Errorf("condition on %q, which is not filterable for subjects", cond.Field)
				}
				if cond.Value.Kind == search.ValueNumber && (math.IsNaN(cond.Value.Num) || math.IsInf(cond.Value.Num, 0)) {
					t.Errorf("condition %+v compares with a non-finite number", cond)
				}
				safeClause = safeClause && cond == eq(search.FieldNSFW, search.Bool(false))
			}
			onlySafe = onlySafe || safeClause
		}
		if !allow && !onlySafe {
			t.Errorf("viewer without NSFW: no clause nsfw = false in %+v", q.Filter)
		}
	})
}
