package subject

import (
	"math"
	"strings"
)

// Rating is the score summary of a subject.
type Rating struct {
	Rank  uint32
	Total uint32
	Count [10]uint32 // votes for scores 1..10
	Score float64
}

// NewRating derives the rating from the vote counts. With no votes the whole rating is zero,
// rank included; otherwise the score is the mean vote rounded half away from zero to one decimal.
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
		Total: uint32(total),
		Count: counts,
		Score: math.Round(float64(weighted)/float64(total)*10) / 10,
	}
}

// ShortSummary returns the first n Unicode code points of s.
func ShortSummary(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// SplitTags splits on single spaces and drops empty parts; never nil.
func SplitTags(s string) []string {
	out := []string{}
	for _, t := range strings.Split(s, " ") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}
