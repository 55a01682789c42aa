package rediscache_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/rediscache"
)

func TestNewClient(t *testing.T) {
	c, err := rediscache.NewClient(t.Context(), rediscache.Options{URL: "redis://:pw@127.0.0.1:1/3", DialTimeout: time.Second})
	if err != nil {
		t.Fatalf("NewClient() = %v (it must not contact the server)", err)
	}
	defer c.Close()
	o := c.Options()
	if o.Addr != "127.0.0.1:1" || o.DB != 3 || o.Password != "pw" || o.DialTimeout != time.Second {
		t.Errorf("options = addr %s db %d password %q dial %v", o.Addr, o.DB, o.Password, o.DialTimeout)
	}
	if _, err := rediscache.NewClient(t.Context(), rediscache.Options{URL: "http://x"}); err == nil {
		t.Error("NewClient(http://x) = nil error")
	}
}
