package person_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/person"
)

func TestCareer_NamesInFixedOrder(t *testing.T) {
	got := person.Career{Actor: true, Writer: true, Seiyu: true}.Names()
	if diff := cmp.Diff([]string{"writer", "seiyu", "actor"}, got); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
	if got := (person.Career{}).Names(); got == nil || len(got) != 0 {
		t.Errorf("empty Names() = %#v, want empty non-nil", got)
	}
}
