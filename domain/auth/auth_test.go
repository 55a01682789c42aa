package auth_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/domain/auth"
)

func ptr(s string) *string { return &s }

func TestParseUserID(t *testing.T) {
	for in, want := range map[string]bool{"382951": true, "": false, "0": false, "abc": false, "-1": false, "4294967296": false, "007": true} {
		if _, ok := auth.ParseUserID(in); ok != want {
			t.Errorf("ParseUserID(%q) ok = %v, want %v", in, ok, want)
		}
	}
}

func TestParseScope(t *testing.T) {
	if legacy, _ := auth.ParseScope(nil); !legacy {
		t.Error("NULL scope is not legacy")
	}
	if legacy, _ := auth.ParseScope(ptr("")); !legacy {
		t.Error(`"" scope is not legacy`)
	}
	legacy, scopes := auth.ParseScope(ptr(`{"write:indices":true}`))
	a := auth.Auth{UserID: 1, Legacy: legacy, Scopes: scopes}
	if a.HasScope(auth.ScopeWriteCollection) || !a.HasScope("write:indices") {
		t.Errorf("scopes = %v", scopes)
	}
	legacy, scopes = auth.ParseScope(ptr(`not json`))
	if legacy || len(scopes) != 0 {
		t.Errorf("bad JSON: legacy=%v scopes=%v, want non-legacy without scopes", legacy, scopes)
	}
	if (auth.Auth{}).HasScope(auth.ScopeWriteCollection) {
		t.Error("anonymous has a scope")
	}
	if !(auth.Auth{UserID: 1, Legacy: true}).HasScope(auth.ScopeWriteCollection) {
		t.Error("legacy token lacks a scope")
	}
}

func TestAllowNSFW(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		a    auth.Auth
		want bool
	}{
		{"anonymous", auth.Auth{}, false},
		{"young", auth.Auth{UserID: 1, RegTime: now.Add(-24 * time.Hour)}, false},
		{"exactly 60 days", auth.Auth{UserID: 1, RegTime: time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC)}, true}, // literal: 1440 h before now
		{"old", auth.Auth{UserID: 1, RegTime: now.AddDate(-5, 0, 0)}, true},
	} {
		if got := tc.a.AllowNSFW(now); got != tc.want {
			t.Errorf("%s: AllowNSFW = %v, want %v", tc.name, got, tc.want)
		}
	}
}
