package image_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/image"
)

func TestForSubject(t *testing.T) {
	got := image.ForSubject("c9/f0/8_wK0z3.jpg")
	want := image.Subject{
		Large:  "https://lain.bgm.tv/pic/cover/l/c9/f0/8_wK0z3.jpg",
		Common: "https://lain.bgm.tv/r/400/pic/cover/l/c9/f0/8_wK0z3.jpg",
		Medium: "https://lain.bgm.tv/r/800/pic/cover/l/c9/f0/8_wK0z3.jpg",
		Small:  "https://lain.bgm.tv/r/200/pic/cover/l/c9/f0/8_wK0z3.jpg",
		Grid:   "https://lain.bgm.tv/r/100/pic/cover/l/c9/f0/8_wK0z3.jpg",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForSubject() mismatch (-want +got):\n%s", diff)
	}
	if got := image.ForSubject(""); got != (image.Subject{}) {
		t.Errorf("ForSubject(\"\") = %+v, want zero", got)
	}
}

func TestForPerson_KeepsQuery(t *testing.T) {
	got := image.ForPerson("7b/3a/1_crt_8V556.jpg?r=1603459589")
	if want := "https://lain.bgm.tv/pic/crt/g/7b/3a/1_crt_8V556.jpg?r=1603459589"; got.Grid != want {
		t.Errorf("Grid = %q, want %q", got.Grid, want)
	}
	if want := "https://lain.bgm.tv/r/100/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589"; got.Small != want {
		t.Errorf("Small = %q, want %q", got.Small, want)
	}
}

func TestSelect(t *testing.T) {
	s := image.ForSubject("a.jpg")
	if u, ok := s.Select("common"); !ok || u != s.Common {
		t.Errorf("Select(common) = %q, %v", u, ok)
	}
	if _, ok := s.Select("huge"); ok {
		t.Error("Select(huge) ok = true")
	}
	if _, ok := image.ForPerson("a.jpg").Select("common"); ok {
		t.Error("person Select(common) ok = true, persons have no common size")
	}
	if u, _ := image.ForPerson("").Select("large"); u != image.Default {
		t.Errorf("empty Select(large) = %q, want default", u)
	}
}
