package canal_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// BenchmarkCanalBatch100k streams 100,000 synthetic Debezium change events of mixed tables
// (chii_subjects, chii_subject_fields, chii_characters, chii_persons, chii_episodes, the four
// link tables, chii_members; 30 % of them name an entity an earlier event named) through an
// in-process Kafka broker into the canal worker's batch loop as the worker runs it
// (consume.RunBatch with the default batch of 500 messages or 200 ms, committing after each
// batch, with its metrics) and the dispatcher canal.Compose makes of every handler: the
// search sync on the embedded index (bleve in a directory; SearchIndexer reading the rows
// from MySQL — the canal worker runs this sync with Meilisearch, the server with the
// embedded index through searchrt.Follow, the same SearchHandler), the member reactions
// (sessions revoked in MySQL, notifications and cached sessions in memory) and the
// invalidation of cached answers (an in-memory tagged store for Redis).
//
// The rows exist: the dev dataset cloned with id offsets to ~25,000 subjects, ~10,000
// characters and ~6,000 persons. The events are produced as fast as the broker takes them
// while the worker consumes. It reports events/s (from the first event produced to the
// last committed), lag-at-end (messages produced but not committed when the producer wrote
// its last one) and drain-s (how long the worker took after that to catch up).
func BenchmarkCanalBatch100k(b *testing.B) {
	const (
		n           = 100_000
		repeatShare = 0.30
		topic       = "debezium.chii.bench"
		group       = "chii-canal-bench"
	)
	_, db := testenv.MySQL(b, testenv.WithData())
	pool := cloneRows(b, db, map[string]int{"subjects": 25_000, "characters": 10_000, "persons": 6_000})
	msgs, notifies := benchEvents(pool, n, repeatShare)

	ix, err := bleveindex.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	notifier := &inmem.UserNotifier{}
	logger := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	disp := canal.Compose(canal.Handlers{
		Search: &usecase.SearchIndexer{
			Index: ix, Subjects: mysqldb.NewSubjectRepository(db),
			Characters: mysqldb.NewCharacterRepository(db), Persons: mysqldb.NewPersonRepository(db),
		},
		Members: &canal.MemberReactions{
			Sessions: mysqldb.NewWebSessionRepository(db), SessionCache: inmem.NewWebSessionCache(),
			Notifier: notifier, Logger: logger,
		},
		Answers: inmem.NewTaggedStore(nil),
	}, logger).CountEvents(canal.NewEventCounter(reg))
	metrics := consume.NewMetrics(reg)

	var elapsed, drain time.Duration
	var lag int64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		brokers := testenv.Kafka(b, topic)
		w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchSize: 1000, BatchTimeout: time.Millisecond,
			RequiredAcks: kafka.RequireOne}
		reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: brokers, Topics: []string{topic}, GroupID: group})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(b.Context())
		done := make(chan error, 1)
		b.StartTimer()

		start := time.Now()
		go func() {
			done <- consume.RunBatch(ctx, consume.BatchOptions{
				Reader: reader, Handler: disp.HandleBatch, Logger: logger, Brokers: brokers, Metrics: metrics,
			})
		}()
		produceCtx, stopProducing := context.WithTimeout(b.Context(), 2*time.Minute)
		for i := 0; i < len(msgs); i += 1000 {
			if err := w.WriteMessages(produceCtx, msgs[i:min(i+1000, len(msgs))]...); err != nil {
				b.Fatalf("produce events %d..: %v", i, err)
			}
		}
		stopProducing()
		streamEnd := time.Now()
		lag = n - max(committed(b, brokers, group, topic), 0) // -1: nothing committed yet

		deadline := time.Now().Add(5 * time.Minute)
		for committed(b, brokers, group, topic) != n {
			if time.Now().After(deadline) {
				cancel()
				b.Fatalf("committed offset = %d 5 min after the stream ended, want %d", committed(b, brokers, group, topic), n)
			}
			select {
			case err := <-done:
				b.Fatalf("RunBatch() = %v before the stream was consumed", err)
			case <-time.After(10 * time.Millisecond):
			}
		}
		elapsed += time.Since(start)
		drain += time.Since(streamEnd)

		b.StopTimer()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("RunBatch() = %v", err)
			}
		case <-time.After(30 * time.Second):
			b.Fatal("RunBatch() did not return within 30s of the cancel")
		}
		_ = reader.Close()
		_ = w.Close()
		b.StartTimer()
	}
	b.StopTimer()

	// The work was done: documents of the subjects are in the index, every notification sent.
	if c, err := ix.Count(context.Background(), search.KindSubject); err != nil || c == 0 {
		b.Errorf("subjects in the index = %d, %v; want some", c, err)
	}
	if got := len(notifier.Sent()); got != notifies*b.N {
		b.Errorf("notifications sent = %d, want %d", got, notifies*b.N)
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lag), "lag-at-end")
	b.ReportMetric(drain.Seconds()/float64(b.N), "drain-s")
}

// committed is the group's committed offset of topic's partition 0 (-1 when there is none).
func committed(tb testing.TB, brokers []string, group, topic string) int64 {
	tb.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	resp, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
	if err != nil || resp.Error != nil {
		return -1
	}
	for _, p := range resp.Topics[topic] {
		return p.CommittedOffset
	}
	return -1
}

// idPool are the ids of the rows that exist, by kind.
type idPool struct{ subjects, characters, persons []uint32 }

// cloneRows adds copies of the dev dataset's subjects (with their chii_subject_fields rows),
// characters and persons under new ids, numbered densely above every existing id, until each
// kind has about want[kind] rows (one INSERT … SELECT per table), and returns every id of each
// kind.
func cloneRows(tb testing.TB, db *sql.DB, want map[string]int) idPool {
	tb.Helper()
	ctx := context.Background()
	type table struct{ name, key string }
	kinds := []struct {
		kind   string
		tables []table
	}{
		{"subjects", []table{{"chii_subjects", "subject_id"}, {"chii_subject_fields", "field_sid"}}},
		{"characters", []table{{"chii_characters", "crt_id"}}},
		{"persons", []table{{"chii_persons", "prsn_id"}}},
	}
	var pool idPool
	for _, k := range kinds {
		first := k.tables[0]
		var have int
		var maxID int64
		for _, t := range k.tables {
			var m sql.NullInt64
			if err := db.QueryRowContext(ctx, "SELECT MAX("+t.key+") FROM "+t.name).Scan(&m); err != nil {
				tb.Fatal(err)
			}
			maxID = max(maxID, m.Int64)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+first.name).Scan(&have); err != nil {
			tb.Fatal(err)
		}
		if have == 0 {
			tb.Fatalf("%s: no rows to clone", first.name)
		}
		copies := (want[k.kind] + have - 1) / have
		// The clone k (1 … copies-1) of the original of rank rn (in id order) is maxID + (k-1)*have + rn;
		// a subject's fields row follows its subject.
		for _, t := range k.tables {
			cols := columns(tb, db, t.name)
			sel := make([]string, len(cols))
			for i, c := range cols {
				sel[i] = "t.`" + c + "`"
				if c == t.key {
					sel[i] = fmt.Sprintf("%d + (n.k - 1) * %d + m.rn", maxID, have)
				}
			}
			q := fmt.Sprintf("INSERT INTO %s (`%s`) WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < %d) "+
				"SELECT %s FROM %s t JOIN (SELECT %s AS id, ROW_NUMBER() OVER (ORDER BY %s) AS rn FROM %s WHERE %s <= %d) m ON m.id = t.`%s` "+
				"CROSS JOIN n WHERE t.`%s` <= %d",
				t.name, strings.Join(cols, "`, `"), copies-1, strings.Join(sel, ", "), t.name,
				first.key, first.key, first.name, first.key, maxID, t.key, t.key, maxID)
			if copies > 1 {
				if _, err := db.ExecContext(ctx, q); err != nil {
					tb.Fatalf("clone %s (%d rows, ids up to %d, %d copies): %v", t.name, have, maxID, copies, err)
				}
			}
		}
		rows, err := db.QueryContext(ctx, "SELECT "+first.key+" FROM "+first.name)
		if err != nil {
			tb.Fatal(err)
		}
		var ids []uint32
		for rows.Next() {
			var id uint32
			if err := rows.Scan(&id); err != nil {
				tb.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("%s: %d rows of the dev dataset (ids up to %d), %d with the clones", first.name, have, maxID, len(ids))
		switch k.kind {
		case "subjects":
			pool.subjects = ids
		case "characters":
			pool.characters = ids
		case "persons":
			pool.persons = ids
		}
	}
	return pool
}

// columns lists table's columns in order.
func columns(tb testing.TB, db *sql.DB, table string) []string {
	tb.Helper()
	rows, err := db.QueryContext(context.Background(),
		"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", table)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// benchEvents makes n change events of the tables the canal worker handles, in proportions
// like bangumi's traffic (subjects and their fields 30 %, characters 12 %, persons 8 %,
// episodes 15 %, link rows 20 %, members 15 %); with probability repeat an event names an
// entity an earlier one named, otherwise the next entity of its kind. Search rows come from
// pool (their rows exist). It also returns how many member events change new_notify (each
// publishes once).
func benchEvents(pool idPool, n int, repeat float64) (msgs []kafka.Message, notifies int) {
	r := rand.New(rand.NewPCG(12, 0x5eed))
	type ref struct {
		table string
		id    uint32
	}
	var seen []ref
	next := map[string]int{}
	fresh := func(table string, ids []uint32) uint32 {
		i := next[table]
		next[table]++
		if ids == nil {
			return uint32(i + 1)
		}
		return ids[i%len(ids)]
	}
	pick := func(ids []uint32) uint32 { return ids[r.IntN(len(ids))] }
	msgs = make([]kafka.Message, 0, n)
	for len(msgs) < n {
		var table string
		switch x := r.IntN(100); {
		case x < 20:
			table = "chii_subjects"
		case x < 30:
			table = "chii_subject_fields"
		case x < 42:
			table = "chii_characters"
		case x < 50:
			table = "chii_persons"
		case x < 65:
			table = "chii_episodes"
		case x < 70:
			table = "chii_crt_subject_index"
		case x < 75:
			table = "chii_person_cs_index"
		case x < 80:
			table = "chii_crt_cast_index"
		case x < 85:
			table = "chii_subject_relations"
		default:
			table = "chii_members"
		}
		var id uint32
		if len(seen) > 0 && r.Float64() < repeat {
			e := seen[r.IntN(len(seen))]
			table, id = e.table, e.id
		} else {
			switch table {
			case "chii_subjects", "chii_subject_fields":
				id = fresh("subjects", pool.subjects)
			case "chii_characters":
				id = fresh(table, pool.characters)
			case "chii_persons":
				id = fresh(table, pool.persons)
			default:
				id = fresh(table, nil)
			}
			seen = append(seen, ref{table, id})
		}
		op := "u"
		if r.IntN(10) == 0 {
			op = "c"
		}
		var key, before, after string
		switch table {
		case "chii_subjects":
			key = fmt.Sprintf(`{"subject_id":%d}`, id)
			before = fmt.Sprintf(`{"subject_id":%d,"subject_type_id":2,"subject_name":"Subject %d","subject_name_cn":"条目%d","field_summary":"A synthetic subject for the canal benchmark.","subject_nsfw":0,"subject_ban":0,"subject_lock":0,"field_infobox":"{{Infobox animanga/TVAnime\n|中文名= 条目\n|话数= 12\n}}","subject_wish":%d}`, id, id, id, r.IntN(1000))
			after = strings.Replace(before, `"subject_wish":`, `"subject_wish":1`, 1)
		case "chii_subject_fields":
			key = fmt.Sprintf(`{"field_sid":%d}`, id)
			before = fmt.Sprintf(`{"field_sid":%d,"field_tid":2,"field_tags":"a:1:{i:0;a:2:{s:8:\"tag_name\";s:2:\"TV\";s:6:\"result\";s:2:\"10\";}}","field_rate_1":0,"field_rate_10":%d,"field_airtime":1,"field_rank":%d,"field_date":"2006-10-05","field_redirect":0}`, id, r.IntN(100), r.IntN(5000))
			after = strings.Replace(before, `"field_rate_10":`, `"field_rate_10":1`, 1)
		case "chii_characters":
			key = fmt.Sprintf(`{"crt_id":%d}`, id)
			before = fmt.Sprintf(`{"crt_id":%d,"crt_name":"Character %d","crt_role":1,"crt_infobox":"{{Infobox Crt\n|简体中文名= 角色\n}}","crt_summary":"A synthetic character.","crt_collects":%d,"crt_redirect":0,"crt_lock":0}`, id, id, r.IntN(1000))
			after = strings.Replace(before, `"crt_collects":`, `"crt_collects":1`, 1)
		case "chii_persons":
			key = fmt.Sprintf(`{"prsn_id":%d}`, id)
			before = fmt.Sprintf(`{"prsn_id":%d,"prsn_name":"Person %d","prsn_type":1,"prsn_infobox":"{{Infobox Person\n|简体中文名= 人物\n}}","prsn_summary":"A synthetic person.","prsn_collects":%d,"prsn_redirect":0,"prsn_lock":0}`, id, id, r.IntN(1000))
			after = strings.Replace(before, `"prsn_collects":`, `"prsn_collects":1`, 1)
		case "chii_episodes":
			key = fmt.Sprintf(`{"ep_id":%d}`, id)
			before = fmt.Sprintf(`{"ep_id":%d,"ep_subject_id":%d,"ep_sort":%d,"ep_type":0,"ep_name":"Episode","ep_duration":"24m","ep_airdate":"2006-10-05","ep_ban":0}`, id, pick(pool.subjects), r.IntN(26))
			after = strings.Replace(before, `"ep_duration":"24m"`, `"ep_duration":"25m"`, 1)
		case "chii_crt_subject_index":
			key = fmt.Sprintf(`{"crt_id":%d,"subject_id":%d}`, id, pick(pool.subjects))
			before = fmt.Sprintf(`{"crt_id":%d,"subject_id":%d,"subject_type_id":2,"crt_type":1,"ctr_appear_eps":"","crt_order":0}`, id, pick(pool.subjects))
			after = strings.Replace(before, `"crt_order":0`, `"crt_order":1`, 1)
		case "chii_person_cs_index":
			key = fmt.Sprintf(`{"prsn_type":"prsn","prsn_id":%d,"prsn_position":2,"subject_id":%d}`, id, pick(pool.subjects))
			before = fmt.Sprintf(`{"prsn_type":"prsn","prsn_id":%d,"prsn_position":2,"subject_id":%d,"subject_type_id":2,"summary":"","prsn_appear_eps":""}`, id, pick(pool.subjects))
			after = strings.Replace(before, `"summary":""`, `"summary":"x"`, 1)
		case "chii_crt_cast_index":
			key = fmt.Sprintf(`{"crt_id":%d,"prsn_id":%d,"subject_id":%d}`, id, pick(pool.persons), pick(pool.subjects))
			before = fmt.Sprintf(`{"crt_id":%d,"prsn_id":%d,"subject_id":%d,"subject_type_id":2,"summary":""}`, id, pick(pool.persons), pick(pool.subjects))
			after = strings.Replace(before, `"summary":""`, `"summary":"x"`, 1)
		case "chii_subject_relations":
			key = fmt.Sprintf(`{"rlt_subject_id":%d,"rlt_related_subject_id":%d}`, id, pick(pool.subjects))
			before = fmt.Sprintf(`{"rlt_subject_id":%d,"rlt_subject_type_id":2,"rlt_relation_type":1,"rlt_related_subject_id":%d,"rlt_related_subject_type_id":2,"rlt_vice_versa":1,"rlt_order":0}`, id, pick(pool.subjects))
			after = strings.Replace(before, `"rlt_order":0`, `"rlt_order":1`, 1)
		case "chii_members":
			// An update of the unread count, now and then a password change (the sessions of
			// the member are revoked in MySQL): both are what the worker reacts to.
			op = "u"
			key = fmt.Sprintf(`{"uid":%d}`, id)
			password := "$2a$10$before"
			newPassword := password
			if r.IntN(10) == 0 {
				newPassword = fmt.Sprintf("$2a$10$after%d", len(msgs))
			}
			before = fmt.Sprintf(`{"uid":%d,"username":"user%d","nickname":"User","avatar":"000/00/00/%d.jpg","password_crypt":%q,"new_notify":%d}`, id, id, id, password, 0)
			after = fmt.Sprintf(`{"uid":%d,"username":"user%d","nickname":"User","avatar":"000/00/00/%d.jpg","password_crypt":%q,"new_notify":%d}`, id, id, id, newPassword, 1+r.IntN(9))
			notifies++
		}
		if op == "c" {
			before = ""
		}
		msgs = append(msgs, event(table, op, key, before, after))
	}
	return msgs, notifies
}
