package timeline_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/timeline"
)

const t0 = 1700000000

func decode(tb testing.TB, value string) timeline.Event {
	tb.Helper()
	e, err := timeline.Decode([]byte(value))
	if err != nil {
		tb.Fatalf("Decode(%s) = %v", value, err)
	}
	return e
}

func plan(tb testing.TB, value string, prev *timeline.Row) timeline.Write {
	tb.Helper()
	w, err := timeline.Plan(decode(tb, value), prev)
	if err != nil {
		tb.Fatalf("Plan() = %v", err)
	}
	return w
}

func ins(r timeline.Row) timeline.Write { return timeline.Write{Insert: &r} }

func upd(u timeline.Update) timeline.Write { return timeline.Write{Update: &u} }

func TestPlan_Insert(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  timeline.Row
	}{
		{
			name:  "SubjectCommentEscaped",
			value: `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":2},"collect":{"id":1234,"type":2,"rate":8,"comment":"<a href=\"x\">Tom & Jerry's</a>"},"createdAt":1700000000,"source":5}}`,
			want: timeline.Row{UID: 1, Cat: 3, Type: 6, Related: "8", Source: 5, Dateline: t0,
				Memo: `{"subject_id":8,"collect_id":1234,"collect_comment":"&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;","collect_rate":8}`},
		},
		{
			name:  "SubjectJSONEscapes",
			value: `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":1},"collect":{"id":1,"type":1,"rate":0,"comment":"a\\b\n\u0001\u2028/"},"createdAt":1700000000,"source":6}}`,
			want: timeline.Row{UID: 1, Cat: 3, Type: 1, Related: "8", Source: 6, Dateline: t0,
				Memo: "{\"subject_id\":8,\"collect_id\":1,\"collect_comment\":\"a\\\\b\\n\\u0001\u2028/\",\"collect_rate\":0}"},
		},
		{
			name:  "ProgressEpisode",
			value: `{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1001,"status":3},"createdAt":1700000000,"source":5}}`,
			want: timeline.Row{UID: 1, Cat: 4, Type: 3, Related: "8", Source: 5, Dateline: t0,
				Memo: `{"subject_id":8,"subject_type_id":2,"ep_id":1001}`},
		},
		{
			name:  "ProgressSubjectBothUpdates",
			value: `{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":0,"volumes":3},"collect":{"epsUpdate":12,"volsUpdate":0},"createdAt":1700000000,"source":5}}`,
			want: timeline.Row{UID: 1, Cat: 4, Type: 0, Related: "10", Source: 5, Dateline: t0,
				Memo: `{"subject_id":10,"subject_type_id":1,"eps_total":"??","eps_update":12,"vols_total":"3","vols_update":0}`},
		},
		{
			name:  "ProgressSubjectNoUpdates",
			value: `{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":24,"volumes":0},"collect":{},"createdAt":1700000000,"source":5}}`,
			want: timeline.Row{UID: 1, Cat: 4, Type: 0, Related: "10", Source: 5, Dateline: t0,
				Memo: `{"subject_id":10,"subject_type_id":1,"eps_total":"24","vols_total":"??"}`},
		},
		{
			name:  "ProgressSubjectVolumesOnly",
			value: `{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":24,"volumes":0},"collect":{"volsUpdate":2},"createdAt":1700000000,"source":5}}`,
			want: timeline.Row{UID: 1, Cat: 4, Type: 0, Related: "10", Source: 5, Dateline: t0,
				Memo: `{"subject_id":10,"subject_type_id":1,"eps_total":"24","vols_total":"??","vols_update":2}`},
		},
		{
			name:  "MonoNameNotEscaped",
			value: `{"op":"mono","message":{"uid":1,"cat":1,"type":1,"id":1,"name":"<ルルーシュ> & \"C.C.\"","createdAt":1700000000,"source":6}}`,
			want: timeline.Row{UID: 1, Cat: 8, Type: 1, Related: "1", Source: 6, Dateline: t0,
				Memo: `{"cat":1,"id":1,"name":"<ルルーシュ> & \"C.C.\""}`},
		},
		{
			name:  "MonoCreated",
			value: `{"op":"mono","message":{"uid":1,"cat":2,"type":0,"id":77,"name":"x","createdAt":1700000000,"source":6}}`,
			want: timeline.Row{UID: 1, Cat: 8, Type: 0, Related: "77", Source: 6, Dateline: t0,
				Memo: `{"cat":2,"id":77,"name":"x"}`},
		},
		{
			name:  "DailyMysteryEmptyMemo",
			value: `{"op":"daily","message":{"uid":1,"type":0,"mid":7,"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 1, Type: 0, Related: "7", Source: 6, Dateline: t0},
		},
		{
			name:  "DailyRegisterEmptyMemo",
			value: `{"op":"daily","message":{"uid":1,"type":1,"mid":1,"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 1, Type: 1, Related: "1", Source: 6, Dateline: t0},
		},
		{
			name:  "DailyFriend",
			value: `{"op":"daily","message":{"uid":1,"type":2,"mid":7,"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 1, Type: 2, Related: "7", Source: 6, Dateline: t0, Memo: `{"uid":7}`},
		},
		{
			name:  "DailyJoinGroup",
			value: `{"op":"daily","message":{"uid":1,"type":3,"mid":84,"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 1, Type: 3, Related: "84", Source: 6, Dateline: t0, Memo: `{"grp_id":84}`},
		},
		{
			name:  "DailyCreateGroup",
			value: `{"op":"daily","message":{"uid":1,"type":4,"mid":85,"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 1, Type: 4, Related: "85", Source: 6, Dateline: t0, Memo: `{"grp_id":85}`},
		},
		{
			name:  "DailyJoinEden",
			value: `{"op":"daily","message":{"uid":1,"type":5,"mid":3,"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 1, Type: 5, Related: "3", Source: 6, Dateline: t0, Memo: `{"eden_id":3}`},
		},
		{
			name:  "WikiSourceNotWritten",
			value: `{"op":"wiki","message":{"uid":1,"subject":{"id":9,"type":4},"createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 2, Type: 4, Related: "9", Source: 0, Dateline: t0, Memo: `{"subject_id":9}`},
		},
		{
			name:  "StatusSignRaw",
			value: `{"op":"statusSign","message":{"uid":1,"sign":"<b>\"raw\" & {}</b>","createdAt":1700000000,"source":1}}`,
			want:  timeline.Row{UID: 1, Cat: 5, Type: 0, Source: 1, Dateline: t0, Memo: `<b>"raw" & {}</b>`},
		},
		{
			name:  "StatusTsukkomiRaw",
			value: `{"op":"statusTsukkomi","message":{"uid":1,"text":"绝了 <3","createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 5, Type: 1, Source: 6, Dateline: t0, Memo: `绝了 <3`},
		},
		{
			name:  "StatusNicknameEscaped",
			value: `{"op":"statusNickname","message":{"uid":1,"before":"<a>","after":"b&c'","createdAt":1700000000,"source":6}}`,
			want:  timeline.Row{UID: 1, Cat: 5, Type: 2, Source: 6, Dateline: t0, Memo: `{"before":"&lt;a&gt;","after":"b&amp;c&#39;"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(ins(tt.want), plan(t, tt.value, nil)); diff != "" {
				t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlan_SubjectCollectionTypes(t *testing.T) {
	// subject type → tml_type of collection types 1..5 (spec §3.1).
	want := map[uint8][5]uint16{
		1: {1, 5, 9, 13, 14},
		2: {2, 6, 10, 13, 14},
		3: {3, 7, 11, 13, 14},
		4: {4, 8, 12, 13, 14},
		6: {2, 6, 10, 13, 14},
	}
	for st, types := range want {
		for ct := uint8(1); ct <= 5; ct++ {
			t.Run(fmt.Sprintf("Subject%dCollect%d", st, ct), func(t *testing.T) {
				e := &timeline.Subject{UID: 1, Subject: timeline.SubjectRef{ID: 2, Type: st}, Collect: timeline.Collect{ID: 3, Type: ct}}
				w, err := timeline.Plan(e, nil)
				if err != nil {
					t.Fatal(err)
				}
				if w.Insert == nil || w.Insert.Type != types[ct-1] {
					t.Errorf("Plan() = %+v, want an insert of type %d", w, types[ct-1])
				}
				f := timeline.Previous(e)
				if wantF := (timeline.Filter{UID: 1, Cat: 3, Type: types[ct-1]}); f != wantF {
					t.Errorf("Previous() = %+v; want %+v", f, wantF)
				}
			})
		}
	}
}

func TestPrevious(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  timeline.Filter
	}{
		{"Subject", `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":3},"collect":{"id":1,"type":3}}}`, timeline.Filter{UID: 1, Cat: 3, Type: 11}},
		{"ProgressEpisodeAnyType", `{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1,"status":2}}}`, timeline.Filter{UID: 1, Cat: 4, AnyType: true}},
		{"ProgressSubjectType0", `{"op":"progressSubject","message":{"uid":1,"subject":{"id":8,"type":1}}}`, timeline.Filter{UID: 1, Cat: 4, Type: 0}},
		{"Mono", `{"op":"mono","message":{"uid":2,"cat":2,"type":1,"id":5}}`, timeline.Filter{UID: 2, Cat: 8, Type: 1}},
		{"DailyFriend", `{"op":"daily","message":{"uid":2,"type":2,"mid":5}}`, timeline.Filter{UID: 2, Cat: 1, Type: 2}},
		{"DailyEden", `{"op":"daily","message":{"uid":2,"type":5,"mid":5}}`, timeline.Filter{UID: 2, Cat: 1, Type: 5}},
		{"DailyMysteryOwnRow", `{"op":"daily","message":{"uid":2,"type":0,"mid":5}}`, timeline.Filter{UID: 2, Cat: 1, Type: 0}},
		{"DailyRegisterOwnRow", `{"op":"daily","message":{"uid":2,"type":1,"mid":5}}`, timeline.Filter{UID: 2, Cat: 1, Type: 1}},
		{"WikiOwnRow", `{"op":"wiki","message":{"uid":2,"subject":{"id":1,"type":1}}}`, timeline.Filter{UID: 2, Cat: 2, Type: 1}},
		{"SignOwnRow", `{"op":"statusSign","message":{"uid":2,"sign":"x"}}`, timeline.Filter{UID: 2, Cat: 5, Type: 0}},
		{"TsukkomiOwnRow", `{"op":"statusTsukkomi","message":{"uid":2,"text":"x"}}`, timeline.Filter{UID: 2, Cat: 5, Type: 1}},
		{"NicknameOwnRow", `{"op":"statusNickname","message":{"uid":2,"before":"x","after":"y"}}`, timeline.Filter{UID: 2, Cat: 5, Type: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := timeline.Previous(decode(t, tt.value))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Previous() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Legacy memos from the dev-env sample rows of chii_timeline.
const (
	phpSubjectSingle = `a:7:{s:10:"subject_id";s:6:"240346";s:15:"subject_type_id";s:1:"2";s:12:"subject_name";s:33:"寄宿学校のジュリエット";s:15:"subject_name_cn";s:24:"寄宿学校的朱丽叶";s:14:"subject_series";s:1:"0";s:15:"collect_comment";s:0:"";s:12:"collect_rate";i:0;}`
	phpMonoBatch     = `a:2:{i:4792;a:3:{s:3:"cat";i:2;s:2:"id";i:4792;s:4:"name";s:12:"南條愛乃";}i:3965;a:3:{s:3:"cat";i:2;s:2:"id";i:3965;s:4:"name";s:15:"田村ゆかり";}}`
	phpFriendSingle  = `a:3:{s:3:"uid";s:6:"635809";s:8:"username";s:6:"635809";s:8:"nickname";s:12:"梦幻哟丶";}`
	phpGroupBatch    = `a:2:{i:84;a:2:{s:6:"grp_id";s:2:"84";s:8:"grp_name";s:5:"pixiv";}i:610;a:2:{s:6:"grp_id";s:3:"610";s:8:"grp_name";s:11:"gal_erogame";}}`
)

func TestPlan_Merge(t *testing.T) {
	mono := func(cat, id int, name string, at int64) string {
		return fmt.Sprintf(`{"op":"mono","message":{"uid":1,"cat":%d,"type":1,"id":%d,"name":%q,"createdAt":%d,"source":5}}`, cat, id, name, at)
	}
	monoRow := func(memo string, batch bool, dateline int64) *timeline.Row {
		return &timeline.Row{ID: 50, UID: 1, Cat: 8, Type: 1, Related: "10", Memo: memo, Img: "x.jpg",
			Batch: batch, Source: 6, Replies: 2, Dateline: dateline}
	}
	subject := func(id, collectType int, comment string) string {
		return fmt.Sprintf(`{"op":"subject","message":{"uid":1,"subject":{"id":%d,"type":2},"collect":{"id":1234,"type":%d,"rate":7,"comment":%q},"createdAt":1700000000,"source":5}}`, id, collectType, comment)
	}
	daily := func(typ, mid int) string {
		return fmt.Sprintf(`{"op":"daily","message":{"uid":1,"type":%d,"mid":%d,"createdAt":1700000000,"source":6}}`, typ, mid)
	}
	row := func(cat, typ uint16, related, memo string, batch bool) *timeline.Row {
		return &timeline.Row{ID: 60, UID: 1, Cat: cat, Type: typ, Related: related, Memo: memo, Batch: batch, Source: 0, Dateline: t0 - 60}
	}
	const monoA = `{"cat":1,"id":10,"name":"A"}`
	tests := []struct {
		name  string
		value string
		prev  *timeline.Row
		want  timeline.Write
	}{
		{
			name:  "MonoSingleBecomesBatchKeysAscending",
			value: mono(2, 9, "B", t0),
			prev:  monoRow(monoA, false, t0-599),
			want:  upd(timeline.Update{ID: 50, Batch: true, Source: 5, Memo: `{"9":{"cat":2,"id":9,"name":"B"},"10":{"cat":1,"id":10,"name":"A"}}`}),
		},
		{
			name:  "MonoAt600sInserts",
			value: mono(2, 9, "B", t0),
			prev:  monoRow(monoA, false, t0-600),
			want:  ins(timeline.Row{UID: 1, Cat: 8, Type: 1, Related: "9", Source: 5, Dateline: t0, Memo: `{"cat":2,"id":9,"name":"B"}`}),
		},
		{
			name:  "MonoOlderMessageMerges",
			value: mono(2, 9, "B", t0),
			prev:  monoRow(monoA, false, t0+100),
			want:  upd(timeline.Update{ID: 50, Batch: true, Source: 5, Memo: `{"9":{"cat":2,"id":9,"name":"B"},"10":{"cat":1,"id":10,"name":"A"}}`}),
		},
		{
			name:  "MonoQuirkSameIDOtherCategoryReplaces",
			value: mono(2, 10, "Person", t0),
			prev:  monoRow(monoA, false, t0-1),
			want:  upd(timeline.Update{ID: 50, Batch: true, Source: 5, Memo: `{"10":{"cat":2,"id":10,"name":"Person"}}`}),
		},
		{
			name:  "MonoBatchGrowsInNumericOrder",
			value: mono(1, 5, "E", t0),
			prev:  monoRow(`{"3":{"cat":1,"id":3,"name":"C"},"12":{"cat":1,"id":12,"name":"L"}}`, true, t0-1),
			want:  upd(timeline.Update{ID: 50, Batch: true, Source: 5, Memo: `{"3":{"cat":1,"id":3,"name":"C"},"5":{"cat":1,"id":5,"name":"E"},"12":{"cat":1,"id":12,"name":"L"}}`}),
		},
		{
			name:  "MonoBatchSameKeyOverwritten",
			value: mono(1, 12, "New", t0),
			prev:  monoRow(`{"3":{"cat":1,"id":3,"name":"C"},"12":{"cat":1,"id":12,"name":"Old","extra":[1,2.5,null,true]}}`, true, t0-1),
			want:  upd(timeline.Update{ID: 50, Batch: true, Source: 5, Memo: `{"3":{"cat":1,"id":3,"name":"C"},"12":{"cat":1,"id":12,"name":"New"}}`}),
		},
		{
			name:  "MonoLegacyPHPBatchRewrittenAsJSON",
			value: mono(1, 10, "X", t0),
			prev:  monoRow(phpMonoBatch, true, t0-1),
			want: upd(timeline.Update{ID: 50, Batch: true, Source: 5,
				Memo: `{"10":{"cat":1,"id":10,"name":"X"},"3965":{"cat":2,"id":3965,"name":"田村ゆかり"},"4792":{"cat":2,"id":4792,"name":"南條愛乃"}}`}),
		},
		{
			name:  "MonoPreviousMemoUndecodableInserts",
			value: mono(1, 9, "B", t0),
			prev:  monoRow(`{"cat":1,`, false, t0-1),
			want:  ins(timeline.Row{UID: 1, Cat: 8, Type: 1, Related: "9", Source: 5, Dateline: t0, Memo: `{"cat":1,"id":9,"name":"B"}`}),
		},
		{
			name:  "MonoPreviousSingleWithoutIDInserts",
			value: mono(1, 9, "B", t0),
			prev:  monoRow(`{"cat":1,"name":"A"}`, false, t0-1),
			want:  ins(timeline.Row{UID: 1, Cat: 8, Type: 1, Related: "9", Source: 5, Dateline: t0, Memo: `{"cat":1,"id":9,"name":"B"}`}),
		},
		{
			name:  "MonoPreviousBatchWithNonNumericKeyInserts",
			value: mono(1, 9, "B", t0),
			prev:  monoRow(`{"abc":{"id":1}}`, true, t0-1),
			want:  ins(timeline.Row{UID: 1, Cat: 8, Type: 1, Related: "9", Source: 5, Dateline: t0, Memo: `{"cat":1,"id":9,"name":"B"}`}),
		},
		{
			name:  "SubjectLegacyPHPSingleRewrittenAsJSON",
			value: subject(8, 1, "<3"),
			prev:  row(3, 2, "240346", phpSubjectSingle, false),
			want: upd(timeline.Update{ID: 60, Batch: true, Source: 5,
				Memo: `{"8":{"subject_id":8,"collect_id":1234,"collect_comment":"&lt;3","collect_rate":7},` +
					`"240346":{"subject_id":"240346","subject_type_id":"2","subject_name":"寄宿学校のジュリエット","subject_name_cn":"寄宿学校的朱丽叶","subject_series":"0","collect_comment":"","collect_rate":0}}`}),
		},
		{
			name:  "SubjectJSONSingle",
			value: subject(8, 1, ""),
			prev:  row(3, 2, "7", `{"subject_id":7,"collect_id":1,"collect_comment":"","collect_rate":0}`, false),
			want: upd(timeline.Update{ID: 60, Batch: true, Source: 5,
				Memo: `{"7":{"subject_id":7,"collect_id":1,"collect_comment":"","collect_rate":0},"8":{"subject_id":8,"collect_id":1234,"collect_comment":"","collect_rate":7}}`}),
		},
		{
			name:  "DailyFriendLegacyPHPSingle",
			value: daily(2, 7),
			prev:  row(1, 2, "635809", phpFriendSingle, false),
			want: upd(timeline.Update{ID: 60, Batch: true, Source: 6,
				Memo: `{"7":{"uid":7},"635809":{"uid":"635809","username":"635809","nickname":"梦幻哟丶"}}`}),
		},
		{
			name:  "DailyGroupLegacyPHPBatch",
			value: daily(3, 100),
			prev:  row(1, 3, "pixiv", phpGroupBatch, true),
			want: upd(timeline.Update{ID: 60, Batch: true, Source: 6,
				Memo: `{"84":{"grp_id":"84","grp_name":"pixiv"},"100":{"grp_id":100},"610":{"grp_id":"610","grp_name":"gal_erogame"}}`}),
		},
		{
			name:  "DailyCreateGroupJSONSingle",
			value: daily(4, 9),
			prev:  row(1, 4, "3", `{"grp_id":3}`, false),
			want:  upd(timeline.Update{ID: 60, Batch: true, Source: 6, Memo: `{"3":{"grp_id":3},"9":{"grp_id":9}}`}),
		},
		{
			name:  "DailyEdenJSONSingle",
			value: daily(5, 2),
			prev:  row(1, 5, "1", `{"eden_id":1}`, false),
			want:  upd(timeline.Update{ID: 60, Batch: true, Source: 6, Memo: `{"1":{"eden_id":1},"2":{"eden_id":2}}`}),
		},
		{
			name:  "DailyBatchWithEmptyMemo",
			value: daily(2, 7),
			prev:  row(1, 2, "1", ``, true),
			want:  upd(timeline.Update{ID: 60, Batch: true, Source: 6, Memo: `{"7":{"uid":7}}`}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, plan(t, tt.value, tt.prev)); diff != "" {
				t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlan_ProgressReplace(t *testing.T) {
	episode := func(subjectID, status int, at int64) string {
		return fmt.Sprintf(`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":%d,"type":2},"episode":{"id":1002,"status":%d},"createdAt":%d,"source":5}}`, subjectID, status, at)
	}
	subject := func(subjectID int) string {
		return fmt.Sprintf(`{"op":"progressSubject","message":{"uid":1,"subject":{"id":%d,"type":1,"eps":0,"volumes":3},"collect":{"epsUpdate":4,"volsUpdate":0},"createdAt":1700000000,"source":5}}`, subjectID)
	}
	prev := func(typ uint16, related string, batch bool, dateline int64) *timeline.Row {
		return &timeline.Row{ID: 70, UID: 1, Cat: 4, Type: typ, Related: related, Memo: `{"old":1}`, Img: "i", Batch: batch, Source: 0, Replies: 3, Dateline: dateline}
	}
	const epMemo = `{"subject_id":8,"subject_type_id":2,"ep_id":1002}`
	epInsert := func(status uint16, subjectID uint32) timeline.Write {
		return ins(timeline.Row{UID: 1, Cat: 4, Type: status, Related: fmt.Sprint(subjectID), Source: 5, Dateline: t0,
			Memo: fmt.Sprintf(`{"subject_id":%d,"subject_type_id":2,"ep_id":1002}`, subjectID)})
	}
	const subjMemo = `{"subject_id":10,"subject_type_id":1,"eps_total":"??","eps_update":4,"vols_total":"3","vols_update":0}`
	tests := []struct {
		name  string
		value string
		prev  *timeline.Row
		want  timeline.Write
	}{
		{"EpisodeSameSubjectAndStatus", episode(8, 2, t0), prev(2, "8", false, t0-599), upd(timeline.Update{ID: 70, Memo: epMemo, Source: 5})},
		{"EpisodeBatchFlagKept", episode(8, 2, t0), prev(2, "8", true, t0-1), upd(timeline.Update{ID: 70, Memo: epMemo, Batch: true, Source: 5})},
		{"EpisodeRelatedComparedAsNumber", episode(8, 2, t0), prev(2, " 08", false, t0-1), upd(timeline.Update{ID: 70, Memo: epMemo, Source: 5})},
		{"EpisodeAt600sInserts", episode(8, 2, t0), prev(2, "8", false, t0-600), epInsert(2, 8)},
		{"EpisodeOtherSubjectInserts", episode(8, 2, t0), prev(2, "9", false, t0-1), epInsert(2, 8)},
		{"EpisodeRelatedNotANumberInserts", episode(8, 2, t0), prev(2, "8a", false, t0-1), epInsert(2, 8)},
		{"EpisodeOtherStatusInserts", episode(8, 2, t0), prev(1, "8", false, t0-1), epInsert(2, 8)},
		{"EpisodeAfterSubjectProgressInserts", episode(8, 1, t0), prev(0, "8", false, t0-1), epInsert(1, 8)},
		{"SubjectSameSubject", subject(10), prev(0, "10", false, t0-599), upd(timeline.Update{ID: 70, Memo: subjMemo, Source: 5})},
		{"SubjectAt600sInserts", subject(10), prev(0, "10", false, t0-600),
			ins(timeline.Row{UID: 1, Cat: 4, Related: "10", Memo: subjMemo, Source: 5, Dateline: t0})},
		{"SubjectOtherSubjectInserts", subject(10), prev(0, "11", false, t0-1),
			ins(timeline.Row{UID: 1, Cat: 4, Related: "10", Memo: subjMemo, Source: 5, Dateline: t0})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, plan(t, tt.value, tt.prev)); diff != "" {
				t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEscapeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{`plain 文字`, `plain 文字`},
		{`<a href="x">Tom & Jerry's</a>`, `&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;`},
		{`&amp;`, `&amp;amp;`},
		{"`/=", "`/="},
	}
	for _, tt := range tests {
		if got := timeline.EscapeHTML(tt.in); got != tt.want {
			t.Errorf("EscapeHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFilter_Matches(t *testing.T) {
	r := timeline.Row{UID: 1, Cat: 4, Type: 2}
	tests := []struct {
		f    timeline.Filter
		want bool
	}{
		{timeline.Filter{UID: 1, Cat: 4, Type: 2}, true},
		{timeline.Filter{UID: 1, Cat: 4, Type: 0}, false},
		{timeline.Filter{UID: 1, Cat: 4, AnyType: true}, true},
		{timeline.Filter{UID: 2, Cat: 4, AnyType: true}, false},
		{timeline.Filter{UID: 1, Cat: 3, AnyType: true}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Matches(r); got != tt.want {
			t.Errorf("%+v.Matches(%+v) = %v, want %v", tt.f, r, got, tt.want)
		}
	}
}

// A message whose own row is already the newest of its filter was written before (a
// redelivery): Plan answers Written and nothing else. The same row with any column of the
// insert changed (another second, another source, a batch) is no redelivery.
func TestPlan_Redelivery(t *testing.T) {
	for _, value := range []string{
		`{"op":"mono","message":{"uid":1,"cat":1,"type":1,"id":5,"name":"n","createdAt":1700000000,"source":5}}`,
		`{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":2},"collect":{"id":3,"type":2,"rate":8,"comment":"<b>"},"createdAt":1700000000,"source":5}}`,
		`{"op":"daily","message":{"uid":1,"type":1,"mid":1,"createdAt":1700000000,"source":6}}`,
		`{"op":"statusTsukkomi","message":{"uid":1,"text":"x","createdAt":1700000000,"source":6}}`,
		`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1,"status":2},"createdAt":1700000000,"source":5}}`,
	} {
		e := decode(t, value)
		first, err := timeline.Plan(e, nil)
		if err != nil || first.Insert == nil {
			t.Fatalf("Plan(%s, nil) = %+v, %v; want an insert", value, first, err)
		}
		own := *first.Insert
		own.ID, own.Replies, own.Img = 9, 4, "img" // replies may have come since; the id is the database's
		got, err := timeline.Plan(e, &own)
		if err != nil || !got.Written || got.Insert != nil || got.Update != nil {
			t.Errorf("Plan(%s, its own row) = %+v, %v; want Written alone", value, got, err)
		}
		for name, change := range map[string]func(*timeline.Row){
			"Dateline": func(r *timeline.Row) { r.Dateline-- },
			"Source":   func(r *timeline.Row) { r.Source++ },
			"Batch":    func(r *timeline.Row) { r.Batch = true },
			"Memo":     func(r *timeline.Row) { r.Memo += " " },
		} {
			other := own
			change(&other)
			if got, _ := timeline.Plan(e, &other); got.Written {
				t.Errorf("Plan(%s) with another %s = Written, want a write", value, name)
			}
		}
	}
}
