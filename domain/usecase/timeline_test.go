package usecase_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// countingUoW counts transactions, or fails every one with err.
type countingUoW struct {
	inner ports.UnitOfWork
	err   error
	calls int
}

func (u *countingUoW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	u.calls++
	if u.err != nil {
		return u.err
	}
	return u.inner.Do(ctx, fn)
}

func TestTimelineWriter_Write(t *testing.T) {
	mono := timeline.Message{Key: []byte("1"), Value: []byte(`{"op":"mono","message":{"uid":1,"cat":1,"type":1,"id":2,"name":"n","createdAt":5,"source":5}}`)}

	t.Run("InvalidInputStartsNoTransaction", func(t *testing.T) {
		uow := &countingUoW{inner: inmem.NewStore().UnitOfWork()}
		w := usecase.TimelineWriter{UoW: uow}
		for _, v := range []string{`{`, `{"op":"x","message":{}}`, `{"op":"daily","message":{"uid":1,"type":9}}`} {
			if err := w.Write(t.Context(), timeline.Message{Value: []byte(v)}); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("Write(%s) = %v, want ErrInvalid", v, err)
			}
		}
		if err := w.WriteEvent(t.Context(), &timeline.ProgressEpisode{UID: 1}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("WriteEvent(status 0) = %v, want ErrInvalid", err)
		}
		if uow.calls != 0 {
			t.Errorf("%d transactions started, want 0", uow.calls)
		}
	})

	t.Run("StorageErrorIsNotInvalid", func(t *testing.T) {
		down := errors.New("connection refused")
		w := usecase.TimelineWriter{UoW: &countingUoW{err: down}}
		err := w.Write(t.Context(), mono)
		if !errors.Is(err, down) || errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Write() = %v, want the storage error and not ErrInvalid", err)
		}
	})

	t.Run("Writes", func(t *testing.T) {
		s := inmem.NewStore()
		if err := (usecase.TimelineWriter{UoW: s.UnitOfWork()}).Write(t.Context(), mono); err != nil {
			t.Fatal(err)
		}
		want := []timeline.Row{{ID: 1, UID: 1, Cat: 8, Type: 1, Related: "2", Memo: `{"cat":1,"id":2,"name":"n"}`, Source: 5, Dateline: 5}}
		if diff := cmp.Diff(want, s.TimelineRows()); diff != "" {
			t.Errorf("rows mismatch (-want +got):\n%s", diff)
		}
	})
}
