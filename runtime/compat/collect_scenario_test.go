package compat_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
)

// monoState is what a collect may change: the target's counter and the user's rows for it.
type monoState struct {
	Counter int
	Rows    []string // "id cat mid uid"
}

type monoTarget struct {
	name, path, noun, cat, counterSQL string
	id                                int
}

func readState(t *testing.T, db *sql.DB, tg monoTarget, uid int) monoState {
	t.Helper()
	var s monoState
	if err := db.QueryRowContext(t.Context(), tg.counterSQL, tg.id).Scan(&s.Counter); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(t.Context(),
		`SELECT prsn_clt_id, prsn_clt_cat, prsn_clt_mid, prsn_clt_uid FROM chii_person_collects
		 WHERE prsn_clt_cat = ? AND prsn_clt_mid = ? AND prsn_clt_uid = ? ORDER BY prsn_clt_id`, tg.cat, tg.id, uid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, mid, u int
		var cat string
		if err := rows.Scan(&id, &cat, &mid, &u); err != nil {
			t.Fatal(err)
		}
		s.Rows = append(s.Rows, fmt.Sprint(id, cat, mid, u))
	}
	return s
}

func call(t *testing.T, baseURL, method, path, token string) golden.Response {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	req, err := golden.Request{Method: method, Path: path, Headers: h}.NewRequest(t.Context(), baseURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := golden.Do(golden.NewClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Issue 4's scenario on MySQL through HTTP: collect, collect again, uncollect, uncollect again;
// and 50 concurrent collects of one target by one user.
func TestCollectScenario(t *testing.T) {
	_, db := testenv.MySQL(t, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	srv := httptest.NewServer(composeAPI(db, nil, inmem.NewTimelinePublisher(), slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	const token, uid, username = "a_development_access_token", 382951, "382951"

	for _, tg := range []monoTarget{
		{name: "Character", path: "/v0/characters/%d", noun: "character", cat: "crt", id: 3,
			counterSQL: "SELECT crt_collects FROM chii_characters WHERE crt_id = ?"},
		{name: "Person", path: "/v0/persons/%d", noun: "person", cat: "prsn", id: 2,
			counterSQL: "SELECT prsn_collects FROM chii_persons WHERE prsn_id = ?"},
	} {
		t.Run(tg.name, func(t *testing.T) {
			collectPath := fmt.Sprintf(tg.path, tg.id) + "/collect"
			itemPath := fmt.Sprintf("/v0/users/%s/collections/-/%ss/%d", username, tg.noun, tg.id)
			listPath := fmt.Sprintf("/v0/users/%s/collections/-/%ss", username, tg.noun)
			before := readState(t, db, tg, uid)
			if len(before.Rows) != 0 {
				t.Fatalf("user already collected %s %d: %+v", tg.noun, tg.id, before)
			}

			if r := call(t, srv.URL, http.MethodPost, collectPath, token); r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("collect: %d %q, want 204 empty", r.Status, r.Body)
			}
			after := readState(t, db, tg, uid)
			if after.Counter != before.Counter+1 || len(after.Rows) != 1 {
				t.Fatalf("after collect: %+v, want counter %d and one row", after, before.Counter+1)
			}
			if r := call(t, srv.URL, http.MethodGet, itemPath, ""); r.Status != http.StatusOK {
				t.Errorf("GET %s: %d %s", itemPath, r.Status, r.Body)
			}
			var list struct {
				Data  []struct{ ID int } `json:"data"`
				Total int                `json:"total"`
			}
			r := call(t, srv.URL, http.MethodGet, listPath, "")
			if err := json.Unmarshal(r.Body, &list); err != nil || list.Total != 1 || len(list.Data) != 1 || list.Data[0].ID != tg.id {
				t.Errorf("GET %s: %d %s, want the collected %s", listPath, r.Status, r.Body, tg.noun)
			}

			if r := call(t, srv.URL, http.MethodPost, collectPath, token); r.Status != http.StatusNoContent {
				t.Fatalf("collect again: %d %s, want 204", r.Status, r.Body)
			}
			if again := readState(t, db, tg, uid); !cmp.Equal(after, again) {
				t.Fatalf("collect again changed the state:\n%s", cmp.Diff(after, again))
			}

			if r := call(t, srv.URL, http.MethodDelete, collectPath, token); r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("uncollect: %d %q, want 204 empty", r.Status, r.Body)
			}
			if diff := cmp.Diff(before, readState(t, db, tg, uid)); diff != "" {
				t.Fatalf("after uncollect the state differs from before (-before +after):\n%s", diff)
			}

			r = call(t, srv.URL, http.MethodDelete, collectPath, token)
			var body struct{ Title, Description string }
			_ = json.Unmarshal(r.Body, &body)
			if r.Status != http.StatusNotFound || body.Description != tg.noun+" not collected" {
				t.Fatalf("uncollect again: %d %s, want 404 %q", r.Status, r.Body, tg.noun+" not collected")
			}
			if diff := cmp.Diff(before, readState(t, db, tg, uid)); diff != "" {
				t.Fatalf("a refused uncollect changed the state:\n%s", diff)
			}
		})
	}

	t.Run("FiftyConcurrentCollects", func(t *testing.T) {
		tg := monoTarget{cat: "crt", id: 1, counterSQL: "SELECT crt_collects FROM chii_characters WHERE crt_id = ?"}
		before := readState(t, db, tg, uid)
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		for i := range statuses {
			wg.Go(func() { statuses[i] = call(t, srv.URL, http.MethodPost, "/v0/characters/1/collect", token).Status })
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusNoContent {
				t.Errorf("request %d: status %d, want 204", i, s)
			}
		}
		after := readState(t, db, tg, uid)
		if len(after.Rows) != len(before.Rows)+1 || after.Counter != before.Counter+1 {
			t.Fatalf("after 50 concurrent collects: %+v (before %+v), want exactly one new row and counter +1", after, before)
		}
	})
}
