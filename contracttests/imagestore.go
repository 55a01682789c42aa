package contracttests

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/ports"
)

// NewImageStore returns a store holding paths, and a lister of the paths it holds.
type NewImageStore func(t *testing.T, paths []string) (store ports.ImageStore, list func() []string)

// TestImageStore is the suite of ports.ImageStore.
func TestImageStore(t *testing.T, newStore NewImageStore) {
	paths := []string{
		"/pic/user/l/000/00/00/1.jpg",
		"/pic/user/l/000/00/00/1.jpg/200x200",
		"/pic/user/l/000/00/00/1.jpg/400x0",
		"/pic/user/l/000/00/00/10.jpg",
		"/pic/user/l/000/00/00/1.jp",
		"/hd/pic/user/l/000/00/00/1.jpg",
		"pic/user/l/000/00/00/1.jpg",
	}
	t.Run("DeletesEveryPathUnderThePrefixOnly", func(t *testing.T) {
		s, list := newStore(t, paths)
		n, err := s.DeletePrefix(t.Context(), "/pic/user/l/000/00/00/1.jpg")
		if err != nil || n != 3 {
			t.Errorf("DeletePrefix() = %d, %v; want 3, nil", n, err)
		}
		want := []string{"/hd/pic/user/l/000/00/00/1.jpg", "/pic/user/l/000/00/00/1.jp", "/pic/user/l/000/00/00/10.jpg", "pic/user/l/000/00/00/1.jpg"}
		got := list()
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("paths left (-want +got):\n%s", diff)
		}
	})
	t.Run("NothingUnderThePrefixIsNoError", func(t *testing.T) {
		s, list := newStore(t, paths)
		if n, err := s.DeletePrefix(t.Context(), "/pic/user/l/999/"); n != 0 || err != nil {
			t.Errorf("DeletePrefix() = %d, %v; want 0, nil", n, err)
		}
		if got := list(); len(got) != len(paths) {
			t.Errorf("%d paths left, want all %d", len(got), len(paths))
		}
	})
}
