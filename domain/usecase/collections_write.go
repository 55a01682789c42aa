package usecase

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// CollectionWrites changes the viewer's subject collections and episode marks
// (http-v0-more.md §5, §6, with the decisions N1–N13 of D12). Each request is one unit of
// work: the collection row, its tags, the subject's counters and the episode marks commit or
// roll back together; the timeline messages and the change notices follow the commit.
type CollectionWrites struct {
	Subjects ports.SubjectRepository
	Episodes ports.EpisodeRepository
	UoW      ports.UnitOfWork
	Timeline ports.TimelinePublisher // optional
	Changes  ports.ChangeNotifier    // optional
	Clock    ports.Clock             // optional
	// NeedsReview is bangumi's disable-words check of comments and tags (a hit shadow-bans
	// the collection); nil never hits.
	NeedsReview func(string) bool
}

// mayWriteCollection is the route guard again (login, write:collection) plus user_ban (N13).
func mayWriteCollection(viewer auth.Auth) error {
	if err := mayWrite(viewer, auth.ScopeWriteCollection); err != nil {
		return err
	}
	return notBanned(viewer)
}

// EditSubject creates (create, POST) or changes (PATCH) the viewer's collection of subject id
// with the checked edit e (user.CollectionEdit.Check), from client address ip.
func (u *CollectionWrites) EditSubject(ctx context.Context, viewer auth.Auth, id uint32, e user.CollectionEdit, ip string, create bool) error {
	if err := mayWriteCollection(viewer); err != nil {
		return err
	}
	now := clockOrSystem(u.Clock).Now()
	var (
		saved          user.CollectionRecord
		sub            subject.Subject
		subjectChanged bool
	)
	err := u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.SubjectCollections()
		var err error
		if sub, err = w.LockSubject(ctx, id); err != nil {
			if isNotFound(err) {
				return domain.Errorf(domain.ErrNotFound, "subject not found")
			}
			return err
		}
		if !sub.VisibleTo(viewer.AllowNSFW(now)) {
			return domain.Errorf(domain.ErrNotFound, "subject not found")
		}
		if sub.Ban != 0 {
			return domain.Errorf(domain.ErrNotFound, "subject locked or merged")
		}
		if sub.Type != subject.TypeBook && (e.EpStatus != nil || e.VolStatus != nil) {
			return domain.Errorf(domain.ErrInvalid, "can't set 'vol_status' or 'ep_status' on non-book subject")
		}
		rec, found, err := w.Find(ctx, viewer.UserID, id)
		if err != nil {
			return err
		}
		switch {
		case !found && !create:
			return domain.Errorf(domain.ErrNotFound, "subject not collected")
		case !found:
			rec = user.NewCollection(viewer.UserID, id, sub.Type, now, ip)
		case rec.Rate > user.MaxRate || rec.Private > 2:
			return fmt.Errorf("stored collection %d: rate %d, private %d out of range", rec.ID, rec.Rate, rec.Private)
		}
		next := rec.Apply(e, now, ip, u.NeedsReview)
		if e.TagsGiven {
			stored, err := w.ReplaceTags(ctx, viewer.UserID, id, rec.SubjectType, e.Tags, now)
			if err != nil {
				return err
			}
			next.Tags = strings.Join(stored, " ")
		}
		if next.ID, err = w.Save(ctx, next); err != nil {
			return err
		}
		tagsChanged := false
		if old, cur := sortedTags(rec.TagList()), sortedTags(next.TagList()); !slices.Equal(old, cur) {
			if err := w.RecountTags(ctx, id, rec.SubjectType, union(old, cur)); err != nil {
				return err
			}
			tagsChanged = true
		}
		countersChanged, err := w.Recount(ctx, id, affectedRates(rec, next, found))
		if err != nil {
			return err
		}
		saved, subjectChanged = next, tagsChanged || countersChanged
		return nil
	})
	if err != nil {
		if domain.Message(err) != "" {
			return err
		}
		return wrap("update subject collection", err)
	}
	u.changed(ctx, viewer.UserID, id, subjectChanged)
	u.publishSubject(ctx, viewer.UserID, sub, saved, e, now)
	return nil
}

// affectedRates are the rating buckets a change of a collection row from old to next moves:
// its old and new rate, when the rate, the type or the privacy changed (bangumi recounted
// only on a rate change, N5).
func affectedRates(old, next user.CollectionRecord, existed bool) []uint8 {
	if existed && old.Rate == next.Rate && old.Type == next.Type && old.Private == next.Private {
		return nil
	}
	return []uint8{old.Rate, next.Rate}
}

func sortedTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return out
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// changed tells the notifier that the user's collections changed, and the subject when its
// counters or tags did: a write that moves no counter (most episode marks) leaves the subject's
// cached answers and its search document alone on every instance.
func (u *CollectionWrites) changed(ctx context.Context, userID, subjectID uint32, subjectToo bool) {
	if u.Changes == nil {
		return
	}
	changes := []ports.Change{{Entity: ports.EntityUser, ID: userID}}
	if subjectToo {
		changes = append(changes, ports.Change{Entity: ports.EntitySubject, ID: subjectID})
	}
	u.Changes.Changed(context.WithoutCancel(ctx), changes...)
}

// publish sends one timeline message; a failure is the publisher's to log and count (D7, N2).
func (u *CollectionWrites) publish(ctx context.Context, e timeline.Event) {
	if u.Timeline == nil {
		return
	}
	msg, err := timeline.Encode(e)
	if err != nil {
		return // structs of numbers and strings always encode
	}
	_ = u.Timeline.Publish(context.WithoutCancel(ctx), msg)
}

// publishSubject sends §5.7's messages for a collection that is not private (N3): op subject
// when the edit set the type (with the requested type, rate and comment), op progressSubject
// when it set the episode or volume progress.
func (u *CollectionWrites) publishSubject(ctx context.Context, uid uint32, sub subject.Subject, saved user.CollectionRecord, e user.CollectionEdit, now time.Time) {
	if saved.Type == 0 || saved.IsPrivate() {
		return
	}
	if e.Type != nil {
		c := timeline.Collect{ID: saved.ID, Type: *e.Type}
		if e.Rate != nil {
			c.Rate = *e.Rate
		}
		if e.Comment != nil {
			c.Comment = *e.Comment
		}
		u.publish(ctx, &timeline.Subject{UID: uid, Subject: timeline.SubjectRef{ID: sub.ID, Type: sub.Type}, Collect: c,
			CreatedAt: now.Unix(), Source: timeline.SourceAPI})
	}
	if e.EpStatus != nil || e.VolStatus != nil {
		var eps, vols uint32
		if e.EpStatus != nil {
			eps = *e.EpStatus
		}
		if e.VolStatus != nil {
			vols = *e.VolStatus
		}
		u.publish(ctx, &timeline.ProgressSubject{UID: uid,
			Subject:   timeline.SubjectTotals{ID: sub.ID, Type: sub.Type, Eps: sub.Eps, Volumes: sub.Volumes},
			Collect:   timeline.Progress{EpsUpdate: &eps, VolsUpdate: &vols},
			CreatedAt: now.Unix(), Source: timeline.SourceAPI})
	}
}

// MarkEpisodes sets status on the episodes ids of subject id (§6.1): every id must be a
// non-banned episode of the subject (the first that is not is a 400), the subject must be
// collected. The subject's NSFW flag is not checked: a viewer may mark what it collected.
func (u *CollectionWrites) MarkEpisodes(ctx context.Context, viewer auth.Auth, subjectID uint32, ids []uint32, status episode.Status) error {
	if err := mayWriteCollection(viewer); err != nil {
		return err
	}
	if len(ids) == 0 {
		return domain.Errorf(domain.ErrInvalid, "episode_id is required")
	}
	if _, err := u.Subjects.Get(ctx, subjectID); err != nil {
		if isNotFound(err) {
			return domain.NotFound()
		}
		return wrap("load subject", err)
	}
	eps, _, err := u.Episodes.List(ctx, ports.EpisodeFilter{SubjectID: subjectID}, -1, 0)
	if err != nil {
		return wrap("list episodes", err)
	}
	byID := make(map[uint32]episode.Episode, len(eps))
	for _, e := range eps {
		byID[e.ID] = e
	}
	var marked []episode.Episode
	for _, id := range ids {
		e, ok := byID[id]
		if !ok {
			return domain.Errorf(domain.ErrInvalid, "invalid input: episode %d is not episodes of subject %d", id, subjectID)
		}
		marked = append(marked, e)
	}
	return u.mark(ctx, viewer, subjectID, ids, status, progressEpisodeOf(marked))
}

// MarkEpisode sets status on episode id (§6.2).
func (u *CollectionWrites) MarkEpisode(ctx context.Context, viewer auth.Auth, id uint32, status episode.Status) error {
	if err := mayWriteCollection(viewer); err != nil {
		return err
	}
	e, _, err := u.Episodes.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return domain.NotFound()
		}
		return wrap("load episode", err)
	}
	return u.mark(ctx, viewer, e.SubjectID, []uint32{id}, status, &e)
}

// progressEpisodeOf picks the episode a batch mark announces: the last main episode marked, by
// (disc, sort) — what bangumi meant by "the latest episode" (its sort was unstable, §6.4). nil
// when the batch marks no main episode.
func progressEpisodeOf(eps []episode.Episode) *episode.Episode {
	var pick *episode.Episode
	for i := range eps {
		e := &eps[i]
		if e.Type != episode.TypeMain {
			continue
		}
		if pick == nil || episode.FirstMain(*pick, *e) {
			pick = e
		}
	}
	return pick
}

// mark is §6.3 in one unit of work: the collection must exist (type ≠ 0); the marks change
// (N1: a changed status is stored); interest_ep_status becomes the number of marks (N12) and
// the row is touched; the subject's counters are recounted. After the commit, op
// progressEpisode for announce unless the status is none or the collection is private (N3).
func (u *CollectionWrites) mark(ctx context.Context, viewer auth.Auth, subjectID uint32, ids []uint32, status episode.Status, announce *episode.Episode) error {
	now := clockOrSystem(u.Clock).Now()
	var (
		sub            subject.Subject
		saved          user.CollectionRecord
		subjectChanged bool
	)
	err := u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.SubjectCollections()
		var err error
		if sub, err = w.LockSubject(ctx, subjectID); err != nil {
			if isNotFound(err) {
				return domain.NotFound()
			}
			return err
		}
		rec, found, err := w.Find(ctx, viewer.UserID, subjectID)
		if err != nil {
			return err
		}
		if !found || rec.Type == 0 {
			return domain.Errorf(domain.ErrInvalid, "you need to add subject to your collection first")
		}
		pw := tx.EpisodeProgress()
		p, _, err := pw.Progress(ctx, viewer.UserID, subjectID)
		if err != nil {
			return err
		}
		if p.Mark(ids, status, now.Unix()) {
			if err := pw.SaveProgress(ctx, viewer.UserID, subjectID, p, now); err != nil {
				return err
			}
		}
		rec.EpStatus, rec.UpdatedAt = uint32(len(p)), now
		if _, err := w.Save(ctx, rec); err != nil {
			return err
		}
		if subjectChanged, err = w.Recount(ctx, subjectID, nil); err != nil {
			return err
		}
		saved = rec
		return nil
	})
	if err != nil {
		if domain.Message(err) != "" {
			return err
		}
		return wrap("update episode collection", err)
	}
	u.changed(ctx, viewer.UserID, subjectID, subjectChanged)
	if status != episode.StatusNone && announce != nil && !saved.IsPrivate() {
		u.publish(ctx, &timeline.ProgressEpisode{UID: viewer.UserID, Subject: timeline.SubjectRef{ID: sub.ID, Type: sub.Type},
			Episode: timeline.Episode{ID: announce.ID, Status: uint8(status)}, CreatedAt: now.Unix(), Source: timeline.SourceAPI})
	}
	return nil
}
