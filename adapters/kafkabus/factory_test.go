package kafkabus_test

import (
	"testing"

	"github.com/bangumi/chii/adapters/kafkabus"
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
