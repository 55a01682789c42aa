package inmem_test

import (
	"testing"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

func newTimelineStore(_ *testing.T, rows []timeline.Row) (ports.UnitOfWork, func(*testing.T) []timeline.Row) {
	s := inmem.NewStore()
	s.PutTimeline(rows...)
	return s.UnitOfWork(), func(*testing.T) []timeline.Row { return s.TimelineRows() }
}

var _ contracttests.NewTimelineStore = newTimelineStore

func TestTimeline(t *testing.T) { contracttests.TestTimeline(t, newTimelineStore) }

func TestTimelineRedelivery(t *testing.T) { contracttests.TestTimelineRedelivery(t, newTimelineStore) }
