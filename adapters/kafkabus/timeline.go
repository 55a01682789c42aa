package kafkabus

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

var _ ports.TimelinePublisher = (*TimelinePublisher)(nil)

// TimelineTopic is the topic bangumi's timeline consumer reads.
const TimelineTopic = "timeline"

// Publish bounds (decision D7: a broker that is down never fails a request, nor slows it much).
const (
	// DefaultTimelineAttemptTimeout bounds one attempt (connect, metadata, produce) when
	// WriterOptions.WriteTimeout is 0.
	DefaultTimelineAttemptTimeout = 200 * time.Millisecond
	// TimelineAttempts is how many times Publish tries a message.
	TimelineAttempts = 2
	// TimelineRetryPause separates two attempts.
	TimelineRetryPause = 50 * time.Millisecond
	// timelineMetadataTTL bounds how long the writer keeps a failed first metadata lookup (a
	// broker down when the process started) before asking again; kafka-go's default is 6 s.
	timelineMetadataTTL = 2 * time.Second
)

// TimelinePublisher puts timeline messages on Kafka (key = the acting user id) with a short,
// fixed bound: at most TimelineAttempts attempts of at most the attempt timeout each,
// TimelineRetryPause apart — 450 ms with the defaults. A message it could not deliver is logged
// at error level with its topic, key and value (so it can be replayed) and counted.
type TimelinePublisher struct {
	w        *kafka.Writer
	t        *kafka.Transport
	topic    string
	attempt  time.Duration
	log      *slog.Logger
	failures atomic.Uint64
}

// NewTimelinePublisher returns a publisher for opts.Brokers. opts.Topic defaults to
// TimelineTopic and opts.WriteTimeout, the bound of one attempt, to
// DefaultTimelineAttemptTimeout; opts.Logger receives kafka-go's own logs (nil: none).
// log receives the messages that could not be published (nil: discarded, still counted).
//
// Messages are sent one by one as they come (batch size 1, no batching delay), acknowledged by
// all in-sync replicas, and spread over partitions by a CRC32 hash of the key (librdkafka's
// default, as bangumi's TypeScript producer), so one user's messages stay in order.
func NewTimelinePublisher(opts WriterOptions, log *slog.Logger) (*TimelinePublisher, error) {
	if opts.Topic == "" {
		opts.Topic = TimelineTopic
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultTimelineAttemptTimeout
	}
	w, err := NewWriter(opts)
	if err != nil {
		return nil, err
	}
	t := &kafka.Transport{DialTimeout: opts.WriteTimeout, MetadataTTL: timelineMetadataTTL, ClientID: "chii"}
	w.Transport = t
	w.Balancer = &kafka.CRC32Balancer{}
	w.BatchSize = 1
	w.BatchTimeout = time.Millisecond
	w.MaxAttempts = 1 // Publish retries itself, inside its own bound
	w.WriteTimeout = opts.WriteTimeout
	w.ReadTimeout = opts.WriteTimeout
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &TimelinePublisher{w: w, t: t, topic: opts.Topic, attempt: opts.WriteTimeout, log: log}, nil
}

// Publish sends msg, retrying once. It returns within the publisher's bound whatever the broker
// does (also when ctx has no deadline). On failure it logs and counts the message and returns
// the error; an attempt that timed out may still reach the broker later, so a replayed message
// can be a duplicate (the timeline writer merges mono messages by target id).
func (p *TimelinePublisher) Publish(ctx context.Context, msg timeline.Message) error {
	km := kafka.Message{Key: msg.Key, Value: msg.Value}
	var (
		err      error
		attempts int
	)
	for attempts < TimelineAttempts {
		if attempts > 0 {
			pause := time.NewTimer(TimelineRetryPause)
			select {
			case <-ctx.Done():
			case <-pause.C:
			}
			pause.Stop()
			if ctx.Err() != nil {
				break
			}
		}
		attempts++
		actx, cancel := context.WithTimeout(ctx, p.attempt)
		err = p.w.WriteMessages(actx, km)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	failures := p.failures.Add(1)
	p.log.LogAttrs(context.WithoutCancel(ctx), slog.LevelError, "timeline message not published",
		slog.String("topic", p.topic),
		slog.String("key", string(msg.Key)),
		slog.String("value", string(msg.Value)),
		slog.Int("attempts", attempts),
		slog.Uint64("failures_total", failures),
		slog.String("error", err.Error()),
	)
	return fmt.Errorf("kafkabus: publish timeline message (key %s): %w", msg.Key, err)
}

// Failures counts the messages Publish could not deliver since the publisher was made.
func (p *TimelinePublisher) Failures() uint64 { return p.failures.Load() }

// Close flushes and closes the writer and its connections.
func (p *TimelinePublisher) Close() error {
	err := p.w.Close()
	p.t.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("kafkabus: close timeline writer: %w", err)
	}
	return nil
}
