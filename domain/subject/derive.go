package subject

import (
	"math"
	"strings"
)

// Rating is the score summary of a subject (http-v0.md §1.10).
type Rating struct {
	Rank  uint32
	Total uint32
	Count [10]uint32 // Count[i] is the number of votes for score i+1
	Score float64
}

// NewRating derives the rating from the vote counts (chii_subject_fields
// field_rate_1..field_rate_10) and field_rank.
//
// With no votes the whole rating is zero, rank included. Otherwise the score
// is round(Σ i·rate_i / total × 10) / 10, rounded half away from zero, and
// the rank is kept. A total above math.MaxUint32 saturates.
func NewRating(counts [10]uint32, rank uint32) Rating {
	var total, weighted uint64
	for i, c := range counts {
		total += uint64(c)
		weighted += uint64(i+1) * uint64(c)
	}
	if total == 0 {
		return Rating{}
	}
	return Rating{
		Rank:  rank,
		Total: uint32(min(total, math.MaxUint32)),
		Count: counts,
		// float64 like bangumi's server; for these inputs it equals exact
		// rational rounding (see TestNewRating_MatchesExactRounding).
		Score: math.Round(float64(weighted)/float64(total)*10) / 10,
	}
}

// ShortSummary returns the first n Unicode code points of s ("" when n <= 0).
// An invalid UTF-8 byte counts as one code point and is kept as is.
func ShortSummary(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// SplitTags splits s on single spaces and drops the empty parts. The result
// is never nil.
func SplitTags(s string) []string {
	out := make([]string, 0, strings.Count(s, " ")+1)
	for t := range strings.SplitSeq(s, " ") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}
