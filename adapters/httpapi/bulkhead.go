package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// bulkheads bound how many requests of one family of routes (subjects, characters, persons,
// users: the first path segment after /v0) may do database work at once, so that one table
// that is locked or slow cannot take every connection of the pool: the other families keep
// theirs. A request that cannot get a slot within bulkheadWait answers 503 with Retry-After.
// Answers from the response cache take no slot.
type bulkheads struct {
	slots map[string]chan struct{}
}

// bulkheadWait is how long a request waits for a slot of its family.
const bulkheadWait = time.Second

func newBulkheads(perFamily int, families ...string) *bulkheads {
	if perFamily <= 0 {
		return nil
	}
	b := &bulkheads{slots: map[string]chan struct{}{}}
	for _, f := range families {
		b.slots[f] = make(chan struct{}, perFamily)
	}
	return b
}

// family is the bulkhead of a route path ("/v0/subjects/{subject_id}/persons" → "subjects").
func family(path string) string {
	rest, _ := strings.CutPrefix(path, "/v0/")
	f, _, _ := strings.Cut(rest, "/")
	return f
}

// errBusy is the answer of a request that found its family's slots taken: the database is too
// slow for it now (503, Retry-After).
var errBusy = unavailableError("all connections of this kind of request are busy")

// acquire takes a slot of fam, waiting at most bulkheadWait; release gives it back. A nil
// bulkheads or an unknown family never waits.
func (b *bulkheads) acquire(ctx context.Context, fam string) (release func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	slots, ok := b.slots[fam]
	if !ok {
		return func() {}, nil
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	default:
	}
	t := time.NewTimer(bulkheadWait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// guard runs h in a slot of its route's family.
func (s *server) guard(path string, h handlerFunc) handlerFunc {
	fam := family(path)
	return func(w http.ResponseWriter, r *http.Request) error {
		release, err := s.bulkheads.acquire(r.Context(), fam)
		if err != nil {
			return err
		}
		defer release()
		return h(w, r)
	}
}
