package usecase

import (
	"context"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

// Collect collects and uncollects characters and persons (decisions D2 and D7).
type Collect struct {
	Characters ports.CharacterRepository
	Persons    ports.PersonRepository
	UoW        ports.UnitOfWork
	Timeline   ports.TimelinePublisher // optional
	Changes    ports.ChangeNotifier    // optional: told after each commit that changed a target
	Clock      ports.Clock             // optional
}

// mayWrite is the NeedLogin + NeedScope(scope) rule of the write endpoints. The HTTP
// middleware applies it too; checking here keeps a row with user id 0 out of the database whatever
// drives the use case.
func mayWrite(viewer auth.Auth, scope string) error {
	if err := needLogin(viewer); err != nil {
		return err
	}
	if !viewer.HasScope(scope) {
		return domain.Errorf(domain.ErrForbidden, "insufficient token scope")
	}
	return nil
}

// targetName loads the target outside the transaction: 404 early, and the name the timeline needs.
// Any state (merged, banned, NSFW) may be collected.
func (c *Collect) targetName(ctx context.Context, cat mono.Category, id uint32) (string, error) {
	var (
		name string
		err  error
	)
	switch cat {
	case mono.Character:
		crt, e := c.Characters.Get(ctx, id)
		name, err = crt.Name, e
	case mono.Person:
		p, e := c.Persons.Get(ctx, id)
		name, err = p.Name, e
	default:
		return "", domain.Errorf(domain.ErrInvalid, "unknown category %d", cat)
	}
	if err != nil {
		if isNotFound(err) {
			return "", domain.NotFound()
		}
		return "", wrap("get "+cat.Noun(), err)
	}
	return name, nil
}

// Add collects the target for the viewer. Collecting twice changes nothing; concurrent
// collects of one target by one user leave one row and one counter increment.
// After the commit it publishes a "mono" timeline message; a failed publish does not fail Add.
func (c *Collect) Add(ctx context.Context, viewer auth.Auth, cat mono.Category, id uint32) error {
	if err := mayWrite(viewer, auth.ScopeWriteCollection); err != nil {
		return err
	}
	name, err := c.targetName(ctx, cat, id)
	if err != nil {
		return err
	}
	now := clockOrSystem(c.Clock).Now()
	added := false
	err = c.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		added = false
		w := tx.MonoCollects()
		if err := w.LockTarget(ctx, cat, id); err != nil {
			if isNotFound(err) {
				return domain.NotFound()
			}
			return err
		}
		if _, err := w.Find(ctx, viewer.UserID, cat, id); err == nil {
			return nil // already collected
		} else if !isNotFound(err) {
			return err
		}
		if err := w.AddToCounter(ctx, cat, id, 1); err != nil {
			return err
		}
		if err := w.Add(ctx, collect.MonoCollect{Category: cat, TargetID: id, UserID: viewer.UserID, CreatedAt: now}); err != nil {
			return err
		}
		added = true
		return nil
	})
	if err != nil {
		if isNotFound(err) {
			return err
		}
		return wrap("add "+cat.Noun()+" collect failed", err)
	}
	if added {
		c.changed(ctx, viewer.UserID, cat, id)
		if c.Timeline != nil {
			c.publish(ctx, viewer.UserID, cat, id, name, now)
		}
	}
	return nil
}

// changed tells the notifier that a committed collect or uncollect changed the target (its
// collect count) and what belongs to the user (its collections).
func (c *Collect) changed(ctx context.Context, uid uint32, cat mono.Category, id uint32) {
	if c.Changes == nil {
		return
	}
	target := ports.EntityCharacter
	if cat == mono.Person {
		target = ports.EntityPerson
	}
	c.Changes.Changed(context.WithoutCancel(ctx), ports.Change{Entity: target, ID: id}, ports.Change{Entity: ports.EntityUser, ID: uid})
}

func (c *Collect) publish(ctx context.Context, uid uint32, cat mono.Category, id uint32, name string, now time.Time) {
	tcat := timeline.MonoCatCharacter
	if cat == mono.Person {
		tcat = timeline.MonoCatPerson
	}
	msg, err := timeline.Mono{
		UID: uid, Cat: tcat, Type: timeline.MonoTypeCollect, ID: id, Name: name,
		CreatedAt: now.Unix(), Source: timeline.SourceAPI,
	}.Encode()
	if err != nil {
		return // a struct of numbers and a string always encodes
	}
	// The publisher bounds its own time and logs (with the whole message) and counts a failure;
	// the collect is committed either way (decision D7).
	_ = c.Timeline.Publish(context.WithoutCancel(ctx), msg)
}

// Remove uncollects the target: every row of the user for it goes and the counter drops by one
// (never below 0). Not collected is ErrNotFound "<noun> not collected".
func (c *Collect) Remove(ctx context.Context, viewer auth.Auth, cat mono.Category, id uint32) error {
	if err := mayWrite(viewer, auth.ScopeWriteCollection); err != nil {
		return err
	}
	if _, err := c.targetName(ctx, cat, id); err != nil {
		return err
	}
	notCollected := domain.Errorf(domain.ErrNotFound, "%s not collected", cat.Noun())
	err := c.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		w := tx.MonoCollects()
		if err := w.LockTarget(ctx, cat, id); err != nil {
			if isNotFound(err) {
				return domain.NotFound()
			}
			return err
		}
		n, err := w.Remove(ctx, viewer.UserID, cat, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return notCollected
		}
		return w.AddToCounter(ctx, cat, id, -1)
	})
	if err != nil {
		if isNotFound(err) {
			return err
		}
		return wrap("remove "+cat.Noun()+" collect failed", err)
	}
	c.changed(ctx, viewer.UserID, cat, id)
	return nil
}
