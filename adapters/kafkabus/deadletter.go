package kafkabus

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// DeadLetterSuffix names a topic's dead-letter topic: the poison messages of topic t go to
// t + DeadLetterSuffix.
const DeadLetterSuffix = ".dlq"

// Headers a dead letter carries besides the original message's own (which come first).
const (
	HeaderDLQError     = "dlq.error"     // why the message can never be processed
	HeaderDLQTopic     = "dlq.topic"     // the topic it was read from
	HeaderDLQPartition = "dlq.partition" // its partition, decimal
	HeaderDLQOffset    = "dlq.offset"    // its offset, decimal
)

// dlqMetadataTTL bounds how long the writer keeps the metadata of a missing topic before
// asking again (a dead-letter topic created while the worker waits for it).
const dlqMetadataTTL = 2 * time.Second

// DeadLetterWriter produces the messages a worker can never process to their topic's
// dead-letter topic, with the original key and value. It is the consume loop's DeadLetters.
type DeadLetterWriter struct {
	w *kafka.Writer
	t *kafka.Transport
}

// NewDeadLetterWriter returns a writer for opts.Brokers (opts.Topic is not used: each
// message goes to its own topic's dead-letter topic). opts.WriteTimeout bounds one write (0:
// 5s). Messages are acknowledged by all in-sync replicas and spread by a hash of the key, so
// one key's dead letters keep their order. The dead-letter topic is created when the broker
// allows it; otherwise it must exist (a write to a missing topic fails, and the worker
// retries it).
func NewDeadLetterWriter(opts WriterOptions) (*DeadLetterWriter, error) {
	if len(opts.Brokers) == 0 {
		return nil, fmt.Errorf("kafkabus: no brokers")
	}
	timeout := opts.WriteTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	t := &kafka.Transport{DialTimeout: timeout, MetadataTTL: dlqMetadataTTL, ClientID: "chii-dlq"}
	w := &kafka.Writer{
		Addr:                   kafka.TCP(opts.Brokers...),
		Balancer:               &kafka.CRC32Balancer{},
		RequiredAcks:           kafka.RequireAll,
		WriteTimeout:           timeout,
		ReadTimeout:            timeout,
		BatchSize:              1,
		BatchTimeout:           time.Millisecond,
		MaxAttempts:            1, // the consume loop retries with its own backoff
		AllowAutoTopicCreation: true,
		Transport:              t,
	}
	if opts.Logger != nil {
		w.Logger = logAdapter(opts.Logger, slog.LevelDebug, opts.Brokers)
		w.ErrorLogger = logAdapter(opts.Logger, slog.LevelWarn, opts.Brokers)
	}
	return &DeadLetterWriter{w: w, t: t}, nil
}

// DeadLetter produces m's key and value to m.Topic + DeadLetterSuffix with m's headers and
// the dlq.* headers (cause's text, m's topic, partition and offset). It returns nil only once
// the broker acknowledged the write.
func (d *DeadLetterWriter) DeadLetter(ctx context.Context, m kafka.Message, cause error) error {
	errText := "unknown"
	if cause != nil {
		errText = cause.Error()
	}
	headers := make([]kafka.Header, 0, len(m.Headers)+4)
	headers = append(headers, m.Headers...)
	headers = append(headers,
		kafka.Header{Key: HeaderDLQError, Value: []byte(errText)},
		kafka.Header{Key: HeaderDLQTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderDLQPartition, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderDLQOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
	)
	dlq := m.Topic + DeadLetterSuffix
	err := d.w.WriteMessages(ctx, kafka.Message{Topic: dlq, Key: m.Key, Value: m.Value, Headers: headers})
	if err != nil {
		return fmt.Errorf("kafkabus: dead-letter %s/%d/%d to %s: %w", m.Topic, m.Partition, m.Offset, dlq, err)
	}
	return nil
}

// Close flushes and closes the writer and its connections.
func (d *DeadLetterWriter) Close() error {
	err := d.w.Close()
	d.t.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("kafkabus: close dead-letter writer: %w", err)
	}
	return nil
}
