package usecase

import (
	"context"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/ports"
)

// Messages of the index writes (http-v0-more.md §7.6–§7.10), bangumi's texts.
const (
	msgIndexInvalidString = "invalid string"
	msgIndexEmptyEdit     = "request data is empty"
	msgIndexNotCreator    = "you are not the creator of this index"
	msgIndexNotCollected  = "index not collected"
	msgNotAllowed         = "you are not allowed to do this"
	// MsgIndexTitleTooLong is chii's own (N22: bangumi let MySQL truncate the title).
	MsgIndexTitleTooLong = "title too long, only allow less equal than 80 characters"
)

// notBanned is N13: a member holding user_ban may not write. Every write checks it after the
// body's rules, where bangumi checks it for collections (§5.2); the login and scope guards
// (mayWrite) come before the body is read.
func notBanned(viewer auth.Auth) error {
	if viewer.Banned {
		return domain.Errorf(domain.ErrForbidden, msgNotAllowed)
	}
	return nil
}

// CheckIndexText is the rule of a title, a description or a comment: printable (§5.1) ⇒ else
// "invalid string".
func CheckIndexText(texts ...string) error {
	for _, s := range texts {
		if !index.Printable(s) {
			return domain.Errorf(domain.ErrInvalid, msgIndexInvalidString)
		}
	}
	return nil
}

// CheckIndexEdit is §7.7's rule of an edit, in bangumi's order: not empty, printable, then the
// title's length (N22).
func CheckIndexEdit(e index.Edit) error {
	if e.Empty() {
		return domain.Errorf(domain.ErrInvalid, msgIndexEmptyEdit)
	}
	if err := CheckIndexText(e.Title, e.Desc); err != nil {
		return err
	}
	if !index.TitleFits(e.Title) {
		return domain.Errorf(domain.ErrInvalid, MsgIndexTitleTooLong)
	}
	return nil
}

// owned locks index id in tx and checks that viewer made it: deleted or missing ⇒ "index not
// found", another creator ⇒ 403 (N9).
func owned(ctx context.Context, w ports.IndexWriter, viewer auth.Auth, id uint32) (index.Index, error) {
	idx, err := w.Lock(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return index.Index{}, errIndexNotFound()
		}
		return index.Index{}, err
	}
	if idx.Privacy == index.Deleted {
		return index.Index{}, errIndexNotFound()
	}
	if idx.CreatorID != viewer.UserID {
		return index.Index{}, domain.Errorf(domain.ErrForbidden, msgIndexNotCreator)
	}
	return idx, nil
}

// writeErr keeps domain errors (client-safe) and wraps the others.
func writeErr(op string, err error) error {
	if err == nil || domain.Message(err) != "" {
		return err
	}
	return wrap(op, err)
}

// Create makes an index of viewer (§7.6) and returns it with its creator; its times are the
// request's, with sub-second precision as bangumi answers (a later read shows whole seconds).
func (u *Indices) Create(ctx context.Context, viewer auth.Auth, title, desc string) (index.Index, error) {
	if err := mayWrite(viewer, index.ScopeWrite); err != nil {
		return index.Index{}, err
	}
	if err := CheckIndexText(title, desc); err != nil {
		return index.Index{}, err
	}
	if !index.TitleFits(title) {
		return index.Index{}, domain.Errorf(domain.ErrInvalid, MsgIndexTitleTooLong)
	}
	if err := notBanned(viewer); err != nil {
		return index.Index{}, err
	}
	now := clockOrSystem(u.Clock).Now()
	var id uint32
	err := u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) (err error) {
		id, err = tx.Indices().Create(ctx, index.Index{
			Title: title, Desc: desc, CreatedAt: now, UpdatedAt: now, CreatorID: viewer.UserID, Privacy: index.Public,
		})
		return err
	})
	if err != nil {
		return index.Index{}, wrap("create index", err)
	}
	idx, err := u.Indices.Get(ctx, id)
	if err != nil {
		return index.Index{}, wrap("load the new index", err)
	}
	idx.CreatedAt, idx.UpdatedAt = now, now
	return idx, nil
}

// Edit changes the title and/or description of an index viewer made (§7.7).
func (u *Indices) Edit(ctx context.Context, viewer auth.Auth, id uint32, e index.Edit) error {
	if err := mayWrite(viewer, index.ScopeWrite); err != nil {
		return err
	}
	if err := CheckIndexEdit(e); err != nil {
		return err
	}
	if err := notBanned(viewer); err != nil {
		return err
	}
	err := u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.Indices()
		if _, err := owned(ctx, w, viewer, id); err != nil {
			return err
		}
		return w.Edit(ctx, id, e)
	})
	return writeErr("edit index", err)
}

// PutSubject lists subject subjectID in an index viewer made, or sets its order and comment
// when it is listed already (§7.8, POST and PUT alike). The index's subject count is recounted
// and its update time set when an entry was added. The answer is the entry with its subject,
// added now (bangumi's answer, also for an update).
func (u *Indices) PutSubject(ctx context.Context, viewer auth.Auth, indexID, subjectID, order uint32, comment string) (index.Subject, error) {
	if err := mayWrite(viewer, index.ScopeWrite); err != nil {
		return index.Subject{}, err
	}
	if err := CheckIndexText(comment); err != nil {
		return index.Subject{}, err
	}
	if err := notBanned(viewer); err != nil {
		return index.Subject{}, err
	}
	// bangumi's order: the index and its creator, then the subject. Both are read before the
	// transaction (which checks the index again under its lock): a read inside it would hold
	// one pooled connection while waiting for another.
	if err := u.checkOwner(ctx, viewer, indexID); err != nil {
		return index.Subject{}, err
	}
	// Any subject may be listed, whatever its NSFW, ban or redirect state.
	s, err := u.Subjects.Get(ctx, subjectID)
	if err != nil {
		if isNotFound(err) {
			return index.Subject{}, domain.Errorf(domain.ErrNotFound, "subject not found")
		}
		return index.Subject{}, wrap("load subject", err)
	}
	now := clockOrSystem(u.Clock).Now()
	var out index.Subject
	err = u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.Indices()
		if _, err := owned(ctx, w, viewer, indexID); err != nil {
			return err
		}
		e := index.Entry{
			IndexID: indexID, Cat: index.CatSubject, SubjectType: s.Type, TargetID: subjectID,
			Order: order, Comment: comment, AddedAt: now,
		}
		added, err := w.PutSubject(ctx, e)
		if err != nil {
			return err
		}
		touched := time.Time{}
		if added {
			touched = now
		}
		if err := w.RecountSubjects(ctx, indexID, touched); err != nil {
			return err
		}
		out = index.Subject{Entry: e, Subject: s}
		return nil
	})
	if err != nil {
		return index.Subject{}, writeErr("put index subject", err)
	}
	return out, nil
}

// RemoveSubject removes subject subjectID from an index viewer made (§7.9); a subject not
// listed is no error. The count is recounted; the update time is set when an entry went.
func (u *Indices) RemoveSubject(ctx context.Context, viewer auth.Auth, indexID, subjectID uint32) error {
	if err := mayWrite(viewer, index.ScopeWrite); err != nil {
		return err
	}
	if err := notBanned(viewer); err != nil {
		return err
	}
	now := clockOrSystem(u.Clock).Now()
	err := u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.Indices()
		if _, err := owned(ctx, w, viewer, indexID); err != nil {
			return err
		}
		n, err := w.RemoveSubject(ctx, indexID, subjectID)
		if err != nil {
			return err
		}
		touched := time.Time{}
		if n > 0 {
			touched = now
		}
		return w.RecountSubjects(ctx, indexID, touched)
	})
	return writeErr("remove index subject", err)
}

// CheckOwner answers §7.9's index and creator checks without writing, so the HTTP adapter can
// keep bangumi's order (they come before the subject id is parsed).
func (u *Indices) CheckOwner(ctx context.Context, viewer auth.Auth, indexID uint32) error {
	if err := mayWrite(viewer, index.ScopeWrite); err != nil {
		return err
	}
	return u.checkOwner(ctx, viewer, indexID)
}

func (u *Indices) checkOwner(ctx context.Context, viewer auth.Auth, indexID uint32) error {
	idx, err := u.Indices.Get(ctx, indexID)
	if err != nil {
		if isNotFound(err) {
			return errIndexNotFound()
		}
		return wrap("load index", err)
	}
	if idx.Privacy == index.Deleted {
		return errIndexNotFound()
	}
	if idx.CreatorID != viewer.UserID {
		return domain.Errorf(domain.ErrForbidden, msgIndexNotCreator)
	}
	return nil
}

// Collect collects (收藏) index id for viewer (§7.10, N16): the index must be visible to viewer;
// collecting twice changes nothing; idx_collects is recounted in the same transaction.
func (u *Indices) Collect(ctx context.Context, viewer auth.Auth, id uint32) error {
	return u.collect(ctx, viewer, id, true)
}

// Uncollect removes viewer's collect of index id; "index not collected" when there is none.
func (u *Indices) Uncollect(ctx context.Context, viewer auth.Auth, id uint32) error {
	return u.collect(ctx, viewer, id, false)
}

func (u *Indices) collect(ctx context.Context, viewer auth.Auth, id uint32, add bool) error {
	if err := mayWrite(viewer, auth.ScopeWriteCollection); err != nil {
		return err
	}
	if err := notBanned(viewer); err != nil {
		return err
	}
	// Visibility needs the NSFW flag, which the read repository computes.
	if _, ok, err := u.visible(ctx, viewer, id); err != nil {
		return err
	} else if !ok {
		return errIndexNotFound()
	}
	now := clockOrSystem(u.Clock).Now()
	err := u.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.Indices()
		idx, err := w.Lock(ctx, id)
		if err != nil {
			if isNotFound(err) {
				return errIndexNotFound()
			}
			return err
		}
		if idx.Privacy == index.Deleted { // deleted meanwhile
			return errIndexNotFound()
		}
		// The counter is recounted whether or not a row changed: where the store cannot roll
		// back (MyISAM), a request that failed after its row write left it lagging, and the
		// same request sent again repairs it (as the subject writes' recount does).
		if add {
			if _, err := w.AddCollect(ctx, index.Collect{IndexID: id, UserID: viewer.UserID, CreatedAt: now}); err != nil {
				return err
			}
			return w.RecountCollects(ctx, id)
		}
		n, err := w.RemoveCollects(ctx, id, viewer.UserID)
		if err != nil {
			return err
		}
		if err := w.RecountCollects(ctx, id); err != nil {
			return err
		}
		if n == 0 {
			return domain.Errorf(domain.ErrNotFound, msgIndexNotCollected)
		}
		return nil
	})
	return writeErr("index collect", err)
}
