package character

import "testing"

func TestCharacter_VisibleToAndLocked(t *testing.T) {
	for _, tc := range []struct {
		c                  Character
		allowNSFW, visible bool
		locked             bool
	}{
		{Character{}, false, true, false},
		{Character{NSFW: true}, false, false, false},
		{Character{NSFW: true}, true, true, false},
		{Character{Ban: 1}, false, true, true},
		{Character{Ban: 2}, true, true, true},
	} {
		if got := tc.c.VisibleTo(tc.allowNSFW); got != tc.visible {
			t.Errorf("%+v.VisibleTo(%v) = %v, want %v", tc.c, tc.allowNSFW, got, tc.visible)
		}
		if got := tc.c.Locked(); got != tc.locked {
			t.Errorf("%+v.Locked() = %v, want %v", tc.c, got, tc.locked)
		}
	}
}
