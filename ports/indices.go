package ports

import (
	"context"

	"github.com/bangumi/chii/domain/index"
)

// IndexRepository reads indices (目录): chii_index with its creator from chii_members (a zero
// Creator when the member row is missing), and the subjects it lists (chii_index_related ⟕
// chii_subjects ⟕ chii_subject_fields). Every method runs one statement.
type IndexRepository interface {
	// Get loads index id whatever its privacy, with its creator and its NSFW flag (a listed
	// subject entry, not removed, of an NSFW subject). A missing index is an error wrapping
	// domain.ErrNotFound.
	Get(ctx context.Context, id uint32) (index.Index, error)
	// CountSubjects counts the subject entries of index id (index.Entry.Listed), only those
	// added with subjectType unless it is 0.
	CountSubjects(ctx context.Context, id uint32, subjectType uint8) (int64, error)
	// ListSubjects pages the same entries ORDER BY idx_rlt_order, idx_rlt_id (D10), each with
	// its subject (zero when the subject row is missing; a subject without a fields row has
	// zero date and rank). A negative limit means no limit.
	ListSubjects(ctx context.Context, id uint32, subjectType uint8, limit, offset int) ([]index.Subject, error)
}
