package contracttests

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// DevData is a dataset an index holds for SearchDevData: the rows, as the repositories return
// them; the index must hold exactly their documents (search.SubjectDocument and the others),
// written by the runner through the same path production uses (the indexer).
type DevData struct {
	Subjects   []subject.Subject
	Characters []character.Character
	Persons    []person.Person
}

// SearchDevData checks what a client of /v0/search expects of an index holding real data
// (bangumi's dev dataset): a subject's exact Japanese or Chinese name finds it first, a part
// of a CJK name and an infobox alias find it on the first page, each filter of a request
// narrows to exactly the documents it describes, each sort orders them, and a viewer who may
// not see NSFW content never receives it (D3). Expectations come from a reference evaluation
// of the same query on the documents, never from the index under test.
func SearchDevData(t *testing.T, idx ports.SearchIndex, data DevData) {
	t.Helper()
	var subjects []search.SubjectDoc
	for _, s := range data.Subjects {
		if d, ok := search.SubjectDocument(s); ok {
			subjects = append(subjects, d)
		}
	}
	var characters []search.CharacterDoc
	for _, c := range data.Characters {
		if d, ok := search.CharacterDocument(c); ok {
			characters = append(characters, d)
		}
	}
	var persons []search.PersonDoc
	for _, p := range data.Persons {
		if d, ok := search.PersonDocument(p); ok {
			persons = append(persons, d)
		}
	}
	if len(subjects) < 20 || len(characters) == 0 || len(persons) == 0 {
		t.Fatalf("dataset too small for the suite: %d subjects, %d characters, %d persons", len(subjects), len(characters), len(persons))
	}
	all := len(subjects) + len(characters) + len(persons)

	run := func(t *testing.T, q search.Query) search.Result {
		t.Helper()
		res, err := idx.Search(t.Context(), q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		return res
	}

	t.Run("Count", func(t *testing.T) {
		for kind, want := range map[search.Kind]int{
			search.KindSubject: len(subjects), search.KindCharacter: len(characters), search.KindPerson: len(persons),
		} {
			n, err := idx.Count(t.Context(), kind)
			if err != nil || n != int64(want) {
				t.Errorf("Count(%v) = %d, %v; want %d (every indexable row, no other document)", kind, n, err, want)
			}
		}
	})

	t.Run("ExactNameFirst", func(t *testing.T) {
		names := exactKeys(subjects, func(d search.SubjectDoc) []string { return []string{d.Name} })
		checked := 0
		for _, d := range subjects {
			if !names[norm(d.Name)] || len([]rune(d.Name)) < 2 {
				continue // shared by another document: no single answer comes first
			}
			checked++
			res := run(t, search.Query{Kind: search.KindSubject, Keyword: d.Name, Limit: 10})
			if len(res.IDs) == 0 || res.IDs[0] != d.ID {
				t.Errorf("keyword %q (subject %d's name): hits %v, want %d first", d.Name, d.ID, res.IDs, d.ID)
			}
		}
		if checked < 20 {
			t.Fatalf("only %d subjects with a name of their own: the dataset does not exercise the rule", checked)
		}
	})

	t.Run("ChineseNameFirst", func(t *testing.T) {
		keys := exactKeys(subjects, func(d search.SubjectDoc) []string { return append([]string{d.Name}, d.Aliases...) })
		checked := 0
		for _, s := range data.Subjects {
			d, ok := search.SubjectDocument(s)
			if !ok || s.NameCN == "" || !keys[norm(s.NameCN)] || !hasHan(s.NameCN) {
				continue
			}
			checked++
			res := run(t, search.Query{Kind: search.KindSubject, Keyword: s.NameCN, Limit: 10})
			if len(res.IDs) == 0 || res.IDs[0] != d.ID {
				t.Errorf("keyword %q (subject %d's Chinese name): hits %v, want %d first", s.NameCN, d.ID, res.IDs, d.ID)
			}
		}
		if checked < 10 {
			t.Fatalf("only %d subjects with a Chinese name of their own", checked)
		}
	})

	t.Run("PartOfACJKNameOnFirstPage", func(t *testing.T) {
		checked := 0
		for _, s := range data.Subjects {
			d, ok := search.SubjectDocument(s)
			if !ok {
				continue
			}
			for _, name := range []string{s.Name, s.NameCN} {
				part := cjkPart(name)
				if part == "" {
					continue
				}
				checked++
				res := run(t, search.Query{Kind: search.KindSubject, Keyword: part, Limit: 20})
				if !slices.Contains(res.IDs, d.ID) {
					t.Errorf("keyword %q (part of subject %d's name %q): first page %v lacks it", part, d.ID, name, res.IDs)
				}
			}
		}
		if checked < 10 {
			t.Fatalf("only %d CJK names long enough to cut a part from", checked)
		}
	})

	t.Run("InfoboxAliasOnFirstPage", func(t *testing.T) {
		checked := 0
		for _, s := range data.Subjects {
			d, ok := search.SubjectDocument(s)
			if !ok {
				continue
			}
			for _, alias := range d.Aliases {
				if alias == s.NameCN || len([]rune(alias)) < 2 {
					continue // only the 别名 values of the infobox
				}
				checked++
				res := run(t, search.Query{Kind: search.KindSubject, Keyword: alias, Limit: 20})
				if !slices.Contains(res.IDs, d.ID) {
					t.Errorf("keyword %q (an infobox alias of subject %d): first page %v lacks it", alias, d.ID, res.IDs)
				}
			}
		}
		if checked < 5 {
			t.Fatalf("only %d infobox aliases in the dataset", checked)
		}
	})

	t.Run("CharacterAndPersonNames", func(t *testing.T) {
		cnames := exactKeys(characters, func(d search.CharacterDoc) []string { return []string{d.Name} })
		for _, d := range characters {
			if cnames[norm(d.Name)] && len([]rune(d.Name)) >= 2 {
				res := run(t, search.Query{Kind: search.KindCharacter, Keyword: d.Name, Limit: 10})
				if len(res.IDs) == 0 || res.IDs[0] != d.ID {
					t.Errorf("keyword %q (character %d's name): hits %v, want %d first", d.Name, d.ID, res.IDs, d.ID)
				}
			}
		}
		pnames := exactKeys(persons, func(d search.PersonDoc) []string { return []string{d.Name} })
		for _, d := range persons {
			if pnames[norm(d.Name)] && len([]rune(d.Name)) >= 2 {
				res := run(t, search.Query{Kind: search.KindPerson, Keyword: d.Name, Limit: 10})
				if len(res.IDs) == 0 || res.IDs[0] != d.ID {
					t.Errorf("keyword %q (person %d's name): hits %v, want %d first", d.Name, d.ID, res.IDs, d.ID)
				}
			}
		}
	})

	// Each filter of a request, with values taken from the data, narrows a placeholder query to
	// exactly the documents the reference evaluation selects: none missing, none extra.
	t.Run("SubjectFilters", func(t *testing.T) {
		tag, meta := commonValue(subjects, func(d search.SubjectDoc) []string { return d.Tag }),
			commonValue(subjects, func(d search.SubjectDoc) []string { return nonEmpty(d.MetaTag) })
		cases := map[string]search.SubjectFilter{
			"type":          {Type: []uint8{subject.TypeAnime}},
			"type OR":       {Type: []uint8{subject.TypeBook, subject.TypeGame}},
			"tag":           {Tag: []string{tag}},
			"meta_tags":     {MetaTags: []string{meta}},
			"air_date":      {AirDate: []string{">=2005-01-01", "<2012-01-01"}},
			"air_date =":    {AirDate: []string{dateOf(subjects)}},
			"rating":        {Rating: []string{">=7.5"}},
			"rating_count":  {RatingCount: []string{"> 100"}},
			"rank":          {Rank: []string{"<=2000", ">0"}},
			"nsfw false":    {NSFW: ptr(false)},
			"nsfw true":     {NSFW: ptr(true)},
			"several":       {Type: []uint8{subject.TypeAnime}, Rating: []string{">6"}, AirDate: []string{">2000-01-01"}},
			"nothing holds": {Type: []uint8{subject.TypeAnime}, Rank: []string{"<0"}},
		}
		for name, f := range cases {
			t.Run(name, func(t *testing.T) {
				q, err := search.SubjectQuery(search.SubjectRequest{Filter: f}, true, all, 0)
				if err != nil {
					t.Fatalf("SubjectQuery(%+v): %v", f, err)
				}
				want := referenceIDs(subjects, q.Filter, subjectValues)
				if name != "nothing holds" && (len(want) == 0 || len(want) == len(subjects)) {
					t.Fatalf("filter %+v selects %d of %d documents: it does not narrow, pick other values", f, len(want), len(subjects))
				}
				got := run(t, q)
				if !slices.Equal(sorted(got.IDs), want) {
					t.Errorf("filter %+v: ids %v, want %v", f, sorted(got.IDs), want)
				}
				if got.Total != int64(len(want)) {
					t.Errorf("filter %+v: total %d, want %d", f, got.Total, len(want))
				}
			})
		}
	})

	t.Run("CharacterAndPersonFilters", func(t *testing.T) {
		for _, allow := range []bool{false, true} {
			for _, nsfw := range []*bool{nil, ptr(false), ptr(true)} {
				q, err := search.CharacterQuery(search.CharacterRequest{NSFW: nsfw}, allow, all, 0)
				if err != nil {
					t.Fatal(err)
				}
				want := referenceIDs(characters, q.Filter, characterValues)
				if got := sorted(run(t, q).IDs); !slices.Equal(got, want) {
					t.Errorf("characters, allowNSFW %v, nsfw %v: ids %v, want %v", allow, deref(nsfw), got, want)
				}
			}
		}
		career := commonValue(persons, func(d search.PersonDoc) []string { return d.Career })
		q, err := search.PersonQuery(search.PersonRequest{Career: []string{career}}, all, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceIDs(persons, q.Filter, personValues)
		if len(want) == 0 || len(want) == len(persons) {
			t.Fatalf("career %q selects %d of %d persons: it does not narrow", career, len(want), len(persons))
		}
		if got := sorted(run(t, q).IDs); !slices.Equal(got, want) {
			t.Errorf("career %q: ids %v, want %v", career, got, want)
		}
	})

	// A viewer who may not see NSFW content (anonymous, or an account younger than 60 days)
	// never receives an NSFW subject or character, whatever it asks for (D3).
	t.Run("NoNSFWForViewersWhoMayNotSeeIt", func(t *testing.T) {
		nsfwSubjects := map[uint32]bool{}
		for _, d := range subjects {
			if d.NSFW {
				nsfwSubjects[d.ID] = true
			}
		}
		if len(nsfwSubjects) == 0 {
			t.Fatal("the dataset has no NSFW subject: the rule is not exercised")
		}
		for _, nsfw := range []*bool{nil, ptr(false), ptr(true)} {
			for _, keyword := range []string{"", subjects[0].Name} {
				q, err := search.SubjectQuery(search.SubjectRequest{Keyword: keyword, Filter: search.SubjectFilter{NSFW: nsfw}}, false, all, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range run(t, q).IDs {
					if nsfwSubjects[id] {
						t.Errorf("nsfw %v, keyword %q: NSFW subject %d given to a viewer who may not see it", deref(nsfw), keyword, id)
					}
				}
			}
		}
		// The same viewer allowed to see NSFW content gets them when it asks for nsfw true.
		q, err := search.SubjectQuery(search.SubjectRequest{Filter: search.SubjectFilter{NSFW: ptr(true)}}, true, all, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := run(t, q).IDs; len(got) != len(nsfwSubjects) {
			t.Errorf("nsfw true for an allowed viewer: %d hits, want the %d NSFW subjects", len(got), len(nsfwSubjects))
		}
	})

	t.Run("Sorts", func(t *testing.T) {
		byHeat := sortedDocs(subjects, func(a, b search.SubjectDoc) int { return cmp.Compare(b.Heat, a.Heat) })
		byScore := sortedDocs(subjects, func(a, b search.SubjectDoc) int { return cmp.Compare(b.Score, a.Score) })
		byRank := sortedDocs(subjects, func(a, b search.SubjectDoc) int {
			if (a.Rank == 0) != (b.Rank == 0) {
				if a.Rank == 0 {
					return 1 // unranked after every ranked subject (D5)
				}
				return -1
			}
			return cmp.Compare(a.Rank, b.Rank)
		})
		byID := sortedDocs(subjects, func(a, b search.SubjectDoc) int { return 0 })
		for sortName, want := range map[string][]uint32{"heat": byHeat, "score": byScore, "rank": byRank, "match": byID, "": byID} {
			q, err := search.SubjectQuery(search.SubjectRequest{Sort: sortName}, true, all, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := run(t, q).IDs; !slices.Equal(got, want) {
				t.Errorf("sort %q of every subject:\n got %v\nwant %v", sortName, got, want)
			}
		}
		// Ranked before unranked across a page boundary (D5).
		ranked := 0
		for _, d := range subjects {
			if d.Rank > 0 {
				ranked++
			}
		}
		if ranked == 0 || ranked == len(subjects) {
			t.Fatalf("%d of %d subjects ranked: D5 is not exercised", ranked, len(subjects))
		}
		q, _ := search.SubjectQuery(search.SubjectRequest{Sort: "rank"}, true, 4, ranked-2)
		if got := run(t, q).IDs; !slices.Equal(got, byRank[ranked-2:ranked+2]) {
			t.Errorf("sort rank, the page across the last ranked subject: %v, want %v", got, byRank[ranked-2:ranked+2])
		}
	})

	t.Run("Pages", func(t *testing.T) {
		whole := run(t, search.Query{Kind: search.KindSubject, Limit: all}).IDs
		var paged []uint32
		for offset := 0; offset < len(whole); offset += 7 {
			res := run(t, search.Query{Kind: search.KindSubject, Limit: 7, Offset: offset})
			if res.Total != int64(len(whole)) {
				t.Errorf("page at %d: total %d, want %d", offset, res.Total, len(whole))
			}
			paged = append(paged, res.IDs...)
		}
		if !slices.Equal(paged, whole) {
			t.Errorf("pages of 7 put together: %v, want %v", paged, whole)
		}
	})
}

// exactKeys maps each normalised key to whether exactly one document has it.
func exactKeys[D any](docs []D, keys func(D) []string) map[string]bool {
	n := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, k := range keys(d) {
			if k := norm(k); !seen[k] {
				seen[k] = true
				n[k]++
			}
		}
	}
	out := map[string]bool{}
	for k, c := range n {
		out[k] = c == 1
	}
	return out
}

func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// cjkPart returns three consecutive CJK characters from the inside of name (not its start),
// or "" when name has no run of at least five.
func cjkPart(name string) string {
	var run []rune
	for _, r := range name + " " {
		if isCJK(r) {
			run = append(run, r)
			continue
		}
		if len(run) >= 5 {
			return string(run[1:4])
		}
		run = run[:0]
	}
	return ""
}

func dateOf(docs []search.SubjectDoc) string {
	for _, d := range docs {
		if d.Date != 0 {
			return fmt.Sprintf("%04d-%02d-%02d", d.Date/10000, d.Date/100%100, d.Date%100)
		}
	}
	return "2000-01-01"
}

// commonValue is the value of values that the most documents hold (ties: the smallest), so a
// filter on it selects some documents and not all.
func commonValue[D any](docs []D, values func(D) []string) string {
	n := map[string]int{}
	for _, d := range docs {
		for _, v := range values(d) {
			n[v]++
		}
	}
	best, bestN := "", 0
	for v, c := range n {
		if c < len(docs) && (c > bestN || (c == bestN && v < best)) {
			best, bestN = v, c
		}
	}
	return best
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func deref(b *bool) string {
	if b == nil {
		return "absent"
	}
	return fmt.Sprint(*b)
}

func sorted(ids []uint32) []uint32 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func sortedDocs(docs []search.SubjectDoc, by func(a, b search.SubjectDoc) int) []uint32 {
	s := slices.Clone(docs)
	slices.SortStableFunc(s, func(a, b search.SubjectDoc) int {
		if c := by(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	out := make([]uint32, len(s))
	for i, d := range s {
		out[i] = d.ID
	}
	return out
}

// The reference evaluation: a filter applied to documents field by field, as the port says.

type docID interface {
	search.SubjectDoc | search.CharacterDoc | search.PersonDoc
}

func referenceIDs[D docID](docs []D, f search.Filter, values func(D, string) []search.Value) []uint32 {
	out := []uint32{}
	for _, d := range docs {
		if holds(f, func(field string) []search.Value { return values(d, field) }) {
			out = append(out, idOf(d))
		}
	}
	slices.Sort(out)
	return out
}

func idOf[D docID](d D) uint32 {
	switch d := any(d).(type) {
	case search.SubjectDoc:
		return d.ID
	case search.CharacterDoc:
		return d.ID
	case search.PersonDoc:
		return d.ID
	}
	panic("unreachable")
}

func holds(f search.Filter, values func(string) []search.Value) bool {
	for _, clause := range f {
		ok := false
		for _, c := range clause {
			for _, v := range values(c.Field) {
				if compare(v, c.Op, c.Value) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func compare(have search.Value, op search.Op, want search.Value) bool {
	switch {
	case have.Kind == search.ValueString && want.Kind == search.ValueString:
		return op == search.Eq && have.Str == want.Str
	case have.Kind == search.ValueBool && want.Kind == search.ValueBool:
		return op == search.Eq && have.Bool == want.Bool
	case have.Kind == search.ValueNumber && want.Kind == search.ValueNumber:
		switch op {
		case search.Eq:
			return have.Num == want.Num
		case search.Gt:
			return have.Num > want.Num
		case search.Ge:
			return have.Num >= want.Num
		case search.Lt:
			return have.Num < want.Num
		case search.Le:
			return have.Num <= want.Num
		}
	}
	return false
}

func strs(vs []string) []search.Value {
	out := make([]search.Value, len(vs))
	for i, v := range vs {
		out[i] = search.String(v)
	}
	return out
}

func subjectValues(d search.SubjectDoc, field string) []search.Value {
	switch field {
	case search.FieldTag:
		return strs(d.Tag)
	case search.FieldMetaTag:
		return strs(d.MetaTag)
	case search.FieldDate:
		if d.Date == 0 {
			return nil // the field is absent from the document
		}
		return []search.Value{search.Number(float64(d.Date))}
	case search.FieldScore:
		return []search.Value{search.Number(d.Score)}
	case search.FieldRatingCount:
		return []search.Value{search.Number(float64(d.RatingCount))}
	case search.FieldRank:
		return []search.Value{search.Number(float64(d.Rank))}
	case search.FieldType:
		return []search.Value{search.Number(float64(d.Type))}
	case search.FieldNSFW:
		return []search.Value{search.Bool(d.NSFW)}
	}
	return nil
}

func characterValues(d search.CharacterDoc, field string) []search.Value {
	if field == search.FieldNSFW {
		return []search.Value{search.Bool(d.NSFW)}
	}
	return nil
}

func personValues(d search.PersonDoc, field string) []search.Value {
	if field == search.FieldCareer {
		return strs(d.Career)
	}
	return nil
}
