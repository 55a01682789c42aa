package kafkabus_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/segmentio/kafka-go"
)

func TestNewReader_Validates(t *testing.T) {
	for name, o := range map[string]kafkabus.ReaderOptions{
		"NoBrokers": {Topics: []string{"t"}, GroupID: "g"},
		"NoTopics":  {Brokers: []string{"127.0.0.1:9092"}, GroupID: "g"},
		"NoGroup":   {Brokers: []string{"127.0.0.1:9092"}, Topics: []string{"t"}},
	} {
		if _, err := kafkabus.NewReader(o); err == nil {
			t.Errorf("%s: NewReader() = nil error", name)
		}
	}
	r, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: []string{"127.0.0.1:9092"}, Topics: []string{"a", "b"}, GroupID: "go-canal"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if cfg := r.Config(); cfg.GroupID != "go-canal" || len(cfg.GroupTopics) != 2 || cfg.CommitInterval != 0 {
		t.Errorf("reader config = group %q topics %v commit interval %v", cfg.GroupID, cfg.GroupTopics, cfg.CommitInterval)
	}
}

func TestNewWriter_Validates(t *testing.T) {
	if _, err := kafkabus.NewWriter(kafkabus.WriterOptions{Topic: "t"}); err == nil {
		t.Error("NewWriter() without brokers = nil error")
	}
	if _, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: []string{"127.0.0.1:9092"}}); err == nil {
		t.Error("NewWriter() without topic = nil error")
	}
	w, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: []string{"127.0.0.1:9092"}, Topic: "timeline"})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
}

// The settings the workers rely on, written out: defaults for zero options, explicit options
// kept, synchronous commits from the oldest message, bounded waits, acks from every replica.
func TestNewReader_Settings(t *testing.T) {
	r, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: []string{"k:9092"}, Topics: []string{"t"}, GroupID: "g"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := r.Config()
	if c.MaxWait != time.Second || c.Dialer.Timeout != 5*time.Second {
		t.Errorf("defaults: MaxWait %v, dial timeout %v; want 1s, 5s", c.MaxWait, c.Dialer.Timeout)
	}
	if c.CommitInterval != 0 || c.StartOffset != kafka.FirstOffset || c.MinBytes != 1 || c.MaxBytes != 10<<20 {
		t.Errorf("commit interval %v, start %d, bytes %d..%d; want synchronous commits from the oldest message, 1..10 MiB",
			c.CommitInterval, c.StartOffset, c.MinBytes, c.MaxBytes)
	}
	if c.ReadBackoffMin != 100*time.Millisecond || c.ReadBackoffMax != 5*time.Second || c.JoinGroupBackoff != 2*time.Second {
		t.Errorf("backoffs %v..%v, join %v; want 100ms..5s, 2s", c.ReadBackoffMin, c.ReadBackoffMax, c.JoinGroupBackoff)
	}
	r2, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: []string{"k:9092"}, Topics: []string{"t"}, GroupID: "g",
		MaxWait: time.Nanosecond, DialTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if c := r2.Config(); c.MaxWait != time.Nanosecond || c.Dialer.Timeout != time.Nanosecond {
		t.Errorf("explicit 1ns: MaxWait %v, dial timeout %v; want them kept", c.MaxWait, c.Dialer.Timeout)
	}
}

func TestNewWriter_Settings(t *testing.T) {
	w, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: []string{"k:9092"}, Topic: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.WriteTimeout != 5*time.Second || w.ReadTimeout != 5*time.Second || w.BatchTimeout != 10*time.Millisecond {
		t.Errorf("defaults: write %v, read %v, batch %v; want 5s, 5s, 10ms", w.WriteTimeout, w.ReadTimeout, w.BatchTimeout)
	}
	if w.RequiredAcks != kafka.RequireAll {
		t.Errorf("RequiredAcks = %v, want every in-sync replica", w.RequiredAcks)
	}
	w2, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: []string{"k:9092"}, Topic: "t", WriteTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if w2.WriteTimeout != time.Nanosecond {
		t.Errorf("explicit 1ns: WriteTimeout %v, want it kept", w2.WriteTimeout)
	}
}
