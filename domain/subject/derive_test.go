package subject_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/subject"
)

func TestNewRating(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		counts [10]uint32
		rank   uint32
		want   subject.Rating
	}{
		{
			// http-v0.md §8.1, GET /v0/subjects/8.
			name:   "Subject8",
			counts: [10]uint32{44, 15, 32, 66, 145, 457, 1472, 3190, 2640, 1377},
			rank:   121,
			want: subject.Rating{
				Rank: 121, Total: 9438, Score: 8.2,
				Count: [10]uint32{44, 15, 32, 66, 145, 457, 1472, 3190, 2640, 1377},
			},
		},
		{
			name: "NoVotesForcesRankToZero",
			rank: 42,
			want: subject.Rating{},
		},
		{
			name:   "SingleVote",
			counts: [10]uint32{9: 1},
			want:   subject.Rating{Total: 1, Count: [10]uint32{9: 1}, Score: 10},
		},
		{
			name:   "AllOnes",
			counts: [10]uint32{0: 7},
			rank:   3,
			want:   subject.Rating{Rank: 3, Total: 7, Count: [10]uint32{0: 7}, Score: 1},
		},
		{
			// mean 7.25 → 72.5 → 73: half away from zero, not to even.
			name:   "HalfRoundsUp",
			counts: [10]uint32{6: 3, 7: 1},
			want:   subject.Rating{Total: 4, Count: [10]uint32{6: 3, 7: 1}, Score: 7.3},
		},
		{
			// mean 7.45 (149/20), not exactly representable as float64.
			name:   "InexactHalfRoundsUp",
			counts: [10]uint32{6: 11, 7: 9},
			want:   subject.Rating{Total: 20, Count: [10]uint32{6: 11, 7: 9}, Score: 7.5},
		},
		{
			// mean 6.5 → 65 exactly, no rounding.
			name:   "ExactOneDecimal",
			counts: [10]uint32{5: 1, 6: 1},
			want:   subject.Rating{Total: 2, Count: [10]uint32{5: 1, 6: 1}, Score: 6.5},
		},
		{
			// mean 1.04 (26/25) → 10.4 → 10.
			name:   "RoundsDown",
			counts: [10]uint32{0: 24, 1: 1},
			want:   subject.Rating{Total: 25, Count: [10]uint32{0: 24, 1: 1}, Score: 1},
		},
		{
			name:   "TotalSaturates",
			counts: [10]uint32{math.MaxUint32, math.MaxUint32},
			want: subject.Rating{
				Total: math.MaxUint32, Count: [10]uint32{math.MaxUint32, math.MaxUint32}, Score: 1.5,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := subject.NewRating(tt.counts, tt.rank)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewRating(%v, %d) mismatch (-want +got):\n%s", tt.counts, tt.rank, diff)
			}
		})
	}
}

// TestNewRating_MatchesExactRounding checks that the float64 score equals
// exact rational rounding, half away from zero, of 10·Σ i·rate_i / total.
func TestNewRating_MatchesExactRounding(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var counts [10]uint32
		limit := uint32(1) << r.IntN(20)
		for i := range counts {
			if r.IntN(3) > 0 {
				counts[i] = r.Uint32N(limit)
			}
		}
		var total, weighted uint64
		for i, c := range counts {
			total += uint64(c)
			weighted += uint64(i+1) * uint64(c)
		}
		if total == 0 {
			continue
		}
		want := float64((20*weighted+total)/(2*total)) / 10
		if got := subject.NewRating(counts, 1).Score; got != want {
			t.Fatalf("NewRating(%v).Score = %v, want %v", counts, got, want)
		}
	}
}

func TestShortSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{name: "Empty", s: "", n: 120, want: ""},
		{name: "Shorter", s: "abc", n: 120, want: "abc"},
		{name: "Exact", s: "abc", n: 3, want: "abc"},
		{name: "ASCII", s: "abcdef", n: 3, want: "abc"},
		{name: "CodePointsNotBytes", s: "　　“东京决战”一年后", n: 4, want: "　　“东"},
		{name: "Emoji", s: "a😀b😀", n: 2, want: "a😀"},
		{name: "CombiningMarkIsOwnCodePoint", s: "e\u0301x", n: 1, want: "e"},
		{name: "Zero", s: "abc", n: 0, want: ""},
		{name: "Negative", s: "abc", n: -1, want: ""},
		{name: "InvalidUTF8ByteCountsOnce", s: "a\xffbc", n: 3, want: "a\xffb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := subject.ShortSummary(tt.s, tt.n); got != tt.want {
				t.Errorf("ShortSummary(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
			}
		})
	}
}

func TestSplitTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "Empty", in: "", want: []string{}},
		{name: "OnlySpaces", in: "   ", want: []string{}},
		{name: "MetaTags", in: "机战 TV 原创 战斗", want: []string{"机战", "TV", "原创", "战斗"}},
		{name: "RepeatedAndOuterSpaces", in: " a  b ", want: []string{"a", "b"}},
		{name: "OnlySpaceSeparates", in: "a\tb\u3000c\nd e", want: []string{"a\tb\u3000c\nd", "e"}},
		{name: "DuplicatesKept", in: "a a", want: []string{"a", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := subject.SplitTags(tt.in)
			if got == nil {
				t.Fatalf("SplitTags(%q) = nil, want non-nil", tt.in)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SplitTags(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
