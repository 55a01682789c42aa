package contracttests

import (
	"fmt"
	"testing"

	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
)

// TestTimelineRedelivery is the contract of a timeline message delivered twice (the worker
// stopped between the MySQL commit and the Kafka offset commit, so the message that was
// written is delivered again): through usecase.TimelineWriter, writing the last message of a
// sequence again leaves exactly the rows one delivery leaves, for every op and every kind of
// write (a new row, a merge into a single row or a batch, a legacy PHP memo rewritten, a
// progress memo replaced). A message that only looks alike (another second, another item) is
// no redelivery and is written.
func TestTimelineRedelivery(t *testing.T, newStore NewTimelineStore) {
	subject := func(id, collect uint32, at int64) timeline.Message {
		return tlMessage(fmt.Sprintf(`{"op":"subject","message":{"uid":1,"subject":{"id":%d,"type":2},"collect":{"id":%d,"type":2,"rate":8,"comment":"<b>ok</b>"},"createdAt":%d,"source":5}}`, id, collect, at))
	}
	episode := func(epID uint32, at int64) timeline.Message {
		return tlMessage(fmt.Sprintf(`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":%d,"status":2},"createdAt":%d,"source":5}}`, epID, at))
	}
	progress := func(eps uint32, at int64) timeline.Message {
		return tlMessage(fmt.Sprintf(`{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":0,"volumes":3},"collect":{"epsUpdate":%d,"volsUpdate":0},"createdAt":%d,"source":5}}`, eps, at))
	}
	daily := func(typ uint8, mid uint32, at int64) timeline.Message {
		return tlMessage(fmt.Sprintf(`{"op":"daily","message":{"uid":1,"type":%d,"mid":%d,"createdAt":%d,"source":6}}`, typ, mid, at))
	}
	wiki := tlMessage(`{"op":"wiki","message":{"uid":1,"subject":{"id":9,"type":4},"createdAt":1700000000,"source":6}}`)
	sign := tlMessage(`{"op":"statusSign","message":{"uid":1,"sign":"<i>sign</i>","createdAt":1700000000,"source":1}}`)
	tsukkomi := func(at int64) timeline.Message {
		return tlMessage(fmt.Sprintf(`{"op":"statusTsukkomi","message":{"uid":1,"text":"绝了","createdAt":%d,"source":6}}`, at))
	}
	nickname := tlMessage(`{"op":"statusNickname","message":{"uid":1,"before":"<a>","after":"b","createdAt":1700000000,"source":6}}`)

	legacy := []timeline.Row{
		{ID: 7, UID: 1, Cat: 8, Type: 1, Related: "3965", Memo: tlPHPMonoBatch, Img: "a:2:{}", Batch: true, Replies: 1, Dateline: tlT0 - 10},
	}
	for _, tc := range []struct {
		name string
		seed []timeline.Row
		msgs []timeline.Message // the last one is delivered twice
	}{
		{"MonoInsert", nil, []timeline.Message{tlMono(1, 1, 10, "A", tlT0)}},
		{"MonoMergedIntoSingle", nil, []timeline.Message{tlMono(1, 1, 10, "A", tlT0), tlMono(1, 2, 11, "B", tlT0+60)}},
		{"MonoMergedIntoBatch", nil, []timeline.Message{tlMono(1, 1, 10, "A", tlT0), tlMono(1, 2, 11, "B", tlT0+60), tlMono(1, 1, 12, "C", tlT0+120)}},
		{"MonoAfterTheWindow", nil, []timeline.Message{tlMono(1, 1, 10, "A", tlT0), tlMono(1, 1, 11, "B", tlT0+600)}},
		{"MonoMergedIntoLegacyPHPBatch", legacy, []timeline.Message{tlMono(1, 1, 10, "X", tlT0)}},
		{"SubjectInsert", nil, []timeline.Message{subject(8, 100, tlT0)}},
		{"SubjectMerged", nil, []timeline.Message{subject(8, 100, tlT0), subject(9, 101, tlT0+10)}},
		{"ProgressEpisodeInsert", nil, []timeline.Message{episode(1, tlT0)}},
		{"ProgressEpisodeReplaced", nil, []timeline.Message{episode(1, tlT0), episode(2, tlT0+60)}},
		{"ProgressSubjectReplaced", nil, []timeline.Message{progress(1, tlT0), progress(2, tlT0+60)}},
		{"DailyFriendInsert", nil, []timeline.Message{daily(2, 7, tlT0)}},
		{"DailyGroupMerged", nil, []timeline.Message{daily(3, 84, tlT0), daily(3, 610, tlT0+20)}},
		{"DailyRegister", nil, []timeline.Message{daily(1, 1, tlT0)}},
		{"Wiki", nil, []timeline.Message{wiki}},
		{"StatusSign", nil, []timeline.Message{sign}},
		{"StatusTsukkomi", nil, []timeline.Message{tsukkomi(tlT0)}},
		{"StatusTsukkomiAfterAnother", nil, []timeline.Message{tsukkomi(tlT0), tsukkomi(tlT0 + 1)}},
		{"StatusNickname", nil, []timeline.Message{nickname}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			once, listOnce := newStore(t, tc.seed)
			tlWrite(t, usecase.TimelineWriter{UoW: once}, tc.msgs...)
			want := listOnce(t)

			twice, listTwice := newStore(t, tc.seed)
			w := usecase.TimelineWriter{UoW: twice}
			tlWrite(t, w, tc.msgs...)
			tlWrite(t, w, tc.msgs[len(tc.msgs)-1])
			tlAssertRows(t, listTwice, want)
		})
	}

	// Alike but not the same message: each is written.
	t.Run("NotARedelivery", func(t *testing.T) {
		uow, list := newStore(t, nil)
		tlWrite(t, usecase.TimelineWriter{UoW: uow},
			tlMono(1, 1, 10, "A", tlT0), tlMono(1, 1, 10, "A", tlT0+1), // another second: merged (a batch of one)
			tsukkomi(tlT0+5), tsukkomi(tlT0+6), // another second: a second row
		)
		tlAssertRows(t, list, []timeline.Row{
			{ID: 1, UID: 1, Cat: 8, Type: 1, Related: "10", Batch: true, Source: 5, Dateline: tlT0, Memo: `{"10":{"cat":1,"id":10,"name":"A"}}`},
			{ID: 2, UID: 1, Cat: 5, Type: 1, Source: 6, Dateline: tlT0 + 5, Memo: `绝了`},
			{ID: 3, UID: 1, Cat: 5, Type: 1, Source: 6, Dateline: tlT0 + 6, Memo: `绝了`},
		})
	})
}
