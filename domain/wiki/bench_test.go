package wiki_test

import (
	"testing"

	"github.com/bangumi/chii/domain/wiki"
)

// BenchmarkParse parses a realistic 36-line subject infobox (subject8).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(subject8)))
	for b.Loop() {
		if _, err := wiki.Parse(subject8); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInfobox(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(character1)))
	for b.Loop() {
		wiki.Infobox(character1)
	}
}
