package usecase

import (
	"context"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/ports"
)

// Indices serves the index (目录) reads (http-v0-more.md §7.4, §7.5) and writes (§7.6–§7.10).
// Visibility is decided on every request from the stored row (no cache: N8, D1).
type Indices struct {
	Indices ports.IndexRepository
	// The writes (indices_write.go) need UoW and Subjects; the reads do not.
	UoW      ports.UnitOfWork
	Subjects ports.SubjectRepository
	Clock    ports.Clock // nil is the system clock
}

// errIndexNotFound is §7.4's 404; §7.5 answers the generic one (N20: kept verbatim).
func errIndexNotFound() error { return domain.Errorf(domain.ErrNotFound, "index not found") }

// visible loads index id as viewer may see it (index.Index.VisibleTo); ok is false when it is
// missing or hidden.
func (u *Indices) visible(ctx context.Context, viewer auth.Auth, id uint32) (idx index.Index, ok bool, err error) {
	idx, err = u.Indices.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return index.Index{}, false, nil
		}
		return index.Index{}, false, wrap("load index", err)
	}
	if !idx.VisibleTo(viewer.UserID, viewer.AllowNSFW(clockOrSystem(u.Clock).Now())) {
		return index.Index{}, false, nil
	}
	return idx, true, nil
}

// Get returns index id if viewer may see it, else "index not found".
func (u *Indices) Get(ctx context.Context, viewer auth.Auth, id uint32) (index.Index, error) {
	idx, ok, err := u.visible(ctx, viewer, id)
	if err != nil {
		return index.Index{}, err
	}
	if !ok {
		return index.Index{}, errIndexNotFound()
	}
	return idx, nil
}

// ListSubjects pages the subjects of index id (of subjectType unless 0) if viewer may see the
// index, else the generic not found. The subjects are not NSFW-filtered one by one: an index
// listing an NSFW subject is hidden whole. An offset past the total is invalid.
func (u *Indices) ListSubjects(ctx context.Context, viewer auth.Auth, id uint32, subjectType uint8, page Page) (Paged[index.Subject], error) {
	out := Paged[index.Subject]{Items: []index.Subject{}, Page: page}
	_, ok, err := u.visible(ctx, viewer, id)
	if err != nil {
		return out, err
	}
	if !ok {
		return out, domain.NotFound()
	}
	if out.Total, err = u.Indices.CountSubjects(ctx, id, subjectType); err != nil {
		return out, wrap("count index subjects", err)
	}
	if out.Total == 0 {
		return out, nil
	}
	if err := checkOffset(page, out.Total); err != nil {
		return out, err
	}
	if out.Items, err = u.Indices.ListSubjects(ctx, id, subjectType, page.Limit, page.Offset); err != nil {
		return out, wrap("list index subjects", err)
	}
	return out, nil
}
