// Package auth holds who is calling: access tokens, scopes and the NSFW rule.
package auth

import (
	"encoding/json"
	"strconv"
	"time"
)

// ScopeWriteCollection allows collection writes.
const ScopeWriteCollection = "write:collection"

// NSFWAge is how old an account must be to see NSFW content.
const NSFWAge = 60 * 24 * time.Hour

// Token is a stored access token (chii_oauth_access_tokens) as found by the repository.
type Token struct {
	UserID string  // varchar column, parsed by ParseUserID
	Scope  *string // NULL or "" means a legacy token with every scope
}

// Auth is the authenticated caller. The zero value is anonymous.
type Auth struct {
	UserID  uint32          `json:"id"`
	GroupID uint16          `json:"group_id"`
	RegTime time.Time       `json:"reg_time"`
	Legacy  bool            `json:"legacy"`
	Scopes  map[string]bool `json:"scopes,omitempty"`
	// Banned: the member holds the user_ban permission (its group's or its own); it may read
	// but not write (N13).
	Banned bool `json:"banned,omitempty"`
}

// LoggedIn reports whether the caller presented a valid token.
func (a Auth) LoggedIn() bool { return a.UserID != 0 }

// HasScope reports whether the token grants scope (legacy tokens grant every scope).
func (a Auth) HasScope(scope string) bool { return a.LoggedIn() && (a.Legacy || a.Scopes[scope]) }

// AllowNSFW is bangumi's rule: logged in and registered at least 60 days before now.
func (a Auth) AllowNSFW(now time.Time) bool {
	return a.LoggedIn() && now.Sub(a.RegTime) >= NSFWAge
}

// ParseUserID parses the user_id column; empty, non-numeric and 0 are invalid (decision D9).
func ParseUserID(s string) (uint32, bool) {
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil || id == 0 {
		return 0, false
	}
	return uint32(id), true
}

// ParseScope decodes the scope column. NULL or "" is a legacy token with every scope;
// undecodable JSON is a non-legacy token with no scope.
func ParseScope(raw *string) (legacy bool, scopes map[string]bool) {
	if raw == nil || *raw == "" {
		return true, nil
	}
	if err := json.Unmarshal([]byte(*raw), &scopes); err != nil {
		return false, nil
	}
	return false, scopes
}
