package contracttests

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bangumi/chii/domain/subject"
)

// browseFixture: anime 1–5 (3 NSFW, 4 merged, 5 banned), books 10–11, games 20–22. Every
// subject has a date, hence a chii_subject_fields row (browsing inner-joins it).
func browseFixture() Fixture {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	return Fixture{
		Subjects: []subject.Subject{
			{ID: 1, Type: 2, Name: "one", Platform: 1, Rank: 10, Date: day(2020, 4, 1)},
			{ID: 2, Type: 2, Name: "two", Platform: 2, Date: day(2020, 4, 1)},
			{ID: 3, Type: 2, Name: "nsfw", Platform: 1, Rank: 5, NSFW: true, Date: day(2021, 1, 15)},
			{ID: 4, Type: 2, Name: "merged", Platform: 1, Rank: 5, Redirect: 1, Date: day(2019, 4, 3)},
			{ID: 5, Type: 2, Name: "banned", Platform: 1, Rank: 5, Ban: 1, Date: day(2018, 7, 1)},
			{ID: 10, Type: 1, Name: "series", Series: true, Date: day(2020, 1, 1)},
			{ID: 11, Type: 1, Name: "single", Date: day(2020, 1, 1)},
			{ID: 20, Type: 4, Name: "pc", Infobox: "{{Infobox Game\n|平台={\n[PC]\n[PS4]\n}\n}}", Date: day(2020, 2, 2)},
			{ID: 21, Type: 4, Name: "escaped", Infobox: "{{Infobox Game\n|平台={\n[<A&B>]\n[P_C]\n}\n}}", Date: day(2020, 2, 2)},
			{ID: 22, Type: 4, Name: "pcx", Infobox: "{{Infobox Game\n|平台={\n[PCX]\n}\n}}", Date: day(2020, 2, 2)},
		},
		MetaTags: []FixtureMetaTags{
			{SubjectID: 1, SubjectType: 2, Tags: []string{"B", "A"}},
			// tags of another subject type are listed too
			{SubjectID: 5, SubjectType: 1, Tags: []string{"X"}},
		},
	}
}

// TestSubjectBrowser checks the ports.SubjectBrowser contract: the filters of
// http-v0-more.md §1.2 (literal platform match), the orders with ties by subject id and the
// page's meta tags.
func TestSubjectBrowser(t *testing.T, newRepos NewRepos) {
	b := newRepos(t, browseFixture()).Browser
	ctx := t.Context()
	anime := subject.BrowseFilter{Type: 2}
	with := func(f subject.BrowseFilter, edit func(*subject.BrowseFilter)) subject.BrowseFilter {
		edit(&f)
		return f
	}
	nsfw := with(anime, func(f *subject.BrowseFilter) { f.AllowNSFW = true })
	game := subject.BrowseFilter{Type: 4}
	for _, tc := range []struct {
		name string
		f    subject.BrowseFilter
		want []uint32
	}{
		{"NoSortIsByIDWithoutNSFWOrMerged", anime, []uint32{1, 2, 5}},
		{"AllowNSFW", nsfw, []uint32{1, 2, 3, 5}},
		{"SortDateNewestFirstTiesByID", with(nsfw, func(f *subject.BrowseFilter) { f.Sort = subject.SortDate }), []uint32{3, 1, 2, 5}},
		{"SortRankRankedOnlyTiesByID", with(nsfw, func(f *subject.BrowseFilter) { f.Sort = subject.SortRank }), []uint32{3, 5, 1}},
		{"Cat", with(anime, func(f *subject.BrowseFilter) { f.Cat, f.HasCat = 2, true }), []uint32{2}},
		{"CatZero", with(anime, func(f *subject.BrowseFilter) { f.Cat, f.HasCat = 0, true }), nil},
		{"SeriesTrue", subject.BrowseFilter{Type: 1, Series: ptr(true)}, []uint32{10}},
		{"SeriesFalse", subject.BrowseFilter{Type: 1, Series: ptr(false)}, []uint32{11}},
		{"Platform", with(game, func(f *subject.BrowseFilter) { f.Platform = "PC" }), []uint32{20}},
		{"PlatformEscaped", with(game, func(f *subject.BrowseFilter) { f.Platform = "<A&B>" }), []uint32{21}},
		{"PlatformWildcardsAreLiteral", with(game, func(f *subject.BrowseFilter) { f.Platform = "P%" }), nil},
		{"PlatformUnderscoreIsLiteral", with(game, func(f *subject.BrowseFilter) { f.Platform = "P_X" }), nil},
		{"PlatformUnderscore", with(game, func(f *subject.BrowseFilter) { f.Platform = "P_C" }), []uint32{21}},
		{"Year", with(nsfw, func(f *subject.BrowseFilter) { f.Year = 2020 }), []uint32{1, 2}},
		{"YearAndMonth", with(nsfw, func(f *subject.BrowseFilter) { f.Year, f.Month = 2021, 1 }), []uint32{3}},
		{"Month", with(nsfw, func(f *subject.BrowseFilter) { f.Month = 7 }), []uint32{5}},
		{"OtherType", subject.BrowseFilter{Type: 6}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := b.CountBrowse(ctx, tc.f)
			if err != nil {
				t.Fatalf("CountBrowse() error = %v", err)
			}
			if n != int64(len(tc.want)) {
				t.Errorf("CountBrowse() = %d, want %d", n, len(tc.want))
			}
			got, err := b.Browse(ctx, tc.f, 30, 0)
			if err != nil {
				t.Fatalf("Browse() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, subjectIDs(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Browse() ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("Page", func(t *testing.T) {
		for _, limit := range []int{2, -1} {
			got, err := b.Browse(ctx, nsfw, limit, 1)
			if err != nil {
				t.Fatalf("Browse(limit %d) error = %v", limit, err)
			}
			want := map[int][]uint32{2: {2, 3}, -1: {2, 3, 5}}[limit]
			if diff := cmp.Diff(want, subjectIDs(got)); diff != "" {
				t.Errorf("Browse(limit %d, offset 1) mismatch (-want +got):\n%s", limit, diff)
			}
		}
		got, err := b.Browse(ctx, nsfw, 30, 9)
		if err != nil || len(got) != 0 {
			t.Errorf("Browse(offset past the end) = %v, %v; want an empty page", got, err)
		}
	})
	t.Run("SubjectsAreWhole", func(t *testing.T) {
		got, err := b.Browse(ctx, with(game, func(f *subject.BrowseFilter) { f.Platform = "<A&B>" }), 30, 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("Browse() = %v, %v", got, err)
		}
		if got[0].Name != "escaped" || got[0].Infobox != browseFixture().Subjects[8].Infobox || !got[0].Date.Equal(time.Date(2020, 2, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Browse() subject = %+v", got[0])
		}
	})
	t.Run("MetaTags", func(t *testing.T) {
		got, err := b.BrowseMetaTags(ctx, []uint32{1, 2, 5, 404})
		if err != nil {
			t.Fatalf("BrowseMetaTags() error = %v", err)
		}
		want := map[uint32][]string{1: {"B", "A"}, 5: {"X"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("BrowseMetaTags() mismatch (-want +got):\n%s", diff)
		}
		if got, err := b.BrowseMetaTags(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("BrowseMetaTags(nil) = %v, %v; want empty", got, err)
		}
	})
}

func subjectIDs(ss []subject.Subject) []uint32 {
	out := make([]uint32, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}
