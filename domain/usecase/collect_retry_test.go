package usecase_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// errDeadlock stands for MySQL's 1213 "Deadlock found when trying to get lock", which a real
// unit of work answers by running fn again.
var errDeadlock = errors.New("Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction")

// retryingUoW runs fn like a unit of work that retries on deadlock: the first attempt runs fn to
// the end and is then rolled back with errDeadlock, the second attempt commits. Between the two
// it calls between (when set), as another transaction committing in the gap would. After the
// commit it calls afterCommit (when set), before Do returns.
type retryingUoW struct {
	inner       inmem.UnitOfWork
	between     func()
	afterCommit func()
	attempts    int
}

func (u *retryingUoW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	for {
		u.attempts++
		first := u.attempts == 1
		err := u.inner.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			if err := fn(ctx, tx); err != nil {
				return err
			}
			if first {
				return errDeadlock // fn ran to the end; the commit loses the deadlock
			}
			return nil
		})
		if first && errors.Is(err, errDeadlock) {
			if u.between != nil {
				u.between()
			}
			continue
		}
		if err == nil && u.afterCommit != nil {
			u.afterCommit()
		}
		return err
	}
}

// recordingPublisher records each published message and whether its context was already done.
type recordingPublisher struct {
	mu      sync.Mutex
	msgs    []timeline.Message
	ctxErrs []error
}

func (p *recordingPublisher) Publish(ctx context.Context, msg timeline.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, msg)
	p.ctxErrs = append(p.ctxErrs, ctx.Err())
	return nil
}

// recordingNotifier records each Changed call and whether its context was already done.
type recordingNotifier struct {
	mu      sync.Mutex
	calls   [][]ports.Change
	ctxErrs []error
}

func (n *recordingNotifier) Changed(ctx context.Context, changes ...ports.Change) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, changes)
	n.ctxErrs = append(n.ctxErrs, ctx.Err())
}

func TestCollect_Add_DeadlockRetry(t *testing.T) {
	const uid = 30
	viewer := auth.Auth{UserID: uid, Legacy: true}

	t.Run("SecondAttemptAddsPublishesOnce", func(t *testing.T) {
		s := seed()
		uow := &retryingUoW{inner: s.UnitOfWork()}
		pub, notes := &recordingPublisher{}, &recordingNotifier{}
		uc := &usecase.Collect{Characters: s.Characters(), Persons: s.Persons(), UoW: uow, Timeline: pub, Changes: notes, Clock: fixedClock{}}
		before, err := s.Characters().Get(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}

		if err := uc.Add(context.Background(), viewer, mono.Character, 1); err != nil {
			t.Fatalf("Add() = %v, want nil after the retry", err)
		}
		if uow.attempts != 2 {
			t.Fatalf("fn ran %d times, want 2: the test double did not retry", uow.attempts)
		}
		if len(pub.msgs) != 1 {
			t.Errorf("published %d timeline messages, want exactly 1 (one commit)", len(pub.msgs))
		}
		if len(notes.calls) != 1 {
			t.Errorf("ChangeNotifier told %d times, want exactly 1 (one commit)", len(notes.calls))
		}
		after, err := s.Characters().Get(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if after.Collects != before.Collects+1 {
			t.Errorf("collects = %d, want %d: the rolled-back attempt must not count", after.Collects, before.Collects+1)
		}
		if n := countCollects(t, s, uid); n != 1 {
			t.Errorf("user %d has %d character collect rows, want 1", uid, n)
		}
	})

	t.Run("SecondAttemptFindsRowDoesNotPublish", func(t *testing.T) {
		// The first attempt adds (added = true) and is rolled back; meanwhile another request of the
		// same user commits the row, so the second attempt finds it and adds nothing. The flag must
		// follow the attempt that committed.
		s := seed()
		uow := &retryingUoW{inner: s.UnitOfWork(), between: func() {
			s.PutMonoCollect(collect.MonoCollect{Category: mono.Character, TargetID: 1, UserID: uid, CreatedAt: now})
		}}
		pub, notes := &recordingPublisher{}, &recordingNotifier{}
		uc := &usecase.Collect{Characters: s.Characters(), Persons: s.Persons(), UoW: uow, Timeline: pub, Changes: notes, Clock: fixedClock{}}

		if err := uc.Add(context.Background(), viewer, mono.Character, 1); err != nil {
			t.Fatalf("Add() = %v, want nil", err)
		}
		if uow.attempts != 2 {
			t.Fatalf("fn ran %d times, want 2", uow.attempts)
		}
		if len(pub.msgs) != 0 {
			t.Errorf("published %d timeline messages, want 0: the committed attempt added nothing", len(pub.msgs))
		}
		if len(notes.calls) != 0 {
			t.Errorf("ChangeNotifier told %d times, want 0: the committed attempt changed nothing", len(notes.calls))
		}
	})
}

func TestCollect_AfterCommitIgnoresRequestCancel(t *testing.T) {
	s := seed()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The client goes away right after the commit, before Add publishes.
	uow := &retryingUoW{inner: s.UnitOfWork(), attempts: 1, afterCommit: cancel}
	pub, notes := &recordingPublisher{}, &recordingNotifier{}
	uc := &usecase.Collect{Characters: s.Characters(), Persons: s.Persons(), UoW: uow, Timeline: pub, Changes: notes, Clock: fixedClock{}}

	if err := uc.Add(ctx, auth.Auth{UserID: 31, Legacy: true}, mono.Person, 1); err != nil {
		t.Fatalf("Add() = %v, want nil: the collect committed", err)
	}
	if ctx.Err() == nil {
		t.Fatal("the request context was not cancelled; the test would prove nothing")
	}
	if len(pub.msgs) != 1 {
		t.Fatalf("published %d timeline messages, want 1", len(pub.msgs))
	}
	if pub.ctxErrs[0] != nil {
		t.Errorf("Publish got a context that is done (%v), want one that outlives the request", pub.ctxErrs[0])
	}
	if len(notes.calls) != 1 {
		t.Fatalf("ChangeNotifier told %d times, want 1", len(notes.calls))
	}
	if notes.ctxErrs[0] != nil {
		t.Errorf("Changed got a context that is done (%v), want one that outlives the request", notes.ctxErrs[0])
	}
	want := []ports.Change{{Entity: ports.EntityPerson, ID: 1}, {Entity: ports.EntityUser, ID: 31}}
	if got := notes.calls[0]; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Changed(%v), want %v", got, want)
	}
}

func TestCollect_Remove_NotifiesOncePerCommit(t *testing.T) {
	s := seed()
	notes := &recordingNotifier{}
	uow := &retryingUoW{inner: s.UnitOfWork()}
	uc := &usecase.Collect{Characters: s.Characters(), Persons: s.Persons(), UoW: uow, Changes: notes, Clock: fixedClock{}}
	// user 10 collected character 1 in the seed
	if err := uc.Remove(context.Background(), auth.Auth{UserID: 10, Legacy: true}, mono.Character, 1); err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	if uow.attempts != 2 {
		t.Fatalf("fn ran %d times, want 2", uow.attempts)
	}
	if len(notes.calls) != 1 {
		t.Errorf("ChangeNotifier told %d times, want exactly 1", len(notes.calls))
	}
	if n := countCollects(t, s, 10); n != 1 { // 5555 stays
		t.Errorf("user 10 has %d character collect rows, want 1", n)
	}
}

// countCollects is how many character collect rows the user has.
func countCollects(tb testing.TB, s *inmem.Store, uid uint32) int64 {
	tb.Helper()
	n, err := s.MonoCollects().Count(context.Background(), uid, mono.Character)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
