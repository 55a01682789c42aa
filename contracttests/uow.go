package contracttests

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/ports"
)

// NewUnitOfWork returns a fresh store loaded with f: its unit of work, and read ports
// (Characters, Persons and MonoCollects at least) that read its committed state from outside
// any transaction.
type NewUnitOfWork func(t *testing.T, f Fixture) (ports.UnitOfWork, Repos)

// Write-path fixture: users 10, 11 and 12 hold collects, user 20 holds none.
const (
	uowUser1, uowUser2, uowUser3, uowFreshUser uint32 = 10, 11, 12, 20
	uowMissingID                               uint32 = 999
	uowLastRowID                               uint32 = 7
)

var uowT0 = time.Unix(1600000000, 0).UTC()

// UoWFixture is the data TestUnitOfWork and TestCollect load:
//   - character 1 (counter 2: users 10 and 11), 2 (counter 0, no rows), 3 (counter 2: two
//     duplicate rows of user 10), 4 (counter 0 although user 12 holds a row);
//   - person 1 (counter 2: users 10 and 11), 2 (counter 0, no rows).
func UoWFixture() Fixture {
	at := func(s int) time.Time { return uowT0.Add(time.Duration(s) * time.Second) }
	return Fixture{
		Characters: []character.Character{
			{ID: 1, Name: "ルルーシュ・ランペルージ", Role: 1, Collects: 2},
			{ID: 2, Name: "C.C.", Role: 1, Collects: 0},
			{ID: 3, Name: "枢木スザク", Role: 1, Collects: 2},
			{ID: 4, Name: "ナナリー・ランペルージ", Role: 1, Collects: 0},
		},
		Persons: []person.Person{
			{ID: 1, Name: "福山潤", Type: 1, Collects: 2},
			{ID: 2, Name: "ゆかな", Type: 1, Collects: 0},
		},
		MonoCollects: []collect.MonoCollect{
			{ID: 1, Category: mono.Character, TargetID: 1, UserID: uowUser1, CreatedAt: at(0)},
			{ID: 2, Category: mono.Character, TargetID: 1, UserID: uowUser2, CreatedAt: at(10)},
			{ID: 3, Category: mono.Character, TargetID: 3, UserID: uowUser1, CreatedAt: at(20)},
			{ID: 4, Category: mono.Character, TargetID: 3, UserID: uowUser1, CreatedAt: at(20)},
			{ID: 5, Category: mono.Person, TargetID: 1, UserID: uowUser1, CreatedAt: at(30)},
			{ID: 6, Category: mono.Character, TargetID: 4, UserID: uowUser3, CreatedAt: at(40)},
			{ID: 7, Category: mono.Person, TargetID: 1, UserID: uowUser2, CreatedAt: at(50)},
		},
	}
}

// monoState is everything a write-path transaction may change, read through Repos.
type monoState struct {
	Counters map[string]uint32                // "character 1" → collects counter
	Rows     map[string][]collect.MonoCollect // "user 10 character" → List (newest first)
	Counts   map[string]int64                 // "user 10 character" → Count
}

var (
	uowUsers   = []uint32{uowUser1, uowUser2, uowUser3, uowFreshUser}
	uowTargets = map[mono.Category][]uint32{mono.Character: {1, 2, 3, 4}, mono.Person: {1, 2}}
	uowCats    = []mono.Category{mono.Character, mono.Person}
	// equateTime compares instants (adapters may differ in time.Location).
	equateTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
)

func counterKey(cat mono.Category, id uint32) string { return fmt.Sprintf("%s %d", cat.Noun(), id) }
func rowsKey(uid uint32, cat mono.Category) string   { return fmt.Sprintf("user %d %s", uid, cat.Noun()) }

func counterOf(ctx context.Context, r Repos, cat mono.Category, id uint32) (uint32, error) {
	switch cat {
	case mono.Character:
		c, err := r.Characters.Get(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("Characters.Get(%d): %w", id, err)
		}
		return c.Collects, nil
	case mono.Person:
		p, err := r.Persons.Get(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("Persons.Get(%d): %w", id, err)
		}
		return p.Collects, nil
	}
	return 0, fmt.Errorf("unknown category %d", cat)
}

func counterOfT(tb testing.TB, r Repos, cat mono.Category, id uint32) uint32 {
	tb.Helper()
	n, err := counterOf(context.Background(), r, cat, id)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// loadMonoState reads the state; it may run on any goroutine.
func loadMonoState(ctx context.Context, r Repos) (monoState, error) {
	s := monoState{Counters: map[string]uint32{}, Rows: map[string][]collect.MonoCollect{}, Counts: map[string]int64{}}
	for _, cat := range uowCats {
		for _, id := range uowTargets[cat] {
			n, err := counterOf(ctx, r, cat, id)
			if err != nil {
				return s, err
			}
			s.Counters[counterKey(cat, id)] = n
		}
		for _, uid := range uowUsers {
			rows, err := r.MonoCollects.List(ctx, uid, cat, 100, 0)
			if err != nil {
				return s, fmt.Errorf("MonoCollects.List(%d, %s): %w", uid, cat, err)
			}
			n, err := r.MonoCollects.Count(ctx, uid, cat)
			if err != nil {
				return s, fmt.Errorf("MonoCollects.Count(%d, %s): %w", uid, cat, err)
			}
			s.Rows[rowsKey(uid, cat)] = append([]collect.MonoCollect{}, rows...)
			s.Counts[rowsKey(uid, cat)] = n
		}
	}
	return s, nil
}

func readMonoState(tb testing.TB, r Repos) monoState {
	tb.Helper()
	s, err := loadMonoState(context.Background(), r)
	if err != nil {
		tb.Fatalf("read state: %v", err)
	}
	return s
}

func (s monoState) clone() monoState {
	c := monoState{Counters: map[string]uint32{}, Rows: map[string][]collect.MonoCollect{}, Counts: map[string]int64{}}
	for k, v := range s.Counters {
		c.Counters[k] = v
	}
	for k, v := range s.Rows {
		c.Rows[k] = append([]collect.MonoCollect{}, v...)
	}
	for k, v := range s.Counts {
		c.Counts[k] = v
	}
	return c
}

func assertMonoState(tb testing.TB, r Repos, want monoState, when string) {
	tb.Helper()
	if diff := cmp.Diff(want, readMonoState(tb, r), equateTime); diff != "" {
		tb.Errorf("state %s mismatch (-want +got):\n%s", when, diff)
	}
}

// uowWrites makes the changes the rollback subtests expect to vanish: a new collect of
// character 2 by user 20 with its counter, user 10's two rows of character 3 removed with
// its counter, and person 1's counter raised.
func uowWrites(ctx context.Context, t *testing.T, w ports.MonoCollectWriter) {
	t.Helper()
	if err := w.LockTarget(ctx, mono.Character, 2); err != nil {
		t.Fatalf("LockTarget(character 2): %v", err)
	}
	if err := w.Add(ctx, collect.MonoCollect{Category: mono.Character, TargetID: 2, UserID: uowFreshUser, CreatedAt: uowT0}); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if err := w.AddToCounter(ctx, mono.Character, 2, 1); err != nil {
		t.Fatalf("AddToCounter(character 2, +1): %v", err)
	}
	if n, err := w.Remove(ctx, uowUser1, mono.Character, 3); err != nil || n != 2 {
		t.Fatalf("Remove(user 10, character 3) = %d, %v; want 2, nil", n, err)
	}
	if err := w.AddToCounter(ctx, mono.Character, 3, -1); err != nil {
		t.Fatalf("AddToCounter(character 3, -1): %v", err)
	}
	if err := w.AddToCounter(ctx, mono.Person, 1, 5); err != nil {
		t.Fatalf("AddToCounter(person 1, +5): %v", err)
	}
	// The transaction sees its own writes.
	if _, err := w.Find(ctx, uowFreshUser, mono.Character, 2); err != nil {
		t.Errorf("Find of the row added in this transaction: %v", err)
	}
	if _, err := w.Find(ctx, uowUser1, mono.Character, 3); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Find of rows removed in this transaction: err = %v, want ErrNotFound", err)
	}
}

// afterUoWWrites is before with uowWrites applied (row ids aside).
func afterUoWWrites(before monoState) monoState {
	want := before.clone()
	want.Counters[counterKey(mono.Character, 2)]++
	want.Counters[counterKey(mono.Character, 3)]--
	want.Counters[counterKey(mono.Person, 1)] += 5
	k := rowsKey(uowFreshUser, mono.Character)
	want.Rows[k] = []collect.MonoCollect{{Category: mono.Character, TargetID: 2, UserID: uowFreshUser, CreatedAt: uowT0}}
	want.Counts[k] = 1
	k = rowsKey(uowUser1, mono.Character)
	kept := []collect.MonoCollect{}
	for _, c := range want.Rows[k] {
		if c.TargetID != 3 {
			kept = append(kept, c)
		}
	}
	want.Rows[k] = kept
	want.Counts[k] = int64(len(kept))
	return want
}

// zeroNewRowIDs clears the ids of rows the fixture did not hold (adapters number them).
func zeroNewRowIDs(t *testing.T, s monoState) monoState {
	t.Helper()
	for k, rows := range s.Rows {
		for i := range rows {
			if rows[i].ID > uowLastRowID {
				rows[i].ID = 0
			} else if rows[i].ID == 0 {
				t.Errorf("%s: row with id 0: %+v", k, rows[i])
			}
		}
	}
	return s
}

// TestUnitOfWork is the contract of ports.UnitOfWork and the tx-bound ports.MonoCollectWriter:
// commit, rollback on error and on panic, isolation from readers outside the transaction,
// the counter floor at 0, and LockTarget's not-found.
func TestUnitOfWork(t *testing.T, newStore NewUnitOfWork) {
	t.Run("Commit", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			uowWrites(ctx, t, tx.MonoCollects())
			return nil
		})
		if err != nil {
			t.Fatalf("Do() = %v, want nil", err)
		}
		got := readMonoState(t, r)
		row := got.Rows[rowsKey(uowFreshUser, mono.Character)]
		if len(row) == 1 && row[0].ID <= uowLastRowID {
			t.Errorf("new row id = %d, want a fresh id above %d", row[0].ID, uowLastRowID)
		}
		if diff := cmp.Diff(afterUoWWrites(before), zeroNewRowIDs(t, got), equateTime); diff != "" {
			t.Errorf("state after commit mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrorRollsBack", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		sentinel := errors.New("fn failed")
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			uowWrites(ctx, t, tx.MonoCollects())
			return fmt.Errorf("wrapped: %w", sentinel)
		})
		if !errors.Is(err, sentinel) {
			t.Fatalf("Do() = %v, want fn's error", err)
		}
		assertMonoState(t, r, before, "after a failed transaction")
	})

	t.Run("PanicRollsBack", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		type boom struct{ msg string }
		recovered := func() (p any) {
			defer func() { p = recover() }()
			_ = uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
				uowWrites(ctx, t, tx.MonoCollects())
				panic(boom{"fn panicked"})
			})
			return nil
		}()
		if diff := cmp.Diff(any(boom{"fn panicked"}), recovered, cmp.AllowUnexported(boom{})); diff != "" {
			t.Fatalf("Do() did not re-raise fn's panic (-want +got):\n%s", diff)
		}
		assertMonoState(t, r, before, "after a panicking transaction")

		// Nothing of the panicked transaction lingers: the same rows can be written again at once.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		err := uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			uowWrites(ctx, t, tx.MonoCollects())
			return nil
		})
		if err != nil {
			t.Fatalf("Do() after a panic = %v, want nil", err)
		}
		if diff := cmp.Diff(afterUoWWrites(before), zeroNewRowIDs(t, readMonoState(t, r)), equateTime); diff != "" {
			t.Errorf("state after the next commit mismatch (-want +got):\n%s", diff)
		}
	})

	// A caller that goes away in the middle of a transaction (the HTTP client disconnected):
	// nothing is kept, and Do's error says why — context.Canceled, which the HTTP adapter
	// takes for "client gone" — rather than a commit failure, and not "unavailable" (the
	// database did nothing wrong).
	t.Run("CancelledMidTransactionIsCanceled", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			// after runs in fn once ctx is cancelled; fn returns its error.
			after func(ctx context.Context, tx ports.Tx) error
		}{
			{"FnIgnoresCancel", func(context.Context, ports.Tx) error { return nil }},
			// database/sql rolls a transaction back as soon as its context ends; a Commit
			// after that rollback reports sql.ErrTxDone, not the context's error. The pause
			// lets the rollback happen first (without it the test still passes, checking less).
			{"FnReturnsAfterRollback", func(context.Context, ports.Tx) error {
				time.Sleep(100 * time.Millisecond)
				return nil
			}},
			{"FnReturnsStatementError", func(ctx context.Context, tx ports.Tx) error {
				if err := tx.MonoCollects().LockTarget(ctx, mono.Person, 1); err != nil {
					return fmt.Errorf("lock person 1: %w", err)
				}
				return nil
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				uow, r := newStore(t, UoWFixture())
				before := readMonoState(t, r)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				err := uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
					uowWrites(ctx, t, tx.MonoCollects())
					cancel()
					return tc.after(ctx, tx)
				})
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Do() = %v, want an error wrapping context.Canceled", err)
				}
				if errors.Is(err, domain.ErrUnavailable) {
					t.Errorf("Do() = %v, want no domain.ErrUnavailable for a cancelled caller", err)
				}
				assertMonoState(t, r, before, "after a cancelled transaction")
			})
		}
	})

	t.Run("IsolationOfConcurrentReader", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			uowWrites(ctx, t, tx.MonoCollects())
			// A reader outside the transaction, on another goroutine, neither blocks nor sees
			// the uncommitted changes.
			type result struct {
				s   monoState
				err error
			}
			seen := make(chan result, 1)
			go func() {
				s, err := loadMonoState(context.Background(), r)
				seen <- result{s, err}
			}()
			select {
			case got := <-seen:
				if got.err != nil {
					t.Errorf("reader outside the transaction: %v", got.err)
				} else if diff := cmp.Diff(before, got.s, equateTime); diff != "" {
					t.Errorf("reader outside the transaction saw uncommitted changes (-want +got):\n%s", diff)
				}
			case <-time.After(10 * time.Second):
				t.Error("reader outside the transaction blocked for 10s")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Do() = %v, want nil", err)
		}
		if diff := cmp.Diff(afterUoWWrites(before), zeroNewRowIDs(t, readMonoState(t, r)), equateTime); diff != "" {
			t.Errorf("state after commit mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OverlappingWritersBothCount", func(t *testing.T) {
		// A second transaction starts while the first one is open; both raise the same counter.
		// However the adapter orders them (waiting or serialising), neither increment is lost.
		uow, r := newStore(t, UoWFixture())
		before := counterOfT(t, r, mono.Character, 2)
		inc := func(ctx context.Context, tx ports.Tx) error {
			return tx.MonoCollects().AddToCounter(ctx, mono.Character, 2, 1)
		}
		second := make(chan error, 1)
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			if err := inc(ctx, tx); err != nil {
				return err
			}
			go func() { second <- uow.Do(context.Background(), inc) }()
			select { // give the second transaction time to run, or to wait for this one
			case err := <-second:
				second <- err
			case <-time.After(200 * time.Millisecond):
			}
			return nil
		})
		if err != nil {
			t.Fatalf("first Do() = %v, want nil", err)
		}
		select {
		case err := <-second:
			if err != nil {
				t.Fatalf("second Do() = %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("second transaction still blocked 10s after the first one committed")
		}
		if got := counterOfT(t, r, mono.Character, 2); got != before+2 {
			t.Errorf("character 2 collects = %d, want %d (one increment lost)", got, before+2)
		}
	})

	t.Run("CounterNeverBelowZero", func(t *testing.T) {
		for _, tc := range []struct {
			cat   mono.Category
			id    uint32
			delta int
			want  uint32
		}{
			{mono.Character, 2, -1, 0}, // 0 - 1: an unsigned underflow in SQL
			{mono.Character, 1, -1, 1},
			{mono.Character, 3, -5, 0},
			{mono.Person, 2, -1, 0},
			{mono.Person, 1, -2, 0},
			{mono.Person, 2, 3, 3},
		} {
			t.Run(fmt.Sprintf("%s_%d_%+d", tc.cat.Noun(), tc.id, tc.delta), func(t *testing.T) {
				uow, r := newStore(t, UoWFixture())
				before := readMonoState(t, r)
				err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
					return tx.MonoCollects().AddToCounter(ctx, tc.cat, tc.id, tc.delta)
				})
				if err != nil {
					t.Fatalf("AddToCounter(%s %d, %+d) = %v, want nil", tc.cat.Noun(), tc.id, tc.delta, err)
				}
				want := before.clone()
				want.Counters[counterKey(tc.cat, tc.id)] = tc.want
				assertMonoState(t, r, want, "after AddToCounter")
			})
		}
	})

	t.Run("CounterOfMissingTargetIsNoOp", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		for _, cat := range uowCats {
			err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
				return tx.MonoCollects().AddToCounter(ctx, cat, uowMissingID, 1)
			})
			if err != nil {
				t.Errorf("AddToCounter(%s %d) = %v, want nil", cat.Noun(), uowMissingID, err)
			}
		}
		assertMonoState(t, r, before, "after AddToCounter of missing targets")
	})

	t.Run("LockTargetMissingIsNotFound", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		for _, cat := range uowCats {
			var lockErr error
			err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
				w := tx.MonoCollects()
				if err := w.LockTarget(ctx, cat, 1); err != nil {
					t.Errorf("LockTarget(%s 1) = %v, want nil", cat.Noun(), err)
				}
				lockErr = w.LockTarget(ctx, cat, uowMissingID)
				return lockErr
			})
			if !errors.Is(lockErr, domain.ErrNotFound) {
				t.Errorf("LockTarget(%s %d) = %v, want ErrNotFound", cat.Noun(), uowMissingID, lockErr)
			}
			if !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Do() = %v, want fn's ErrNotFound", err)
			}
		}
		assertMonoState(t, r, before, "after failed locks")
	})

	t.Run("RemoveCountsEveryRow", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		var got []int64
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			w := tx.MonoCollects()
			for _, q := range []struct {
				uid uint32
				cat mono.Category
				id  uint32
			}{
				{uowUser1, mono.Character, 3}, // two duplicate rows
				{uowUser1, mono.Character, 2}, // none
				{uowUser1, mono.Person, 3},    // none
				{uowUser2, mono.Person, 1},    // one
			} {
				n, err := w.Remove(ctx, q.uid, q.cat, q.id)
				if err != nil {
					return err
				}
				got = append(got, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Do() = %v, want nil", err)
		}
		if diff := cmp.Diff([]int64{2, 0, 0, 1}, got); diff != "" {
			t.Errorf("Remove() counts mismatch (-want +got):\n%s", diff)
		}
		want := before.clone()
		want.Rows[rowsKey(uowUser1, mono.Character)] = []collect.MonoCollect{UoWFixture().MonoCollects[0]}
		want.Counts[rowsKey(uowUser1, mono.Character)] = 1
		want.Rows[rowsKey(uowUser2, mono.Person)] = []collect.MonoCollect{}
		want.Counts[rowsKey(uowUser2, mono.Person)] = 0
		assertMonoState(t, r, want, "after Remove")
	})

	t.Run("TxReadsMatchReadAdapter", func(t *testing.T) {
		uow, r := newStore(t, UoWFixture())
		before := readMonoState(t, r)
		// List order: prsn_clt_dateline DESC, prsn_clt_id DESC (rows 3 and 4 share a time).
		f := UoWFixture().MonoCollects
		if diff := cmp.Diff([]collect.MonoCollect{f[3], f[2], f[0]}, before.Rows[rowsKey(uowUser1, mono.Character)], equateTime); diff != "" {
			t.Errorf("read adapter List(user 10, character) mismatch (-want +got):\n%s", diff)
		}
		err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
			in := readMonoState(t, Repos{Characters: r.Characters, Persons: r.Persons, MonoCollects: tx.MonoCollects()})
			if diff := cmp.Diff(before, in, equateTime); diff != "" {
				t.Errorf("reads in the transaction differ from the read adapter (-adapter +tx):\n%s", diff)
			}
			w := tx.MonoCollects()
			for _, q := range []struct {
				uid uint32
				cat mono.Category
				id  uint32
			}{{uowUser1, mono.Character, 3}, {uowUser2, mono.Person, 1}, {uowFreshUser, mono.Character, 1}} {
				want, wantErr := r.MonoCollects.Find(ctx, q.uid, q.cat, q.id)
				got, gotErr := w.Find(ctx, q.uid, q.cat, q.id)
				if diff := cmp.Diff(want, got, equateTime); diff != "" || errors.Is(gotErr, domain.ErrNotFound) != errors.Is(wantErr, domain.ErrNotFound) {
					t.Errorf("Find(%d, %s, %d) in tx = %+v, %v; read adapter = %+v, %v", q.uid, q.cat.Noun(), q.id, got, gotErr, want, wantErr)
				}
			}
			// Paging.
			got, err := w.List(ctx, uowUser1, mono.Character, 1, 1)
			if err != nil {
				return err
			}
			if diff := cmp.Diff([]collect.MonoCollect{f[2]}, got, equateTime); diff != "" {
				t.Errorf("List(user 10, character, limit 1, offset 1) in tx mismatch (-want +got):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Do() = %v, want nil", err)
		}
	})
}
