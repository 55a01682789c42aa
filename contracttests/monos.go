package contracttests

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
)

func characterFixture() Fixture {
	return Fixture{Characters: []character.Character{
		{ID: 3, Name: "C.C.", Role: 1, Summary: "plain"},
		{
			ID: 1, Name: `ルルーシュ & "Zero" <L.L.>`, Role: 1,
			Summary:  "summary &amp; raw",
			Infobox:  "{{Infobox Crt\n|简体中文名= 鲁路修 & <Zero>\n}}",
			Image:    "7b/3a/1_crt_8V556.jpg?r=1603459589",
			Comments: 111, Collects: 667,
			Fields: mono.Fields{Gender: 1, BloodType: 1, BirthYear: 1999, BirthMon: 12, BirthDay: 5},
		},
		{ID: 2, Name: "nsfw, banned and merged", Role: 4, NSFW: true, Ban: 1, Redirect: 3, Fields: mono.Fields{Gender: 2}},
	}}
}

// TestCharacterRepository checks a ports.CharacterRepository.
func TestCharacterRepository(t *testing.T, newRepos NewRepos) {
	f := characterFixture()
	want := map[uint32]character.Character{}
	for _, c := range f.Characters {
		want[c.ID] = c
	}
	r := newRepos(t, f).Characters
	ctx := t.Context()

	testGetters(t, r, want)
	t.Run("Get/UnescapesNames", func(t *testing.T) {
		got, err := r.Get(ctx, 1)
		must(t, "Get(1)", err)
		if got.Name != want[1].Name || got.Infobox != want[1].Infobox || got.Summary != "summary &amp; raw" {
			t.Errorf("Get(1) = name %q, infobox %q, summary %q; want names unescaped, summary raw", got.Name, got.Infobox, got.Summary)
		}
	})
	t.Run("Get/NSFWIsNotFiltered", func(t *testing.T) {
		got, err := r.Get(ctx, 2)
		must(t, "Get(2)", err)
		if !got.NSFW || got.Redirect != 3 {
			t.Errorf("Get(2) = %+v, want the NSFW merged character", got)
		}
	})
}

func personFixture() Fixture {
	return Fixture{Persons: []person.Person{
		{
			ID: 1, Name: `水樹奈々 & "Nana" <x>`, Type: 1,
			Career:   person.Career{Producer: true, Mangaka: true, Artist: true, Seiyu: true, Writer: true, Illustrator: true, Actor: true},
			Summary:  "raw &lt;summary&gt;",
			Infobox:  "{{Infobox Crt\n|简体中文名= 水树奈奈 & <x>\n}}",
			Image:    "b8/d5/1_prsn_anidb.jpg",
			Comments: 8, Collects: 1200,
			Fields: mono.Fields{Gender: 2, BloodType: 1, BirthYear: 1980, BirthMon: 1, BirthDay: 21},
		},
		{ID: 7, Name: "company", Type: 2, Career: person.Career{Producer: true}, NSFW: true},
		{ID: 5, Name: "merged", Type: 1, Career: person.Career{Seiyu: true, Actor: true}, Ban: 1, Redirect: 7},
	}}
}

// TestPersonRepository checks a ports.PersonRepository.
func TestPersonRepository(t *testing.T, newRepos NewRepos) {
	f := personFixture()
	want := map[uint32]person.Person{}
	for _, p := range f.Persons {
		want[p.ID] = p
	}
	r := newRepos(t, f).Persons
	ctx := t.Context()

	testGetters(t, r, want)
	t.Run("Get/UnescapesNames", func(t *testing.T) {
		got, err := r.Get(ctx, 1)
		must(t, "Get(1)", err)
		if got.Name != want[1].Name || got.Infobox != want[1].Infobox || got.Summary != "raw &lt;summary&gt;" {
			t.Errorf("Get(1) = name %q, infobox %q, summary %q; want names unescaped, summary raw", got.Name, got.Infobox, got.Summary)
		}
	})
	t.Run("Get/Careers", func(t *testing.T) {
		for _, tc := range []struct {
			id   uint32
			want []string
		}{
			{1, []string{"writer", "producer", "mangaka", "artist", "seiyu", "illustrator", "actor"}},
			{5, []string{"seiyu", "actor"}},
			{7, []string{"producer"}},
		} {
			got, err := r.Get(ctx, tc.id)
			must(t, "Get", err)
			assertEqual(t, "Career.Names", tc.want, got.Career.Names())
		}
	})
}

// getters is what character and person repositories share.
type getters[V any] interface {
	Get(ctx context.Context, id uint32) (V, error)
	GetByIDs(ctx context.Context, ids []uint32) (map[uint32]V, error)
}

// testGetters checks Get and GetByIDs of a repository loaded with want (id 999 is absent).
func testGetters[V any](t *testing.T, r getters[V], want map[uint32]V) {
	ctx := t.Context()
	ids := slices.Sorted(maps.Keys(want))
	t.Run("Get/ReturnsEveryField", func(t *testing.T) {
		for _, id := range ids {
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
		asked := append([]uint32{999}, ids...)
		asked = append(asked, ids[0]) // a repeated id is returned once
		slices.Reverse(asked)
		got, err := r.GetByIDs(ctx, asked)
		must(t, "GetByIDs", err)
		assertEqual(t, "GetByIDs", want, got)
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
}
