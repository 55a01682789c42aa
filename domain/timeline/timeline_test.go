package timeline_test

import (
	"testing"

	"github.com/bangumi/chii/domain/timeline"
)

func TestMono_Encode(t *testing.T) {
	msg, err := timeline.Mono{UID: 1, Cat: 1, Type: 1, ID: 1, Name: "ルルーシュ・ランペルージ&<>", CreatedAt: 1700000000, Source: 5}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(msg.Key), "1"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	want := `{"op":"mono","message":{"uid":1,"cat":1,"type":1,"id":1,"name":"ルルーシュ・ランペルージ&<>","createdAt":1700000000,"source":5}}`
	if got := string(msg.Value); got != want {
		t.Errorf("value =\n%s\nwant\n%s", got, want)
	}
}
