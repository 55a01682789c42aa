package usecase

import (
	"context"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/ports"
)

// Episodes serves the episode reads (http-v0-more.md §2) and the viewer's own progress through
// them (§4).
type Episodes struct {
	Episodes ports.EpisodeRepository
	Subjects ports.SubjectRepository
	Clock    ports.Clock // nil is the system clock
}

// NumberedEpisode is an episode with its number within its subject (episode.Episode.Ep).
type NumberedEpisode struct {
	Episode episode.Episode
	Ep      float32
}

// MarkedEpisode is a numbered episode with the viewer's mark on it (StatusNone and 0 without
// one).
type MarkedEpisode struct {
	NumberedEpisode
	Status    episode.Status
	UpdatedAt int64 // unix seconds the status was set, 0 when unknown
}

// subject checks that subject id exists and that viewer may see it (D1): a banned, locked or
// merged subject lists its episodes, an NSFW one only to a viewer allowed NSFW. Read on every
// request: the answers that depend on it are tagged with the subject and invalidated with it.
func (u *Episodes) subject(ctx context.Context, viewer auth.Auth, id uint32) error {
	sub, err := u.Subjects.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return domain.NotFound()
		}
		return wrap("load subject", err)
	}
	if !sub.VisibleTo(viewer.AllowNSFW(clockOrSystem(u.Clock).Now())) {
		return domain.NotFound()
	}
	return nil
}

func numbered(eps []episode.Episode, first float32) []NumberedEpisode {
	out := make([]NumberedEpisode, len(eps))
	for i, e := range eps {
		out[i] = NumberedEpisode{Episode: e, Ep: e.Ep(first)}
	}
	return out
}

// List pages the episodes f selects (§2.2) if viewer may see their subject. An offset past
// the total is invalid; a subject without such episodes is an empty page whatever the offset.
func (u *Episodes) List(ctx context.Context, viewer auth.Auth, f ports.EpisodeFilter, page Page) (Paged[NumberedEpisode], error) {
	out := Paged[NumberedEpisode]{Items: []NumberedEpisode{}, Page: page}
	if err := u.subject(ctx, viewer, f.SubjectID); err != nil {
		return out, err
	}
	var err error
	if out.Total, err = u.Episodes.Count(ctx, f); err != nil {
		return out, wrap("count episodes", err)
	}
	if out.Total == 0 {
		return out, nil
	}
	if err := checkOffset(page, out.Total); err != nil {
		return out, err
	}
	eps, first, err := u.Episodes.List(ctx, f, page.Limit, page.Offset)
	if err != nil {
		return out, wrap("list episodes", err)
	}
	out.Items = numbered(eps, first)
	return out, nil
}

// Get returns episode id (§2.3) if it is not banned and viewer may see its subject.
func (u *Episodes) Get(ctx context.Context, viewer auth.Auth, id uint32) (NumberedEpisode, error) {
	e, first, err := u.Episodes.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return NumberedEpisode{}, domain.NotFound()
		}
		return NumberedEpisode{}, wrap("load episode", err)
	}
	if err := u.subject(ctx, viewer, e.SubjectID); err != nil {
		return NumberedEpisode{}, err
	}
	return NumberedEpisode{Episode: e, Ep: e.Ep(first)}, nil
}

// needLogin is the answer to an anonymous viewer of its own progress.
func needLogin(viewer auth.Auth) error {
	if !viewer.LoggedIn() {
		return domain.Errorf(domain.ErrUnauthorized, "this API need authorization")
	}
	return nil
}

// marked adds viewer's marks to episodes.
func marked(eps []NumberedEpisode, p episode.Progress) []MarkedEpisode {
	out := make([]MarkedEpisode, len(eps))
	for i, e := range eps {
		st, at := p.Of(e.Episode.ID)
		out[i] = MarkedEpisode{NumberedEpisode: e, Status: st, UpdatedAt: at}
	}
	return out
}

// ListMarked pages the episodes f selects with viewer's marks on them (§4.2), if viewer may
// see their subject; the subject need not be collected. Unlike List there is no offset check:
// a page past the end is empty, with the total.
func (u *Episodes) ListMarked(ctx context.Context, viewer auth.Auth, f ports.EpisodeFilter, page Page) (Paged[MarkedEpisode], error) {
	out := Paged[MarkedEpisode]{Items: []MarkedEpisode{}, Page: page}
	if err := needLogin(viewer); err != nil {
		return out, err
	}
	if err := u.subject(ctx, viewer, f.SubjectID); err != nil {
		return out, err
	}
	progress, err := u.Episodes.Progress(ctx, viewer.UserID, f.SubjectID)
	if err != nil {
		return out, wrap("load episode progress", err)
	}
	if out.Total, err = u.Episodes.Count(ctx, f); err != nil {
		return out, wrap("count episodes", err)
	}
	if out.Total == 0 || int64(page.Offset) >= out.Total {
		return out, nil
	}
	eps, first, err := u.Episodes.List(ctx, f, page.Limit, page.Offset)
	if err != nil {
		return out, wrap("list episodes", err)
	}
	out.Items = marked(numbered(eps, first), progress)
	return out, nil
}

// GetMarked returns episode id with viewer's mark on it (§4.3) if viewer may see its subject.
// bangumi checked no NSFW here and showed an NSFW subject's episode to a young account; chii
// applies D1 as on every other read of the episode (the golden corpus leaves that answer out).
func (u *Episodes) GetMarked(ctx context.Context, viewer auth.Auth, id uint32) (MarkedEpisode, error) {
	if err := needLogin(viewer); err != nil {
		return MarkedEpisode{}, err
	}
	e, first, err := u.Episodes.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return MarkedEpisode{}, domain.NotFound()
		}
		return MarkedEpisode{}, wrap("load episode", err)
	}
	if err := u.subject(ctx, viewer, e.SubjectID); err != nil {
		return MarkedEpisode{}, err
	}
	progress, err := u.Episodes.Progress(ctx, viewer.UserID, e.SubjectID)
	if err != nil {
		return MarkedEpisode{}, wrap("load episode progress", err)
	}
	return marked([]NumberedEpisode{{Episode: e, Ep: e.Ep(first)}}, progress)[0], nil
}
