package mono_test

import (
	"testing"

	"github.com/bangumi/chii/domain/mono"
)

func TestCategory(t *testing.T) {
	for _, tc := range []struct {
		c         mono.Category
		str, noun string
	}{
		{mono.Character, "crt", "character"},
		{mono.Person, "prsn", "person"},
	} {
		if tc.c.String() != tc.str || tc.c.Noun() != tc.noun {
			t.Errorf("%d: got %q %q, want %q %q", tc.c, tc.c.String(), tc.c.Noun(), tc.str, tc.noun)
		}
	}
}

func TestGenderName(t *testing.T) {
	for g, want := range map[uint8]string{0: "", 1: "male", 2: "female", 3: ""} {
		if got := (mono.Fields{Gender: g}).GenderName(); got != want {
			t.Errorf("GenderName(%d) = %q, want %q", g, got, want)
		}
	}
}
