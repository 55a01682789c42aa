package inmem

import (
	"bytes"
	"context"
	"sync"

	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

var _ ports.TimelinePublisher = (*TimelinePublisher)(nil)

// TimelinePublisher records the timeline messages published to it (tests, demo server).
type TimelinePublisher struct {
	mu       sync.Mutex
	msgs     []timeline.Message
	fail     error
	failures uint64
}

// NewTimelinePublisher returns a publisher that records every message.
func NewTimelinePublisher() *TimelinePublisher { return &TimelinePublisher{} }

// Publish records a copy of msg, or counts a failure and returns the error set by FailWith.
func (p *TimelinePublisher) Publish(_ context.Context, msg timeline.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		p.failures++
		return p.fail
	}
	p.msgs = append(p.msgs, timeline.Message{Key: bytes.Clone(msg.Key), Value: bytes.Clone(msg.Value)})
	return nil
}

// FailWith makes later Publish calls fail with err (nil: succeed again), like a broker that is down.
func (p *TimelinePublisher) FailWith(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = err
}

// Messages returns the recorded messages, oldest first.
func (p *TimelinePublisher) Messages() []timeline.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]timeline.Message, len(p.msgs))
	for i, m := range p.msgs {
		out[i] = timeline.Message{Key: bytes.Clone(m.Key), Value: bytes.Clone(m.Value)}
	}
	return out
}

// Failures counts the Publish calls that failed.
func (p *TimelinePublisher) Failures() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failures
}
