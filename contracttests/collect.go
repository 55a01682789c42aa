package contracttests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// collectNow has nanoseconds on purpose: stored collect times keep whole seconds.
var collectNow = time.Unix(1700000000, 987654321)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// recordingTimeline records what the use case publishes, or fails like a broker that is down.
type recordingTimeline struct {
	mu   sync.Mutex
	msgs []timeline.Message
	fail error
}

func (p *recordingTimeline) Publish(_ context.Context, msg timeline.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.msgs = append(p.msgs, timeline.Message{Key: bytes.Clone(msg.Key), Value: bytes.Clone(msg.Value)})
	return nil
}

func (p *recordingTimeline) messages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []string{}
	for _, m := range p.msgs {
		out = append(out, string(m.Key)+" "+string(m.Value))
	}
	return out
}

// collectTarget is the target each category's subtests collect: no row, counter 0 or more.
type collectTarget struct {
	cat  mono.Category
	id   uint32
	name string
}

var collectTargets = []collectTarget{
	{mono.Character, 2, "C.C."},
	{mono.Person, 1, "福山潤"}, // users 10 and 11 collected it already
}

func collector() auth.Auth {
	return auth.Auth{UserID: uowFreshUser, Scopes: map[string]bool{auth.ScopeWriteCollection: true}}
}

// monoMessage is the timeline message of a collect (key, space, value), per timeline.md §2.
func monoMessage(uid uint32, target collectTarget) string {
	return fmt.Sprintf(`%d {"op":"mono","message":{"uid":%d,"cat":%d,"type":1,"id":%d,"name":%q,"createdAt":%d,"source":5}}`,
		uid, uid, target.cat, target.id, target.name, collectNow.Unix())
}

// TestCollect runs usecase.Collect against a unit of work and read ports of one store:
// collect and uncollect round trips, idempotency, missing targets, the counter floor,
// concurrent collects, a fault after the counter update, and the timeline message (decisions
// D2 and D7).
func TestCollect(t *testing.T, newStore NewUnitOfWork) {
	setup := func(t *testing.T) (*usecase.Collect, *recordingTimeline, Repos) {
		uow, r := newStore(t, UoWFixture())
		tl := &recordingTimeline{}
		return &usecase.Collect{
			Characters: r.Characters, Persons: r.Persons, UoW: uow, Timeline: tl, Clock: fixedClock{collectNow},
		}, tl, r
	}

	for _, target := range collectTargets {
		noun := target.cat.Noun()

		t.Run("AddThenRemove/"+noun, func(t *testing.T) {
			uc, tl, r := setup(t)
			ctx := t.Context()
			before := readMonoState(t, r)

			if err := uc.Add(ctx, collector(), target.cat, target.id); err != nil {
				t.Fatalf("Add() = %v, want nil", err)
			}
			added := before.clone()
			added.Counters[counterKey(target.cat, target.id)]++
			k := rowsKey(uowFreshUser, target.cat)
			added.Rows[k] = []collect.MonoCollect{{Category: target.cat, TargetID: target.id, UserID: uowFreshUser, CreatedAt: time.Unix(collectNow.Unix(), 0)}}
			added.Counts[k] = 1
			if diff := cmp.Diff(added, zeroNewRowIDs(t, readMonoState(t, r)), equateTime); diff != "" {
				t.Errorf("state after Add mismatch (-want +got):\n%s", diff)
			}
			row, err := r.MonoCollects.Find(ctx, uowFreshUser, target.cat, target.id)
			if err != nil || row.ID <= uowLastRowID {
				t.Errorf("Find() after Add = %+v, %v; want a new row", row, err)
			}
			wantMsgs := []string{monoMessage(uowFreshUser, target)}
			if diff := cmp.Diff(wantMsgs, tl.messages()); diff != "" {
				t.Errorf("timeline after Add mismatch (-want +got):\n%s", diff)
			}

			// Collecting again changes nothing and publishes nothing.
			if err := uc.Add(ctx, collector(), target.cat, target.id); err != nil {
				t.Fatalf("second Add() = %v, want nil", err)
			}
			if diff := cmp.Diff(added, zeroNewRowIDs(t, readMonoState(t, r)), equateTime); diff != "" {
				t.Errorf("state after second Add mismatch (-want +got):\n%s", diff)
			}

			if err := uc.Remove(ctx, collector(), target.cat, target.id); err != nil {
				t.Fatalf("Remove() = %v, want nil", err)
			}
			assertMonoState(t, r, before, "after Add then Remove")

			err = uc.Remove(ctx, collector(), target.cat, target.id)
			if !errors.Is(err, domain.ErrNotFound) || domain.Message(err) != noun+" not collected" {
				t.Errorf("second Remove() = %v (message %q), want ErrNotFound %q", err, domain.Message(err), noun+" not collected")
			}
			assertMonoState(t, r, before, "after a second Remove")
			if diff := cmp.Diff(wantMsgs, tl.messages()); diff != "" {
				t.Errorf("timeline at the end mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("MissingTargetIsNotFound/"+noun, func(t *testing.T) {
			uc, tl, r := setup(t)
			before := readMonoState(t, r)
			for name, op := range map[string]func(context.Context, auth.Auth, mono.Category, uint32) error{"Add": uc.Add, "Remove": uc.Remove} {
				err := op(t.Context(), collector(), target.cat, uowMissingID)
				if !errors.Is(err, domain.ErrNotFound) || domain.Message(err) != domain.NotFoundMessage {
					t.Errorf("%s(%s %d) = %v, want ErrNotFound %q", name, noun, uowMissingID, err, domain.NotFoundMessage)
				}
			}
			assertMonoState(t, r, before, "after collects of a missing target")
			if n := len(tl.messages()); n != 0 {
				t.Errorf("%d timeline messages, want 0", n)
			}
		})

		t.Run("ConcurrentAdds/"+noun, func(t *testing.T) {
			uc, tl, r := setup(t)
			before := readMonoState(t, r)
			const n = 50
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					errs[i] = uc.Add(context.Background(), collector(), target.cat, target.id)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Add() #%d = %v, want nil", i, err)
				}
			}
			want := before.clone()
			want.Counters[counterKey(target.cat, target.id)]++
			k := rowsKey(uowFreshUser, target.cat)
			want.Rows[k] = []collect.MonoCollect{{Category: target.cat, TargetID: target.id, UserID: uowFreshUser, CreatedAt: time.Unix(collectNow.Unix(), 0)}}
			want.Counts[k] = 1
			if diff := cmp.Diff(want, zeroNewRowIDs(t, readMonoState(t, r)), equateTime); diff != "" {
				t.Errorf("state after %d concurrent Adds mismatch (-want +got):\n%s", n, diff)
			}
			if diff := cmp.Diff([]string{monoMessage(uowFreshUser, target)}, tl.messages()); diff != "" {
				t.Errorf("timeline after %d concurrent Adds mismatch (-want +got):\n%s", n, diff)
			}
		})

		t.Run("FaultAfterCounterRollsBack/"+noun, func(t *testing.T) {
			uc, tl, r := setup(t)
			before := readMonoState(t, r)
			faulty := &faultyUoW{inner: uc.UoW, err: errors.New("injected: insert failed")}
			uc.UoW = faulty

			err := uc.Add(t.Context(), collector(), target.cat, target.id)
			if !errors.Is(err, faulty.err) {
				t.Errorf("Add() = %v, want the injected error", err)
			}
			if msg := domain.Message(err); msg != "" {
				t.Errorf("Add() carries the client message %q, want none (an internal error)", msg)
			}
			if !faulty.firstRan.Load() {
				t.Fatal("the fault hit the first write; the test must fail the write after the counter update")
			}
			assertMonoState(t, r, before, "after a fault behind the counter update")
			if n := len(tl.messages()); n != 0 {
				t.Errorf("%d timeline messages after a failed collect, want 0", n)
			}
		})

		t.Run("PublishFailureDoesNotFailAdd/"+noun, func(t *testing.T) {
			uc, tl, r := setup(t)
			tl.fail = errors.New("broker down")
			if err := uc.Add(t.Context(), collector(), target.cat, target.id); err != nil {
				t.Fatalf("Add() = %v, want nil although the timeline failed", err)
			}
			if _, err := r.MonoCollects.Find(t.Context(), uowFreshUser, target.cat, target.id); err != nil {
				t.Errorf("Find() after Add = %v, want the committed row", err)
			}
		})
	}

	t.Run("ConcurrentAddsOfManyUsers", func(t *testing.T) {
		// Every transaction's writes survive: no lost update of the counter or of rows.
		uc, tl, r := setup(t)
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				viewer := auth.Auth{UserID: 1000 + uint32(i), Legacy: true}
				errs[i] = uc.Add(context.Background(), viewer, mono.Character, 2)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Add() by user %d = %v, want nil", 1000+i, err)
			}
		}
		if got := counterOfT(t, r, mono.Character, 2); got != n {
			t.Errorf("character 2 collects = %d, want %d", got, n)
		}
		for i := range n {
			if _, err := r.MonoCollects.Find(t.Context(), 1000+uint32(i), mono.Character, 2); err != nil {
				t.Errorf("Find(user %d) = %v, want the row", 1000+i, err)
			}
		}
		if got := len(tl.messages()); got != n {
			t.Errorf("%d timeline messages, want %d", got, n)
		}
	})

	t.Run("ConcurrentAddsOfManyTargets", func(t *testing.T) {
		// Collects of different targets by different users and by one user do not get in
		// each other's way (no deadlock, no error), and each counts once.
		uc, _, r := setup(t)
		before := readMonoState(t, r)
		type job struct {
			uid uint32
			cat mono.Category
			id  uint32
		}
		var jobs []job
		for round := range 10 {
			for _, tg := range []struct {
				cat mono.Category
				id  uint32
			}{{mono.Character, 2}, {mono.Character, 4}, {mono.Person, 2}} {
				jobs = append(jobs, job{2000 + uint32(round), tg.cat, tg.id}) // many users, many targets
				jobs = append(jobs, job{3000, tg.cat, tg.id})                 // one user, many targets
			}
		}
		errs := make([]error, len(jobs))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, j := range jobs {
			wg.Go(func() {
				<-start
				errs[i] = uc.Add(context.Background(), auth.Auth{UserID: j.uid, Legacy: true}, j.cat, j.id)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Add(%+v) = %v, want nil", jobs[i], err)
			}
		}
		// Each target: 10 users + user 3000 (whose 10 adds of it count once) = +11.
		for _, tg := range []struct {
			cat  mono.Category
			id   uint32
			name string
		}{{mono.Character, 2, "character 2"}, {mono.Character, 4, "character 4"}, {mono.Person, 2, "person 2"}} {
			if got, want := counterOfT(t, r, tg.cat, tg.id), before.Counters[tg.name]+11; got != want {
				t.Errorf("%s collects = %d, want %d", tg.name, got, want)
			}
		}
	})

	t.Run("RemoveDeletesDuplicates", func(t *testing.T) {
		uc, _, r := setup(t)
		before := readMonoState(t, r)
		viewer := auth.Auth{UserID: uowUser1, Legacy: true}
		if err := uc.Remove(t.Context(), viewer, mono.Character, 3); err != nil {
			t.Fatalf("Remove() = %v, want nil", err)
		}
		want := before.clone()
		want.Counters[counterKey(mono.Character, 3)] = 1
		k := rowsKey(uowUser1, mono.Character)
		want.Rows[k] = []collect.MonoCollect{UoWFixture().MonoCollects[0]}
		want.Counts[k] = 1
		assertMonoState(t, r, want, "after Remove of duplicate rows")
	})

	t.Run("RemoveNeverBelowZero", func(t *testing.T) {
		uc, _, r := setup(t)
		before := readMonoState(t, r)
		viewer := auth.Auth{UserID: uowUser3, Legacy: true}
		if err := uc.Remove(t.Context(), viewer, mono.Character, 4); err != nil { // counter already 0
			t.Fatalf("Remove() = %v, want nil", err)
		}
		want := before.clone()
		k := rowsKey(uowUser3, mono.Character)
		want.Rows[k] = []collect.MonoCollect{}
		want.Counts[k] = 0
		assertMonoState(t, r, want, "after Remove at counter 0")
	})

	t.Run("NeedsLoginAndScope", func(t *testing.T) {
		uc, tl, r := setup(t)
		before := readMonoState(t, r)
		for _, tc := range []struct {
			name   string
			viewer auth.Auth
			kind   error
			msg    string
		}{
			{"Anonymous", auth.Auth{}, domain.ErrUnauthorized, "this API need authorization"},
			{"NoScope", auth.Auth{UserID: uowFreshUser, Scopes: map[string]bool{"read:collection": true}}, domain.ErrForbidden, "insufficient token scope"},
		} {
			for name, op := range map[string]func(context.Context, auth.Auth, mono.Category, uint32) error{"Add": uc.Add, "Remove": uc.Remove} {
				err := op(t.Context(), tc.viewer, mono.Character, 1)
				if !errors.Is(err, tc.kind) || domain.Message(err) != tc.msg {
					t.Errorf("%s: %s() = %v, want %v %q", tc.name, name, err, tc.kind, tc.msg)
				}
			}
		}
		assertMonoState(t, r, before, "after refused writes")
		if n := len(tl.messages()); n != 0 {
			t.Errorf("%d timeline messages, want 0", n)
		}
	})
}

// faultyUoW wraps a unit of work so that, of the two writes of a collect (the counter update
// and the row insert), the second one fails after the first one succeeded in the same transaction.
type faultyUoW struct {
	inner    ports.UnitOfWork
	err      error
	firstRan atomic.Bool
}

func (u *faultyUoW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	return u.inner.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		return fn(ctx, faultyTx{Tx: tx, u: u, wrote: new(bool)})
	})
}

type faultyTx struct {
	ports.Tx
	u     *faultyUoW
	wrote *bool // a write already succeeded in this transaction
}

func (t faultyTx) MonoCollects() ports.MonoCollectWriter {
	return faultyWriter{MonoCollectWriter: t.Tx.MonoCollects(), tx: t}
}

type faultyWriter struct {
	ports.MonoCollectWriter
	tx faultyTx
}

func (w faultyWriter) write(do func() error) error {
	if *w.tx.wrote {
		return w.tx.u.err
	}
	if err := do(); err != nil {
		return err
	}
	*w.tx.wrote = true
	w.tx.u.firstRan.Store(true)
	return nil
}

func (w faultyWriter) Add(ctx context.Context, c collect.MonoCollect) error {
	return w.write(func() error { return w.MonoCollectWriter.Add(ctx, c) })
}

func (w faultyWriter) AddToCounter(ctx context.Context, cat mono.Category, id uint32, delta int) error {
	return w.write(func() error { return w.MonoCollectWriter.AddToCounter(ctx, cat, id, delta) })
}
