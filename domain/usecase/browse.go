package usecase

import (
	"context"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// Browse serves GET /v0/subjects (http-v0-more.md §1): subjects by type and filters, NSFW ones
// only for viewers allowed to see them (D1), in a documented order with ties by id (D10, N14).
type Browse struct {
	Browser ports.SubjectBrowser
	Clock   ports.Clock // optional
}

// BrowseItem is a listed subject with its wiki meta tags (never nil).
type BrowseItem struct {
	Subject  subject.Subject
	MetaTags []string
}

// List counts the subjects f selects for viewer and pages them with their meta tags: three
// statements whatever the page size (two for an empty result). Type 0 selects nothing. An
// offset past a non-zero total is invalid.
func (b *Browse) List(ctx context.Context, viewer auth.Auth, f subject.BrowseFilter, page Page) (Paged[BrowseItem], error) {
	out := Paged[BrowseItem]{Items: []BrowseItem{}, Page: page}
	if f.Type == 0 {
		return out, nil
	}
	f.AllowNSFW = viewer.AllowNSFW(clockOrSystem(b.Clock).Now())
	var err error
	if out.Total, err = b.Browser.CountBrowse(ctx, f); err != nil {
		return out, wrap("count browse", err)
	}
	if out.Total == 0 {
		return out, nil
	}
	if err := checkOffset(page, out.Total); err != nil {
		return out, err
	}
	subjects, err := b.Browser.Browse(ctx, f, page.Limit, page.Offset)
	if err != nil {
		return out, wrap("browse subjects", err)
	}
	ids := make([]uint32, len(subjects))
	for i, s := range subjects {
		ids[i] = s.ID
	}
	tags, err := b.Browser.BrowseMetaTags(ctx, ids)
	if err != nil {
		return out, wrap("browse meta tags", err)
	}
	for _, s := range subjects {
		t := tags[s.ID]
		if t == nil {
			t = []string{}
		}
		out.Items = append(out.Items, BrowseItem{Subject: s, MetaTags: t})
	}
	return out, nil
}
