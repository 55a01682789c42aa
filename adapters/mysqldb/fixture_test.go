package mysqldb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"html"
	"strconv"
	"testing"
	"time"

	"github.com/doug-martin/goqu/v9"
	_ "github.com/doug-martin/goqu/v9/dialect/mysql"
	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/subject"
)

// fixtureDialect builds the fixture loader's INSERTs.
var fixtureDialect = goqu.Dialect("mysql")

// loadFixture inserts f into the (empty) bangumi schema of db, the way bangumi stores it:
// names, infoboxes and comments HTML-escaped, subject tags as JSON, episodes as
// chii_episodes rows, meta tags as chii_tag_neue_index/_list rows (tag ids in order of first
// appearance, as the contract suites expect), token expiry as a TIMESTAMP. A subject whose
// chii_subject_fields values are all zero, and a character or person whose fields are zero,
// get no fields row (the repositories must read them as zero).
func loadFixture(tb testing.TB, db *sql.DB, f contracttests.Fixture) {
	tb.Helper()
	ctx := context.Background()
	insert := func(table string, rows ...goqu.Record) {
		tb.Helper()
		if len(rows) == 0 {
			return
		}
		query, args, err := fixtureDialect.Insert(table).Prepared(true).Rows(rows).ToSQL()
		if err != nil {
			tb.Fatalf("build insert %s: %v", table, err)
		}
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			tb.Fatalf("insert %s: %v", table, err)
		}
	}
	esc := html.EscapeString

	subjectType := map[uint32]uint8{}
	for _, s := range f.Subjects {
		subjectType[s.ID] = s.Type
		insert("chii_subjects", goqu.Record{
			"subject_id": s.ID, "subject_type_id": s.Type,
			"subject_name": esc(s.Name), "subject_name_cn": esc(s.NameCN),
			"subject_uid": "", "subject_creator": 0, "subject_image": s.Image, "subject_platform": s.Platform,
			"field_infobox": esc(s.Infobox), "field_meta_tags": s.MetaTagsField, "field_summary": s.Summary,
			"field_5": "", "field_volumes": s.Volumes, "field_eps": s.Eps,
			"subject_wish": s.Collection.Wish, "subject_collect": s.Collection.Collect, "subject_doing": s.Collection.Doing,
			"subject_on_hold": s.Collection.OnHold, "subject_dropped": s.Collection.Dropped,
			"subject_series": s.Series, "subject_nsfw": s.NSFW, "subject_ban": s.Ban,
			"subject_idx_cn": "", "subject_airtime": 0,
		})
		if s.Date.IsZero() && s.RateCounts == [10]uint32{} && s.Rank == 0 && len(s.Tags) == 0 && s.Redirect == 0 {
			continue
		}
		date := "0000-00-00"
		if !s.Date.IsZero() {
			date = s.Date.Format(time.DateOnly)
		}
		rec := goqu.Record{
			"field_sid": s.ID, "field_tid": 0, "field_tags": encodeTags(tb, s.Tags), "field_airtime": 0,
			"field_rank": s.Rank, "field_year": s.Date.Year() % 10000, "field_mon": int(s.Date.Month()),
			"field_week_day": 0, "field_date": date, "field_redirect": s.Redirect,
		}
		if s.Date.IsZero() {
			rec["field_year"], rec["field_mon"] = 0, 0
		}
		for i, n := range s.RateCounts {
			rec["field_rate_"+strconv.Itoa(i+1)] = n
		}
		insert("chii_subject_fields", rec)
	}
	fields := func(cat mono.Category, id uint32, f mono.Fields) {
		if f == (mono.Fields{}) {
			return
		}
		insert("chii_person_fields", goqu.Record{
			"prsn_cat": cat.String(), "prsn_id": id, "gender": f.Gender, "bloodtype": f.BloodType,
			"birth_year": f.BirthYear, "birth_mon": f.BirthMon, "birth_day": f.BirthDay,
		})
	}
	for _, c := range f.Characters {
		insert("chii_characters", goqu.Record{
			"crt_id": c.ID, "crt_name": esc(c.Name), "crt_role": c.Role, "crt_infobox": esc(c.Infobox),
			"crt_summary": c.Summary, "crt_img": c.Image, "crt_comment": c.Comments, "crt_collects": c.Collects,
			"crt_dateline": 0, "crt_lastpost": 0, "crt_lock": 0, "crt_img_anidb": "", "crt_anidb_id": 0,
			"crt_ban": c.Ban, "crt_redirect": c.Redirect, "crt_nsfw": c.NSFW,
		})
		fields(mono.Character, c.ID, c.Fields)
	}
	for _, p := range f.Persons {
		insert("chii_persons", goqu.Record{
			"prsn_id": p.ID, "prsn_name": esc(p.Name), "prsn_type": p.Type, "prsn_infobox": esc(p.Infobox),
			"prsn_producer": p.Career.Producer, "prsn_mangaka": p.Career.Mangaka, "prsn_artist": p.Career.Artist,
			"prsn_seiyu": p.Career.Seiyu, "prsn_writer": p.Career.Writer, "prsn_illustrator": p.Career.Illustrator,
			"prsn_actor": p.Career.Actor, "prsn_summary": p.Summary, "prsn_img": p.Image, "prsn_img_anidb": "",
			"prsn_comment": p.Comments, "prsn_collects": p.Collects, "prsn_dateline": 0, "prsn_lastpost": 0,
			"prsn_lock": 0, "prsn_anidb_id": 0, "prsn_ban": p.Ban, "prsn_redirect": p.Redirect, "prsn_nsfw": p.NSFW,
		})
		fields(mono.Person, p.ID, p.Fields)
	}
	for _, r := range f.Relations {
		insert("chii_subject_relations", goqu.Record{
			"rlt_subject_id": r.SubjectID, "rlt_subject_type_id": subjectType[r.SubjectID],
			"rlt_relation_type": r.RelationType, "rlt_related_subject_id": r.RelatedID,
			"rlt_related_subject_type_id": subjectType[r.RelatedID], "rlt_vice_versa": 0, "rlt_order": r.Order,
		})
	}
	for _, a := range f.Appearances {
		insert("chii_crt_subject_index", goqu.Record{
			"crt_id": a.CharacterID, "subject_id": a.SubjectID, "subject_type_id": a.SubjectType,
			"crt_type": a.Type, "crt_appear_eps": "", "crt_order": a.Order,
		})
	}
	for _, c := range f.Casts {
		insert("chii_crt_cast_index", goqu.Record{
			"rlt_type": 0, "crt_id": c.CharacterID, "prsn_id": c.PersonID, "subject_id": c.SubjectID,
			"subject_type_id": c.SubjectType, "summary": "",
		})
	}
	for _, c := range f.Credits { // one INSERT per row, in order: the MyISAM table keeps it
		insert("chii_person_cs_index", goqu.Record{
			"prsn_type": "prsn", "prsn_id": c.PersonID, "prsn_position": c.Position, "subject_id": c.SubjectID,
			"subject_type_id": c.SubjectType, "summary": "", "prsn_appear_eps": c.AppearEps,
		})
	}
	for _, u := range f.Users {
		insert("chii_members", goqu.Record{
			"uid": u.ID, "username": u.Username, "nickname": u.Nickname, "avatar": u.Avatar, "groupid": u.GroupID,
			"regdate": u.RegTime.Unix(), "sign": u.Sign, "email": u.Email, "timeoffset": u.TimeOffset,
			"password_crypt": "", "acl": u.ACL,
		})
	}
	for id, perm := range f.UserGroups {
		insert("chii_usergroup", goqu.Record{"usr_grp_id": id, "usr_grp_name": "", "usr_grp_perm": perm, "usr_grp_dateline": 0})
	}
	for _, t := range f.Tokens {
		var uid, scope any
		if t.Token.UserID != "" {
			uid = t.Token.UserID
		}
		if t.Token.Scope != nil {
			scope = *t.Token.Scope
		}
		insert("chii_oauth_access_tokens", goqu.Record{
			"type": 0, "access_token": t.Value, "client_id": "contract", "user_id": uid,
			"expires": goqu.L("FROM_UNIXTIME(?)", t.Expires), "scope": scope, "info": "",
		})
	}
	for _, c := range f.SubjectCollections {
		insert("chii_subject_interests", goqu.Record{
			"interest_id": c.ID, "interest_uid": c.UserID, "interest_subject_id": c.SubjectID,
			"interest_subject_type": c.SubjectType, "interest_rate": c.Rate, "interest_type": c.Type,
			"interest_has_comment": c.Comment != "", "interest_comment": esc(c.Comment), "interest_tag": c.Tags,
			"interest_ep_status": c.EpStatus, "interest_vol_status": c.VolStatus,
			"interest_wish_dateline": 0, "interest_doing_dateline": 0, "interest_collect_dateline": 0,
			"interest_on_hold_dateline": 0, "interest_dropped_dateline": 0,
			"interest_create_ip": "", "interest_lasttouch_ip": "",
			"interest_lasttouch": c.UpdatedAt.Unix(), "interest_private": c.Private,
		})
	}
	for _, c := range f.MonoCollects {
		rec := goqu.Record{
			"prsn_clt_cat": c.Category.String(), "prsn_clt_mid": c.TargetID, "prsn_clt_uid": c.UserID,
			"prsn_clt_dateline": c.CreatedAt.Unix(),
		}
		if c.ID != 0 {
			rec["prsn_clt_id"] = c.ID
		}
		insert("chii_person_collects", rec)
	}
	for _, e := range f.Episodes {
		for i := range e.Count + e.Banned {
			ban := 0
			if i >= e.Count {
				ban = 1
			}
			insert("chii_episodes", goqu.Record{
				"ep_subject_id": e.SubjectID, "ep_sort": i + 1, "ep_type": 0, "ep_name": "", "ep_name_cn": "",
				"ep_rate": 0, "ep_duration": "", "ep_airdate": "", "ep_online": "", "ep_comment": 0,
				"ep_resources": 0, "ep_desc": "", "ep_dateline": 0, "ep_lastpost": 0, "ep_ban": ban,
			})
		}
	}
	for _, e := range f.EpisodeRows {
		ban := 0
		if e.Banned {
			ban = 1
		}
		insert("chii_episodes", goqu.Record{
			"ep_id": e.ID, "ep_subject_id": e.SubjectID, "ep_sort": e.Sort, "ep_type": e.Type, "ep_disc": e.Disc,
			"ep_name": e.Name, "ep_name_cn": e.NameCN, "ep_rate": 0, "ep_duration": e.Duration, "ep_airdate": e.Airdate,
			"ep_online": "", "ep_comment": e.Comment, "ep_resources": 0, "ep_desc": e.Desc, "ep_dateline": 0,
			"ep_lastpost": 0, "ep_ban": ban,
		})
	}
	for _, p := range f.EpisodeProgress {
		insert("chii_ep_status", goqu.Record{
			"ep_stt_uid": p.UserID, "ep_stt_sid": p.SubjectID, "ep_stt_on_prg": 0, "ep_stt_status": p.Stored,
			"ep_stt_lasttouch": 0,
		})
	}
	type tagKey struct {
		typ  uint8
		name string
	}
	tagIDs := map[tagKey]uint32{}
	for _, m := range f.MetaTags {
		for _, name := range m.Tags {
			k := tagKey{m.SubjectType, name}
			id, ok := tagIDs[k]
			if !ok {
				id = uint32(len(tagIDs) + 1)
				tagIDs[k] = id
				insert("chii_tag_neue_index", goqu.Record{
					"tag_id": id, "tag_name": name, "tag_cat": 0, "tag_type": m.SubjectType,
					"tag_results": 1, "tag_dateline": 0, "tag_lasttouch": 0,
				})
			}
			insert("chii_tag_neue_list", goqu.Record{
				"tlt_tid": id, "tlt_uid": 0, "tlt_cat": 0, "tlt_type": m.SubjectType, "tlt_mid": m.SubjectID,
				"tlt_dateline": 0,
			})
		}
	}
}

// encodeTags writes subject tags the way newer bangumi rows store them: a JSON array of
// {tag_name, result, tag_results} with the counts as numeric strings.
func encodeTags(tb testing.TB, tags []subject.Tag) string {
	tb.Helper()
	if len(tags) == 0 {
		return ""
	}
	type row struct {
		Name    string `json:"tag_name"`
		Result  string `json:"result"`
		Results string `json:"tag_results"`
	}
	rows := make([]row, len(tags))
	for i, t := range tags {
		rows[i] = row{t.Name, strconv.Itoa(t.Count), strconv.Itoa(t.TotalCount)}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// readRepos returns the read repositories over q.
func readRepos(q mysqldb.Querier) contracttests.Repos {
	return contracttests.Repos{
		Browser:            mysqldb.NewSubjectBrowser(q),
		Subjects:           mysqldb.NewSubjectRepository(q),
		Characters:         mysqldb.NewCharacterRepository(q),
		Persons:            mysqldb.NewPersonRepository(q),
		Links:              mysqldb.NewLinkRepository(q),
		Users:              mysqldb.NewUserRepository(q),
		Tokens:             mysqldb.NewTokenRepository(q),
		SubjectCollections: mysqldb.NewSubjectCollectionRepository(q),
		MonoCollects:       mysqldb.NewMonoCollectRepository(q),
		Revisions:          mysqldb.NewRevisionRepository(q),
		Indices:            mysqldb.NewIndexRepository(q),
		Episodes:           mysqldb.NewEpisodeRepository(q),
	}
}

// newReadRepos is the contract suites' factory: a fresh database with the bangumi schema
// (testenv), loaded with f.
func newReadRepos(t *testing.T, f contracttests.Fixture) contracttests.Repos {
	_, db := testenv.MySQL(t)
	loadFixture(t, db, f)
	loadRevisionFixture(t, db, f)
	loadIndexFixture(t, db, f)
	return readRepos(db)
}

var _ contracttests.NewRepos = newReadRepos

// countingDB opens a pool on dsn whose statements c counts.
func countingDB(tb testing.TB, dsn string) (*sql.DB, *countingConnector) {
	tb.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	cc := newCountingConnector(connector)
	db := sql.OpenDB(cc)
	tb.Cleanup(func() { _ = db.Close() })
	return db, cc
}
