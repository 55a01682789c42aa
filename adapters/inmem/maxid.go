package inmem

import "context"

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

func maxKey[V any](s *Store, m func(d *data) map[uint32]V) uint32 {
	var out uint32
	s.read(func(d *data) {
		for id := range m(d) {
			out = max(out, id)
		}
	})
	return out
}
