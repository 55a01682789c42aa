package index_test

import (
	"strings"
	"testing"

	"github.com/bangumi/chii/domain/index"
)

// TestPrintable pins §5.1's rule: letters, marks, numbers, punctuation, symbols, the ASCII
// space and \n \t \r pass; other spaces, controls, zero-width and bidi characters fail.
func TestPrintable(t *testing.T) {
	for s, want := range map[string]bool{
		"":                       true,
		"目录 title, 1! ♪ é\r\n\t": true,
		"a\u0000b":               false, // NUL
		"a\u0001b":               false,
		"a\u3000b":               false, // ideographic space
		"a\u00a0b":               false, // no-break space
		"a\u200bb":               false, // zero-width space
		"a\u202eb":               false, // right-to-left override
		"a\u007fb":               false, // DEL
	} {
		if got := index.Printable(s); got != want {
			t.Errorf("Printable(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestTitleFits counts characters, not bytes (idx_title is a varchar(80)); empty fits (N22).
func TestTitleFits(t *testing.T) {
	for title, want := range map[string]bool{
		"":                      true,
		strings.Repeat("目", 80): true,
		strings.Repeat("目", 81): false,
		strings.Repeat("a", 80): true,
		strings.Repeat("a", 81): false,
	} {
		if got := index.TitleFits(title); got != want {
			t.Errorf("TitleFits(%d runes) = %v, want %v", len([]rune(title)), got, want)
		}
	}
}
