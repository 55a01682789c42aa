package ports

import (
	"context"

	"github.com/bangumi/chii/domain/revision"
)

// RevisionRepository reads the edit history: chii_subject_revisions for subjects,
// chii_rev_history (⟕ chii_rev_text) for characters, persons and episodes, each revision with
// its creator from chii_members (a zero Creator when the member row is missing). Only the
// chii_rev_history types of the kind are read (revision.Kind.Types).
type RevisionRepository interface {
	// Count counts the revisions of entity entityID of kind k, in one statement.
	Count(ctx context.Context, k revision.Kind, entityID uint32) (int64, error)
	// List pages the revisions of entity entityID of kind k, ORDER BY rev_id DESC, each with
	// its creator, in one statement; Text is never loaded (Subject data is, for subjects). A
	// negative limit means no limit.
	List(ctx context.Context, k revision.Kind, entityID uint32, limit, offset int) ([]revision.Revision, error)
	// Get loads revision id of kind k with its creator and, for characters, persons and
	// episodes, its Text, in one statement. A missing revision, one of another kind, or a
	// missing text row is an error wrapping domain.ErrNotFound.
	Get(ctx context.Context, k revision.Kind, id uint32) (revision.Revision, error)
}
