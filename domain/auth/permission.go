package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bangumi/chii/domain/phpserialize"
)

// PermUserBan is the permission that bars a member from writing (auth.md §3.6; N13: every write
// checks it).
const PermUserBan = "user_ban"

// ErrPermissions is wrapped by the errors of ParsePermissions.
var ErrPermissions = errors.New("undecodable permissions")

// ParsePermissions reads a stored permission map (chii_usergroup.usr_grp_perm or
// chii_members.acl): PHP serialize() data or a JSON object. A permission is granted when its
// value is the string "1". "" is no permission.
func ParsePermissions(raw string) (map[string]bool, error) {
	raw = strings.TrimSpace(raw)
	out := map[string]bool{}
	switch {
	case raw == "":
		return out, nil
	case strings.HasPrefix(raw, "a:"):
		v, err := phpserialize.Unmarshal(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPermissions, err)
		}
		arr, ok := v.(*phpserialize.Array)
		if !ok {
			return nil, fmt.Errorf("%w: PHP %T, want an array", ErrPermissions, v)
		}
		for _, m := range arr.Members {
			if s, ok := m.Value.(string); ok && s == "1" {
				out[m.Key] = true
			}
		}
		return out, nil
	default:
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPermissions, err)
		}
		for k, v := range m {
			if s, ok := v.(string); ok && s == "1" {
				out[k] = true
			}
		}
		return out, nil
	}
}

// Banned merges a member's permissions for user_ban: granted by its group or by its own acl
// (the one permission bangumi OR-s; the others must be granted by both).
func Banned(group, acl map[string]bool) bool { return group[PermUserBan] || acl[PermUserBan] }
