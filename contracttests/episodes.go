package contracttests

import (
	"errors"
	"testing"

	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/ports"
)

func episodeFixture() Fixture {
	ep := func(id, subjectID uint32, typ, disc uint8, sort float32) episode.Episode {
		return episode.Episode{ID: id, SubjectID: subjectID, Type: typ, Disc: disc, Sort: sort}
	}
	named := ep(101, 1, episode.TypeMain, 0, 1)
	named.Name, named.NameCN, named.Duration, named.Airdate = "魔神 が &amp; <b>", "魔王 & 苏醒", "00:24:00", "2008-04-06"
	named.Desc, named.Comment = "line\r\nline &lt;raw&gt;", 11
	banned := ep(100, 1, episode.TypeMain, 0, 0.5)
	banned.Banned = true
	bannedAlone := ep(301, 3, episode.TypeMain, 0, 1)
	bannedAlone.Banned = true
	return Fixture{
		EpisodeRows: []episode.Episode{
			// subject 1: main episodes on two discs, specials, an OP; ties on (disc, type, sort)
			// broken by id; a banned main episode before every other one
			named,
			ep(102, 1, episode.TypeMain, 0, 2),
			ep(103, 1, episode.TypeMain, 0, 12.5),
			ep(110, 1, episode.TypeSpecial, 0, 1),
			ep(105, 1, episode.TypeSpecial, 0, 1), // same disc, type and sort as 110: id first
			ep(104, 1, episode.TypeOP, 0, 0),
			ep(120, 1, episode.TypeMain, 1, 0), // disc 1: after every disc-0 episode
			banned,
			// subject 2: continues another subject (first main sort 23); a special sorted lower
			ep(201, 2, episode.TypeMain, 0, 24),
			ep(202, 2, episode.TypeMain, 0, 23),
			ep(203, 2, episode.TypeSpecial, 0, 1),
			// subject 3: no main episode that is not banned
			bannedAlone,
			ep(302, 3, episode.TypeMAD, 0, 5),
		},
		EpisodeProgress: []FixtureProgress{
			{UserID: 7, SubjectID: 1, Stored: `{"101":{"eid":"101","type":2,"updated_at":{"2":1700000000,"1":1690000000}},"102":{"eid":"102","type":1,"updated_at":null},"103":{"eid":"103","type":3}}`},
			{UserID: 7, SubjectID: 2, Stored: `a:2:{i:201;a:2:{s:3:"eid";s:3:"201";s:4:"type";i:2;}i:202;a:2:{s:3:"eid";s:3:"202";s:4:"type";i:3;}}`},
			{UserID: 8, SubjectID: 1, Stored: `[]`},
			{UserID: 9, SubjectID: 1, Stored: `{"101":{"eid":"101","type":7}}`},
		},
	}
}

// TestEpisodeRepository checks a ports.EpisodeRepository.
func TestEpisodeRepository(t *testing.T, newRepos NewRepos) {
	f := episodeFixture()
	r := newRepos(t, f).Episodes
	ctx := t.Context()
	rows := map[uint32]episode.Episode{}
	for _, e := range f.EpisodeRows {
		rows[e.ID] = e
	}
	eps := func(ids ...uint32) []episode.Episode {
		out := make([]episode.Episode, len(ids))
		for i, id := range ids {
			out[i] = rows[id]
		}
		return out
	}
	subject1 := ports.EpisodeFilter{SubjectID: 1}

	t.Run("Get/RawColumnsAndFirstMainSort", func(t *testing.T) {
		for _, tc := range []struct {
			id    uint32
			first float32
		}{{101, 1}, {103, 1}, {110, 1}, {120, 1}, {201, 23}, {203, 23}, {302, 0}} {
			got, first, err := r.Get(ctx, tc.id)
			must(t, "Get", err)
			assertEqual(t, "Get episode", rows[tc.id], got)
			if first != tc.first {
				t.Errorf("Get(%d) first main sort = %v, want %v (smallest disc then sort of the non-banned main episodes)", tc.id, first, tc.first)
			}
		}
	})
	t.Run("Get/BannedAndMissingAreNotFound", func(t *testing.T) {
		for _, id := range []uint32{100, 301, 999} {
			_, _, err := r.Get(ctx, id)
			assertNotFound(t, "Get", err)
		}
	})
	t.Run("Count/NotBannedByType", func(t *testing.T) {
		for _, tc := range []struct {
			f    ports.EpisodeFilter
			want int64
		}{
			{subject1, 7},
			{ports.EpisodeFilter{SubjectID: 1, Type: episode.TypeMain, ByType: true}, 4},
			{ports.EpisodeFilter{SubjectID: 1, Type: episode.TypeSpecial, ByType: true}, 2},
			{ports.EpisodeFilter{SubjectID: 1, Type: episode.TypeED, ByType: true}, 0},
			{ports.EpisodeFilter{SubjectID: 3}, 1},
			{ports.EpisodeFilter{SubjectID: 404}, 0},
		} {
			n, err := r.Count(ctx, tc.f)
			must(t, "Count", err)
			if n != tc.want {
				t.Errorf("Count(%+v) = %d, want %d", tc.f, n, tc.want)
			}
		}
	})
	t.Run("List/ByDiscTypeSortThenID", func(t *testing.T) {
		got, first, err := r.List(ctx, subject1, -1, 0)
		must(t, "List", err)
		assertEqual(t, "List(subject 1)", eps(101, 102, 103, 105, 110, 104, 120), got)
		if first != 1 {
			t.Errorf("List first main sort = %v, want 1", first)
		}
	})
	t.Run("List/PagedAndFiltered", func(t *testing.T) {
		got, _, err := r.List(ctx, subject1, 2, 2)
		must(t, "List", err)
		assertEqual(t, "List(subject 1, limit 2, offset 2)", eps(103, 105), got)
		got, _, err = r.List(ctx, ports.EpisodeFilter{SubjectID: 1, Type: episode.TypeSpecial, ByType: true}, 10, 0)
		must(t, "List", err)
		assertEqual(t, "List(subject 1, specials)", eps(105, 110), got)
		got, _, err = r.List(ctx, subject1, 10, 7)
		must(t, "List", err)
		assertEqual(t, "List past the end", []episode.Episode{}, got)
	})
	t.Run("List/FirstMainSortOfEveryPage", func(t *testing.T) {
		_, first, err := r.List(ctx, ports.EpisodeFilter{SubjectID: 2, Type: episode.TypeSpecial, ByType: true}, 10, 0)
		must(t, "List", err)
		if first != 23 {
			t.Errorf("List(subject 2 specials) first main sort = %v, want 23 (the subject's, whatever the filter)", first)
		}
		_, first, err = r.List(ctx, ports.EpisodeFilter{SubjectID: 3}, 10, 0)
		must(t, "List", err)
		if first != 0 {
			t.Errorf("List(subject 3) first main sort = %v, want 0: its only main episode is banned", first)
		}
	})
	t.Run("Progress/JSONWithTimes", func(t *testing.T) {
		got, err := r.Progress(ctx, 7, 1)
		must(t, "Progress", err)
		assertEqual(t, "Progress(7, 1)", episode.Progress{
			101: {Status: episode.StatusDone, UpdatedAt: map[episode.Status]int64{2: 1700000000, 1: 1690000000}},
			102: {Status: episode.StatusWish},
			103: {Status: episode.StatusDropped},
		}, got)
	})
	t.Run("Progress/LegacyPHP", func(t *testing.T) {
		got, err := r.Progress(ctx, 7, 2)
		must(t, "Progress", err)
		assertEqual(t, "Progress(7, 2)", episode.Progress{201: {Status: episode.StatusDone}, 202: {Status: episode.StatusDropped}}, got)
	})
	t.Run("Progress/EmptyOrMissingRow", func(t *testing.T) {
		for _, k := range [][2]uint32{{8, 1}, {7, 3}, {404, 1}} {
			got, err := r.Progress(ctx, k[0], k[1])
			must(t, "Progress", err)
			if len(got) != 0 {
				t.Errorf("Progress(%d, %d) = %v, want no marks", k[0], k[1], got)
			}
		}
	})
	t.Run("Progress/CorruptIsAnError", func(t *testing.T) {
		_, err := r.Progress(ctx, 9, 1)
		if !errors.Is(err, episode.ErrCorrupt) {
			t.Errorf("Progress of a stored status 7: error = %v, want one wrapping episode.ErrCorrupt", err)
		}
	})
}
