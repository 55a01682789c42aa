package bleveindex_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/bleveindex"
)

// A directory another Index holds open is refused within seconds with an error that says
// so, instead of a process that hangs at start (bolt's file lock).
func TestOpen_DirectoryInUse(t *testing.T) {
	dir := t.TempDir()
	first, err := bleveindex.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	done := make(chan error, 1)
	go func() {
		second, err := bleveindex.Open(dir)
		if err == nil {
			second.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "in use by another process") {
			t.Errorf("Open of a directory in use = %v, want an error saying it is in use", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Open of a directory in use did not return within 20 s")
	}
}
