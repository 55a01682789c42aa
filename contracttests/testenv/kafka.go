package testenv

import (
	"testing"

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
