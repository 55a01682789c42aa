package consume

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Metrics counts what the consume loop does, in a registry of the process's own. A nil
// *Metrics counts nothing.
type Metrics struct {
	messages    *prometheus.CounterVec   // topic, outcome
	retries     *prometheus.CounterVec   // topic, cause
	deadLetters *prometheus.CounterVec   // topic
	errors      *prometheus.CounterVec   // op (fetch, commit)
	latency     *prometheus.HistogramVec // topic
	lag         *prometheus.GaugeVec     // topic, partition
}

// NewMetrics registers the loop's metrics in reg:
//
//   - chii_consume_messages_total{topic,outcome}: messages done, by outcome "ok" (handled,
//     then committed) or "dead_letter" (stored in the dead-letter topic, then committed);
//   - chii_consume_retries_total{topic,cause}: messages (or batches) handed over again after
//     a transient failure, cause "handler" or "dead_letter" (the dead-letter write failed);
//   - chii_consume_dead_letters_total{topic}: poison messages stored (or, without a
//     dead-letter topic, logged and acknowledged);
//   - chii_consume_errors_total{op}: failed fetches and commits (each also logged);
//   - chii_consume_handler_seconds{topic}: one handler call (a message, or a batch);
//   - chii_consume_lag_messages{topic,partition}: messages behind the partition's end when
//     the last message of the partition was committed (its high-water mark less its offset
//     less one): 0 once the worker has caught up; it is not updated while a partition is held.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chii", Subsystem: "consume", Name: "messages_total",
			Help: "Messages done (committed), by outcome: ok or dead_letter."}, []string{"topic", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chii", Subsystem: "consume", Name: "retries_total",
			Help: "Messages or batches handed over again after a transient failure, by cause: handler or dead_letter."}, []string{"topic", "cause"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chii", Subsystem: "consume", Name: "dead_letters_total",
			Help: "Poison messages sent to the dead-letter topic (or logged and acknowledged without one)."}, []string{"topic"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chii", Subsystem: "consume", Name: "errors_total",
			Help: "Failed Kafka fetches and commits (each logged), by op."}, []string{"op"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "chii", Subsystem: "consume", Name: "handler_seconds",
			Help: "Duration of one handler call (a message, or a batch).", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"topic"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "chii", Subsystem: "consume", Name: "lag_messages",
			Help: "Messages behind the partition's end when its last message was committed."}, []string{"topic", "partition"}),
	}
	reg.MustRegister(m.messages, m.retries, m.deadLetters, m.errors, m.latency, m.lag)
	for _, op := range []string{"fetch", "commit"} {
		m.errors.WithLabelValues(op)
	}
	return m
}

func (m *Metrics) observe(topic string, d time.Duration) {
	if m != nil {
		m.latency.WithLabelValues(topic).Observe(d.Seconds())
	}
}

func (m *Metrics) done(msgs ...kafka.Message) {
	if m == nil {
		return
	}
	for _, msg := range msgs {
		m.messages.WithLabelValues(msg.Topic, "ok").Inc()
	}
}

func (m *Metrics) retried(topic, cause string) {
	if m != nil {
		m.retries.WithLabelValues(topic, cause).Inc()
	}
}

func (m *Metrics) deadLettered(topic string) {
	if m != nil {
		m.deadLetters.WithLabelValues(topic).Inc()
		m.messages.WithLabelValues(topic, "dead_letter").Inc()
	}
}

func (m *Metrics) failed(op string) {
	if m != nil {
		m.errors.WithLabelValues(op).Inc()
	}
}

// committed sets the lag of each partition of msgs from its last message.
func (m *Metrics) committed(msgs ...kafka.Message) {
	if m == nil {
		return
	}
	for _, msg := range msgs {
		if msg.HighWaterMark > 0 {
			lag := max(msg.HighWaterMark-msg.Offset-1, 0)
			m.lag.WithLabelValues(msg.Topic, strconv.Itoa(msg.Partition)).Set(float64(lag))
		}
	}
}

// ReaderLag is chii_consume_reader_lag: kafka-go's own estimate of how far r is behind
// (Reader.Stats().Lag, read at scrape time; Stats also resets kafka-go's counters, which
// nothing else reads).
func ReaderLag(r *kafka.Reader) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "chii", Subsystem: "consume", Name: "reader_lag",
		Help: "kafka-go's estimate of the messages the reader is behind (Reader.Stats().Lag)."},
		func() float64 { return float64(r.Stats().Lag) })
}
