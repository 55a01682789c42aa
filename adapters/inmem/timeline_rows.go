package inmem

import (
	"context"
	"slices"

	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

var _ ports.TimelineWriter = txTimeline{}

// PutTimeline adds chii_timeline rows; a zero ID gets the next free one. Rows are kept by ID.
func (s *Store) PutTimeline(rows ...timeline.Row) {
	s.write(func(d *data) {
		for _, r := range rows {
			d.addTimelineRow(r)
		}
	})
}

// TimelineRows returns every chii_timeline row, by ID ascending.
func (s *Store) TimelineRows() []timeline.Row {
	var out []timeline.Row
	s.read(func(d *data) { out = slices.Clone(d.timelineRows) })
	return out
}

func (d *data) addTimelineRow(r timeline.Row) uint32 {
	if r.ID == 0 {
		r.ID = d.lastTimelineID + 1
	}
	d.lastTimelineID = max(d.lastTimelineID, r.ID)
	i, _ := slices.BinarySearchFunc(d.timelineRows, r.ID, func(e timeline.Row, id uint32) int {
		return int(int64(e.ID) - int64(id))
	})
	d.timelineRows = slices.Insert(d.timelineRows, i, r)
	return r.ID
}

// Timeline returns the transaction's chii_timeline writer.
func (t memTx) Timeline() ports.TimelineWriter { return txTimeline{d: t.d} }

// txTimeline reads and writes a transaction's copy of the timeline rows; the transaction
// holds the store's only writer slot, which is the lock Previous promises.
type txTimeline struct{ d *data }

func (r txTimeline) Previous(_ context.Context, f timeline.Filter) (timeline.Row, bool, error) {
	for i := len(r.d.timelineRows) - 1; i >= 0; i-- {
		if row := r.d.timelineRows[i]; f.Matches(row) {
			return row, true, nil
		}
	}
	return timeline.Row{}, false, nil
}

// Insert appends r with the next ID (the highest so far plus one, like AUTO_INCREMENT).
func (r txTimeline) Insert(_ context.Context, row timeline.Row) (uint32, error) {
	row.ID = 0
	return r.d.addTimelineRow(row), nil
}

func (r txTimeline) Update(_ context.Context, u timeline.Update) error {
	for i := range r.d.timelineRows {
		if row := &r.d.timelineRows[i]; row.ID == u.ID {
			row.Memo, row.Batch, row.Source = u.Memo, u.Batch, u.Source
			return nil
		}
	}
	return nil
}
