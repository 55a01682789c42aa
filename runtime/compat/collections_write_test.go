package compat_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// Issue 13's acceptance tests of the subject and episode collection writes, on MySQL through
// HTTP: a fault after the first write statement, 50 concurrent identical requests, and
// counters recounted with SQL after 500 random writes by 20 users. The collection tables
// are InnoDB in bangumi's schema; chii_ep_status is MyISAM, so the episode marks are also
// tested with it migrated to InnoDB.

const colUsers = 20

func colUserToken(i int) string { return fmt.Sprintf("col_user_%d_token", i) }

// faultyCollectionUoW makes, when armed, the named writer method fail right after it ran.
type faultyCollectionUoW struct {
	ports.UnitOfWork
	after atomic.Pointer[string]
	fired atomic.Int32
}

func (u *faultyCollectionUoW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	return u.UnitOfWork.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		return fn(ctx, faultyCollectionTx{Tx: tx, u: u})
	})
}

func (u *faultyCollectionUoW) fault(method string, err error) error {
	if err != nil {
		return err
	}
	if p := u.after.Load(); p != nil && *p == method {
		u.fired.Add(1)
		return errInjected
	}
	return nil
}

type faultyCollectionTx struct {
	ports.Tx
	u *faultyCollectionUoW
}

func (t faultyCollectionTx) SubjectCollections() ports.SubjectCollectionWriter {
	return faultyCollections{SubjectCollectionWriter: t.Tx.SubjectCollections(), u: t.u}
}

func (t faultyCollectionTx) EpisodeProgress() ports.EpisodeProgressWriter {
	return faultyProgress{EpisodeProgressWriter: t.Tx.EpisodeProgress(), u: t.u}
}

type faultyCollections struct {
	ports.SubjectCollectionWriter
	u *faultyCollectionUoW
}

func (w faultyCollections) Save(ctx context.Context, r user.CollectionRecord) (uint32, error) {
	id, err := w.SubjectCollectionWriter.Save(ctx, r)
	return id, w.u.fault("Save", err)
}

func (w faultyCollections) ReplaceTags(ctx context.Context, userID, subjectID uint32, subjectType uint8, tags []string, now time.Time) ([]string, error) {
	out, err := w.SubjectCollectionWriter.ReplaceTags(ctx, userID, subjectID, subjectType, tags, now)
	return out, w.u.fault("ReplaceTags", err)
}

type faultyProgress struct {
	ports.EpisodeProgressWriter
	u *faultyCollectionUoW
}

func (w faultyProgress) SaveProgress(ctx context.Context, userID, subjectID uint32, p episode.Progress, now time.Time) error {
	return w.u.fault("SaveProgress", w.EpisodeProgressWriter.SaveProgress(ctx, userID, subjectID, p, now))
}

type colEnv struct {
	URL string
	DB  *sql.DB
	UoW *faultyCollectionUoW
}

func startCollectionAPI(t *testing.T, progressInnoDB bool) *colEnv {
	t.Helper()
	var setup []string
	if progressInnoDB {
		setup = []string{"ALTER TABLE chii_ep_status ENGINE=InnoDB"}
	}
	db := writeDB(t, 920001, colUsers, "col_user", colUserToken, setup...)
	uow := &faultyCollectionUoW{}
	url := serveWrites(t, db, func(u ports.UnitOfWork) ports.UnitOfWork { uow.UnitOfWork = u; return uow })
	return &colEnv{URL: url, DB: db, UoW: uow}
}

func (e *colEnv) send(t *testing.T, method, path, token, body string) golden.Response {
	t.Helper()
	return sendAs(t, e.URL, method, path, token, body)
}

// newSubject makes an anime with exact zero counters, no tags and five main episodes
// (sorts 1–5), and returns its id and its episodes' ids.
func (e *colEnv) newSubject(t *testing.T) (uint32, []uint32) {
	t.Helper()
	ctx := t.Context()
	res, err := e.DB.ExecContext(ctx, `INSERT INTO chii_subjects (subject_type_id, subject_name, subject_name_cn, subject_uid,
		subject_creator, subject_dateline, subject_image, subject_platform, field_infobox, field_summary, field_5,
		field_volumes, field_eps, subject_wish, subject_collect, subject_doing, subject_on_hold, subject_dropped,
		subject_series, subject_series_entry, subject_idx_cn, subject_airtime, subject_nsfw, subject_ban)
		VALUES (2, 'acceptance', '', '', 0, 0, '', 0, '', '', '', 0, 5, 0, 0, 0, 0, 0, 0, 0, '', 0, 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	if _, err := e.DB.ExecContext(ctx, `INSERT INTO chii_subject_fields (field_sid, field_tid, field_tags, field_airtime,
		field_year, field_mon, field_week_day, field_date, field_redirect) VALUES (?, 2, '', 0, 2008, 4, 0, '2008-04-06', 0)`, id); err != nil {
		t.Fatal(err)
	}
	var eps []uint32
	for sort := 1; sort <= 5; sort++ {
		res, err := e.DB.ExecContext(ctx, `INSERT INTO chii_episodes (ep_subject_id, ep_sort, ep_type, ep_disc, ep_name, ep_name_cn,
			ep_rate, ep_duration, ep_airdate, ep_online, ep_comment, ep_resources, ep_desc, ep_dateline, ep_lastpost, ep_lock, ep_ban)
			VALUES (?, ?, 0, 0, '', '', 0, '', '', '', 0, 0, '', 0, 0, 0, 0)`, id, sort)
		if err != nil {
			t.Fatal(err)
		}
		ep, _ := res.LastInsertId()
		eps = append(eps, uint32(ep))
	}
	return uint32(id), eps
}

// colState is everything the writes change about one subject, without ids and times.
type colState struct {
	Rows       []string // "uid type rate private ep vol comment|tags"
	Counters   [5]int64
	Buckets    [10]int64
	FieldTags  string
	TagRows    []string // "uid name"
	Marks      []string // "uid episode-index:status"
	IndexNames []string // index rows of the subject's tags, with their tag_results
}

func readColState(t *testing.T, db *sql.DB, sid uint32, eps []uint32) colState {
	t.Helper()
	ctx := t.Context()
	var s colState
	strs := func(q string, args ...any) []string {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	s.Rows = strs(`SELECT CONCAT_WS(' ', interest_uid, interest_type, interest_rate, interest_private, interest_ep_status,
		interest_vol_status, CONCAT(interest_comment, '|', interest_tag)) FROM chii_subject_interests WHERE interest_subject_id = ? ORDER BY 1`, sid)
	if err := db.QueryRowContext(ctx, `SELECT subject_wish, subject_collect, subject_doing, subject_on_hold, subject_dropped
		FROM chii_subjects WHERE subject_id = ?`, sid).Scan(&s.Counters[0], &s.Counters[1], &s.Counters[2], &s.Counters[3], &s.Counters[4]); err != nil {
		t.Fatal(err)
	}
	b := &s.Buckets
	if err := db.QueryRowContext(ctx, `SELECT field_rate_1, field_rate_2, field_rate_3, field_rate_4, field_rate_5, field_rate_6,
		field_rate_7, field_rate_8, field_rate_9, field_rate_10, field_tags FROM chii_subject_fields WHERE field_sid = ?`, sid).
		Scan(&b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7], &b[8], &b[9], &s.FieldTags); err != nil {
		t.Fatal(err)
	}
	s.TagRows = strs(`SELECT CONCAT_WS(' ', l.tlt_uid, i.tag_name) FROM chii_tag_neue_list l JOIN chii_tag_neue_index i ON i.tag_id = l.tlt_tid
		WHERE l.tlt_mid = ? AND l.tlt_cat = 0 ORDER BY 1`, sid)
	s.IndexNames = strs(`SELECT DISTINCT CONCAT_WS(' ', i.tag_name, i.tag_results) FROM chii_tag_neue_list l
		JOIN chii_tag_neue_index i ON i.tag_id = l.tlt_tid WHERE l.tlt_mid = ? ORDER BY 1`, sid)
	rows, err := db.QueryContext(ctx, "SELECT ep_stt_uid, ep_stt_status FROM chii_ep_status WHERE ep_stt_sid = ?", sid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			uid    uint32
			stored []byte
		)
		if err := rows.Scan(&uid, &stored); err != nil {
			t.Fatal(err)
		}
		p, err := episode.DecodeProgress(stored)
		if err != nil {
			t.Fatal(err)
		}
		for i, ep := range eps {
			if st, _ := p.Of(ep); st != episode.StatusNone {
				s.Marks = append(s.Marks, fmt.Sprintf("%d %d:%d", uid, i, st))
			}
		}
	}
	slices.Sort(s.Marks)
	return s
}

// colWrite is one request of each write route; %d is the subject id, %e its first episode.
type colWrite struct {
	name, fault  string
	method, path string
	body         string
	needsRow     bool // the route needs the collection: the subject is collected first
	progress     bool // its first write is chii_ep_status
}

var colWrites = []colWrite{
	{name: "PostNew", fault: "Save", method: "POST", path: "/v0/users/-/collections/%d",
		body: `{"type":2,"rate":8,"comment":"fine & <good>","private":false}`},
	{name: "PostTags", fault: "ReplaceTags", method: "POST", path: "/v0/users/-/collections/%d",
		body: `{"type":2,"rate":7,"tags":["原创","acceptance"]}`},
	{name: "Patch", fault: "Save", method: "PATCH", path: "/v0/users/-/collections/%d",
		body: `{"type":5,"rate":3,"comment":"dropped"}`, needsRow: true},
	{name: "PatchEpisodes", fault: "SaveProgress", method: "PATCH", path: "/v0/users/-/collections/%d/episodes",
		body: `{"episode_id":[%e,%f],"type":2}`, needsRow: true, progress: true},
	{name: "PutEpisode", fault: "SaveProgress", method: "PUT", path: "/v0/users/-/collections/-/episodes/%e",
		body: `{"type":3}`, needsRow: true, progress: true},
}

func (w colWrite) request(sid uint32, eps []uint32) (path, body string) {
	r := strings.NewReplacer("%d", fmt.Sprint(sid), "%e", fmt.Sprint(eps[0]), "%f", fmt.Sprint(eps[1]))
	return r.Replace(w.path), r.Replace(w.body)
}

// prepare collects the subject as user 0 when the route needs it.
func (e *colEnv) prepare(t *testing.T, w colWrite, sid uint32) {
	t.Helper()
	if w.needsRow {
		if r := e.send(t, "POST", fmt.Sprintf("/v0/users/-/collections/%d", sid), colUserToken(0), `{"type":3,"tags":["先有"]}`); r.Status != http.StatusNoContent {
			t.Fatalf("collect first: %d %s", r.Status, r.Body)
		}
	}
}

// TestCollectionWrites_FaultAfterFirstWrite: the writer fails right after the request's first
// write; the request answers 500 and every row is as it was (on bangumi's schema the episode
// marks' table is MyISAM and keeps the statement: there, sending the request again ends as
// one success does on a twin subject).
func TestCollectionWrites_FaultAfterFirstWrite(t *testing.T) {
	t.Parallel()
	for _, innoDB := range []bool{false, true} {
		t.Run(map[bool]string{false: "MyISAMProgress", true: "InnoDBProgress"}[innoDB], func(t *testing.T) {
			e := startCollectionAPI(t, innoDB)
			for _, w := range colWrites {
				if !innoDB && !w.progress {
					continue // the same tables as InnoDBProgress
				}
				t.Run(w.name, func(t *testing.T) {
					sid, eps := e.newSubject(t)
					twin, twinEps := e.newSubject(t)
					e.prepare(t, w, sid)
					e.prepare(t, w, twin)
					before := readColState(t, e.DB, sid, eps)
					fault := w.fault
					e.UoW.after.Store(&fault)
					fired := e.UoW.fired.Load()
					path, body := w.request(sid, eps)
					r := e.send(t, w.method, path, colUserToken(0), body)
					e.UoW.after.Store(nil)
					if e.UoW.fired.Load() != fired+1 || r.Status != http.StatusInternalServerError {
						t.Fatalf("faulted request (fault after %s fired %v): %d %s, want 500", w.fault, e.UoW.fired.Load() != fired, r.Status, r.Body)
					}
					after := readColState(t, e.DB, sid, eps)
					if innoDB || !w.progress {
						if diff := cmp.Diff(before, after); diff != "" {
							t.Fatalf("a failed request changed the subject (-before +after):\n%s", diff)
						}
					}
					if r := e.send(t, w.method, path, colUserToken(0), body); r.Status != http.StatusNoContent {
						t.Fatalf("retry: %d %s", r.Status, r.Body)
					}
					tpath, tbody := w.request(twin, twinEps)
					if r := e.send(t, w.method, tpath, colUserToken(0), tbody); r.Status != http.StatusNoContent {
						t.Fatalf("twin: %d %s", r.Status, r.Body)
					}
					if diff := cmp.Diff(readColState(t, e.DB, twin, twinEps), readColState(t, e.DB, sid, eps)); diff != "" {
						t.Errorf("faulted then retried differs from one success (-one success +faulted, retried):\n%s", diff)
					}
				})
			}
		})
	}
}

// TestCollectionWrites_FiftyConcurrentIdentical: 50 identical requests at once leave the subject
// as one request leaves its twin, and every one answers 204.
func TestCollectionWrites_FiftyConcurrentIdentical(t *testing.T) {
	t.Parallel()
	e := startCollectionAPI(t, false)
	for _, w := range colWrites {
		t.Run(w.name, func(t *testing.T) {
			one, oneEps := e.newSubject(t)
			fifty, fiftyEps := e.newSubject(t)
			e.prepare(t, w, one)
			e.prepare(t, w, fifty)
			path, body := w.request(one, oneEps)
			if r := e.send(t, w.method, path, colUserToken(0), body); r.Status != http.StatusNoContent {
				t.Fatalf("one request: %d %s", r.Status, r.Body)
			}
			path, body = w.request(fifty, fiftyEps)
			statuses := make([]int, 50)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Go(func() { statuses[i] = e.send(t, w.method, path, colUserToken(0), body).Status })
			}
			wg.Wait()
			for i, s := range statuses {
				if s != http.StatusNoContent {
					t.Fatalf("request %d of 50: %d, want 204", i, s)
				}
			}
			if diff := cmp.Diff(readColState(t, e.DB, one, oneEps), readColState(t, e.DB, fifty, fiftyEps)); diff != "" {
				t.Errorf("50 concurrent requests differ from one (-one +fifty):\n%s", diff)
			}
		})
	}
}

// TestCollectionWrites_CountersEqualRecount: 20 users send 500 random collection writes at once
// over three subjects (creates, edits of type, rate, privacy, comment and tags, episode marks in
// batches and one by one); afterwards, recounted with SQL: every collection type that has rows
// has the subject counter of its row count, every rating bucket the count of rated rows that
// are collected and not shadow-banned, every tag's tag_results its number of users and
// field_tags the subject's tags by users, and each anime collection's ep_status the number
// of its marks. (A type left with no row keeps its counter, as the recorded answers require;
// ARCHITECTURE.md.)
func TestCollectionWrites_CountersEqualRecount(t *testing.T) {
	t.Parallel()
	e := startCollectionAPI(t, false)
	type subj struct {
		id  uint32
		eps []uint32
	}
	var subjects []subj
	for range 3 {
		id, eps := e.newSubject(t)
		subjects = append(subjects, subj{id, eps})
	}
	tags := []string{"原创", "TV", "tv", "acceptance", "治愈"}
	rng := rand.New(rand.NewPCG(13, 500))
	type req struct{ method, path, token, body string }
	reqs := make([]req, 500)
	for i := range reqs {
		s := subjects[rng.IntN(len(subjects))]
		tok := colUserToken(rng.IntN(colUsers))
		switch rng.IntN(5) {
		case 0, 1:
			var fields []string
			if rng.IntN(3) > 0 {
				fields = append(fields, fmt.Sprintf(`"type":%d`, 1+rng.IntN(5)))
			}
			if rng.IntN(2) == 0 {
				fields = append(fields, fmt.Sprintf(`"rate":%d`, rng.IntN(11)))
			}
			if rng.IntN(3) == 0 {
				fields = append(fields, fmt.Sprintf(`"private":%v`, rng.IntN(2) == 0))
			}
			if rng.IntN(3) == 0 {
				var ts []string
				for _, tag := range tags {
					if rng.IntN(3) == 0 {
						ts = append(ts, `"`+tag+`"`)
					}
				}
				fields = append(fields, `"tags":[`+strings.Join(ts, ",")+`]`)
			}
			method := "POST"
			if rng.IntN(3) == 0 {
				method = "PATCH"
			}
			reqs[i] = req{method, fmt.Sprintf("/v0/users/-/collections/%d", s.id), tok, "{" + strings.Join(fields, ",") + "}"}
		case 2, 3:
			var ids []string
			for _, ep := range s.eps {
				if rng.IntN(2) == 0 {
					ids = append(ids, fmt.Sprint(ep))
				}
			}
			if len(ids) == 0 {
				ids = []string{fmt.Sprint(s.eps[0])}
			}
			reqs[i] = req{"PATCH", fmt.Sprintf("/v0/users/-/collections/%d/episodes", s.id), tok,
				fmt.Sprintf(`{"episode_id":[%s],"type":%d}`, strings.Join(ids, ","), rng.IntN(4))}
		default:
			reqs[i] = req{"PUT", fmt.Sprintf("/v0/users/-/collections/-/episodes/%d", s.eps[rng.IntN(len(s.eps))]), tok,
				fmt.Sprintf(`{"type":%d}`, rng.IntN(4))}
		}
	}
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range colUsers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				r := reqs[i]
				s := e.send(t, r.method, r.path, r.token, r.body).Status
				mu.Lock()
				statuses[s]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("statuses of 500 random writes: %v", statuses)
	if statuses[http.StatusInternalServerError] != 0 || statuses[http.StatusNoContent] < 200 {
		t.Fatalf("statuses %v: want no 500 and most writes done", statuses)
	}
	ctx := t.Context()
	for _, s := range subjects {
		var mismatches []string
		check := func(what string, q string, args ...any) {
			var n int64
			if err := e.DB.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				mismatches = append(mismatches, fmt.Sprintf("%s: %d", what, n))
			}
		}
		check("collection counters", `SELECT COUNT(*) FROM (SELECT interest_type t, COUNT(*) n FROM chii_subject_interests
			WHERE interest_subject_id = ? AND interest_type <> 0 GROUP BY interest_type) c JOIN chii_subjects s ON s.subject_id = ?
			WHERE n <> ELT(t, s.subject_wish, s.subject_collect, s.subject_doing, s.subject_on_hold, s.subject_dropped)`, s.id, s.id)
		check("rating buckets", `SELECT COUNT(*) FROM (SELECT 1 r UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5
			UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) b JOIN chii_subject_fields f ON f.field_sid = ?
			WHERE (SELECT COUNT(*) FROM chii_subject_interests WHERE interest_subject_id = ? AND interest_type <> 0
				AND interest_private <> 2 AND interest_rate = b.r)
			<> ELT(b.r, f.field_rate_1, f.field_rate_2, f.field_rate_3, f.field_rate_4, f.field_rate_5, f.field_rate_6,
				f.field_rate_7, f.field_rate_8, f.field_rate_9, f.field_rate_10)`, s.id, s.id)
		check("tag results", `SELECT COUNT(*) FROM chii_tag_neue_index i WHERE i.tag_id IN (SELECT tlt_tid FROM chii_tag_neue_list WHERE tlt_mid = ?)
			AND i.tag_results <> (SELECT COUNT(DISTINCT tlt_uid) FROM chii_tag_neue_list WHERE tlt_tid = i.tag_id AND tlt_uid <> 0)`, s.id)
		check("duplicate rows", `SELECT COUNT(*) - COUNT(DISTINCT interest_uid) FROM chii_subject_interests WHERE interest_subject_id = ?`, s.id)
		check("duplicate tag rows", `SELECT COUNT(*) - COUNT(DISTINCT tlt_uid, tlt_tid) FROM chii_tag_neue_list WHERE tlt_mid = ?`, s.id)
		// ep_status: the number of marks of each collection that has a marks row
		rows, err := e.DB.QueryContext(ctx, `SELECT i.interest_ep_status, p.ep_stt_status FROM chii_subject_interests i
			JOIN chii_ep_status p ON p.ep_stt_uid = i.interest_uid AND p.ep_stt_sid = i.interest_subject_id
			WHERE i.interest_subject_id = ?`, s.id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var (
				n      int
				stored []byte
			)
			if err := rows.Scan(&n, &stored); err != nil {
				t.Fatal(err)
			}
			p, err := episode.DecodeProgress(stored)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != n {
				mismatches = append(mismatches, fmt.Sprintf("ep_status %d for %d marks", n, len(p)))
			}
		}
		_ = rows.Close()
		// field_tags: the subject's tags by number of users, ties by name, as SQL counts them
		var fieldTags string
		if err := e.DB.QueryRowContext(ctx, "SELECT field_tags FROM chii_subject_fields WHERE field_sid = ?", s.id).Scan(&fieldTags); err != nil {
			t.Fatal(err)
		}
		want := readTagRecount(t, e.DB, s.id)
		var got []map[string]string
		if fieldTags != "" {
			if err := json.Unmarshal([]byte(fieldTags), &got); err != nil {
				t.Fatal(err)
			}
		}
		// tag_results in field_tags is the tag's total as of the subject's last tag change
		// (other subjects' writes move it since): only the subject's own counts must match.
		for _, tags := range [][]map[string]string{want, got} {
			for _, tag := range tags {
				delete(tag, "tag_results")
			}
		}
		if diff := cmp.Diff(want, got); diff != "" && (len(want) > 0 || len(got) > 0) {
			mismatches = append(mismatches, "field_tags (-recount +stored):\n"+diff)
		}
		if len(mismatches) > 0 {
			t.Errorf("subject %d: %s", s.id, strings.Join(mismatches, "; "))
		}
	}
}

func readTagRecount(t *testing.T, db *sql.DB, sid uint32) []map[string]string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT i.tag_name, COUNT(DISTINCT l.tlt_uid), i.tag_results
		FROM chii_tag_neue_list l JOIN chii_tag_neue_index i ON i.tag_id = l.tlt_tid
		WHERE l.tlt_mid = ? AND l.tlt_cat = 0 AND l.tlt_uid <> 0 GROUP BY i.tag_id, i.tag_name, i.tag_results
		ORDER BY 2 DESC, 1 LIMIT 30`, sid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]string
	for rows.Next() {
		var name, n, results string
		if err := rows.Scan(&name, &n, &results); err != nil {
			t.Fatal(err)
		}
		out = append(out, map[string]string{"tag_name": name, "result": n, "tag_results": results})
	}
	return out
}

// TestSQLStatements_CollectionWrites: a subject collection write runs the same statements for
// one tag as for ten (no statement per tag), and an episode mark a constant number whatever the
// number of episodes marked.
func TestSQLStatements_CollectionWrites(t *testing.T) {
	api := startAPI(t, apiOptions{noRateLimit: true})
	const token = "a_development_access_token"
	sendAs(t, api.URL, http.MethodGet, "/v0/me", token, "") // caches the token
	count := func(method, path, body string) int {
		t.Helper()
		api.Counter.Reset()
		if r := sendAs(t, api.URL, method, path, token, body); r.Status != http.StatusNoContent {
			t.Fatalf("%s %s = %d %s", method, path, r.Status, r.Body)
		}
		c := api.Counter.Counts()
		t.Logf("%s %s %s: %d statements", method, path, body, c.Statements())
		return c.Statements()
	}
	one := count("POST", "/v0/users/-/collections/8", `{"type":2,"rate":7,"tags":["一个"]}`)
	ten := count("POST", "/v0/users/-/collections/12", `{"type":2,"rate":7,"tags":["t1","t2","t3","t4","t5","t6","t7","t8","t9","t10"]}`)
	if one != ten {
		t.Errorf("a write with 1 tag ran %d statements, with 10 tags %d: want equal", one, ten)
	}
	var ids []string
	rows, err := api.DB.QueryContext(t.Context(), "SELECT ep_id FROM chii_episodes WHERE ep_subject_id = 8 AND ep_ban = 0 ORDER BY ep_sort LIMIT 12")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	_ = rows.Close()
	m1 := count("PATCH", "/v0/users/-/collections/8/episodes", `{"episode_id":[`+ids[0]+`],"type":2}`)
	m12 := count("PATCH", "/v0/users/-/collections/8/episodes", `{"episode_id":[`+strings.Join(ids, ",")+`],"type":1}`)
	if m1 != m12 {
		t.Errorf("marking 1 episode ran %d statements, 12 episodes %d: want equal", m1, m12)
	}
}
