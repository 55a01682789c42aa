package user_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/user"
)

func ptr[T any](v T) *T { return &v }

func TestCollectionEdit_Check(t *testing.T) {
	check := func(e user.CollectionEdit) (user.CollectionEdit, error) {
		return e.Check(norm.NFC.String, norm.NFKC.String)
	}
	for _, tc := range []struct {
		name string
		edit user.CollectionEdit
		want string // the 400 text; "" for none
	}{
		{"rate 10", user.CollectionEdit{Rate: ptr[uint8](10)}, ""},
		{"rate 11", user.CollectionEdit{Rate: ptr[uint8](11), Comment: ptr("\u200b")}, "rate overflow"}, // rate first
		{"11 tags", user.CollectionEdit{TagsGiven: true, Tags: strings.Fields("aa bb cc dd ee ff gg hh ii jj kk")}, "最多允许 10 个标签"},
		{"short tag", user.CollectionEdit{TagsGiven: true, Tags: []string{"ab", "a"}}, "tag 最短为两个字"},
		{"space in tag", user.CollectionEdit{TagsGiven: true, Tags: []string{"a b"}}, `invalid tag: "a b"`},
		{"full-width space becomes a space", user.CollectionEdit{TagsGiven: true, Tags: []string{"a\u3000b"}}, `invalid tag: "a b"`},
		{"zero-width", user.CollectionEdit{TagsGiven: true, Tags: []string{"a\u200bb"}}, `invalid tag: "a\u200bb"`},
		{"31 characters", user.CollectionEdit{TagsGiven: true, Tags: []string{strings.Repeat("長", 31)}}, "tag too long"},
		{"30 characters", user.CollectionEdit{TagsGiven: true, Tags: []string{strings.Repeat("長", 30)}}, ""},
		{"tags before comment", user.CollectionEdit{TagsGiven: true, Tags: []string{"a"}, Comment: ptr("\u200b")}, "tag 最短为两个字"},
		{"invisible comment", user.CollectionEdit{Comment: ptr("o\u00a0k")}, "invisible character are included in comment"},
		{"381 characters", user.CollectionEdit{Comment: ptr(strings.Repeat("长", 381))}, "comment too long, only allow less equal than 380 characters"},
		{"380 characters and spaces", user.CollectionEdit{Comment: ptr("  " + strings.Repeat("长", 380) + "\n")}, ""},
	} {
		_, err := check(tc.edit)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want no error", tc.name, err)
		case tc.want != "" && (!errors.Is(err, domain.ErrInvalid) || !strings.HasPrefix(domain.Message(err), tc.want)):
			t.Errorf("%s: %v, want a 400 %q", tc.name, err, tc.want)
		}
	}
	got, err := check(user.CollectionEdit{Comment: ptr(" e\u0301 "), TagsGiven: true, Tags: []string{"ＴＶ", "TV", "\tanime\n", "anime"}})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Comment != "\u00e9" {
		t.Errorf("comment = %q, want NFC and trimmed", *got.Comment)
	}
	if strings.Join(got.Tags, ",") != "TV,anime" {
		t.Errorf("tags = %q, want NFKC, trimmed, first occurrences", got.Tags)
	}
}

func TestCollectionRecord_Apply(t *testing.T) {
	t0 := time.Unix(1700000000, 0).UTC()
	now := t0.Add(time.Hour)
	base := user.NewCollection(1, 2, 2, t0, "127.0.0.1")
	if base.Type != user.CollectionDoing || base.Datelines[user.CollectionDoing] != t0.Unix() {
		t.Fatalf("NewCollection = %+v, want doing since t0", base)
	}
	rated := base.Apply(user.CollectionEdit{Rate: ptr[uint8](7)}, now, "10.0.0.1", nil)
	if rated.Rate != 7 || rated.LastTouchIP != "10.0.0.1" || !rated.UpdatedAt.Equal(now) {
		t.Errorf("rate 7: %+v", rated)
	}
	wish := rated.Apply(user.CollectionEdit{Type: ptr(user.CollectionWish)}, now, "", nil)
	if wish.Type != user.CollectionWish || wish.Rate != 7 || wish.Datelines[user.CollectionWish] != now.Unix() {
		t.Errorf("type wish alone: %+v, want the rate kept and the wish dateline stamped", wish)
	}
	if w := wish.Apply(user.CollectionEdit{Rate: ptr[uint8](8)}, now, "", nil); w.Rate != 0 {
		t.Errorf("a rate given to a wish = %d, want 0 stored", w.Rate)
	}
	same := rated.Apply(user.CollectionEdit{Type: ptr(user.CollectionDoing)}, now, "", nil)
	if same.Datelines[user.CollectionDoing] != t0.Unix() {
		t.Errorf("an unchanged type moved its dateline to %d", same.Datelines[user.CollectionDoing])
	}
	review := func(s string) bool { return strings.Contains(s, "bad") }
	banned := base.Apply(user.CollectionEdit{Comment: ptr("bad"), Private: ptr(false)}, now, "", review)
	if banned.Private != 2 {
		t.Errorf("a comment needing review: private %d, want 2", banned.Private)
	}
	// N7: comment and tags together; a clean edit leaves a ban as it is
	if b := banned.Apply(user.CollectionEdit{Comment: ptr("fine"), TagsGiven: true, Tags: []string{"ok"}, Private: ptr(true)}, now, "", review); b.Private != 2 {
		t.Errorf("a clean edit of a banned row: private %d, want 2 kept", b.Private)
	}
	if b := base.Apply(user.CollectionEdit{Comment: ptr("bad"), TagsGiven: true, Tags: []string{"ok"}}, now, "", review); b.Private != 2 {
		t.Errorf("a bad comment with clean tags: private %d, want 2 (either needs review)", b.Private)
	}
	if p := base.Apply(user.CollectionEdit{Private: ptr(true)}, now, "", nil); p.Private != 1 {
		t.Errorf("private true: %d", p.Private)
	}
	long := base.Apply(user.CollectionEdit{}, now, "2001:0db8:85a3:0000:0000:8a2e:0370:7334", nil)
	if long.LastTouchIP != "2001:0db8:85a3:" {
		t.Errorf("IP %q, want its first 15 characters (N23)", long.LastTouchIP)
	}
}
