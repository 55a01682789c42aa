package ports

import (
	"context"
	"time"

	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
)

// SubjectCollectionWriter changes users' subject collections (chii_subject_interests), their
// tags (chii_tag_neue_index, chii_tag_neue_list) and the subject's counters (chii_subjects,
// chii_subject_fields) in one transaction.
type SubjectCollectionWriter interface {
	// LockSubject loads the subject, whatever its state, and locks its row until the
	// transaction ends: every write that moves a subject's counters takes it first, so
	// recounts of one subject never interleave. A missing subject is domain.ErrNotFound.
	LockSubject(ctx context.Context, id uint32) (subject.Subject, error)
	// Find returns the user's row for the subject whatever its type (0 included), locked until
	// the transaction ends; found is false when there is none.
	Find(ctx context.Context, userID, subjectID uint32) (r user.CollectionRecord, found bool, err error)
	// Save writes r: an insert when r.ID is 0 (it returns the new id), otherwise an update of
	// every column of row r.ID.
	Save(ctx context.Context, r user.CollectionRecord) (uint32, error)
	// ReplaceTags makes the user's tag rows of the subject exactly tags: an index row of
	// subjectType is created for a name that matches none (case-insensitively), one list row
	// per matching index row. It returns the stored names of those index rows sorted by
	// bytes, the new interest_tag.
	ReplaceTags(ctx context.Context, userID, subjectID uint32, subjectType uint8, tags []string, now time.Time) ([]string, error)
	// RecountTags recomputes the tag_results of the index rows of subjectType named by names
	// (the number of users tagging anything with them) and the subject's field_tags: its 30
	// most used tags by number of users, ties by name.
	RecountTags(ctx context.Context, subjectID uint32, subjectType uint8, names []string) error
	// Recount recomputes from the rows the subject's collection counters of the types that
	// have rows (interest_type 1–5, every privacy; a type without rows keeps its stored
	// counter, as the recorded answers have it) and its rating buckets of rates (1–10; others
	// ignored): the rated rows with interest_type ≠ 0 that are not shadow-banned (D12 on N5).
	// changed reports whether a stored counter or bucket took another value.
	Recount(ctx context.Context, subjectID uint32, rates []uint8) (changed bool, err error)
}

// EpisodeProgressWriter changes users' progress through a subject's episodes (chii_ep_status).
type EpisodeProgressWriter interface {
	// Progress reads the user's marks on the subject's episodes; found is false when the user
	// has no row. A stored value that cannot be decoded is an error wrapping
	// episode.ErrCorrupt.
	Progress(ctx context.Context, userID, subjectID uint32) (p episode.Progress, found bool, err error)
	// SaveProgress stores the whole map (episode.EncodeProgress), inserting the row when the
	// user has none, and touches it at now.
	SaveProgress(ctx context.Context, userID, subjectID uint32, p episode.Progress, now time.Time) error
}
