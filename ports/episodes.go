package ports

import (
	"context"

	"github.com/bangumi/chii/domain/episode"
)

// EpisodeFilter selects the episodes of a list: the subject's episodes that are not banned,
// only those of Type when ByType.
type EpisodeFilter struct {
	SubjectID uint32
	Type      uint8
	ByType    bool
}

// EpisodeRepository reads episodes (chii_episodes) and users' progress through them
// (chii_ep_status). Every method runs one statement.
type EpisodeRepository interface {
	// Get loads episode id unless it is banned (banned or missing: an error wrapping
	// domain.ErrNotFound), with firstMain, the sort of its subject's first main episode
	// (episode.FirstMain among the subject's non-banned main episodes; 0 when there is none).
	Get(ctx context.Context, id uint32) (ep episode.Episode, firstMain float32, err error)
	// Count counts the episodes f selects.
	Count(ctx context.Context, f EpisodeFilter) (int64, error)
	// List pages the episodes f selects ORDER BY disc, type, sort, id (the id breaks ties,
	// D10), with firstMain of f.SubjectID as Get has it. A negative limit means no limit.
	List(ctx context.Context, f EpisodeFilter, limit, offset int) (eps []episode.Episode, firstMain float32, err error)
	// Progress loads userID's marks on the episodes of subjectID (empty when the user has no
	// progress row). A stored value that cannot be decoded is an error wrapping
	// episode.ErrCorrupt.
	Progress(ctx context.Context, userID, subjectID uint32) (episode.Progress, error)
}
