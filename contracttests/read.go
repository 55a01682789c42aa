package contracttests

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bangumi/chii/domain"
)

// readT0 is the base time of the read suites' fixtures (whole seconds, UTC).
var readT0 = time.Date(2021, 12, 15, 11, 56, 44, 0, time.UTC)

// equateEmpty makes nil and empty slices and maps equal: adapters may return either.
var equateEmpty = cmpopts.EquateEmpty()

// assertEqual fails tb when got differs from want.
func assertEqual(tb testing.TB, what string, want, got any) {
	tb.Helper()
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		tb.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

// assertNotFound fails tb unless err wraps domain.ErrNotFound.
func assertNotFound(tb testing.TB, what string, err error) {
	tb.Helper()
	if !errors.Is(err, domain.ErrNotFound) {
		tb.Errorf("%s: error = %v, want one wrapping domain.ErrNotFound", what, err)
	}
}

// must fails tb at once on err.
func must(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// keys lists the keys of m in ascending order.
func keys[V any](m map[uint32]V) []uint32 { return slices.Sorted(maps.Keys(m)) }
