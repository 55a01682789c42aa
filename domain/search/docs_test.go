package search_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// built is what a document builder returned: whether to index, and the document.
type built struct {
	Index    bool `json:"index"`
	Document any  `json:"document"`
}

// golden compares v, as indented JSON, with testdata/<name>.golden.json (or rewrites the file
// with -update).
func golden(tb testing.TB, name string, v any) {
	tb.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		tb.Errorf("%s mismatch (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// subject8 is shaped like subject 8 of the dev-env data (search spec §5.4): 9438 votes that
// average 8.18 (score 8.2), 14324 collections, an empty meta-tags column.
func subject8() subject.Subject {
	return subject.Subject{
		ID:     8,
		Type:   subject.TypeAnime,
		Name:   "コードギアス 反逆のルルーシュR2",
		NameCN: "Code Geass 反叛的鲁路修R2",
		Infobox: "{{Infobox animanga/TVAnime\r\n|中文名= Code Geass 反叛的鲁路修R2\r\n|别名={\r\n[叛逆的鲁路修R2]\r\n" +
			"[Code Geass: Hangyaku no Lelouch R2]\r\n}\r\n|话数= 25\r\n|放送开始= 2008年4月6日\r\n}}",
		Platform:   1,
		Eps:        25,
		Date:       time.Date(2008, 4, 6, 0, 0, 0, 0, time.UTC),
		RateCounts: [10]uint32{20, 15, 25, 60, 200, 500, 1400, 3300, 2500, 1418},
		Rank:       121,
		Tags: []subject.Tag{
			{Name: "叛逆的鲁鲁修", Count: 1523, TotalCount: 1600},
			{Name: "SUNRISE", Count: 1200, TotalCount: 1300},
			{Name: "反逆のルルーシュ", Count: 800, TotalCount: 900},
		},
		MetaTagsField: "",
		Collection:    subject.Collection{Wish: 4000, Collect: 8000, Doing: 1500, OnHold: 500, Dropped: 324},
	}
}

func TestSubjectDocument_Golden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    subject.Subject
	}{
		{"subject_8", subject8()},
		{
			// Meta tags split on single spaces keeping the empty part; no votes, so score and
			// rank are 0 whatever the stored rank; an empty tag name is kept; no date, platform
			// or Chinese name, and an infobox with a syntax error: no aliases.
			name: "subject_meta_tags_no_votes",
			s: subject.Subject{
				ID: 300, Type: subject.TypeBook, Name: "本", Rank: 4000, NSFW: true,
				Infobox:       "{{Infobox\n|别名= not read\n|broken\n}}",
				MetaTagsField: "日本 TV  原创",
				Tags:          []subject.Tag{{Name: "a", Count: 2}, {Name: "", Count: 1}, {Name: "b", Count: 1}},
				Collection:    subject.Collection{Wish: 1},
			},
		},
		{
			// 别名 as a scalar, as arrays with empty items (kept), with an empty array and as a
			// null field (nothing); other keys (中文名 too) are not subject aliases.
			name: "subject_array_aliases",
			s: subject.Subject{
				ID: 301, Type: subject.TypeGame, Name: "Game", NameCN: "游戏", Platform: 4002,
				Date: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC),
				Infobox: "{{Infobox Game\n|中文名= 游戏\n|别名={\n[英文名|Game]\n[]\n[日文名|]\n[ゲーム]\n}\n|别名=\n" +
					"|平台={\n[PC]\n}\n|别名= 又一个\n|别名={\n}\n}}",
				MetaTagsField: "游戏",
				RateCounts:    [10]uint32{0, 0, 0, 0, 1, 0, 0, 0, 0, 2},
				Rank:          77,
			},
		},
		{"subject_redirected", subject.Subject{ID: 302, Name: "merged", Redirect: 8, MetaTagsField: "TV"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, index := search.SubjectDocument(tt.s)
			golden(t, tt.name, built{Index: index, Document: doc})
		})
	}
}

// TestSubjectDocument_Subject8 compares subject 8's document with the example of search spec
// §5.4 byte for byte.
func TestSubjectDocument_Subject8(t *testing.T) {
	t.Parallel()
	const want = `{"id":8,"tag":["叛逆的鲁鲁修","SUNRISE","反逆のルルーシュ"],"meta_tag":[""],` +
		`"name":"コードギアス 反逆のルルーシュR2",` +
		`"aliases":["Code Geass 反叛的鲁路修R2","叛逆的鲁路修R2","Code Geass: Hangyaku no Lelouch R2"],` +
		`"date":20080406,"score":8.2,"rating_count":9438,"page_rank":9438,"heat":14324,"rank":121,` +
		`"platform":1,"type":2,"nsfw":false}`
	doc, index := search.SubjectDocument(subject8())
	if !index {
		t.Fatal("index = false, want true")
	}
	got, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}

func TestSubjectDocument_NotIndexed(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]subject.Subject{
		"Redirected": {ID: 1, Redirect: 2},
		"Banned":     {ID: 1, Ban: 1},
		"Locked":     {ID: 1, Ban: 2},
		"Any":        {ID: 1, Ban: 3, Redirect: 9},
	} {
		doc, index := search.SubjectDocument(s)
		if index {
			t.Errorf("%s: index = true, want false", name)
		}
		if diff := cmp.Diff(search.SubjectDoc{ID: 1}, doc); diff != "" {
			t.Errorf("%s: doc mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func TestCharacterDocument_Golden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    character.Character
	}{
		{
			// 中文名 and 简体中文名 interleaved (a null one gives nothing, an array gives its
			// values), then every 别名 field, whatever their position.
			name: "character_aliases",
			c: character.Character{
				ID: 1, Name: "ルルーシュ・ランペルージ", Role: 1, Comments: 120, Collects: 3000,
				Infobox: "{{Infobox Crt\n|简体中文名= 鲁路修·兰佩路基\n|别名={\n[第二中文名|]\n[英文名|Lelouch Lamperouge]\n" +
					"[]\n}\n|中文名= 鲁鲁修\n|性别= 男\n|别名= Zero\n|简体中文名=\n|中文名={\n[鲁路修]\n[]\n}\n}}",
			},
		},
		{
			// Banned characters stay in the index; no infobox, no aliases.
			name: "character_banned_nsfw",
			c:    character.Character{ID: 2, Name: "C.C.", Ban: 1, NSFW: true},
		},
		{"character_redirected", character.Character{ID: 3, Name: "merged", Redirect: 1, Comments: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, index := search.CharacterDocument(tt.c)
			golden(t, tt.name, built{Index: index, Document: doc})
		})
	}
}

func TestPersonDocument_Golden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    person.Person
	}{
		{
			name: "person_careers",
			p: person.Person{
				ID: 1, Name: "福山潤", Type: 1, Comments: 40, Collects: 900,
				Career: person.Career{Actor: true, Seiyu: true, Writer: true},
				Infobox: "{{Infobox Person\n|别名={\n[第二中文名|]\n[英文名|Jun Fukuyama]\n}\n|简体中文名= 福山润\n" +
					"|中文名= 福山润\n|性别= 男\n}}",
			},
		},
		{"person_no_career", person.Person{ID: 2, Name: "SUNRISE", Type: 2, Ban: 1}},
		{"person_redirected", person.Person{ID: 3, Name: "merged", Redirect: 1, Career: person.Career{Seiyu: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, index := search.PersonDocument(tt.p)
			golden(t, tt.name, built{Index: index, Document: doc})
		})
	}
}

// TestDocuments_NoneIsNil: a list a builder has nothing for is nil (omitted), like the others.
func TestDocuments_NoneIsNil(t *testing.T) {
	t.Parallel()
	s, _ := search.SubjectDocument(subject.Subject{ID: 1, Infobox: "{{Infobox\n|别名=\n}}"})
	c, _ := search.CharacterDocument(character.Character{ID: 1, Infobox: "{{Infobox Crt\n|中文名=\n}}"})
	p, _ := search.PersonDocument(person.Person{ID: 1})
	for name, list := range map[string][]string{
		"subject tag": s.Tag, "subject aliases": s.Aliases, "character aliases": c.Aliases,
		"person aliases": p.Aliases, "person career": p.Career,
	} {
		if list != nil {
			t.Errorf("%s = %#v, want nil", name, list)
		}
	}
}

// TestSubjectDoc_JSON pins bangumi's field names, their order, and which fields are omitted
// when empty (tag, aliases, date, platform) or always present (meta_tag, score, rank, nsfw, …).
func TestSubjectDoc_JSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  search.SubjectDoc
		want string
	}{
		{
			name: "Full",
			doc: search.SubjectDoc{
				ID: 8, Tag: []string{"t"}, MetaTag: []string{"m"}, Name: "n", Aliases: []string{"a"}, Date: 20080406,
				Score: 8.2, RatingCount: 9438, PageRank: 9438, Heat: 14324, Rank: 121, Platform: 1, Type: 2, NSFW: true,
			},
			want: `{"id":8,"tag":["t"],"meta_tag":["m"],"name":"n","aliases":["a"],"date":20080406,"score":8.2,` +
				`"rating_count":9438,"page_rank":9438,"heat":14324,"rank":121,"platform":1,"type":2,"nsfw":true}`,
		},
		{
			name: "EmptyOmitted",
			doc:  search.SubjectDoc{ID: 9, Tag: []string{}, MetaTag: []string{""}, Aliases: []string{}},
			want: `{"id":9,"meta_tag":[""],"name":"","score":0,"rating_count":0,"page_rank":0,"heat":0,"rank":0,` +
				`"type":0,"nsfw":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("JSON mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSubjectDocument_Empty: a subject with nothing set still has bangumi's always-present
// fields, meta_tag [""] included.
func TestSubjectDocument_Empty(t *testing.T) {
	t.Parallel()
	doc, index := search.SubjectDocument(subject.Subject{ID: 5})
	if !index {
		t.Fatal("index = false, want true")
	}
	got, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":5,"meta_tag":[""],"name":"","score":0,"rating_count":0,"page_rank":0,"heat":0,"rank":0,` +
		`"type":0,"nsfw":false}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}
