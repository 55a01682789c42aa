package ports

import (
	"context"

	"github.com/bangumi/chii/domain/subject"
)

// SubjectBrowser lists subjects by filter (GET /v0/subjects, http-v0-more.md §1): chii_subjects
// ⋈ chii_subject_fields, field_redirect = 0, whatever subject_ban. Each method is one
// statement, whatever the number of subjects.
type SubjectBrowser interface {
	// CountBrowse counts the subjects f selects.
	CountBrowse(ctx context.Context, f subject.BrowseFilter) (int64, error)
	// Browse pages the subjects f selects in f.Sort's order, ties by subject id ascending.
	Browse(ctx context.Context, f subject.BrowseFilter, limit, offset int) ([]subject.Subject, error)
	// BrowseMetaTags lists the wiki meta tags of the subjects ids (whatever the tags' subject
	// type, unlike SubjectRepository.MetaTags), each subject's by tag id; a subject without
	// tags is absent.
	BrowseMetaTags(ctx context.Context, ids []uint32) (map[uint32][]string, error)
}
