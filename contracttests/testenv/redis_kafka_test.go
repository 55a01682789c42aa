package testenv_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/contracttests/testenv"
)

func TestRedis_PrefixIsolatedAndCleaned(t *testing.T) {
	var prefix string
	var key string
	t.Run("inner", func(t *testing.T) {
		c, p := testenv.Redis(t)
		c2, p2 := testenv.Redis(t)
		if p == p2 {
			t.Fatalf("two calls returned the same prefix %q", p)
		}
		prefix, key = p, p+"k"
		if err := c.Set(t.Context(), key, "v", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if err := c2.Set(t.Context(), p2+"k", "v", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Get(t.Context(), key).Result(); err != nil || got != "v" {
			t.Fatalf("Get = %q, %v", got, err)
		}
	})
	if prefix == "" {
		t.Skip("inner test skipped")
	}
	c, _ := testenv.Redis(t)
	if n, err := c.Exists(t.Context(), key).Result(); err != nil || n != 0 {
		t.Errorf("key %s after cleanup: exists=%d err=%v, want deleted", key, n, err)
	}
	if !strings.HasPrefix(prefix, "chii-test:") {
		t.Errorf("prefix %q", prefix)
	}
}

func TestKafka_ProduceConsume(t *testing.T) {
	brokers := testenv.Kafka(t, "t1")
	if len(brokers) == 0 {
		t.Fatal("no brokers")
	}
	if _, _, err := net.SplitHostPort(brokers[0]); err != nil {
		t.Fatalf("broker %q: %v", brokers[0], err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: "t1", BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(ctx, kafka.Message{Key: []byte("k"), Value: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: "t1", Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Value) != "hello" {
		t.Errorf("value %q, want hello", m.Value)
	}
}
