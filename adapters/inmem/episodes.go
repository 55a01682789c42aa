package inmem

import (
	"cmp"
	"context"
	"slices"

	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/ports"
)

var _ ports.EpisodeRepository = EpisodeRepository{}

// EpisodeRepository reads the episodes and the episode progress of a Store.
type EpisodeRepository struct{ s *Store }

// Episodes returns the store's episode repository.
func (s *Store) Episodes() EpisodeRepository { return EpisodeRepository{s} }

func selects(f ports.EpisodeFilter, e episode.Episode) bool {
	return e.SubjectID == f.SubjectID && !e.Banned && (!f.ByType || e.Type == f.Type)
}

func (d *data) countEpisodes(f ports.EpisodeFilter) (n int64) {
	for _, e := range d.episodes {
		if selects(f, e) {
			n++
		}
	}
	return n
}

// firstMain is the sort of the subject's first main episode, 0 when it has none.
func (d *data) firstMain(subjectID uint32) float32 {
	var (
		first episode.Episode
		found bool
	)
	for _, e := range d.episodes {
		if selects(ports.EpisodeFilter{SubjectID: subjectID, Type: episode.TypeMain, ByType: true}, e) &&
			(!found || episode.FirstMain(e, first)) {
			first, found = e, true
		}
	}
	return first.Sort
}

func (r EpisodeRepository) Get(_ context.Context, id uint32) (e episode.Episode, first float32, err error) {
	var found bool
	r.s.read(func(d *data) {
		e, found = d.episodes[id]
		if found && !e.Banned {
			first = d.firstMain(e.SubjectID)
		}
	})
	if !found || e.Banned {
		return episode.Episode{}, 0, notFound("episode")
	}
	return e, first, nil
}

func (r EpisodeRepository) Count(_ context.Context, f ports.EpisodeFilter) (n int64, _ error) {
	r.s.read(func(d *data) { n = d.countEpisodes(f) })
	return n, nil
}

func (r EpisodeRepository) List(_ context.Context, f ports.EpisodeFilter, limit, offset int) (out []episode.Episode, first float32, _ error) {
	r.s.read(func(d *data) {
		for _, e := range d.episodes {
			if selects(f, e) {
				out = append(out, e)
			}
		}
		first = d.firstMain(f.SubjectID)
	})
	slices.SortFunc(out, func(a, b episode.Episode) int {
		return cmp.Or(cmp.Compare(a.Disc, b.Disc), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Sort, b.Sort), cmp.Compare(a.ID, b.ID))
	})
	return page(out, limit, offset), first, nil
}

func (r EpisodeRepository) Progress(_ context.Context, userID, subjectID uint32) (p episode.Progress, err error) {
	r.s.read(func(d *data) { p, _, err = d.readProgress(userID, subjectID) })
	return p, err
}

// readProgress decodes the user's marks on the subject; found is false (and the marks empty)
// when the user has no row.
func (d *data) readProgress(userID, subjectID uint32) (p episode.Progress, found bool, err error) {
	stored, ok := d.progress[progressKey{userID, subjectID}]
	if !ok {
		return episode.Progress{}, false, nil
	}
	if p, err = episode.DecodeProgress(stored); err != nil {
		return nil, true, err
	}
	return p, true, nil
}
