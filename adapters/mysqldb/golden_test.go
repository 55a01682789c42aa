package mysqldb_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// goldenCase is one recorded request with its expected answer.
type goldenCase struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Family  string            `json:"family"`
	Headers map[string]string `json:"headers"`
	Group   string            `json:"group"`
	Status  int
	JSON    any
}

// readGolden reads shared/golden/{corpus,expected}.jsonl.
func readGolden(tb testing.TB) []goldenCase {
	tb.Helper()
	dir := filepath.Join(testenv.SharedDir(tb), "golden")
	read := func(name string, fn func(line []byte) error) {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			if err := fn(sc.Bytes()); err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
		}
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	var cases []goldenCase
	byID := map[string]int{}
	read("corpus.jsonl", func(line []byte) error {
		var c goldenCase
		if err := json.Unmarshal(line, &c); err != nil {
			return err
		}
		byID[c.ID] = len(cases)
		cases = append(cases, c)
		return nil
	})
	read("expected.jsonl", func(line []byte) error {
		var e struct {
			ID     string `json:"id"`
			Status int    `json:"status"`
			JSON   any    `json:"json"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		if i, ok := byID[e.ID]; ok {
			cases[i].Status, cases[i].JSON = e.Status, e.JSON
		}
		return nil
	})
	return cases
}

// devRepos loads the dev-env dataset plus golden/fixture-adjust.sql, the data the golden
// answers were recorded on.
func devRepos(tb testing.TB) (contracttests.Repos, *sql.DB) {
	tb.Helper()
	_, db := testenv.MySQL(tb, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(testenv.SharedDir(tb), "golden", "fixture-adjust.sql")))
	return readRepos(db), db
}

// TestGolden_EveryDevSubjectDecodes loads every subject of the dev dataset: its 85 field_tags
// rows mix PHP-serialized arrays (61, one of them the empty a:0:{}), JSON (23) and one empty
// value; 16 subjects have no fields row.
func TestGolden_EveryDevSubjectDecodes(t *testing.T) {
	r, db := devRepos(t)
	rows, err := db.QueryContext(t.Context(), "SELECT subject_id FROM chii_subjects")
	must(t, err)
	var ids []uint32
	for rows.Next() {
		var id uint32
		must(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	must(t, rows.Err())
	subjects, err := r.Subjects.GetByIDs(t.Context(), ids)
	must(t, err)
	if len(subjects) != len(ids) || len(ids) != 101 {
		t.Fatalf("GetByIDs(%d ids) = %d subjects, want all 101", len(ids), len(subjects))
	}
	withTags := 0
	for _, s := range subjects {
		if len(s.Tags) > 0 {
			withTags++
		}
		for _, tg := range s.Tags {
			if tg.Name == "" || tg.Count < 0 {
				t.Errorf("subject %d: odd tag %+v", s.ID, tg)
			}
		}
	}
	if withTags != 83 {
		t.Errorf("%d subjects have tags, want 83 (85 field rows, one empty, one a:0:{})", withTags)
	}
	if s := subjects[1]; len(s.Tags) != 18 || s.Tags[0] != (subject.Tag{Name: "痞子蔡", Count: 23}) {
		t.Errorf("subject 1 (PHP-serialized tags) = %d tags, first %+v; want 18, 痞子蔡 23", len(s.Tags), s.Tags)
	}
}

// Helpers reading the generic JSON of a golden answer.
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func arr(v any) []any          { a, _ := v.([]any); return a }
func num(v any) uint64         { f, _ := v.(float64); return uint64(f) }
func str(v any) string         { s, _ := v.(string); return s }

func pathID(path string, i int) uint32 {
	parts := strings.Split(strings.SplitN(path, "?", 2)[0], "/")
	id, _ := strconv.ParseUint(parts[i], 10, 32)
	return uint32(id)
}

// TestGolden_DevDataset checks the read repositories against the answers of bangumi's
// server on the dev dataset: entity fields, tags (PHP-serialized and JSON rows), meta tags,
// and the order of every related list and collection list (decision D6).
func TestGolden_DevDataset(t *testing.T) {
	r, _ := devRepos(t)
	ctx := t.Context()
	cases := readGolden(t)
	checked := map[string]int{}

	check := func(c goldenCase, what string, want, got any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (%s %s): %s mismatch (-golden +repository):\n%s", c.ID, c.Method, c.Path, what, diff)
		}
	}
	existingSubjects := func(ids []uint32) map[uint32]bool {
		m, err := r.Subjects.GetByIDs(ctx, ids)
		must(t, err)
		out := map[uint32]bool{}
		for id := range m {
			out[id] = true
		}
		return out
	}

	staff := readStaffLabels(t)
	for _, c := range cases {
		if c.Method != "GET" || c.Status != 200 || c.Group != "" || strings.HasPrefix(c.ID, "w-") {
			continue // write sequences change the data
		}
		j := c.JSON
		switch c.Family {
		case "GET /v0/subjects/{id}":
			g := obj(j)
			id := uint32(num(g["id"]))
			s, err := r.Subjects.Get(ctx, id)
			must(t, err)
			var wantCounts, gotCounts [10]uint64
			for i := range 10 {
				wantCounts[i] = num(obj(obj(g["rating"])["count"])[strconv.Itoa(i+1)])
				gotCounts[i] = uint64(s.RateCounts[i])
			}
			check(c, "rating counts", wantCounts, gotCounts)
			if s.Rating().Total != 0 {
				check(c, "rank", num(obj(g["rating"])["rank"]), uint64(s.Rank))
			}
			check(c, "names", []string{str(g["name"]), str(g["name_cn"]), str(g["summary"])}, []string{s.Name, s.NameCN, s.Summary})
			date := ""
			if !s.Date.IsZero() {
				date = s.Date.Format(time.DateOnly)
			}
			check(c, "date", str(g["date"]), date)
			check(c, "flags", []any{g["nsfw"], g["locked"], g["series"], num(g["type"]), num(g["eps"]), num(g["volumes"])},
				[]any{s.NSFW, s.Locked(), s.Series, uint64(s.Type), uint64(s.Eps), uint64(s.Volumes)})
			coll := obj(g["collection"])
			check(c, "collection", []uint64{num(coll["wish"]), num(coll["collect"]), num(coll["doing"]), num(coll["on_hold"]), num(coll["dropped"])},
				[]uint64{uint64(s.Collection.Wish), uint64(s.Collection.Collect), uint64(s.Collection.Doing), uint64(s.Collection.OnHold), uint64(s.Collection.Dropped)})
			var wantTags, gotTags []string
			for _, tg := range arr(g["tags"]) {
				wantTags = append(wantTags, fmt.Sprintf("%s %d %d", str(obj(tg)["name"]), num(obj(tg)["count"]), num(obj(tg)["total_count"])))
			}
			for _, tg := range s.Tags {
				gotTags = append(gotTags, fmt.Sprintf("%s %d %d", tg.Name, tg.Count, tg.TotalCount))
			}
			check(c, "tags", wantTags, gotTags)
			metaTags, err := r.Subjects.MetaTags(ctx, id, s.Type)
			must(t, err)
			var wantMeta []string
			for _, m := range arr(g["meta_tags"]) {
				wantMeta = append(wantMeta, str(m))
			}
			check(c, "meta tags", wantMeta, nilIfEmpty(metaTags))
			eps, err := r.Subjects.CountEpisodes(ctx, id)
			must(t, err)
			check(c, "total episodes", num(g["total_episodes"]), uint64(eps))

		case "GET /v0/characters/{id}":
			g := obj(j)
			ch, err := r.Characters.Get(ctx, uint32(num(g["id"])))
			must(t, err)
			check(c, "character", []any{str(g["name"]), str(g["summary"]), num(g["type"]), g["nsfw"], g["locked"],
				num(obj(g["stat"])["comments"]), num(obj(g["stat"])["collects"])},
				[]any{ch.Name, ch.Summary, uint64(ch.Role), ch.NSFW, ch.Locked(), uint64(ch.Comments), uint64(ch.Collects)})
			check(c, "fields", goldenFields(g), fieldsOf(ch.Fields))

		case "GET /v0/persons/{id}":
			g := obj(j)
			p, err := r.Persons.Get(ctx, uint32(num(g["id"])))
			must(t, err)
			var career []string
			for _, v := range arr(g["career"]) {
				career = append(career, str(v))
			}
			check(c, "person", []any{str(g["name"]), str(g["summary"]), num(g["type"]), g["locked"],
				num(obj(g["stat"])["comments"]), num(obj(g["stat"])["collects"]), career},
				[]any{p.Name, p.Summary, uint64(p.Type), p.Locked(), uint64(p.Comments), uint64(p.Collects), nilIfEmpty(p.Career.Names())})
			check(c, "fields", goldenFields(g), fieldsOf(p.Fields))

		case "GET /v0/subjects/{id}/persons":
			credits, err := r.Links.Credits(ctx, ports.CreditFilter{SubjectID: pathID(c.Path, 3)})
			must(t, err)
			ids := make([]uint32, len(credits))
			for i, cr := range credits {
				ids[i] = cr.PersonID
			}
			persons, err := r.Persons.GetByIDs(ctx, ids)
			must(t, err)
			sub, err := r.Subjects.Get(ctx, pathID(c.Path, 3))
			must(t, err)
			var want, got []string
			for _, it := range arr(j) {
				want = append(want, fmt.Sprintf("%d %q %s", num(obj(it)["id"]), str(obj(it)["eps"]), str(obj(it)["relation"])))
			}
			for _, cr := range credits {
				got = append(got, fmt.Sprintf("%d %q %s", persons[cr.PersonID].ID, cr.AppearEps, staff.label(sub.Type, cr.Position)))
			}
			check(c, "person ids in order", want, got)

		case "GET /v0/subjects/{id}/characters":
			apps, err := r.Links.Appearances(ctx, ports.AppearanceFilter{SubjectID: pathID(c.Path, 3)})
			must(t, err)
			var want, got []uint64
			for _, it := range arr(j) {
				want = append(want, num(obj(it)["id"]))
			}
			for _, a := range apps {
				got = append(got, uint64(a.CharacterID))
			}
			check(c, "character ids in order", want, got)

		case "GET /v0/characters/{id}/subjects":
			apps, err := r.Links.Appearances(ctx, ports.AppearanceFilter{CharacterID: pathID(c.Path, 3)})
			must(t, err)
			ids := make([]uint32, len(apps))
			for i, a := range apps {
				ids[i] = a.SubjectID
			}
			exist := existingSubjects(ids)
			var want, got []uint64
			for _, it := range arr(j) {
				want = append(want, num(obj(it)["id"]))
			}
			for _, a := range apps {
				if exist[a.SubjectID] {
					got = append(got, uint64(a.SubjectID))
				}
			}
			check(c, "subject ids in order", want, got)

		case "GET /v0/characters/{id}/persons", "GET /v0/persons/{id}/characters":
			f := ports.CastFilter{CharacterID: pathID(c.Path, 3)}
			if strings.HasPrefix(c.Family, "GET /v0/persons") {
				f = ports.CastFilter{PersonID: pathID(c.Path, 3)}
			}
			casts, err := r.Links.Casts(ctx, f)
			must(t, err)
			var subjectIDs, personIDs []uint32
			for _, cs := range casts {
				subjectIDs, personIDs = append(subjectIDs, cs.SubjectID), append(personIDs, cs.PersonID)
			}
			exist := existingSubjects(subjectIDs)
			persons, err := r.Persons.GetByIDs(ctx, personIDs)
			must(t, err)
			var want, got []string
			for _, it := range arr(j) {
				want = append(want, fmt.Sprintf("person %d subject %d", num(obj(it)["id"]), num(obj(it)["subject_id"])))
			}
			for _, cs := range casts {
				sid := cs.SubjectID
				if !exist[sid] {
					sid = 0
				}
				got = append(got, fmt.Sprintf("person %d subject %d", persons[cs.PersonID].ID, sid))
			}
			check(c, "casts in order", want, got)

		case "GET /v0/persons/{id}/subjects":
			credits, err := r.Links.Credits(ctx, ports.CreditFilter{PersonID: pathID(c.Path, 3)})
			must(t, err)
			ids := make([]uint32, len(credits))
			for i, cr := range credits {
				ids[i] = cr.SubjectID
			}
			subjects, err := r.Subjects.GetByIDs(ctx, ids)
			must(t, err)
			var want, got []string
			for _, it := range arr(j) {
				want = append(want, fmt.Sprintf("%d %q %s", num(obj(it)["id"]), str(obj(it)["eps"]), str(obj(it)["staff"])))
			}
			for _, cr := range credits {
				if s, ok := subjects[cr.SubjectID]; ok {
					got = append(got, fmt.Sprintf("%d %q %s", cr.SubjectID, cr.AppearEps, staff.label(s.Type, cr.Position)))
				}
			}
			check(c, "subject ids in order", want, got)

		case "GET /v0/users/{username}/collections":
			u, err := r.Users.GetByUsername(ctx, strings.Split(c.Path, "/")[3])
			must(t, err)
			q := query(c.Path)
			st, _ := strconv.Atoi(q.Get("subject_type"))
			typ, _ := strconv.Atoi(q.Get("type"))
			limit, offset := 30, 0
			if v := q.Get("limit"); v != "" {
				limit, _ = strconv.Atoi(v)
			}
			if v := q.Get("offset"); v != "" {
				offset, _ = strconv.Atoi(v)
			}
			f := user.SubjectCollectionFilter{UserID: u.ID, SubjectType: uint8(st), Type: uint8(typ),
				ShowPrivate: goldenViewer(c) == u.ID}
			total, err := r.SubjectCollections.Count(ctx, f)
			must(t, err)
			check(c, "total", num(obj(j)["total"]), uint64(total))
			rows, err := r.SubjectCollections.List(ctx, f, limit, offset)
			must(t, err)
			ids := make([]uint32, len(rows))
			for i, row := range rows {
				ids[i] = row.SubjectID
			}
			exist := existingSubjects(ids)
			var want, got []string
			for _, it := range arr(obj(j)["data"]) {
				want = append(want, fmt.Sprintf("%d %s", num(obj(it)["subject_id"]), str(obj(it)["updated_at"])))
			}
			for _, row := range rows {
				if exist[row.SubjectID] {
					got = append(got, fmt.Sprintf("%d %s", row.SubjectID, row.UpdatedAt.Format(time.RFC3339)))
				}
			}
			check(c, "collections in order", want, got)

		case "GET /v0/users/{username}/collections/{subject_id}":
			u, err := r.Users.GetByUsername(ctx, strings.Split(c.Path, "/")[3])
			must(t, err)
			col, err := r.SubjectCollections.Get(ctx, u.ID, pathID(c.Path, 5))
			must(t, err)
			g := obj(j)
			check(c, "collection", []any{num(g["rate"]), num(g["type"]), str(g["comment"]), num(g["ep_status"]),
				num(g["vol_status"]), str(g["updated_at"]), g["private"]},
				[]any{uint64(col.Rate), uint64(col.Type), col.Comment, uint64(col.EpStatus), uint64(col.VolStatus),
					col.UpdatedAt.Format(time.RFC3339), col.IsPrivate()})

		case "GET /v0/users/{username}/collections/-/characters", "GET /v0/users/{username}/collections/-/persons":
			u, err := r.Users.GetByUsername(ctx, strings.Split(c.Path, "/")[3])
			must(t, err)
			cat := mono.Character
			if strings.HasSuffix(c.Family, "persons") {
				cat = mono.Person
			}
			q := query(c.Path)
			limit, offset := 30, 0
			if v := q.Get("limit"); v != "" {
				limit, _ = strconv.Atoi(v)
			}
			if v := q.Get("offset"); v != "" {
				offset, _ = strconv.Atoi(v)
			}
			total, err := r.MonoCollects.Count(ctx, u.ID, cat)
			must(t, err)
			check(c, "total", num(obj(j)["total"]), uint64(total))
			rows, err := r.MonoCollects.List(ctx, u.ID, cat, limit, offset)
			must(t, err)
			ids := make([]uint32, len(rows))
			for i, row := range rows {
				ids[i] = row.TargetID
			}
			var found map[uint32]bool
			if cat == mono.Character {
				m, err := r.Characters.GetByIDs(ctx, ids)
				must(t, err)
				found = map[uint32]bool{}
				for id := range m {
					found[id] = true
				}
			} else {
				m, err := r.Persons.GetByIDs(ctx, ids)
				must(t, err)
				found = map[uint32]bool{}
				for id := range m {
					found[id] = true
				}
			}
			var want, got []string
			for _, it := range arr(obj(j)["data"]) {
				want = append(want, fmt.Sprintf("%d %s", num(obj(it)["id"]), str(obj(it)["created_at"])))
			}
			for _, row := range rows {
				if found[row.TargetID] {
					got = append(got, fmt.Sprintf("%d %s", row.TargetID, row.CreatedAt.Format(time.RFC3339)))
				}
			}
			check(c, "collects in order", want, got)

		default:
			continue
		}
		checked[c.Family]++
	}
	t.Logf("checked golden answers per family: %v", checked)
	for _, family := range []string{
		"GET /v0/subjects/{id}", "GET /v0/characters/{id}", "GET /v0/persons/{id}",
		"GET /v0/subjects/{id}/persons", "GET /v0/subjects/{id}/characters",
		"GET /v0/characters/{id}/subjects", "GET /v0/characters/{id}/persons",
		"GET /v0/persons/{id}/subjects", "GET /v0/persons/{id}/characters",
		"GET /v0/users/{username}/collections", "GET /v0/users/{username}/collections/{subject_id}",
		"GET /v0/users/{username}/collections/-/characters", "GET /v0/users/{username}/collections/-/persons",
	} {
		if checked[family] == 0 {
			t.Errorf("no golden answer of %s was checked", family)
		}
	}
}

// goldenViewer is the user id of the token a golden request sends (0: anonymous).
func goldenViewer(c goldenCase) uint32 {
	switch strings.TrimPrefix(c.Headers["Authorization"], "Bearer ") {
	case "a_development_access_token", "parity_readonly_token":
		return 382951
	case "parity_young_user_token":
		return 900001
	case "parity_treehole2_token":
		return 318250
	}
	return 0
}

func goldenFields(g map[string]any) []any {
	return []any{str(g["gender"]), num(g["blood_type"]), num(g["birth_year"]), num(g["birth_mon"]), num(g["birth_day"])}
}

func fieldsOf(f mono.Fields) []any {
	return []any{f.GenderName(), uint64(f.BloodType), uint64(f.BirthYear), uint64(f.BirthMon), uint64(f.BirthDay)}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func query(path string) url.Values {
	u, err := url.Parse(path)
	if err != nil {
		return nil
	}
	return u.Query()
}

// staffLabels maps subject type and position to bangumi's position label
// (shared/reference/vars/staffs.go.json; the golden answers name positions by label).
type staffLabels map[string]map[string]map[string]any

func readStaffLabels(tb testing.TB) staffLabels {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(tb), "reference", "vars", "staffs.go.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var v struct {
		Staffs staffLabels `json:"staffs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	return v.Staffs
}

func (l staffLabels) label(subjectType uint8, position uint16) string {
	e := l[strconv.Itoa(int(subjectType))][strconv.Itoa(int(position))]
	for _, k := range []string{"cn", "jp", "en", "rdf"} {
		if s := str(e[k]); s != "" {
			return s
		}
	}
	return "unknown"
}
