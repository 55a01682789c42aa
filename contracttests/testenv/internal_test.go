package testenv

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
)

// recTB records Skip/Fatal instead of stopping the calling test.
type recTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recTB) Helper()                   {}
func (r *recTB) Skip(a ...any)             { r.skipped, r.msg = true, fmt.Sprint(a...); runtime.Goexit() }
func (r *recTB) Fatal(a ...any)            { r.failed, r.msg = true, fmt.Sprint(a...); runtime.Goexit() }
func (r *recTB) Fatalf(f string, a ...any) { r.Fatal(fmt.Sprintf(f, a...)) }

func runRec(fn func(tb testing.TB)) *recTB {
	r := &recTB{}
	done := make(chan struct{})
	go func() { defer close(done); fn(r) }()
	<-done
	return r
}

func TestUnavailable_SkipsWithOneLineOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	r := runRec(func(tb testing.TB) { unavailable(tb, "MySQL server", errors.New("nothing on\n127.0.0.1:3306")) })
	if !r.skipped || r.failed {
		t.Fatalf("skipped=%v failed=%v, want a skip", r.skipped, r.failed)
	}
	if strings.Contains(r.msg, "\n") || !strings.Contains(r.msg, "no MySQL server: nothing on 127.0.0.1:3306") {
		t.Errorf("skip message %q, want one line naming the service and the reason", r.msg)
	}
}

func TestUnavailable_FailsUnderCI(t *testing.T) {
	t.Setenv("CI", "true")
	r := runRec(func(tb testing.TB) { unavailable(tb, "Redis server", errors.New("refused")) })
	if !r.failed || r.skipped {
		t.Fatalf("skipped=%v failed=%v, want a failure under CI=true", r.skipped, r.failed)
	}
}

func TestFindRedis_ClosedPortNamesAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	t.Setenv("CHII_TEST_REDIS_URL", "redis://"+addr+"/0")
	_, err = findRedis()
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("findRedis() = %v, want an error naming %s", err, addr)
	}
}

func TestFindMySQL_BadDSN(t *testing.T) {
	t.Setenv("CHII_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:1)/")
	_, err := findMySQL()
	if err == nil || !strings.Contains(err.Error(), "CHII_TEST_MYSQL_DSN") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("findMySQL() = %v, want an error naming CHII_TEST_MYSQL_DSN and the address", err)
	}
}

func TestPrepare(t *testing.T) {
	tests := map[string]string{
		"insert into bangumi.chii_x (a) values (1);": "insert into chii_x (a) values (1);\n",
		"INSERT INTO `bangumi`.t VALUES (1)":         "INSERT INTO t VALUES (1)\n;\n",
		"SELECT 1;\n-- trailing comment\n\n":         "SELECT 1;\n-- trailing comment\n\n\n",
		"select 'bangumi.tv';":                       "select 'bangumi.tv';\n",
	}
	for in, want := range tests {
		if got := prepare(in); got != want {
			t.Errorf("prepare(%q) = %q, want %q", in, got, want)
		}
	}
}
