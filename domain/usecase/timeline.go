package usecase

import (
	"context"

	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

// TimelineWriter writes timeline messages into chii_timeline (the `worker timeline` use case).
type TimelineWriter struct {
	UoW ports.UnitOfWork
}

// Write decodes msg's value and writes it: in one transaction it reads (and locks) the
// message's "previous" row, then inserts a new row or merges into that one (timeline.Plan),
// or writes nothing when that row shows the message was written before (a redelivery).
// The key is not used: the value carries the user id.
//
// An input that can never be written (timeline.Decode, timeline.Plan) is an error of kind
// domain.ErrInvalid, returned before any transaction starts; any other error (storage) may
// succeed when retried, and nothing was written.
func (w TimelineWriter) Write(ctx context.Context, msg timeline.Message) error {
	e, err := timeline.Decode(msg.Value)
	if err != nil {
		return err
	}
	return w.WriteEvent(ctx, e)
}

// WriteEvent writes an already decoded message, as Write does.
func (w TimelineWriter) WriteEvent(ctx context.Context, e timeline.Event) error {
	if _, err := timeline.Plan(e, nil); err != nil { // reject invalid input before any I/O
		return err
	}
	filter := timeline.Previous(e)
	return w.UoW.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		tl := tx.Timeline()
		var prev *timeline.Row
		row, found, err := tl.Previous(ctx, filter)
		if err != nil {
			return wrap("find previous timeline row", err)
		}
		if found {
			prev = &row
		}
		write, err := timeline.Plan(e, prev)
		if err != nil {
			return err
		}
		if write.Written {
			return nil // delivered before: its row is there
		}
		if write.Update != nil {
			if err := tl.Update(ctx, *write.Update); err != nil {
				return wrap("merge timeline row", err)
			}
			return nil
		}
		if _, err := tl.Insert(ctx, *write.Insert); err != nil {
			return wrap("insert timeline row", err)
		}
		return nil
	})
}
