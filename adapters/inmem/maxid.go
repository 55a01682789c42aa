package inmem

import (
	"context"
	"slices"
)

// MaxID is the greatest subject id of the store, 0 when it has none.
func (r SubjectRepository) MaxID(_ context.Context) (uint32, error) {
	return maxKey(r.s, subjectsOf), nil
}

// MaxID is the greatest character id of the store, 0 when it has none.
func (r CharacterRepository) MaxID(_ context.Context) (uint32, error) {
	return maxKey(r.s, charactersOf), nil
}

// MaxID is the greatest person id of the store, 0 when it has none.
func (r PersonRepository) MaxID(_ context.Context) (uint32, error) {
	return maxKey(r.s, personsOf), nil
}

// IDsAfter lists the store's subject ids greater than after, ascending, at most limit.
func (r SubjectRepository) IDsAfter(_ context.Context, after uint32, limit int) ([]uint32, error) {
	return keysAfter(r.s, subjectsOf, after, limit), nil
}

// IDsAfter lists the store's character ids greater than after, ascending, at most limit.
func (r CharacterRepository) IDsAfter(_ context.Context, after uint32, limit int) ([]uint32, error) {
	return keysAfter(r.s, charactersOf, after, limit), nil
}

// IDsAfter lists the store's person ids greater than after, ascending, at most limit.
func (r PersonRepository) IDsAfter(_ context.Context, after uint32, limit int) ([]uint32, error) {
	return keysAfter(r.s, personsOf, after, limit), nil
}

func maxKey[V any](s *Store, m func(d *data) map[uint32]V) uint32 {
	var out uint32
	s.read(func(d *data) {
		for id := range m(d) {
			out = max(out, id)
		}
	})
	return out
}

// keysAfter returns the keys of m greater than after, ascending, at most limit (none when
// limit < 1); never nil.
func keysAfter[V any](s *Store, m func(d *data) map[uint32]V, after uint32, limit int) []uint32 {
	out := []uint32{}
	if limit < 1 {
		return out
	}
	s.read(func(d *data) {
		for id := range m(d) {
			if id > after {
				out = append(out, id)
			}
		}
	})
	slices.Sort(out)
	return out[:min(len(out), limit)]
}
