package contracttests

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// NewTimelineStore returns a fresh store holding rows (their IDs kept; the next inserted row
// gets the highest ID plus one, or 1): its unit of work, and a function that lists every
// chii_timeline row by ID, read outside any transaction.
type NewTimelineStore func(t *testing.T, rows []timeline.Row) (ports.UnitOfWork, func(t *testing.T) []timeline.Row)

const tlT0 int64 = 1700000000

// Legacy memos as the PHP site wrote them (dev-env sample rows of chii_timeline).
const (
	tlPHPMonoBatch = `a:2:{i:4792;a:3:{s:3:"cat";i:2;s:2:"id";i:4792;s:4:"name";s:12:"南條愛乃";}i:3965;a:3:{s:3:"cat";i:2;s:2:"id";i:3965;s:4:"name";s:15:"田村ゆかり";}}`
	tlPHPSubject   = `a:7:{s:10:"subject_id";s:6:"240346";s:15:"subject_type_id";s:1:"2";s:12:"subject_name";s:33:"寄宿学校のジュリエット";s:15:"subject_name_cn";s:24:"寄宿学校的朱丽叶";s:14:"subject_series";s:1:"0";s:15:"collect_comment";s:0:"";s:12:"collect_rate";i:0;}`
)

func tlMono(uid uint32, cat uint8, id uint32, name string, at int64) timeline.Message {
	return tlMessage(fmt.Sprintf(`{"op":"mono","message":{"uid":%d,"cat":%d,"type":1,"id":%d,"name":%q,"createdAt":%d,"source":5}}`, uid, cat, id, name, at))
}

func tlMessage(value string) timeline.Message {
	return timeline.Message{Key: []byte("1"), Value: []byte(value)}
}

// tlDo runs fn in a transaction of uow and fails t on an error.
func tlDo(t *testing.T, uow ports.UnitOfWork, fn func(ctx context.Context, w ports.TimelineWriter) error) {
	t.Helper()
	if err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error { return fn(ctx, tx.Timeline()) }); err != nil {
		t.Fatalf("Do() = %v", err)
	}
}

func tlWrite(t *testing.T, w usecase.TimelineWriter, msgs ...timeline.Message) {
	t.Helper()
	for _, m := range msgs {
		if err := w.Write(t.Context(), m); err != nil {
			t.Fatalf("Write(%s) = %v", m.Value, err)
		}
	}
}

func tlAssertRows(t *testing.T, list func(*testing.T) []timeline.Row, want []timeline.Row) {
	t.Helper()
	if diff := cmp.Diff(want, list(t)); diff != "" {
		t.Errorf("chii_timeline rows mismatch (-want +got):\n%s", diff)
	}
}

// TestTimeline is the contract of the tx-bound ports.TimelineWriter and, through
// usecase.TimelineWriter, of the whole write of a timeline message: inserts of every op, each
// merge kind, the 600-second boundary, a legacy PHP memo merged and rewritten as JSON,
// rejected input, rollback, and concurrent merges into one row.
func TestTimeline(t *testing.T, newStore NewTimelineStore) {
	t.Run("Port", func(t *testing.T) { testTimelinePort(t, newStore) })
	t.Run("Write", func(t *testing.T) { testTimelineWrite(t, newStore) })
}

func testTimelinePort(t *testing.T, newStore NewTimelineStore) {
	seed := []timeline.Row{
		{ID: 10, UID: 1, Cat: 8, Type: 1, Related: "1", Memo: "a", Dateline: 100},
		{ID: 11, UID: 1, Cat: 8, Type: 0, Related: "2", Memo: "b", Dateline: 101},
		{ID: 12, UID: 2, Cat: 8, Type: 1, Related: "3", Memo: "c", Dateline: 102},
		{ID: 13, UID: 1, Cat: 4, Type: 2, Related: "4", Memo: "d", Dateline: 103},
		{ID: 14, UID: 1, Cat: 8, Type: 1, Related: "5", Memo: "e", Img: "i.jpg", Batch: true, Source: 6, Replies: 4, Dateline: 104},
		{ID: 15, UID: 1, Cat: 4, Type: 0, Related: "6", Memo: "f", Dateline: 105},
	}

	t.Run("PreviousIsNewestMatch", func(t *testing.T) {
		uow, _ := newStore(t, seed)
		tests := []struct {
			f         timeline.Filter
			wantID    uint32
			wantFound bool
		}{
			{timeline.Filter{UID: 1, Cat: 8, Type: 1}, 14, true},
			{timeline.Filter{UID: 1, Cat: 8, Type: 0}, 11, true},
			{timeline.Filter{UID: 2, Cat: 8, Type: 1}, 12, true},
			{timeline.Filter{UID: 1, Cat: 4, AnyType: true}, 15, true},
			{timeline.Filter{UID: 1, Cat: 4, Type: 2}, 13, true},
			{timeline.Filter{UID: 1, Cat: 4, Type: 3}, 0, false},
			{timeline.Filter{UID: 3, Cat: 8, AnyType: true}, 0, false},
		}
		tlDo(t, uow, func(ctx context.Context, w ports.TimelineWriter) error {
			for _, tt := range tests {
				got, found, err := w.Previous(ctx, tt.f)
				if err != nil {
					return err
				}
				if found != tt.wantFound || got.ID != tt.wantID {
					t.Errorf("Previous(%+v) = id %d, found %v; want id %d, found %v", tt.f, got.ID, found, tt.wantID, tt.wantFound)
				}
			}
			return nil
		})
		tlDo(t, uow, func(ctx context.Context, w ports.TimelineWriter) error {
			got, _, err := w.Previous(ctx, timeline.Filter{UID: 1, Cat: 8, Type: 1})
			if diff := cmp.Diff(seed[4], got); diff != "" {
				t.Errorf("Previous() row mismatch (-want +got):\n%s", diff)
			}
			return err
		})
	})

	t.Run("InsertOnEmptyTableStartsAt1", func(t *testing.T) {
		uow, list := newStore(t, nil)
		r := timeline.Row{ID: 77, UID: 1, Cat: 5, Type: 1, Memo: "x", Dateline: 5}
		tlDo(t, uow, func(ctx context.Context, w ports.TimelineWriter) error {
			id, err := w.Insert(ctx, r)
			if id != 1 {
				t.Errorf("Insert() id = %d, want 1", id)
			}
			return err
		})
		r.ID = 1
		tlAssertRows(t, list, []timeline.Row{r})
	})

	t.Run("InsertStoresEveryColumnWithNextID", func(t *testing.T) {
		uow, list := newStore(t, seed)
		r := timeline.Row{UID: 16777215, Cat: 3, Type: 14, Related: "240346", Memo: "{\"k\":\"南條 \\\" \\\\ \u2028 <&>\"}",
			Img: "a/b.jpg", Batch: true, Source: 7, Replies: 9, Dateline: 4294967295}
		tlDo(t, uow, func(ctx context.Context, w ports.TimelineWriter) error {
			id, err := w.Insert(ctx, r)
			if id != 16 {
				t.Errorf("Insert() id = %d, want 16", id)
			}
			// The transaction sees its own insert.
			got, found, perr := w.Previous(ctx, timeline.Filter{UID: r.UID, Cat: 3, Type: 14})
			if !found || got.ID != 16 {
				t.Errorf("Previous() after Insert = %+v, %v; want row 16", got, found)
			}
			return errors.Join(err, perr)
		})
		r.ID = 16
		tlAssertRows(t, list, append(append([]timeline.Row{}, seed...), r))
	})

	t.Run("UpdateChangesMemoBatchSourceOnly", func(t *testing.T) {
		uow, list := newStore(t, seed)
		tlDo(t, uow, func(ctx context.Context, w ports.TimelineWriter) error {
			return errors.Join(
				w.Update(ctx, timeline.Update{ID: 14, Memo: `{"1":{}}`, Batch: false, Source: 0}),
				w.Update(ctx, timeline.Update{ID: 10, Memo: "z", Batch: true, Source: 5}),
				w.Update(ctx, timeline.Update{ID: 999, Memo: "missing"}),
			)
		})
		want := append([]timeline.Row{}, seed...)
		want[4].Memo, want[4].Batch, want[4].Source = `{"1":{}}`, false, 0
		want[0].Memo, want[0].Batch, want[0].Source = "z", true, 5
		tlAssertRows(t, list, want)
	})

	t.Run("ErrorRollsBack", func(t *testing.T) {
		uow, list := newStore(t, seed)
		boom := errors.New("boom")
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			w := tx.Timeline()
			if _, err := w.Insert(ctx, timeline.Row{UID: 1, Cat: 5, Memo: "x"}); err != nil {
				return err
			}
			if err := w.Update(ctx, timeline.Update{ID: 10, Memo: "changed"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do() = %v, want %v", err, boom)
		}
		tlAssertRows(t, list, seed)
	})
}

func testTimelineWrite(t *testing.T, newStore NewTimelineStore) {
	t.Run("InsertEveryOp", func(t *testing.T) {
		uow, list := newStore(t, nil)
		tlWrite(t, usecase.TimelineWriter{UoW: uow},
			tlMessage(`{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":2},"collect":{"id":1234,"type":2,"rate":8,"comment":"<b>Great</b> & 'more'"},"createdAt":1700000000,"source":5}}`),
			tlMessage(`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1001,"status":2},"createdAt":1700000000,"source":5}}`),
			tlMessage(`{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":0,"volumes":3},"collect":{"epsUpdate":12,"volsUpdate":0},"createdAt":1700000000,"source":5}}`),
			tlMessage(`{"op":"mono","message":{"uid":1,"cat":1,"type":1,"id":1,"name":"ルルーシュ・ランペルージ","createdAt":1700000000,"source":6}}`),
			tlMessage(`{"op":"daily","message":{"uid":1,"type":1,"mid":1,"createdAt":1700000000,"source":6}}`),
			tlMessage(`{"op":"daily","message":{"uid":1,"type":2,"mid":7,"createdAt":1700000000,"source":6}}`),
			tlMessage(`{"op":"wiki","message":{"uid":1,"subject":{"id":9,"type":4},"createdAt":1700000000,"source":6}}`),
			tlMessage(`{"op":"statusSign","message":{"uid":1,"sign":"<i>sign</i>","createdAt":1700000000,"source":1}}`),
			tlMessage(`{"op":"statusTsukkomi","message":{"uid":1,"text":"绝了","createdAt":1700000000,"source":6}}`),
			tlMessage(`{"op":"statusNickname","message":{"uid":1,"before":"<a>","after":"b","createdAt":1700000000,"source":6}}`),
		)
		tlAssertRows(t, list, []timeline.Row{
			{ID: 1, UID: 1, Cat: 3, Type: 6, Related: "8", Source: 5, Dateline: tlT0,
				Memo: `{"subject_id":8,"collect_id":1234,"collect_comment":"&lt;b&gt;Great&lt;/b&gt; &amp; &#39;more&#39;","collect_rate":8}`},
			{ID: 2, UID: 1, Cat: 4, Type: 2, Related: "8", Source: 5, Dateline: tlT0, Memo: `{"subject_id":8,"subject_type_id":2,"ep_id":1001}`},
			{ID: 3, UID: 1, Cat: 4, Type: 0, Related: "10", Source: 5, Dateline: tlT0,
				Memo: `{"subject_id":10,"subject_type_id":1,"eps_total":"??","eps_update":12,"vols_total":"3","vols_update":0}`},
			{ID: 4, UID: 1, Cat: 8, Type: 1, Related: "1", Source: 6, Dateline: tlT0, Memo: `{"cat":1,"id":1,"name":"ルルーシュ・ランペルージ"}`},
			{ID: 5, UID: 1, Cat: 1, Type: 1, Related: "1", Source: 6, Dateline: tlT0},
			{ID: 6, UID: 1, Cat: 1, Type: 2, Related: "7", Source: 6, Dateline: tlT0, Memo: `{"uid":7}`},
			{ID: 7, UID: 1, Cat: 2, Type: 4, Related: "9", Source: 0, Dateline: tlT0, Memo: `{"subject_id":9}`},
			{ID: 8, UID: 1, Cat: 5, Type: 0, Source: 1, Dateline: tlT0, Memo: `<i>sign</i>`},
			{ID: 9, UID: 1, Cat: 5, Type: 1, Source: 6, Dateline: tlT0, Memo: `绝了`},
			{ID: 10, UID: 1, Cat: 5, Type: 2, Source: 6, Dateline: tlT0, Memo: `{"before":"&lt;a&gt;","after":"b"}`},
		})
	})

	t.Run("MonoMergesWithin600Seconds", func(t *testing.T) {
		uow, list := newStore(t, nil)
		tlWrite(t, usecase.TimelineWriter{UoW: uow},
			tlMono(1, 1, 10, "A", tlT0),
			tlMono(2, 1, 11, "other user", tlT0+1),
			tlMono(1, 2, 9, "B", tlT0+599), // previous row's dateline stays tlT0: 599 s, merged
			tlMono(1, 1, 3, "C", tlT0+600), // 600 s after the previous row: a new row
		)
		tlAssertRows(t, list, []timeline.Row{
			{ID: 1, UID: 1, Cat: 8, Type: 1, Related: "10", Batch: true, Source: 5, Dateline: tlT0,
				Memo: `{"9":{"cat":2,"id":9,"name":"B"},"10":{"cat":1,"id":10,"name":"A"}}`},
			{ID: 2, UID: 2, Cat: 8, Type: 1, Related: "11", Source: 5, Dateline: tlT0 + 1, Memo: `{"cat":1,"id":11,"name":"other user"}`},
			{ID: 3, UID: 1, Cat: 8, Type: 1, Related: "3", Source: 5, Dateline: tlT0 + 600, Memo: `{"cat":1,"id":3,"name":"C"}`},
		})
	})

	t.Run("MonoQuirkSameIDReplaced", func(t *testing.T) {
		uow, list := newStore(t, nil)
		tlWrite(t, usecase.TimelineWriter{UoW: uow}, tlMono(1, 1, 5, "character", tlT0), tlMono(1, 2, 5, "person", tlT0+1))
		tlAssertRows(t, list, []timeline.Row{{ID: 1, UID: 1, Cat: 8, Type: 1, Related: "5", Batch: true, Source: 5, Dateline: tlT0,
			Memo: `{"5":{"cat":2,"id":5,"name":"person"}}`}})
	})

	t.Run("SubjectAndDailyBatches", func(t *testing.T) {
		uow, list := newStore(t, nil)
		subject := func(id uint32, at int64) timeline.Message {
			return tlMessage(fmt.Sprintf(`{"op":"subject","message":{"uid":1,"subject":{"id":%d,"type":4},"collect":{"id":%d,"type":3,"rate":0,"comment":""},"createdAt":%d,"source":6}}`, id, id+100, at))
		}
		group := func(id uint32, at int64) timeline.Message {
			return tlMessage(fmt.Sprintf(`{"op":"daily","message":{"uid":1,"type":3,"mid":%d,"createdAt":%d,"source":1}}`, id, at))
		}
		tlWrite(t, usecase.TimelineWriter{UoW: uow}, subject(20, tlT0), group(84, tlT0), subject(3, tlT0+10), group(610, tlT0+20), group(84, tlT0+30))
		tlAssertRows(t, list, []timeline.Row{
			{ID: 1, UID: 1, Cat: 3, Type: 12, Related: "20", Batch: true, Source: 6, Dateline: tlT0,
				Memo: `{"3":{"subject_id":3,"collect_id":103,"collect_comment":"","collect_rate":0},"20":{"subject_id":20,"collect_id":120,"collect_comment":"","collect_rate":0}}`},
			{ID: 2, UID: 1, Cat: 1, Type: 3, Related: "84", Batch: true, Source: 1, Dateline: tlT0,
				Memo: `{"84":{"grp_id":84},"610":{"grp_id":610}}`},
		})
	})

	t.Run("ProgressReplacedInPlace", func(t *testing.T) {
		uow, list := newStore(t, nil)
		episode := func(subjectID, epID uint32, status uint8, at int64) timeline.Message {
			return tlMessage(fmt.Sprintf(`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":%d,"type":2},"episode":{"id":%d,"status":%d},"createdAt":%d,"source":5}}`, subjectID, epID, status, at))
		}
		progress := func(subjectID, eps uint32, at int64) timeline.Message {
			return tlMessage(fmt.Sprintf(`{"op":"progressSubject","message":{"uid":1,"subject":{"id":%d,"type":1,"eps":10,"volumes":0},"collect":{"epsUpdate":%d,"volsUpdate":0},"createdAt":%d,"source":5}}`, subjectID, eps, at))
		}
		tlWrite(t, usecase.TimelineWriter{UoW: uow},
			episode(8, 1, 2, tlT0),     // row 1
			episode(8, 2, 2, tlT0+60),  // replaces row 1's memo
			episode(8, 3, 1, tlT0+70),  // other status: row 2
			episode(9, 4, 1, tlT0+80),  // other subject: row 3
			progress(30, 1, tlT0+90),   // row 4
			progress(30, 2, tlT0+100),  // replaces row 4's memo
			progress(31, 1, tlT0+110),  // other subject: row 5
			episode(9, 5, 1, tlT0+120), // newest progress row (5) is type 0: row 6
		)
		tlAssertRows(t, list, []timeline.Row{
			{ID: 1, UID: 1, Cat: 4, Type: 2, Related: "8", Source: 5, Dateline: tlT0, Memo: `{"subject_id":8,"subject_type_id":2,"ep_id":2}`},
			{ID: 2, UID: 1, Cat: 4, Type: 1, Related: "8", Source: 5, Dateline: tlT0 + 70, Memo: `{"subject_id":8,"subject_type_id":2,"ep_id":3}`},
			{ID: 3, UID: 1, Cat: 4, Type: 1, Related: "9", Source: 5, Dateline: tlT0 + 80, Memo: `{"subject_id":9,"subject_type_id":2,"ep_id":4}`},
			{ID: 4, UID: 1, Cat: 4, Type: 0, Related: "30", Source: 5, Dateline: tlT0 + 90,
				Memo: `{"subject_id":30,"subject_type_id":1,"eps_total":"10","eps_update":2,"vols_total":"??","vols_update":0}`},
			{ID: 5, UID: 1, Cat: 4, Type: 0, Related: "31", Source: 5, Dateline: tlT0 + 110,
				Memo: `{"subject_id":31,"subject_type_id":1,"eps_total":"10","eps_update":1,"vols_total":"??","vols_update":0}`},
			{ID: 6, UID: 1, Cat: 4, Type: 1, Related: "9", Source: 5, Dateline: tlT0 + 120, Memo: `{"subject_id":9,"subject_type_id":2,"ep_id":5}`},
		})
	})

	t.Run("LegacyPHPMemoMergedAndRewrittenAsJSON", func(t *testing.T) {
		seed := []timeline.Row{
			{ID: 28684794, UID: 407198, Cat: 8, Type: 1, Related: "3965", Memo: tlPHPMonoBatch, Img: "a:2:{}", Batch: true, Replies: 1, Dateline: tlT0 - 10},
			{ID: 28685056, UID: 579876, Cat: 3, Type: 2, Related: "240346", Memo: tlPHPSubject, Img: "img", Dateline: tlT0 - 599},
		}
		uow, list := newStore(t, seed)
		tlWrite(t, usecase.TimelineWriter{UoW: uow},
			tlMono(407198, 1, 10, "X", tlT0),
			tlMessage(`{"op":"subject","message":{"uid":579876,"subject":{"id":8,"type":6},"collect":{"id":1,"type":1,"rate":0,"comment":"ok"},"createdAt":1700000000,"source":5}}`),
		)
		want := append([]timeline.Row{}, seed...)
		want[0].Memo, want[0].Source = `{"10":{"cat":1,"id":10,"name":"X"},"3965":{"cat":2,"id":3965,"name":"田村ゆかり"},"4792":{"cat":2,"id":4792,"name":"南條愛乃"}}`, 5
		want[1].Memo, want[1].Batch, want[1].Source = `{"8":{"subject_id":8,"collect_id":1,"collect_comment":"ok","collect_rate":0},`+
			`"240346":{"subject_id":"240346","subject_type_id":"2","subject_name":"寄宿学校のジュリエット","subject_name_cn":"寄宿学校的朱丽叶","subject_series":"0","collect_comment":"","collect_rate":0}}`, true, 5
		tlAssertRows(t, list, want)
	})

	t.Run("RejectedInputWritesNothing", func(t *testing.T) {
		seed := []timeline.Row{{ID: 5, UID: 1, Cat: 4, Type: 2, Related: "8", Memo: "m", Dateline: tlT0}}
		uow, list := newStore(t, seed)
		w := usecase.TimelineWriter{UoW: uow}
		for _, v := range []string{
			`not json`,
			`{"op":"blog","message":{"uid":1}}`,
			`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1,"status":0},"createdAt":1700000000}}`,
			`{"op":"daily","message":{"uid":1,"type":6,"mid":1}}`,
			`{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":5},"collect":{"id":1,"type":2}}}`,
			`{"op":"mono","message":{"cat":1,"type":1,"id":1}}`,
		} {
			if err := w.Write(t.Context(), tlMessage(v)); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("Write(%s) = %v, want ErrInvalid", v, err)
			}
		}
		tlAssertRows(t, list, seed)
	})

	t.Run("ConcurrentMergesLoseNothing", func(t *testing.T) {
		seed := []timeline.Row{{ID: 1, UID: 1, Cat: 8, Type: 1, Related: "100", Memo: `{"cat":1,"id":100,"name":"seed"}`, Dateline: tlT0}}
		uow, list := newStore(t, seed)
		w := usecase.TimelineWriter{UoW: uow}
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = w.Write(t.Context(), tlMono(1, 1, uint32(i+1), fmt.Sprint(i+1), tlT0+int64(i))) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("Write() errors: %v", err)
		}
		memo := `{`
		for i := 1; i <= n; i++ {
			memo += fmt.Sprintf(`"%d":{"cat":1,"id":%d,"name":"%d"},`, i, i, i)
		}
		memo += `"100":{"cat":1,"id":100,"name":"seed"}}`
		tlAssertRows(t, list, []timeline.Row{{ID: 1, UID: 1, Cat: 8, Type: 1, Related: "100", Memo: memo, Batch: true, Source: 5, Dateline: tlT0}})
	})
}
