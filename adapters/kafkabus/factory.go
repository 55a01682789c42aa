// Package kafkabus holds the Kafka adapters (event publishing) and the
// kafka-go Reader/Writer builders the runtime's workers use.
package kafkabus

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// ReaderOptions configures NewReader.
type ReaderOptions struct {
	Brokers []string // host:port each
	Topics  []string // consumed as one consumer group
	GroupID string
	// Logger receives kafka-go's errors (warn, with the broker addresses)
	// and its chatter (debug). Nil discards them.
	Logger *slog.Logger
	// MaxWait bounds one fetch long-poll; 0 means 1s.
	MaxWait time.Duration
	// DialTimeout bounds connecting to a broker; 0 means 5s.
	DialTimeout time.Duration
}

// NewReader returns a consumer-group Reader. Offsets are committed only by
// explicit CommitMessages calls (synchronously); a group without committed
// offsets starts at the oldest message.
func NewReader(opts ReaderOptions) (*kafka.Reader, error) {
	if len(opts.Brokers) == 0 {
		return nil, fmt.Errorf("kafkabus: no brokers")
	}
	if len(opts.Topics) == 0 {
		return nil, fmt.Errorf("kafkabus: no topics")
	}
	if opts.GroupID == "" {
		return nil, fmt.Errorf("kafkabus: no consumer group id")
	}
	maxWait := opts.MaxWait
	if maxWait <= 0 {
		maxWait = time.Second
	}
	dialTimeout := opts.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	cfg := kafka.ReaderConfig{
		Brokers:          opts.Brokers,
		GroupID:          opts.GroupID,
		GroupTopics:      opts.Topics,
		MinBytes:         1,
		MaxBytes:         10 << 20,
		MaxWait:          maxWait,
		CommitInterval:   0, // synchronous commits
		StartOffset:      kafka.FirstOffset,
		ReadBackoffMin:   100 * time.Millisecond,
		ReadBackoffMax:   5 * time.Second,
		JoinGroupBackoff: 2 * time.Second,
		Dialer:           &kafka.Dialer{Timeout: dialTimeout, DualStack: true},
	}
	if opts.Logger != nil {
		cfg.Logger = logAdapter(opts.Logger, slog.LevelDebug, opts.Brokers)
		cfg.ErrorLogger = logAdapter(opts.Logger, slog.LevelWarn, opts.Brokers)
	}
	return kafka.NewReader(cfg), nil
}

// WriterOptions configures NewWriter.
type WriterOptions struct {
	Brokers []string
	Topic   string
	// WriteTimeout bounds one write; 0 means 5s.
	WriteTimeout time.Duration
	Logger       *slog.Logger
}

// NewWriter returns a synchronous Writer for one topic (round-robin
// balancer, acks from all in-sync replicas).
func NewWriter(opts WriterOptions) (*kafka.Writer, error) {
	if len(opts.Brokers) == 0 {
		return nil, fmt.Errorf("kafkabus: no brokers")
	}
	if opts.Topic == "" {
		return nil, fmt.Errorf("kafkabus: no topic")
	}
	timeout := opts.WriteTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(opts.Brokers...),
		Topic:        opts.Topic,
		Balancer:     &kafka.RoundRobin{},
		RequiredAcks: kafka.RequireAll,
		WriteTimeout: timeout,
		ReadTimeout:  timeout,
		BatchTimeout: 10 * time.Millisecond,
	}
	if opts.Logger != nil {
		w.Logger = logAdapter(opts.Logger, slog.LevelDebug, opts.Brokers)
		w.ErrorLogger = logAdapter(opts.Logger, slog.LevelWarn, opts.Brokers)
	}
	return w, nil
}

func logAdapter(l *slog.Logger, level slog.Level, brokers []string) kafka.Logger {
	addrs := strings.Join(brokers, ",")
	return kafka.LoggerFunc(func(format string, args ...any) {
		l.Log(context.Background(), level, "kafka: "+fmt.Sprintf(format, args...), "brokers", addrs)
	})
}
