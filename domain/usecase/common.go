package usecase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/ports"
)

// Page is a validated limit/offset pair.
type Page struct {
	Limit  int
	Offset int
}

// checkOffset applies the hard pagination rule: an offset past the total is invalid
// (offset == total is allowed and yields an empty page).
func checkOffset(p Page, total int64) error {
	if total > 0 && int64(p.Offset) > total {
		return domain.Errorf(domain.ErrInvalid, "offset should be less than or equal to %d", total)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }

// systemClock is the process clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func clockOrSystem(c ports.Clock) ports.Clock {
	if c == nil {
		return systemClock{}
	}
	return c
}

// cached reads key from cache, or loads and stores it for ttl. A nil cache, a cache error
// or an undecodable entry fall through to load: caches never decide an answer.
func cached[T any](ctx context.Context, cache ports.Cache, key string, ttl time.Duration, load func() (T, error)) (T, error) {
	if cache != nil {
		if raw, ok, err := cache.Get(ctx, key); err == nil && ok {
			var v T
			if json.Unmarshal(raw, &v) == nil {
				return v, nil
			}
		}
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if cache != nil {
		if raw, err := json.Marshal(v); err == nil {
			_ = cache.Set(ctx, key, raw, ttl) // best effort: a cache outage only costs a reload
		}
	}
	return v, nil
}

// uniq returns ids without duplicates, in first-seen order.
func uniq(ids []uint32) []uint32 {
	seen := make(map[uint32]struct{}, len(ids))
	out := make([]uint32, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

func wrap(op string, err error) error { return fmt.Errorf("%s: %w", op, err) }
