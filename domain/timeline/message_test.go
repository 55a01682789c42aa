package timeline_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/timeline"
)

func ptr[T any](v T) *T { return &v }

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  timeline.Event
	}{
		{
			name:  "Subject",
			value: `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":2},"collect":{"id":1234,"type":2,"rate":8,"comment":"Great"},"createdAt":1700000000,"source":5}}`,
			want: &timeline.Subject{UID: 1, Subject: timeline.SubjectRef{ID: 8, Type: 2},
				Collect: timeline.Collect{ID: 1234, Type: 2, Rate: 8, Comment: "Great"}, CreatedAt: 1700000000, Source: 5},
		},
		{
			name:  "ProgressSubject",
			value: `{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":0,"volumes":3},"collect":{"epsUpdate":12,"volsUpdate":0},"createdAt":1700000000,"source":5}}`,
			want: &timeline.ProgressSubject{UID: 1, Subject: timeline.SubjectTotals{ID: 10, Type: 1, Volumes: 3},
				Collect: timeline.Progress{EpsUpdate: ptr[uint32](12), VolsUpdate: ptr[uint32](0)}, CreatedAt: 1700000000, Source: 5},
		},
		{
			name:  "ProgressSubjectWithoutUpdates",
			value: `{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":0,"volumes":3},"collect":{},"createdAt":1700000000,"source":6}}`,
			want: &timeline.ProgressSubject{UID: 1, Subject: timeline.SubjectTotals{ID: 10, Type: 1, Volumes: 3},
				CreatedAt: 1700000000, Source: 6},
		},
		{
			name:  "ProgressEpisode",
			value: `{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1001,"status":2},"createdAt":1700000000,"source":5}}`,
			want: &timeline.ProgressEpisode{UID: 1, Subject: timeline.SubjectRef{ID: 8, Type: 2},
				Episode: timeline.Episode{ID: 1001, Status: 2}, CreatedAt: 1700000000, Source: 5},
		},
		{
			name:  "Mono",
			value: `{"op":"mono","message":{"uid":1,"cat":1,"type":1,"id":1,"name":"ルルーシュ・ランペルージ","createdAt":1700000000,"source":6}}`,
			want:  &timeline.Mono{UID: 1, Cat: 1, Type: 1, ID: 1, Name: "ルルーシュ・ランペルージ", CreatedAt: 1700000000, Source: 6},
		},
		{
			name:  "Daily",
			value: `{"op":"daily","message":{"uid":3,"type":2,"mid":7,"createdAt":5,"source":6}}`,
			want:  &timeline.Daily{UID: 3, Type: 2, MID: 7, CreatedAt: 5, Source: 6},
		},
		{
			name:  "Wiki",
			value: `{"op":"wiki","message":{"uid":3,"subject":{"id":9,"type":4},"createdAt":5,"source":6}}`,
			want:  &timeline.Wiki{UID: 3, Subject: timeline.SubjectRef{ID: 9, Type: 4}, CreatedAt: 5, Source: 6},
		},
		{
			name:  "StatusSign",
			value: `{"op":"statusSign","message":{"uid":3,"sign":"<b>","createdAt":5,"source":1}}`,
			want:  &timeline.StatusSign{UID: 3, Sign: "<b>", CreatedAt: 5, Source: 1},
		},
		{
			name:  "StatusTsukkomi",
			value: `{"op":"statusTsukkomi","message":{"uid":3,"text":"绝了","createdAt":5,"source":6}}`,
			want:  &timeline.StatusTsukkomi{UID: 3, Text: "绝了", CreatedAt: 5, Source: 6},
		},
		{
			name:  "StatusNickname",
			value: `{"op":"statusNickname","message":{"uid":3,"before":"a","after":"b","createdAt":5,"source":6}}`,
			want:  &timeline.StatusNickname{UID: 3, Before: "a", After: "b", CreatedAt: 5, Source: 6},
		},
		{
			name:  "UnknownFieldsIgnored",
			value: `{"op":"daily","extra":1,"message":{"uid":3,"type":0,"mid":7,"createdAt":5,"source":6,"future":true}}`,
			want:  &timeline.Daily{UID: 3, Type: 0, MID: 7, CreatedAt: 5, Source: 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := timeline.Decode([]byte(tt.value))
			if err != nil {
				t.Fatalf("Decode() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode() mismatch (-want +got):\n%s", diff)
			}
			if got.Op() != tt.want.Op() || got.User() != tt.want.User() {
				t.Errorf("Op, User = %s, %d", got.Op(), got.User())
			}
		})
	}
}

func TestDecode_Rejects(t *testing.T) {
	tests := []struct {
		name, value, msg string
	}{
		{"NotJSON", `{bad`, ""},
		{"NotAnObject", `[1]`, ""},
		{"Empty", ``, ""},
		{"NoOp", `{"message":{"uid":1}}`, "timeline: value has no op"},
		{"OpNotString", `{"op":1,"message":{"uid":1}}`, ""},
		{"UnknownOp", `{"op":"blog","message":{"uid":1}}`, `timeline: unknown op "blog"`},
		{"NoMessage", `{"op":"mono"}`, "timeline: op mono: no message"},
		{"NullMessage", `{"op":"mono","message":null}`, "timeline: op mono: uid is missing or 0"},
		{"WrongFieldType", `{"op":"mono","message":{"uid":"1"}}`, ""},
		{"NegativeID", `{"op":"mono","message":{"uid":1,"id":-1}}`, ""},
		{"FractionalUID", `{"op":"mono","message":{"uid":1.5}}`, ""},
		{"UIDZero", `{"op":"statusSign","message":{"uid":0,"sign":"x"}}`, "timeline: op statusSign: uid is missing or 0"},
		{"EpisodeStatusNone", `{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1,"status":0}}}`, "timeline: op progressEpisode: episode status is none"},
		{"DailyUnknownType", `{"op":"daily","message":{"uid":1,"type":6,"mid":1}}`, "timeline: op daily: unsupported daily type 6"},
		{"SubjectUnknownSubjectType", `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":5},"collect":{"id":1,"type":2}}}`, "timeline: op subject: unsupported subject type 5"},
		{"SubjectTypeZero", `{"op":"subject","message":{"uid":1,"subject":{"id":8},"collect":{"id":1,"type":2}}}`, "timeline: op subject: unsupported subject type 0"},
		{"SubjectCollectTypeZero", `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":2},"collect":{"id":1,"type":0}}}`, "timeline: op subject: unsupported collection type 0"},
		{"SubjectCollectTypeSix", `{"op":"subject","message":{"uid":1,"subject":{"id":8,"type":2},"collect":{"id":1,"type":6}}}`, "timeline: op subject: unsupported collection type 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := timeline.Decode([]byte(tt.value))
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("Decode() = %v, %v; want an ErrInvalid error", got, err)
			}
			if tt.msg != "" && domain.Message(err) != tt.msg {
				t.Errorf("message = %q, want %q", domain.Message(err), tt.msg)
			}
		})
	}
}

// TestPlan_RejectsInvalid: Plan applies the same rules to events built in code.
func TestPlan_RejectsInvalid(t *testing.T) {
	for _, e := range []timeline.Event{
		&timeline.ProgressEpisode{UID: 1, Subject: timeline.SubjectRef{ID: 1, Type: 2}},
		&timeline.Daily{UID: 1, Type: 9},
		&timeline.Subject{UID: 1, Subject: timeline.SubjectRef{ID: 1, Type: 7}, Collect: timeline.Collect{Type: 1}},
		&timeline.Mono{Cat: 1, Type: 1, ID: 1},
	} {
		if _, err := timeline.Plan(e, nil); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Plan(%+v) error = %v, want ErrInvalid", e, err)
		}
	}
}

func TestEncode_RoundTrip(t *testing.T) {
	events := []timeline.Event{
		&timeline.Subject{UID: 1, Subject: timeline.SubjectRef{ID: 8, Type: 2},
			Collect: timeline.Collect{ID: 1234, Type: 2, Rate: 8, Comment: "<Great> & \u2028"}, CreatedAt: 1700000000, Source: 5},
		&timeline.ProgressSubject{UID: 1, Subject: timeline.SubjectTotals{ID: 10, Type: 1, Volumes: 3},
			Collect: timeline.Progress{EpsUpdate: ptr[uint32](12)}, CreatedAt: 1700000000, Source: 5},
		&timeline.Mono{UID: 1, Cat: 2, Type: 1, ID: 1, Name: "福山潤", CreatedAt: 1700000000, Source: 5},
		&timeline.StatusNickname{UID: 3, Before: "a", After: "b", CreatedAt: 5, Source: 6},
	}
	for _, e := range events {
		msg, err := timeline.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		if string(msg.Key) != "1" && string(msg.Key) != "3" {
			t.Errorf("key = %q", msg.Key)
		}
		got, err := timeline.Decode(msg.Value)
		if err != nil {
			t.Fatalf("Decode(%s) = %v", msg.Value, err)
		}
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	}
	msg, err := timeline.Encode(events[1])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"op":"progressSubject","message":{"uid":1,"subject":{"id":10,"type":1,"eps":0,"volumes":3},"collect":{"epsUpdate":12},"createdAt":1700000000,"source":5}}`
	if string(msg.Value) != want {
		t.Errorf("Encode() =\n%s\nwant\n%s", msg.Value, want)
	}
}
