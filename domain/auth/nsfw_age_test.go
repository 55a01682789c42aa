package auth_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/domain/auth"
)

// TestAllowNSFW_Threshold pins bangumi's 60-day rule with literal dates, not with auth.NSFWAge:
// changing the constant (or >= to >) must fail here.
func TestAllowNSFW_Threshold(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		regTime time.Time
		want    bool
	}{
		{"1 day", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), false},
		{"3 days", time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC), false},
		{"59 days", time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC), false},
		{"60 days less 1 second", time.Date(2026, 4, 2, 0, 0, 1, 0, time.UTC), false},
		{"exactly 60 days (1440 hours)", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC), true},
		{"60 days and 1 second", time.Date(2026, 4, 1, 23, 59, 59, 0, time.UTC), true},
		{"61 days", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"registered in the future", time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), false},
	} {
		a := auth.Auth{UserID: 1, RegTime: tc.regTime}
		if got := a.AllowNSFW(now); got != tc.want {
			t.Errorf("%s (registered %s, now %s): AllowNSFW = %v, want %v", tc.name, tc.regTime, now, got, tc.want)
		}
	}
	if got := now.Sub(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)); got != 1440*time.Hour {
		t.Fatalf("the boundary case is %v before now, want 1440h (60 days)", got)
	}
	if (auth.Auth{RegTime: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}).AllowNSFW(now) {
		t.Error("an anonymous caller (user id 0) with an old registration time may see NSFW")
	}
}
