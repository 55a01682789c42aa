package label_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/label"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subjectType uint8
		platform    uint16
		want        string
		wantOK      bool
	}{
		{subjectType: 2, platform: 1, want: "TV", wantOK: true},      // type_cn
		{subjectType: 2, platform: 3, want: "剧场版", wantOK: true},     // type_cn over type "movie"
		{subjectType: 2, platform: 0, want: "其他", wantOK: true},      // platform 0 is listed
		{subjectType: 1, platform: 1001, want: "漫画", wantOK: true},   // book
		{subjectType: 4, platform: 4001, want: "游戏", wantOK: true},   // game
		{subjectType: 6, platform: 1, want: "日剧", wantOK: true},      // real
		{subjectType: 3, platform: 0, want: "", wantOK: true},        // music: both strings empty
		{subjectType: 3, platform: 1, want: "", wantOK: false},       // music has only platform 0
		{subjectType: 2, platform: 4, want: "", wantOK: false},       // gap in the anime ids
		{subjectType: 2, platform: 1001, want: "", wantOK: false},    // a book platform
		{subjectType: 0, platform: 0, want: "", wantOK: false},       // no subject type 0
		{subjectType: 5, platform: 0, want: "", wantOK: false},       // no subject type 5
		{subjectType: 255, platform: 65535, want: "", wantOK: false}, // extremes
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d", tt.subjectType, tt.platform), func(t *testing.T) {
			t.Parallel()
			got, ok := label.Platform(tt.subjectType, tt.platform)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Platform(%d, %d) = %q, %v; want %q, %v", tt.subjectType, tt.platform, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestPlatformJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		subjectType uint8
		platform    uint16
		want        *string
	}{
		{name: "Known", subjectType: 2, platform: 1, want: ptr("TV")},
		{name: "KnownEmpty", subjectType: 3, platform: 0, want: ptr("")},
		{name: "UnknownIsNull", subjectType: 2, platform: 4, want: nil},
		{name: "UnknownTypeIsNull", subjectType: 5, platform: 0, want: nil},
		{name: "UnknownWithType0IsEmpty", subjectType: 0, platform: 7, want: ptr("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := label.PlatformJSON(tt.subjectType, tt.platform)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PlatformJSON(%d, %d) mismatch (-want +got):\n%s", tt.subjectType, tt.platform, diff)
			}
		})
	}
}

func TestPlatformJSON_FreshPointer(t *testing.T) {
	t.Parallel()
	a := label.PlatformJSON(2, 1)
	*a = "changed"
	if b := label.PlatformJSON(2, 1); *b != "TV" {
		t.Errorf("PlatformJSON(2, 1) = %q after a caller changed an earlier result, want TV", *b)
	}
}

func TestStaff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subjectType uint8
		position    uint16
		want        string
	}{
		{subjectType: 2, position: 1, want: "原作"},
		{subjectType: 2, position: 2, want: "导演"}, // cn over jp "監督 シリーズ監督" and rdf
		{subjectType: 1, position: 2001, want: "作者"},
		{subjectType: 3, position: 3001, want: "艺术家"},
		{subjectType: 4, position: 1001, want: "开发"},
		{subjectType: 6, position: 4002, want: "导演"},
		{subjectType: 2, position: 2001, want: "unknown"}, // a book position under anime
		{subjectType: 2, position: 0, want: "unknown"},
		{subjectType: 5, position: 1, want: "unknown"},
		{subjectType: 0, position: 1, want: "unknown"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d", tt.subjectType, tt.position), func(t *testing.T) {
			t.Parallel()
			if got := label.Staff(tt.subjectType, tt.position); got != tt.want {
				t.Errorf("Staff(%d, %d) = %q, want %q", tt.subjectType, tt.position, got, tt.want)
			}
		})
	}
}

func TestRelation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		destType     uint8
		relationType uint16
		want         string
	}{
		{name: "Type1IsDestTypeNameBook", destType: 1, relationType: 1, want: "书籍"},
		{name: "Type1IsDestTypeNameAnime", destType: 2, relationType: 1, want: "动画"},
		{name: "Type1IsDestTypeNameGame", destType: 4, relationType: 1, want: "游戏"},
		{name: "Type1IsDestTypeNameReal", destType: 6, relationType: 1, want: "三次元"},
		{name: "Type1UnknownDestType", destType: 5, relationType: 1, want: "unknown subject type"},
		{name: "AnimePrequel", destType: 2, relationType: 2, want: "前传"},
		{name: "BookSeries", destType: 1, relationType: 1002, want: "系列"},
		{name: "MusicOST", destType: 3, relationType: 3001, want: "原声集"},
		{name: "GameSequel", destType: 4, relationType: 4003, want: "续集"},
		// Real (6) is only in "relations", not in "define.types".
		{name: "RealFromRelationsMap", destType: 6, relationType: 2, want: "前传"},
		{name: "RealOther", destType: 6, relationType: 99, want: "其他"},
		{name: "MissingIsDestTypeName", destType: 2, relationType: 3001, want: "动画"},
		{name: "MissingMusic", destType: 3, relationType: 2, want: "音乐"},
		{name: "MissingUnknownDestType", destType: 0, relationType: 2, want: "unknown subject type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := label.Relation(tt.destType, tt.relationType); got != tt.want {
				t.Errorf("Relation(%d, %d) = %q, want %q", tt.destType, tt.relationType, got, tt.want)
			}
		})
	}
}

func TestCharacterRole(t *testing.T) {
	t.Parallel()
	want := map[uint8]string{1: "主角", 2: "配角", 3: "客串", 4: "闲角", 5: "旁白", 6: "声库"}
	for i := range 256 {
		typ := uint8(i)
		if got := label.CharacterRole(typ); got != want[typ] {
			t.Errorf("CharacterRole(%d) = %q, want %q", typ, got, want[typ])
		}
	}
}

func TestSubjectTypeName(t *testing.T) {
	t.Parallel()
	want := map[uint8]string{1: "书籍", 2: "动画", 3: "音乐", 4: "游戏", 6: "三次元"}
	for i := range 256 {
		typ := uint8(i)
		w, ok := want[typ]
		if !ok {
			w = "unknown subject type"
		}
		if got := label.SubjectTypeName(typ); got != w {
			t.Errorf("SubjectTypeName(%d) = %q, want %q", typ, got, w)
		}
	}
}
