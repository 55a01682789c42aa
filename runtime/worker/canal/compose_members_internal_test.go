package canal

import (
	"database/sql"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// buildHandlers registers the invalidation with Redis, the member reactions with Redis and
// MySQL, and says once at start what is left out. Nothing is dialled to compose.
func TestBuildHandlers_MembersAndInvalidation(t *testing.T) {
	db, err := sql.Open("mysql", "u:p@tcp(127.0.0.1:1)/x")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rc.Close()
	withMembers := append(slices.Clone(InvalidateTables), MembersTable)
	slices.Sort(withMembers)
	withMembers = slices.Compact(withMembers)

	for _, tc := range []struct {
		name    string
		d       *deps.Deps
		s3      config.S3
		want    []string
		wantLog []string // each exactly once
	}{
		{name: "Nothing", d: &deps.Deps{}, want: nil, wantLog: []string{"no Redis (CHII_REDIS_URL)"}},
		{name: "MySQLOnly", d: &deps.Deps{MySQL: db}, want: nil, wantLog: []string{"no Redis (CHII_REDIS_URL)"}},
		{name: "RedisOnly", d: &deps.Deps{Redis: rc}, want: InvalidateTables,
			wantLog: []string{"changes invalidate the servers' cached answers", "no MySQL (CHII_MYSQL_DSN)"}},
		{name: "MySQLAndRedis", d: &deps.Deps{MySQL: db, Redis: rc}, want: withMembers,
			wantLog: []string{"changes invalidate the servers' cached answers", "no S3 (CHII_S3_ENTRY_POINT)"}},
		{name: "WithS3", d: &deps.Deps{MySQL: db, Redis: rc}, want: withMembers,
			s3:      config.S3{EntryPoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "s", ImageResizeBucket: "img-resize"},
			wantLog: []string{"avatar changes purge their resized copies"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			cfg := config.Config{S3: tc.s3}
			disp, cleanup, err := buildHandlers(t.Context(), cfg, tc.d, slog.New(slog.NewJSONHandler(&buf, nil)))
			if err != nil {
				t.Fatalf("buildHandlers() = %v", err)
			}
			defer cleanup()
			if got := disp.Tables(); !slices.Equal(got, tc.want) {
				t.Errorf("Tables() = %v, want %v", got, tc.want)
			}
			for _, w := range tc.wantLog {
				if n := strings.Count(buf.String(), w); n != 1 {
					t.Errorf("%d log lines say %q, want 1:\n%s", n, w, buf.String())
				}
			}
			if tc.s3.EntryPoint != "" && strings.Contains(buf.String(), "no S3") {
				t.Errorf("S3 is configured, yet the log says it is not:\n%s", buf.String())
			}
		})
	}
}
