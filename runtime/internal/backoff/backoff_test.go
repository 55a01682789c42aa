package backoff

import (
	"context"
	"testing"
	"time"
)

func TestBackoff_GrowsAndCaps(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	var prev time.Duration
	for i := range 10 {
		d := b.Next()
		if d > 1200*time.Millisecond {
			t.Fatalf("attempt %d: %v exceeds Max+jitter", i, d)
		}
		if i < 3 && d < prev {
			t.Errorf("attempt %d: %v shorter than previous %v", i, d, prev)
		}
		prev = d
	}
	b.Reset()
	if d := b.Next(); d > 120*time.Millisecond {
		t.Errorf("after Reset: %v, want about Min", d)
	}
}

func TestSleep_StopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep on a cancelled context reported a full delay")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep(1ms) reported cancellation")
	}
}
