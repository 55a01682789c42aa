package consume

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/runtime/internal/backoff"
)

// DeadLetters receives the messages that can never be processed. DeadLetter returns nil only
// once m (its key, value and headers) and cause are stored durably (kafkabus.DeadLetterWriter:
// produced to <topic>.dlq and acknowledged); only then does the loop commit m.
type DeadLetters interface {
	DeadLetter(ctx context.Context, m kafka.Message, cause error) error
}

// Permanent reports whether a handler's error means the message can never be processed: it
// wraps domain.ErrInvalid (not JSON, an unknown shape or op, rejected input). Every other error
// is transient: the message is handed to the handler again.
func Permanent(err error) bool { return errors.Is(err, domain.ErrInvalid) }

// Poison is a BatchHandler's answer for a batch whose every message is done except the
// poison ones: Errs maps the index of each in the batch to why it can never be processed (an
// error for which Permanent holds, or not: the handler has decided). The loop dead-letters
// them and commits the batch.
type Poison struct {
	Errs map[int]error
}

func (p *Poison) Error() string {
	idx := make([]int, 0, len(p.Errs))
	for i := range p.Errs {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	parts := make([]string, len(idx))
	for n, i := range idx {
		parts[n] = fmt.Sprintf("message %d: %v", i, p.Errs[i])
	}
	return "poison messages: " + strings.Join(parts, "; ")
}

// deadLetterUntilDone stores m with cause in dl until that succeeded (true) or ctx is
// cancelled (false: m stays uncommitted). A failed store is transient: it is retried with
// backoff and holds the partition, since committing m without it would lose m. Without dl
// (a consumer whose dead letters another process keeps) m is logged and acknowledged.
func deadLetterUntilDone(ctx, workCtx context.Context, l loop, m kafka.Message, cause error) bool {
	if l.dl == nil {
		l.logger.Error("poison message acknowledged without dead-letter topic; replay it from this line once fixed",
			"topic", m.Topic, "partition", m.Partition, "offset", m.Offset,
			"key", string(m.Key), "value", string(m.Value), "err", cause.Error())
		l.metrics.deadLettered(m.Topic)
		return true
	}
	bo := backoff.Backoff{Min: l.minBackoff, Max: l.maxBackoff}
	for attempt := 1; ; attempt++ {
		err := l.dl.DeadLetter(workCtx, m, cause)
		if err == nil {
			l.logger.Warn("poison message sent to the dead-letter topic",
				"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", cause.Error())
			l.metrics.deadLettered(m.Topic)
			return true
		}
		wait := bo.Next()
		l.metrics.retried(m.Topic, "dead_letter")
		l.logger.Error("dead-letter write failed; retrying, nothing after the message is committed",
			"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "attempt", attempt,
			"retry_in", wait.Round(time.Millisecond).String(), "cause", cause.Error(), "err", err.Error())
		if ctx.Err() != nil || !backoff.Sleep(ctx, wait) {
			return false
		}
	}
}
