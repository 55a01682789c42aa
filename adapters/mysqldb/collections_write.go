package mysqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.SubjectCollectionWriter = uowCollections{}
	_ ports.EpisodeProgressWriter   = uowProgress{}
)

func (t uowTx) SubjectCollections() ports.SubjectCollectionWriter { return uowCollections{q: t.q} }

func (t uowTx) EpisodeProgress() ports.EpisodeProgressWriter { return uowProgress{q: t.q} }

// uowCollections writes chii_subject_interests, the tag tables and the subject's counters in
// one transaction (all InnoDB in bangumi's schema: everything rolls back together).
type uowCollections struct{ q uowQuerier }

// exec builds and runs one write statement.
func exec(ctx context.Context, q uowQuerier, what string, ds interface {
	ToSQL() (string, []any, error)
}) (sql.Result, error) {
	query, args, err := ds.ToSQL()
	if err != nil {
		return nil, fmt.Errorf("mysqldb: build %s: %w", what, err)
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("mysqldb: %s: %w", what, classify(err))
	}
	return res, nil
}

// LockSubject reads the subject ⟕ fields with FOR UPDATE: both rows stay locked until the
// transaction ends.
func (w uowCollections) LockSubject(ctx context.Context, id uint32) (subject.Subject, error) {
	var (
		out   subject.Subject
		found bool
	)
	scan := subjectScanner()
	ds := subjects().Where(goqu.I("s.subject_id").Eq(id)).Limit(1).ForUpdate(exp.Wait)
	err := queryRows(ctx, w.q, "lock subject", ds, func(rows *sql.Rows) error {
		s, err := scan(rows)
		out, found = s, true
		return err
	})
	if err != nil {
		return subject.Subject{}, err
	}
	if !found {
		return subject.Subject{}, domain.Errorf(domain.ErrNotFound, "subject %d not found", id)
	}
	return out, nil
}

// datelineColumns are interest_*_dateline by collection type 1..5.
var datelineColumns = [6]string{1: "interest_wish_dateline", 2: "interest_collect_dateline", 3: "interest_doing_dateline",
	4: "interest_on_hold_dateline", 5: "interest_dropped_dateline"}

var collectionRecordColumns = []any{
	"interest_id", "interest_uid", "interest_subject_id", "interest_subject_type", "interest_rate",
	"interest_type", "interest_comment", "interest_tag", "interest_ep_status", "interest_vol_status",
	"interest_lasttouch", "interest_private", "interest_wish_dateline", "interest_collect_dateline",
	"interest_doing_dateline", "interest_on_hold_dateline", "interest_dropped_dateline",
	"interest_create_ip", "interest_lasttouch_ip",
}

// Find reads the user's row FOR UPDATE (the unique key user_interest).
func (w uowCollections) Find(ctx context.Context, userID, subjectID uint32) (user.CollectionRecord, bool, error) {
	var (
		r         user.CollectionRecord
		found     bool
		comment   string
		lasttouch int64
	)
	ds := from("chii_subject_interests").Select(collectionRecordColumns...).
		Where(goqu.C("interest_uid").Eq(userID), goqu.C("interest_subject_id").Eq(subjectID)).Limit(1).
		ForUpdate(exp.Wait)
	err := queryRows(ctx, w.q, "find subject collection", ds, func(rows *sql.Rows) error {
		found = true
		return rows.Scan(&r.ID, &r.UserID, &r.SubjectID, &r.SubjectType, &r.Rate, &r.Type, &comment, &r.Tags,
			&r.EpStatus, &r.VolStatus, &lasttouch, &r.Private, &r.Datelines[1], &r.Datelines[2], &r.Datelines[3],
			&r.Datelines[4], &r.Datelines[5], &r.CreateIP, &r.LastTouchIP)
	})
	if err != nil || !found {
		return user.CollectionRecord{}, false, err
	}
	r.Comment, r.UpdatedAt = unescape(comment), time.Unix(lasttouch, 0).UTC()
	return r, true, nil
}

// Save inserts (ID 0) or updates every column of the row. The comment is stored HTML-escaped,
// as bangumi stores it.
func (w uowCollections) Save(ctx context.Context, r user.CollectionRecord) (uint32, error) {
	hasComment := 0
	if r.Comment != "" {
		hasComment = 1
	}
	rec := goqu.Record{
		"interest_uid": r.UserID, "interest_subject_id": r.SubjectID, "interest_subject_type": r.SubjectType,
		"interest_rate": r.Rate, "interest_type": r.Type, "interest_has_comment": hasComment,
		"interest_comment": html.EscapeString(r.Comment), "interest_tag": r.Tags,
		"interest_ep_status": r.EpStatus, "interest_vol_status": r.VolStatus,
		"interest_create_ip": r.CreateIP, "interest_lasttouch_ip": r.LastTouchIP,
		"interest_lasttouch": r.UpdatedAt.Unix(), "interest_private": r.Private,
	}
	for t := 1; t < len(datelineColumns); t++ {
		rec[datelineColumns[t]] = r.Datelines[t]
	}
	if r.ID != 0 {
		_, err := exec(ctx, w.q, "update subject collection",
			uowDialect.Update("chii_subject_interests").Prepared(true).Set(rec).
				Where(goqu.C("interest_id").Eq(r.ID)))
		return r.ID, err
	}
	res, err := exec(ctx, w.q, "insert subject collection", uowDialect.Insert("chii_subject_interests").Prepared(true).Rows(rec))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: insert subject collection: %w", err)
	}
	return uint32(id), nil
}

// tagIndexRows selects the index rows of subjectType named like names (the column's
// collation decides: case- and accent-insensitive).
func (w uowCollections) tagIndexRows(ctx context.Context, subjectType uint8, names []string) (ids []uint32, stored []string, err error) {
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	ds := from("chii_tag_neue_index").Select("tag_id", "tag_name").
		Where(goqu.C("tag_cat").Eq(0), goqu.C("tag_type").Eq(subjectType), goqu.C("tag_name").In(args...)).
		Order(goqu.C("tag_id").Asc())
	err = queryRows(ctx, w.q, "select tag index", ds, func(rows *sql.Rows) error {
		var (
			id   uint32
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		ids, stored = append(ids, id), append(stored, name)
		return nil
	})
	return ids, stored, err
}

// ReplaceTags deletes the user's list rows of the subject, creates the index rows no name
// matches, and inserts one list row per matching index row (N4).
func (w uowCollections) ReplaceTags(ctx context.Context, userID, subjectID uint32, subjectType uint8, tags []string, now time.Time) ([]string, error) {
	if _, err := exec(ctx, w.q, "delete user tags", uowDialect.Delete("chii_tag_neue_list").Prepared(true).Where(
		goqu.C("tlt_uid").Eq(userID), goqu.C("tlt_mid").Eq(subjectID), goqu.C("tlt_cat").Eq(0))); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, nil
	}
	_, stored, err := w.tagIndexRows(ctx, subjectType, tags)
	if err != nil {
		return nil, err
	}
	var missing []any
	for _, t := range tags {
		if !slices.ContainsFunc(stored, func(s string) bool { return strings.EqualFold(s, t) }) {
			missing = append(missing, goqu.Record{"tag_name": t, "tag_cat": 0, "tag_type": subjectType, "tag_results": 1,
				"tag_dateline": now.Unix(), "tag_lasttouch": now.Unix()})
		}
	}
	if len(missing) > 0 {
		if _, err := exec(ctx, w.q, "insert tag index", uowDialect.Insert("chii_tag_neue_index").Prepared(true).Rows(missing...)); err != nil {
			return nil, err
		}
	}
	ids, stored, err := w.tagIndexRows(ctx, subjectType, tags)
	if err != nil {
		return nil, err
	}
	rows := make([]any, len(ids))
	for i, id := range ids {
		rows[i] = goqu.Record{"tlt_tid": id, "tlt_uid": userID, "tlt_cat": 0, "tlt_type": subjectType, "tlt_mid": subjectID,
			"tlt_dateline": now.Unix()}
	}
	if _, err := exec(ctx, w.q, "insert user tags", uowDialect.Insert("chii_tag_neue_list").Prepared(true).Rows(rows...)); err != nil {
		return nil, err
	}
	slices.Sort(stored)
	return stored, nil
}

// fieldTag is an element of field_tags, as bangumi writes it (counts as strings).
type fieldTag struct {
	Name       string `json:"tag_name"`
	Result     string `json:"result"`
	TagResults string `json:"tag_results"`
}

// RecountTags sets tag_results of the named index rows to the number of users tagging with
// them (user rows, tlt_uid ≠ 0) in one UPDATE, then field_tags of the subject to its 30 most
// used tags: three statements whatever the number of tags.
func (w uowCollections) RecountTags(ctx context.Context, subjectID uint32, subjectType uint8, names []string) error {
	if len(names) > 0 {
		in := make([]any, len(names))
		for i, n := range names {
			in[i] = n
		}
		users := from(goqu.T("chii_tag_neue_list").As("l")).Select(goqu.L("COUNT(DISTINCT ?)", goqu.I("l.tlt_uid"))).
			Where(goqu.I("l.tlt_tid").Eq(goqu.I("chii_tag_neue_index.tag_id")), goqu.I("l.tlt_cat").Eq(0), goqu.I("l.tlt_uid").Neq(0))
		if _, err := exec(ctx, w.q, "recount tags", uowDialect.Update("chii_tag_neue_index").Prepared(true).
			Set(goqu.Record{"tag_results": users}).
			Where(goqu.C("tag_cat").Eq(0), goqu.C("tag_type").Eq(subjectType), goqu.C("tag_name").In(in...))); err != nil {
			return err
		}
	}
	ds := from(goqu.T("chii_tag_neue_list").As("l")).
		Join(goqu.T("chii_tag_neue_index").As("i"), goqu.On(goqu.I("i.tag_id").Eq(goqu.I("l.tlt_tid")))).
		Select(goqu.I("i.tag_name"), goqu.L("COUNT(DISTINCT ?)", goqu.I("l.tlt_uid")).As("n"), goqu.I("i.tag_results")).
		Where(goqu.I("l.tlt_mid").Eq(subjectID), goqu.I("l.tlt_cat").Eq(0), goqu.I("l.tlt_uid").Neq(0)).
		GroupBy(goqu.I("i.tag_id"), goqu.I("i.tag_name"), goqu.I("i.tag_results")).
		Order(goqu.L("n").Desc(), goqu.I("i.tag_name").Asc()).Limit(30)
	tags := []fieldTag{}
	err := queryRows(ctx, w.q, "count subject tags", ds, func(rows *sql.Rows) error {
		var (
			t          fieldTag
			n, results int64
		)
		if err := rows.Scan(&t.Name, &n, &results); err != nil {
			return err
		}
		t.Result, t.TagResults = strconv.FormatInt(n, 10), strconv.FormatInt(results, 10)
		tags = append(tags, t)
		return nil
	})
	if err != nil {
		return err
	}
	raw, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("mysqldb: encode field_tags: %w", err)
	}
	_, err = exec(ctx, w.q, "update field_tags", uowDialect.Update("chii_subject_fields").Prepared(true).
		Set(goqu.Record{"field_tags": string(raw)}).Where(goqu.C("field_sid").Eq(subjectID)))
	return err
}

// Recount recomputes the collection counters of the types with rows (chii_subjects) and the
// rating buckets of rates (chii_subject_fields) from chii_subject_interests: at most two
// grouped counts and two updates.
func (w uowCollections) Recount(ctx context.Context, subjectID uint32, rates []uint8) (bool, error) {
	count := func(what string, col string, where ...exp.Expression) (map[int64]int64, error) {
		out := map[int64]int64{}
		ds := from("chii_subject_interests").Select(goqu.C(col), goqu.COUNT(goqu.Star())).
			Where(append([]exp.Expression{goqu.C("interest_subject_id").Eq(subjectID), goqu.C("interest_type").Neq(0)}, where...)...).
			GroupBy(goqu.C(col))
		err := queryRows(ctx, w.q, what, ds, func(rows *sql.Rows) error {
			var k, n int64
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			out[k] = n
			return nil
		})
		return out, err
	}
	byType, err := count("count collections", "interest_type")
	if err != nil {
		return false, err
	}
	// MySQL counts the rows an UPDATE changed (the driver does not ask for the found rows).
	var changed int64
	update := func(what string, ds *goqu.UpdateDataset) error {
		res, err := exec(ctx, w.q, what, ds)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		changed += n
		return err
	}
	counters := goqu.Record{}
	for t, col := range subjectCounterColumns {
		if n, ok := byType[int64(t)]; ok && col != "" {
			counters[col] = n
		}
	}
	if len(counters) > 0 {
		if err := update("update collection counters", uowDialect.Update("chii_subjects").Prepared(true).
			Set(counters).Where(goqu.C("subject_id").Eq(subjectID))); err != nil {
			return false, err
		}
	}
	var want []any
	for _, r := range rates {
		if r >= 1 && r <= user.MaxRate {
			want = append(want, r)
		}
	}
	if len(want) == 0 {
		return changed > 0, nil
	}
	byRate, err := count("count ratings", "interest_rate", goqu.C("interest_private").Neq(2), goqu.C("interest_rate").In(want...))
	if err != nil {
		return false, err
	}
	buckets := goqu.Record{}
	for _, r := range want {
		buckets["field_rate_"+strconv.Itoa(int(r.(uint8)))] = byRate[int64(r.(uint8))]
	}
	err = update("update rating counters", uowDialect.Update("chii_subject_fields").Prepared(true).Set(buckets).
		Where(goqu.C("field_sid").Eq(subjectID)))
	return changed > 0, err
}

// subjectCounterColumns are the chii_subjects counters by collection type 1..5.
var subjectCounterColumns = [6]string{1: "subject_wish", 2: "subject_collect", 3: "subject_doing", 4: "subject_on_hold",
	5: "subject_dropped"}

// uowProgress reads and writes chii_ep_status (MyISAM in bangumi's schema: its writes do not
// roll back with the transaction, see ARCHITECTURE.md).
type uowProgress struct{ q uowQuerier }

func (w uowProgress) Progress(ctx context.Context, userID, subjectID uint32) (episode.Progress, bool, error) {
	return readProgress(ctx, w.q, userID, subjectID)
}

// SaveProgress upserts the row on its unique key (ep_stt_uid, ep_stt_sid).
func (w uowProgress) SaveProgress(ctx context.Context, userID, subjectID uint32, p episode.Progress, now time.Time) error {
	stored := string(episode.EncodeProgress(p))
	_, err := exec(ctx, w.q, "save episode progress", uowDialect.Insert("chii_ep_status").Prepared(true).Rows(goqu.Record{
		"ep_stt_uid": userID, "ep_stt_sid": subjectID, "ep_stt_on_prg": 0, "ep_stt_status": stored,
		"ep_stt_lasttouch": now.Unix(),
	}).OnConflict(goqu.DoUpdate("ep_stt_uniq", goqu.Record{"ep_stt_status": stored, "ep_stt_lasttouch": now.Unix()})))
	return err
}
