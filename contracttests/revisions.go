package contracttests

import (
	"bytes"
	"compress/flate"
	"testing"
	"time"

	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/user"
)

// RevisionText compresses php (PHP serialize() output) the way bangumi stores chii_rev_text:
// raw DEFLATE, no zlib or gzip header.
func RevisionText(tb testing.TB, php string) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write([]byte(php)); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func revisionFixture(tb testing.TB) Fixture {
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	return Fixture{
		Users: []user.User{{ID: 7, Username: "editor", Nickname: "Editor <7>", RegTime: readT0}},
		Revisions: []FixtureRevision{
			// character 1: three character revisions, one of a missing member
			{revision.Revision{ID: 10, Type: 2, EntityID: 1, CreatorID: 7, CreatedAt: at(1286307038), Summary: "新条目"}, 1},
			{revision.Revision{ID: 30, Type: 4, EntityID: 1, CreatorID: 404, CreatedAt: at(1286307101), Summary: "关联修改"}, 1},
			{revision.Revision{ID: 20, Type: 13, EntityID: 1, CreatorID: 7, CreatedAt: at(1286307230), Summary: ""}, 2},
			// person 1 (same rev_mid, person types), a subject-related type never exposed
			{revision.Revision{ID: 11, Type: 3, EntityID: 1, CreatorID: 7, CreatedAt: at(1296155280), Summary: "person"}, 3},
			{revision.Revision{ID: 12, Type: 1, EntityID: 1, CreatorID: 7, CreatedAt: at(1296155280), Summary: "subject"}, 3},
			// episode 1, whose text row is missing
			{revision.Revision{ID: 40, Type: 18, EntityID: 1, CreatorID: 7, CreatedAt: at(1370353738), Summary: "章节"}, 4},
			{revision.Revision{ID: 41, Type: 181, EntityID: 1, CreatorID: 7, CreatedAt: at(1370353739), Summary: "章节"}, 404},
			// character 2
			{revision.Revision{ID: 50, Type: 2, EntityID: 2, CreatorID: 7, CreatedAt: at(1286307038)}, 1},
		},
		SubjectRevisions: []revision.Revision{
			{ID: 5, Type: 1, EntityID: 8, CreatorID: 7, CreatedAt: at(1254432566), Summary: "内容扩充", Subject: revision.SubjectData{
				Name: "Code &amp; Geass", NameCN: "叛逆", VoteField: "", Infobox: "{{Infobox\r\n|话数= 25\r\n}}",
				Summary: "s", Platform: 1, TypeID: 2, SubjectID: 8, Eps: 25, Type: 1,
			}},
			{ID: 6, Type: 11, EntityID: 8, CreatorID: 404, CreatedAt: at(1254432567), Subject: revision.SubjectData{SubjectID: 8, Type: 11}},
			{ID: 7, Type: 1, EntityID: 9, CreatorID: 7, CreatedAt: at(1254432568), Subject: revision.SubjectData{Name: "nine", SubjectID: 9, Type: 1}},
		},
		RevisionTexts: []FixtureRevisionText{
			{1, RevisionText(tb, `a:1:{i:10;a:2:{s:8:"crt_name";s:1:"A";s:5:"extra";a:1:{s:3:"img";s:5:"a.jpg";}}}`)},
			{2, RevisionText(tb, `a:1:{i:20;N;}`)},
			{3, RevisionText(tb, `a:1:{i:11;a:1:{s:9:"prsn_name";s:1:"P";}}`)},
			{4, RevisionText(tb, `a:1:{i:40;a:1:{s:7:"ep_sort";d:1;}}`)},
		},
	}
}

// TestRevisionRepository checks a ports.RevisionRepository.
func TestRevisionRepository(t *testing.T, newRepos NewRepos) {
	f := revisionFixture(t)
	r := newRepos(t, f).Revisions
	ctx := t.Context()
	editor := revision.Creator{Username: "editor", Nickname: "Editor <7>"}
	byID := map[uint32]revision.Revision{}
	for _, fr := range f.Revisions {
		rev := fr.Revision
		if rev.CreatorID == 7 {
			rev.Creator = editor
		}
		byID[rev.ID] = rev
	}
	for _, rev := range f.SubjectRevisions {
		if rev.CreatorID == 7 {
			rev.Creator = editor
		}
		byID[rev.ID] = rev
	}
	revs := func(ids ...uint32) []revision.Revision {
		out := make([]revision.Revision, len(ids))
		for i, id := range ids {
			out[i] = byID[id]
		}
		return out
	}

	t.Run("Count/OnlyTheKindsTypes", func(t *testing.T) {
		for _, tc := range []struct {
			k    revision.Kind
			id   uint32
			want int64
		}{
			{revision.KindCharacter, 1, 3}, {revision.KindPerson, 1, 1}, {revision.KindEpisode, 1, 2},
			{revision.KindCharacter, 2, 1}, {revision.KindSubject, 8, 2}, {revision.KindSubject, 1, 0},
			{revision.KindCharacter, 404, 0},
		} {
			n, err := r.Count(ctx, tc.k, tc.id)
			must(t, "Count", err)
			if n != tc.want {
				t.Errorf("Count(%s, %d) = %d, want %d", tc.k, tc.id, n, tc.want)
			}
		}
	})
	t.Run("List/NewestFirstWithCreators", func(t *testing.T) {
		got, err := r.List(ctx, revision.KindCharacter, 1, -1, 0)
		must(t, "List", err)
		assertEqual(t, "List(characters, 1)", revs(30, 20, 10), got)
	})
	t.Run("List/Paged", func(t *testing.T) {
		got, err := r.List(ctx, revision.KindCharacter, 1, 1, 1)
		must(t, "List", err)
		assertEqual(t, "List(characters, 1, limit 1, offset 1)", revs(20), got)
		got, err = r.List(ctx, revision.KindCharacter, 1, 5, 3)
		must(t, "List", err)
		assertEqual(t, "List past the end", []revision.Revision{}, got)
	})
	t.Run("List/SubjectsWithData", func(t *testing.T) {
		got, err := r.List(ctx, revision.KindSubject, 8, 30, 0)
		must(t, "List", err)
		assertEqual(t, "List(subjects, 8)", revs(6, 5), got)
	})
	t.Run("Get/WithText", func(t *testing.T) {
		for _, tc := range []struct {
			k    revision.Kind
			id   uint32
			text uint32
		}{{revision.KindCharacter, 10, 1}, {revision.KindCharacter, 30, 1}, {revision.KindPerson, 11, 3}, {revision.KindEpisode, 40, 4}} {
			got, err := r.Get(ctx, tc.k, tc.id)
			must(t, "Get", err)
			want := byID[tc.id]
			want.Text = f.RevisionTexts[tc.text-1].Text
			assertEqual(t, "Get", want, got)
		}
	})
	t.Run("Get/Subject", func(t *testing.T) {
		got, err := r.Get(ctx, revision.KindSubject, 5)
		must(t, "Get", err)
		assertEqual(t, "Get(subjects, 5)", byID[5], got)
	})
	t.Run("Get/MissingIsNotFound", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			k    revision.Kind
			id   uint32
		}{
			{"missing", revision.KindCharacter, 404},
			{"another kind", revision.KindPerson, 10},
			{"a subject-related type", revision.KindPerson, 12},
			{"a history row as a subject", revision.KindSubject, 10},
			{"a subject row as history", revision.KindCharacter, 5},
			{"missing text", revision.KindEpisode, 41},
		} {
			_, err := r.Get(ctx, tc.k, tc.id)
			assertNotFound(t, "Get "+tc.name, err)
		}
	})
}
