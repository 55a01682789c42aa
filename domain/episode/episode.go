// Package episode holds bangumi's episodes (chii_episodes) and a user's progress through a
// subject's episodes (chii_ep_status), as http-v0-more.md §2 and §4 describe them.
package episode

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Types of episode (ep_type). The API documents every value 0–6 and accepts each of them as a
// filter (N24: bangumi rejected 5, which it documents).
const (
	TypeMain    uint8 = 0 // 本篇
	TypeSpecial uint8 = 1 // 特别篇
	TypeOP      uint8 = 2
	TypeED      uint8 = 3
	TypePromo   uint8 = 4 // 预告/宣传/广告
	TypeMAD     uint8 = 5
	TypeOther   uint8 = 6 // 其他
)

// ValidType reports whether t is a documented episode type, one a list may be filtered by.
func ValidType(t uint8) bool { return t <= TypeOther }

// Episode is a chii_episodes row. Name, NameCN, Duration, Airdate and Desc are as stored (the
// API returns them raw, not HTML-unescaped).
type Episode struct {
	ID        uint32
	SubjectID uint32
	Sort      float32 // ep_sort, a 32-bit float column: 1, 12.5
	Type      uint8
	Disc      uint8
	Name      string
	NameCN    string
	Duration  string // free text: "24m", "00:24:00", "24分"
	Airdate   string // free text, often YYYY-MM-DD
	Desc      string
	Comment   uint32 // ep_comment: the number of comments
	Banned    bool   // ep_ban ≠ 0: hidden everywhere
}

// Ep is the episode's number within its subject: for a main episode its sort counted from
// first, the sort of the subject's first main episode (FirstMainSort: 0 when it has none), so
// that a subject whose episodes continue another's (first sort 23) starts at 1; 0 for every
// other type. Computed in 32-bit floats, like the sort column.
func (e Episode) Ep(first float32) float32 {
	if e.Type != TypeMain {
		return 0
	}
	return e.Sort - first + 1
}

// FirstMain is the order that decides which main episode of a subject comes first: the
// smallest (disc, sort). It reports whether a comes before b.
func FirstMain(a, b Episode) bool {
	if a.Disc != b.Disc {
		return a.Disc < b.Disc
	}
	return a.Sort < b.Sort
}

// clock matches a duration written as [H:]M:S.
var clock = regexp.MustCompile(`^(\d+:)?\d+:\d+$`)

// DurationSeconds derives duration_seconds from the free-text ep_duration (§2.1): "" is 0;
// [H:]M:S with minutes and seconds below 60 (hours unbounded); otherwise Go's duration syntax
// ("24m", "1h30m", "-5m", a bare "0"), truncated to whole seconds. Anything else is 0, and so
// is a value too large for int64 seconds.
func DurationSeconds(s string) int64 {
	if s == "" {
		return 0
	}
	if clock.MatchString(s) {
		parts := strings.Split(s, ":")
		var n [3]int64 // hours, minutes, seconds
		for i, p := range parts {
			v, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return 0 // too many digits
			}
			n[3-len(parts)+i] = v
		}
		h, m, sec := n[0], n[1], n[2]
		if m >= 60 || sec >= 60 || h > (math.MaxInt64-3599)/3600 {
			return 0
		}
		return h*3600 + m*60 + sec
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0
	}
	return int64(d / time.Second)
}
