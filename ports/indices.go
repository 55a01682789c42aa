package ports

import (
	"context"
	"time"

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

// IndexWriter changes indices (chii_index, chii_index_related, chii_index_collects) in one
// transaction. Its reads see the transaction's own writes and every row committed before they
// run.
//
// Each write that must not be done twice is one statement whose condition is checked by the
// statement itself (an INSERT … SELECT … WHERE NOT EXISTS), and every counter is recomputed
// from the rows by one statement: so concurrent identical requests leave the rows and counters
// one request leaves even where the store cannot lock rows across statements (bangumi's
// MyISAM tables, see ARCHITECTURE.md).
type IndexWriter interface {
	// Lock loads index id (whatever its privacy; Creator and NSFW are left zero) with a
	// locking read, so that writes of one index serialise where the store locks rows. A
	// missing index is an error wrapping domain.ErrNotFound.
	Lock(ctx context.Context, id uint32) (index.Index, error)
	// Create inserts an index (its ID, Creator and NSFW are ignored; Total and Collects are
	// stored as given) and returns its id, higher than every existing one.
	Create(ctx context.Context, i index.Index) (uint32, error)
	// Edit sets the non-empty fields of e on index id (idx_lasttouch unchanged); a missing
	// index is left alone without an error.
	Edit(ctx context.Context, id uint32, e index.Edit) error
	// PutSubject adds e (IndexID, SubjectType, TargetID, Order, Comment, AddedAt; its ID, Cat
	// and Removed are ignored: a subject entry, not removed) unless the index already lists
	// e.TargetID as an entry that is not removed (of any cat, §7.8), and then sets that entry's
	// order and comment instead. added reports an insert.
	PutSubject(ctx context.Context, e index.Entry) (added bool, err error)
	// RemoveSubject marks removed (idx_rlt_ban = 1) every entry of the index for subjectID
	// that is not removed yet (of any cat) and returns how many it marked.
	RemoveSubject(ctx context.Context, indexID, subjectID uint32) (int64, error)
	// RecountSubjects sets the index's idx_subject_total to its entries that are not removed
	// (of any cat, §7.8) and, unless touched is zero, idx_lasttouch to touched.
	RecountSubjects(ctx context.Context, indexID uint32, touched time.Time) error
	// AddCollect inserts c unless the user already holds a row for the index; added reports an
	// insert.
	AddCollect(ctx context.Context, c index.Collect) (added bool, err error)
	// RemoveCollects deletes every row of the user for the index and returns how many there were.
	RemoveCollects(ctx context.Context, indexID, userID uint32) (int64, error)
	// RecountCollects sets the index's idx_collects to the number of distinct users holding a
	// row for it (N16).
	RecountCollects(ctx context.Context, indexID uint32) error
	// Collectors lists the user id of every chii_index_collects row of the index (duplicates
	// included), ascending.
	Collectors(ctx context.Context, indexID uint32) ([]uint32, error)
}
