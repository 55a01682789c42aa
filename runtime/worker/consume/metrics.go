package consume

import (
	"time"

	"github.com/segmentio/kafka-go"
)

// Metrics counts what the consume loop does. A nil *Metrics counts nothing.
type Metrics struct{}

func (m *Metrics) handled(topic string, d time.Duration, err error)               {}
func (m *Metrics) handledBatch(batch []kafka.Message, d time.Duration, err error) {}
func (m *Metrics) retried(topic, what string)                                     {}
func (m *Metrics) deadLettered(topic string)                                      {}
