package episode_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/episode"
)

func TestDurationSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"24m", 1440},
		{"1h30m", 5400},
		{"1.5h", 5400},
		{"90s", 90},
		{"1m30.9s", 90}, // truncated to whole seconds
		{"-5m", -300},
		{"0", 0},
		{"00:25:00", 1500},
		{"24:30", 1470},       // two parts: minutes and seconds
		{"100:00:01", 360001}, // hours are unbounded
		{"1:60:00", 0},        // minutes ≥ 60
		{"60:00", 0},
		{"00:59:60", 0}, // seconds ≥ 60
		{"24", 0},       // no unit
		{"24分", 0},
		{"1:2:3:4", 0},
		{" 24m", 0},
		{"99999999999999999999:00:00", 0}, // too large
		{"2562047788015215:00:00", 0},     // overflows int64 seconds
		{"2562047788015214:00:00", 2562047788015214 * 3600},
	} {
		if got := episode.DurationSeconds(tc.in); got != tc.want {
			t.Errorf("DurationSeconds(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestEp(t *testing.T) {
	for _, tc := range []struct {
		e     episode.Episode
		first float32
		want  float32
	}{
		{episode.Episode{Type: episode.TypeMain, Sort: 23}, 23, 1},
		{episode.Episode{Type: episode.TypeMain, Sort: 24.5}, 23, 2.5},
		{episode.Episode{Type: episode.TypeMain, Sort: 3}, 0, 4}, // no first main episode: first is 0
		{episode.Episode{Type: episode.TypeSpecial, Sort: 3}, 1, 0},
		{episode.Episode{Type: episode.TypeOther, Sort: 3}, 1, 0},
	} {
		if got := tc.e.Ep(tc.first); got != tc.want {
			t.Errorf("%+v.Ep(%v) = %v, want %v", tc.e, tc.first, got, tc.want)
		}
	}
}

func TestValidType(t *testing.T) {
	for typ := range uint8(10) {
		if got, want := episode.ValidType(typ), typ <= 6; got != want {
			t.Errorf("ValidType(%d) = %v, want %v (every documented type 0–6, N24)", typ, got, want)
		}
	}
}

func TestFirstMain(t *testing.T) {
	a := episode.Episode{Disc: 0, Sort: 5}
	b := episode.Episode{Disc: 1, Sort: 1}
	c := episode.Episode{Disc: 0, Sort: 4}
	if !episode.FirstMain(a, b) || episode.FirstMain(b, a) {
		t.Error("a lower disc comes first whatever the sort")
	}
	if !episode.FirstMain(c, a) || episode.FirstMain(a, c) {
		t.Error("on one disc the lower sort comes first")
	}
}

func TestDecodeProgress(t *testing.T) {
	done := episode.Mark{Status: episode.StatusDone}
	for _, tc := range []struct {
		name, in string
		want     episode.Progress
	}{
		{"empty", "", episode.Progress{}},
		{"empty array", "[]", episode.Progress{}},
		{"empty object", "{}", episode.Progress{}},
		{"php", `a:2:{i:1087180;a:2:{s:3:"eid";s:7:"1087180";s:4:"type";i:2;}i:5;a:2:{s:3:"eid";s:1:"5";s:4:"type";i:3;}}`,
			episode.Progress{1087180: done, 5: {Status: episode.StatusDropped}}},
		{"json", `{"1087180":{"eid":"1087180","type":2,"updated_at":null},"5":{"eid":"5","type":1,"updated_at":{"1":1700000000,"2":1600000000}}}`,
			episode.Progress{1087180: done, 5: {Status: episode.StatusWish, UpdatedAt: map[episode.Status]int64{1: 1700000000, 2: 1600000000}}}},
		{"json without type", `{"5":{"eid":"5"}}`, episode.Progress{5: {}}},
	} {
		got, err := episode.DecodeProgress([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: DecodeProgress(%q): %v", tc.name, tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: DecodeProgress(%q) mismatch (-want +got):\n%s", tc.name, tc.in, diff)
		}
	}
	for _, in := range []string{
		`{"5":{"eid":"5","type":4}}`,
		`{"5":{"eid":"5","type":-1}}`,
		`{"x":{"eid":"5","type":2}}`,
		`{"0":{"eid":"0","type":2}}`,
		`{"5":{"type":2,"updated_at":{"9":1}}}`,
		`{"5":{"type":2,"updated_at":{"a":1}}}`,
		`{"5":{"type":"2"}}`,
		`{"5":`,
		`a:1:{i:5;a:1:{s:4:"type";i:9;}}`,
		`a:1:{i:5;a:1:{s:4:"type";s:1:"2";}}`,
		`a:1:{i:5;s:1:"x";}`,
		`a:1:{s:1:"x";a:1:{s:4:"type";i:2;}}`,
		`a:1:{i:5;`,
		`s:1:"x";`,
		`[1]`,
	} {
		if _, err := episode.DecodeProgress([]byte(in)); !errors.Is(err, episode.ErrCorrupt) {
			t.Errorf("DecodeProgress(%q): error = %v, want one wrapping ErrCorrupt", in, err)
		}
	}
}

func TestProgressOf(t *testing.T) {
	p := episode.Progress{
		1: {Status: episode.StatusDone, UpdatedAt: map[episode.Status]int64{episode.StatusDone: 1700000000, episode.StatusWish: 1}},
		2: {Status: episode.StatusWish}, // legacy: no times
		3: {Status: episode.StatusDropped, UpdatedAt: map[episode.Status]int64{episode.StatusDone: 5}},
	}
	for _, tc := range []struct {
		id     uint32
		status episode.Status
		at     int64
	}{{1, episode.StatusDone, 1700000000}, {2, episode.StatusWish, 0}, {3, episode.StatusDropped, 0}, {4, episode.StatusNone, 0}} {
		st, at := p.Of(tc.id)
		if st != tc.status || at != tc.at {
			t.Errorf("Of(%d) = %d, %d; want %d, %d", tc.id, st, at, tc.status, tc.at)
		}
	}
	var none episode.Progress
	if st, at := none.Of(1); st != 0 || at != 0 {
		t.Errorf("nil Progress.Of = %d, %d; want 0, 0", st, at)
	}
}

func FuzzDecodeProgress(f *testing.F) {
	for _, s := range []string{"", "[]", `{"5":{"eid":"5","type":2,"updated_at":{"2":1}}}`,
		`a:1:{i:5;a:2:{s:3:"eid";s:1:"5";s:4:"type";i:2;}}`, `{"5":{"type":4}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := episode.DecodeProgress(in)
		if err != nil {
			if !errors.Is(err, episode.ErrCorrupt) {
				t.Fatalf("DecodeProgress(%q): error %v does not wrap ErrCorrupt", in, err)
			}
			return
		}
		for id, m := range p {
			if id == 0 || m.Status > episode.StatusDropped {
				t.Fatalf("DecodeProgress(%q) = %v: id 0 or status out of range", in, p)
			}
		}
	})
}

func FuzzDurationSeconds(f *testing.F) {
	for _, s := range []string{"", "24m", "00:24:00", "1:60:00", "-5m", "24分"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := episode.DurationSeconds(s)
		if n < 0 && s[0] != '-' {
			t.Fatalf("DurationSeconds(%q) = %d: negative without a sign", s, n)
		}
	})
}
