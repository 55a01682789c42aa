package mysqldb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"Nil", nil, false},
		{"DeadlineExceeded", fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"ClientGone", fmt.Errorf("query: %w", context.Canceled), false},
		{"BadConn", driver.ErrBadConn, true},
		{"InvalidConn", mysql.ErrInvalidConn, true},
		{"Refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"LockWaitTimeout", &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, true},
		{"TooManyConnections", &mysql.MySQLError{Number: 1040}, true},
		{"SyntaxError", &mysql.MySQLError{Number: 1064}, false},
		{"DuplicateKey", &mysql.MySQLError{Number: 1062}, false},
		{"NotFound", domain.NotFound(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err)
			if errors.Is(got, domain.ErrUnavailable) != tc.unavailable {
				t.Errorf("classify(%v) = %v: unavailable %v, want %v", tc.err, got, !tc.unavailable, tc.unavailable)
			}
			if tc.err != nil && !errors.Is(got, tc.err) {
				t.Errorf("classify(%v) = %v lost the original error", tc.err, got)
			}
		})
	}
}

// TestLockedTableIsUnavailableWithinReadTimeout: with chii_subjects write-locked by another
// session, reading a subject fails as unavailable within ReadTimeout (plus slack), and a
// read of another table is not held up.
func TestLockedTableIsUnavailableWithinReadTimeout(t *testing.T) {
	dsn, _ := testenv.MySQL(t, testenv.WithData())
	db, err := Open(t.Context(), Options{DSN: dsn, MaxOpenConns: 4, MaxIdleConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	locker, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	if _, err := locker.ExecContext(t.Context(), "LOCK TABLES chii_subjects WRITE"); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = locker.ExecContext(context.Background(), "UNLOCK TABLES") }()

	start := time.Now()
	_, err = NewSubjectRepository(db).Get(t.Context(), 8)
	elapsed := time.Since(start)
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Get of a locked table = %v, want a domain.ErrUnavailable", err)
	}
	if elapsed > ReadTimeout+2*time.Second {
		t.Errorf("Get of a locked table failed after %v, want within ReadTimeout (%v)", elapsed, ReadTimeout)
	}
	if _, err := NewPersonRepository(db).Get(t.Context(), 1); err != nil {
		t.Errorf("a person read while subjects are locked: %v", err)
	}
}
