package ports_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/ports"
)

// The tags are the spelling the cached answers carry (ARCHITECTURE.md, "Keeping rendered
// answers fresh"): a change of spelling here silently stops every invalidation.
func TestChange_Tag(t *testing.T) {
	for _, tc := range []struct {
		c    ports.Change
		want string
	}{
		{ports.Change{Entity: ports.EntitySubject, ID: 8}, "s8"},
		{ports.Change{Entity: ports.EntityCharacter, ID: 1}, "c1"},
		{ports.Change{Entity: ports.EntityPerson, ID: 3}, "p3"},
		{ports.Change{Entity: ports.EntityUser, ID: 382951}, "u382951"},
		{ports.Change{Entity: ports.EntityUser, ID: 4294967295}, "u4294967295"},
		{ports.Change{Entity: 0, ID: 8}, ""},
		{ports.Change{Entity: 99, ID: 8}, ""},
	} {
		if got := tc.c.Tag(); got != tc.want {
			t.Errorf("%+v.Tag() = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestTags_DistinctInOrderWithoutUnknown(t *testing.T) {
	got := ports.Tags(
		ports.Change{Entity: ports.EntityPerson, ID: 3},
		ports.Change{Entity: ports.EntitySubject, ID: 8},
		ports.Change{Entity: 0, ID: 1},
		ports.Change{Entity: ports.EntityPerson, ID: 3},
		ports.Change{Entity: ports.EntitySubject, ID: 9},
	)
	if diff := cmp.Diff([]string{"p3", "s8", "s9"}, got); diff != "" {
		t.Errorf("Tags() mismatch (-want +got):\n%s", diff)
	}
	if got := ports.Tags(); got == nil || len(got) != 0 {
		t.Errorf("Tags() = %#v, want an empty list", got)
	}
}
