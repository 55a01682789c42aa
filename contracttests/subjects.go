package contracttests

import (
	"testing"
	"time"

	"github.com/bangumi/chii/domain/subject"
)

// subjectFixture holds subjects in every state a repository must return as is.
func subjectFixture() Fixture {
	full := subject.Subject{
		ID: 10, Type: subject.TypeAnime,
		Name:   `Tom & Jerry <"R2"> 'x'`,
		NameCN: "猫和老鼠 & <特别篇>",
		// Summaries are returned as stored: an entity stays an entity.
		Summary:  "raw &amp; summary <br>",
		Infobox:  "{{Infobox animanga/TVAnime\n|中文名= 猫 & 鼠 <1>\n|别名={\n[Tom & Jerry]\n}\n}}",
		Image:    "c9/f0/8_wK0z3.jpg",
		Platform: 1, Volumes: 3, Eps: 25, Series: true,
		NSFW: true, Ban: 2,
		Date:          time.Date(2008, 4, 6, 0, 0, 0, 0, time.UTC),
		RateCounts:    [10]uint32{44, 15, 32, 66, 145, 457, 1472, 3190, 2640, 1377},
		Rank:          121,
		Tags:          []subject.Tag{{Name: "SUNRISE", Count: 1229, TotalCount: 88241}, {Name: "叛逆的鲁鲁修", Count: 1645}, {Name: "R&D <2>", Count: 3}},
		MetaTagsField: "机战 TV 原创",
		Collection:    subject.Collection{Wish: 622, Collect: 13216, Doing: 147, OnHold: 224, Dropped: 115},
	}
	bare := subject.Subject{ID: 11, Type: subject.TypeGame, Name: "bare"} // no date, votes or tags
	merged := subject.Subject{ID: 12, Type: subject.TypeBook, Name: "merged", Ban: 1, Redirect: 10}
	return Fixture{
		Subjects: []subject.Subject{merged, full, bare},
		Relations: []subject.Relation{
			{SubjectID: 10, RelatedID: 13, RelationType: 2, Order: 2},
			{SubjectID: 11, RelatedID: 10, RelationType: 3, Order: 0},
			{SubjectID: 10, RelatedID: 12, RelationType: 1, Order: 1},
			{SubjectID: 10, RelatedID: 11, RelationType: 4, Order: 2},
			{SubjectID: 10, RelatedID: 9, RelationType: 4, Order: 3},
		},
		Episodes: []FixtureEpisodes{{SubjectID: 10, Count: 3, Banned: 2}, {SubjectID: 12, Banned: 4}},
		MetaTags: []FixtureMetaTags{
			{SubjectID: 10, SubjectType: subject.TypeAnime, Tags: []string{"机战", "TV", "原创", "战斗"}},
			// Listed out of id order: 战斗 and TV were created (got their ids) with subject 10.
			{SubjectID: 13, SubjectType: subject.TypeAnime, Tags: []string{"奇幻", "战斗", "TV"}},
			{SubjectID: 11, SubjectType: subject.TypeGame, Tags: []string{"TV", "ACT"}},
		},
	}
}

// TestSubjectRepository checks a ports.SubjectRepository.
//
// MetaTags are listed by tag id. A tag is one (subject type, name) pair; the store gives
// tags ids in the order they first appear in Fixture.MetaTags (subject by subject, tag by
// tag), so a later subject may list them in another order than its fixture entry.
func TestSubjectRepository(t *testing.T, newRepos NewRepos) {
	f := subjectFixture()
	want := map[uint32]subject.Subject{}
	for _, s := range f.Subjects {
		want[s.ID] = s
	}
	r := newRepos(t, f).Subjects
	ctx := t.Context()

	t.Run("Get/ReturnsEveryField", func(t *testing.T) {
		got, err := r.Get(ctx, 10)
		must(t, "Get(10)", err)
		assertEqual(t, "Get(10)", want[10], got)
	})
	t.Run("Get/UnescapesNames", func(t *testing.T) {
		got, err := r.Get(ctx, 10)
		must(t, "Get(10)", err)
		if got.Name != `Tom & Jerry <"R2"> 'x'` || got.NameCN != "猫和老鼠 & <特别篇>" {
			t.Errorf("Get(10) names = %q, %q; want them unescaped", got.Name, got.NameCN)
		}
		if got.Infobox != want[10].Infobox {
			t.Errorf("Get(10).Infobox = %q, want %q", got.Infobox, want[10].Infobox)
		}
	})
	t.Run("Get/SummaryIsRaw", func(t *testing.T) {
		got, err := r.Get(ctx, 10)
		must(t, "Get(10)", err)
		if got.Summary != "raw &amp; summary <br>" {
			t.Errorf("Get(10).Summary = %q, want it as stored", got.Summary)
		}
	})
	t.Run("Get/TagsKeepOrder", func(t *testing.T) {
		got, err := r.Get(ctx, 10)
		must(t, "Get(10)", err)
		assertEqual(t, "Get(10).Tags", want[10].Tags, got.Tags)
	})
	t.Run("Get/NoFieldsIsZero", func(t *testing.T) {
		got, err := r.Get(ctx, 11)
		must(t, "Get(11)", err)
		assertEqual(t, "Get(11)", want[11], got)
		if !got.Date.IsZero() || got.Tags != nil && len(got.Tags) != 0 || got.Rating().Total != 0 {
			t.Errorf("Get(11) date %v, tags %v, votes %d; want zero", got.Date, got.Tags, got.Rating().Total)
		}
	})
	t.Run("Get/NSFWBannedAndMergedAreReturned", func(t *testing.T) {
		for _, id := range []uint32{10, 12} {
			got, err := r.Get(ctx, id)
			must(t, "Get", err)
			assertEqual(t, "Get", want[id], got)
		}
	})
	t.Run("Get/MissingIsNotFound", func(t *testing.T) {
		_, err := r.Get(ctx, 999)
		assertNotFound(t, "Get(999)", err)
	})
	t.Run("GetByIDs/SkipsMissing", func(t *testing.T) {
		got, err := r.GetByIDs(ctx, []uint32{12, 999, 10, 11})
		must(t, "GetByIDs", err)
		assertEqual(t, "GetByIDs", want, got)
	})
	t.Run("GetByIDs/Duplicates", func(t *testing.T) {
		got, err := r.GetByIDs(ctx, []uint32{11, 11})
		must(t, "GetByIDs", err)
		assertEqual(t, "GetByIDs", map[uint32]subject.Subject{11: want[11]}, got)
	})
	t.Run("GetByIDs/Empty", func(t *testing.T) {
		for _, ids := range [][]uint32{nil, {}, {999}} {
			got, err := r.GetByIDs(ctx, ids)
			must(t, "GetByIDs", err)
			if len(got) != 0 {
				t.Errorf("GetByIDs(%v) = %v, want none", ids, keys(got))
			}
		}
	})
	t.Run("CountEpisodes", func(t *testing.T) {
		for _, tc := range []struct {
			id   uint32
			want int64
		}{{10, 3}, {11, 0}, {12, 0}, {999, 0}} {
			got, err := r.CountEpisodes(ctx, tc.id)
			must(t, "CountEpisodes", err)
			if got != tc.want {
				t.Errorf("CountEpisodes(%d) = %d, want %d (banned episodes do not count)", tc.id, got, tc.want)
			}
		}
	})
	t.Run("MetaTags/ByTagID", func(t *testing.T) {
		for _, tc := range []struct {
			id   uint32
			typ  uint8
			want []string
		}{
			{10, subject.TypeAnime, []string{"机战", "TV", "原创", "战斗"}},
			{13, subject.TypeAnime, []string{"TV", "战斗", "奇幻"}},
			{11, subject.TypeGame, []string{"TV", "ACT"}},
		} {
			got, err := r.MetaTags(ctx, tc.id, tc.typ)
			must(t, "MetaTags", err)
			assertEqual(t, "MetaTags", tc.want, got)
		}
	})
	t.Run("MetaTags/OtherTypeOrNoneIsEmpty", func(t *testing.T) {
		for _, tc := range []struct {
			id  uint32
			typ uint8
		}{{10, subject.TypeGame}, {12, subject.TypeBook}, {999, subject.TypeAnime}} {
			got, err := r.MetaTags(ctx, tc.id, tc.typ)
			must(t, "MetaTags", err)
			if len(got) != 0 {
				t.Errorf("MetaTags(%d, %d) = %q, want none", tc.id, tc.typ, got)
			}
		}
	})
	t.Run("EpisodesAndMetaTags/SameAsCountEpisodesAndMetaTags", func(t *testing.T) {
		for _, tc := range []struct {
			id   uint32
			typ  uint8
			eps  int64
			tags []string
		}{
			{10, subject.TypeAnime, 3, []string{"机战", "TV", "原创", "战斗"}},
			{10, subject.TypeGame, 3, nil}, // episodes without meta tags of that type
			{13, subject.TypeAnime, 0, []string{"TV", "战斗", "奇幻"}},
			{11, subject.TypeGame, 0, []string{"TV", "ACT"}},
			{12, subject.TypeBook, 0, nil}, // banned episodes only
			{999, subject.TypeAnime, 0, nil},
		} {
			eps, tags, err := r.EpisodesAndMetaTags(ctx, tc.id, tc.typ)
			must(t, "EpisodesAndMetaTags", err)
			if eps != tc.eps {
				t.Errorf("EpisodesAndMetaTags(%d, %d) episodes = %d, want %d", tc.id, tc.typ, eps, tc.eps)
			}
			assertEqual(t, "EpisodesAndMetaTags meta tags", tc.tags, tags)
		}
	})
	t.Run("Relations/ByOrderThenRelatedID", func(t *testing.T) {
		got, err := r.Relations(ctx, 10)
		must(t, "Relations(10)", err)
		assertEqual(t, "Relations(10)", []subject.Relation{
			{SubjectID: 10, RelatedID: 12, RelationType: 1, Order: 1},
			{SubjectID: 10, RelatedID: 11, RelationType: 4, Order: 2},
			{SubjectID: 10, RelatedID: 13, RelationType: 2, Order: 2},
			{SubjectID: 10, RelatedID: 9, RelationType: 4, Order: 3},
		}, got)
	})
	t.Run("Relations/NoneIsEmpty", func(t *testing.T) {
		got, err := r.Relations(ctx, 12)
		must(t, "Relations(12)", err)
		if len(got) != 0 {
			t.Errorf("Relations(12) = %v, want none", got)
		}
	})
}
