package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Kafka starts an in-process Kafka cluster (kfake, one broker on a loopback
// port, speaking the real protocol) with the given topics created (one
// partition each), and returns its broker addresses. The cluster is closed
// when tb ends. It needs no external service, so it never skips.
func Kafka(tb testing.TB, topics ...string) (brokers []string) {
	tb.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(1, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		tb.Fatalf("testenv: start kfake cluster: %v", err)
	}
	tb.Cleanup(c.Close)
	return c.ListenAddrs()
}

// ReadTopic reads the first n messages of partition 0 of topic, within 30 s; it fails tb when
// fewer arrive.
func ReadTopic(tb testing.TB, brokers []string, topic string, n int) []kafka.Message {
	tb.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: 0, MinBytes: 1, MaxBytes: 10 << 20,
		MaxWait: 200 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(tb.Context(), 30*time.Second)
	defer cancel()
	var out []kafka.Message
	for len(out) < n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			tb.Fatalf("testenv: read %s: %d of %d messages, then %v", topic, len(out), n, err)
		}
		out = append(out, m)
	}
	return out
}

// Header returns the value of m's header key, "<none>" when it has none.
func Header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return "<none>"
}

// CommittedOffset is group's committed offset of partition 0 of topic, -1 when there is none
// (or the broker cannot say).
func CommittedOffset(tb testing.TB, brokers []string, group, topic string) int64 {
	tb.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	resp, err := c.OffsetFetch(tb.Context(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
	if err != nil || resp.Error != nil {
		return -1
	}
	for _, p := range resp.Topics[topic] {
		return p.CommittedOffset
	}
	return -1
}
