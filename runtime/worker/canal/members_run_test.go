package canal_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/adapters/s3store"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/server"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/consume"
)

const (
	reactTopic  = "debezium.chii.bangumi.members"
	reactGroup  = "chii-canal-members-test"
	imageBucket = "img-resize"
)

// downStore is the shared tier of answers with a switch that makes Invalidate fail (Redis
// down for the worker), counting the failed calls.
type downStore struct {
	ports.TaggedStore
	down     atomic.Bool
	failures atomic.Int64
}

func (s *downStore) Invalidate(ctx context.Context, tags []string, at time.Time) error {
	if s.down.Load() {
		s.failures.Add(1)
		return errDown
	}
	return s.TaggedStore.Invalidate(ctx, tags, at)
}

// downImageStore is the image store with a switch that makes it fail (S3 down).
type downImageStore struct {
	ports.ImageStore
	down     atomic.Bool
	failures atomic.Int64
}

func (s *downImageStore) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if s.down.Load() {
		s.failures.Add(1)
		return 0, errDown
	}
	return s.ImageStore.DeletePrefix(ctx, prefix)
}

// reactPipeline is the canal worker's member reactions and invalidation on real parts: a
// consumer group on an in-process Kafka, the composed dispatcher, the web sessions in MySQL,
// the session copies, the notifications and the shared tier of answers in Redis (under the
// test's prefix), the resized images in an S3-compatible server (gofakes3).
type reactPipeline struct {
	t       *testing.T
	brokers []string
	writer  *kafka.Writer
	sent    int64

	db      *sql.DB
	redis   *redis.Client
	prefix  string
	answers *downStore
	cache   *rediscache.WebSessionCache
	notify  *rediscache.UserNotifier
	s3      *s3mem.Backend
	imgs    *downImageStore
}

func startReactPipeline(t *testing.T) *reactPipeline {
	t.Helper()
	_, db := testenv.MySQL(t)
	client, prefix := testenv.Redis(t)
	brokers := testenv.Kafka(t, reactTopic, reactTopic+kafkabus.DeadLetterSuffix)

	backend := s3mem.New()
	if err := backend.CreateBucket(imageBucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	store, err := s3store.New(s3store.Options{Endpoint: srv.URL, AccessKey: "k", SecretKey: "s", Bucket: imageBucket})
	if err != nil {
		t.Fatal(err)
	}

	p := &reactPipeline{
		t: t, brokers: brokers, db: db, redis: client, prefix: prefix, s3: backend,
		answers: &downStore{TaggedStore: rediscache.NewTaggedStore(client, prefix)},
		cache:   rediscache.NewWebSessionCache(client, prefix),
		notify:  rediscache.NewUserNotifier(client, prefix),
		imgs:    &downImageStore{ImageStore: store},
	}
	logger := slog.New(slog.DiscardHandler)
	disp := canal.Compose(canal.Handlers{
		Members: &canal.MemberReactions{Sessions: mysqldb.NewWebSessionRepository(db), SessionCache: p.cache,
			Notifier: p.notify, Images: p.imgs, Logger: logger},
		Answers: p.answers,
	}, logger)

	reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{
		Brokers: brokers, Topics: []string{reactTopic}, GroupID: reactGroup, MaxWait: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: brokers, Topic: reactTopic})
	if err != nil {
		t.Fatal(err)
	}
	p.writer = w

	dlq, err := kafkabus.NewDeadLetterWriter(kafkabus.WriterOptions{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- consume.RunBatch(ctx, consume.BatchOptions{
			Reader: reader, Handler: disp.HandleBatch, Logger: logger, Linger: 50 * time.Millisecond,
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, DeadLetters: dlq,
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunBatch() = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("RunBatch() did not return within 10s of the cancel")
		}
		_ = reader.Close()
		_ = w.Close()
		_ = dlq.Close()
	})
	return p
}

func (p *reactPipeline) produce(msgs ...kafka.Message) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 20*time.Second)
	defer cancel()
	if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
		p.t.Fatal(err)
	}
	p.sent += int64(len(msgs))
}

func (p *reactPipeline) committed() int64 {
	return testenv.CommittedOffset(p.t, p.brokers, reactGroup, reactTopic)
}

func (p *reactPipeline) waitCommitted(what string) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for p.committed() != p.sent {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: committed offset = %d after 30s, want %d", what, p.committed(), p.sent)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFailures waits until n counts at least 3 failed attempts (the batch is being retried).
func (p *reactPipeline) waitFailures(what string, n *atomic.Int64) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n.Load() < 3 {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %d failed attempts in 30s, want the batch retried", what, n.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *reactPipeline) reset(t *testing.T, st memberState) {
	t.Helper()
	ctx := t.Context()
	if _, err := p.db.ExecContext(ctx, "DELETE FROM chii_os_web_sessions"); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sessions {
		if _, err := p.db.ExecContext(ctx, "INSERT INTO chii_os_web_sessions (`key`, user_id, value, created_at, expired_at) VALUES (?, ?, '{}', ?, ?)",
			s.Key, s.UserID, s.CreatedAt, s.ExpiredAt); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range st.CachedSessions {
		if err := p.redis.Set(ctx, p.sessionKey(k), `{"user_id":1}`, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	list, err := p.s3.ListBucket(imageBucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		if _, err := p.s3.DeleteObject(imageBucket, o.Key); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range st.Images {
		body := []byte("resized " + key)
		if _, err := p.s3.PutObject(imageBucket, key, map[string]string{}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tag := range st.Tags {
		if err := p.answers.Put(ctx, "answer-"+tag, []byte("{}"), time.Hour, []string{tag}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if !p.answerCached(t, tag) {
			t.Fatalf("the answer tagged %s was not stored", tag)
		}
	}
}

// sessionKey is bangumi's Redis key of a session's copy (under the test's prefix), spelled
// here rather than asked of the adapter, so that a misspelling there fails.
func (p *reactPipeline) sessionKey(key string) string { return p.prefix + "chii:web:session:" + key }

// channel is bangumi's channel of a user's notifications (under the test's prefix).
func (p *reactPipeline) channel(uid uint32) string {
	return p.prefix + "event-user-notify-" + strconv.FormatUint(uint64(uid), 10)
}

func (p *reactPipeline) sessionExpiry(t *testing.T, key string) int64 {
	var exp int64
	if err := p.db.QueryRowContext(t.Context(), "SELECT expired_at FROM chii_os_web_sessions WHERE `key` = ?", key).Scan(&exp); err != nil {
		t.Fatalf("session %s: %v", key, err)
	}
	return exp
}

func (p *reactPipeline) sessionCached(t *testing.T, key string) bool {
	n, err := p.redis.Exists(t.Context(), p.sessionKey(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func (p *reactPipeline) images(t *testing.T) []string {
	list, err := p.s3.ListBucket(imageBucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, o := range list.Contents {
		out = append(out, o.Key)
	}
	slices.Sort(out)
	return out
}

func (p *reactPipeline) answerCached(t *testing.T, tag string) bool {
	_, ok, err := p.answers.Get(t.Context(), "answer-"+tag)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// subscribeNotify subscribes to the notification channels of users 1 and 2.
func (p *reactPipeline) subscribeNotify(t *testing.T) *redis.PubSub {
	t.Helper()
	sub := p.redis.Subscribe(t.Context(), p.channel(1), p.channel(2))
	for range 2 { // the confirmations of both channels
		if _, err := sub.ReceiveTimeout(t.Context(), 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	return sub
}

// nextNotify publishes a marker on user 1's channel after the event was committed and
// returns the first message received: the event's own if it published one (its PUBLISH ran
// before the commit, hence before the marker's), else the marker. No wait for a silence.
func (p *reactPipeline) nextNotify(t *testing.T, sub *redis.PubSub) *redis.Message {
	t.Helper()
	if err := p.redis.Publish(t.Context(), p.channel(1), "marker").Err(); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveTimeout(t.Context(), 10*time.Second)
	if err != nil {
		t.Fatalf("no message on the notification channels within 10s: %v", err)
	}
	m, ok := msg.(*redis.Message)
	if !ok {
		t.Fatalf("received %T, want a message", msg)
	}
	return m
}

// TestReactions_FixturesEndToEnd produces every golden event (the permanent ones: see
// TestReactions_PermanentEventsAreDeadLettered) through Kafka to the composed worker on MySQL, Redis and S3:
// once its offset is committed, its effects are exactly the fixture's — cached answers of its
// tags gone (and only those), sessions expired and their Redis copies deleted, the
// notification received by a subscriber, the resized images gone from the bucket.
func TestReactions_FixturesEndToEnd(t *testing.T) {
	p := startReactPipeline(t)
	st := loadMemberState(t)
	for _, fx := range loadFixtures(t) {
		if fx.Want.Permanent {
			continue
		}
		t.Run(fx.Name, func(t *testing.T) {
			p.t = t
			p.reset(t, st)
			sub := p.subscribeNotify(t)
			defer sub.Close()
			from := time.Now().Unix()
			p.produce(fx.message())
			p.waitCommitted(fx.Name)
			checkEffects(t, p, st, fx.Want, from, time.Now().Unix())

			msg := p.nextNotify(t, sub)
			if n := fx.Want.Notify; n != nil {
				if msg.Channel != p.channel(n.UserID) || msg.Payload != n.Message {
					t.Errorf("notification = %s on %s, want %s on %s", msg.Payload, msg.Channel, n.Message, p.channel(n.UserID))
				}
			} else if msg.Payload != "marker" {
				t.Errorf("notification %s on %s, want none", msg.Payload, msg.Channel)
			}
		})
	}
}

// While a dependency of a reaction is down nothing is committed: the batch is retried,
// holding its partition, and the effect is not there; once it is back, the retry makes the
// effect and only then commits.
func TestReactions_CommittedOnlyAfterTheEffect(t *testing.T) {
	p := startReactPipeline(t)
	st := loadMemberState(t)
	for _, tc := range []struct {
		name     string
		fixture  string
		down     *atomic.Bool
		failures *atomic.Int64
		effect   func(t *testing.T) bool
	}{
		{
			name: "RedisDownForTheInvalidation", fixture: "subjects_u", down: &p.answers.down, failures: &p.answers.failures,
			effect: func(t *testing.T) bool { return !p.answerCached(t, "s8") },
		},
		{
			name: "S3Down", fixture: "members_u_avatar_hd", down: &p.imgs.down, failures: &p.imgs.failures,
			effect: func(t *testing.T) bool { return !slices.Contains(p.images(t), "/hd/pic/user/l/000/00/00/1.jpg") },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			p.reset(t, st)
			before := p.sent
			tc.down.Store(true)
			defer tc.down.Store(false)
			p.produce(fixtureNamed(t, tc.fixture).message())
			p.waitFailures(tc.name, tc.failures)
			if got := p.committed(); got > before {
				t.Fatalf("committed offset = %d while the dependency is down, want at most %d", got, before)
			}
			if tc.effect(t) {
				t.Fatal("the effect is there while its dependency is down")
			}
			tc.down.Store(false)
			p.waitCommitted(tc.name + " back")
			if !tc.effect(t) {
				t.Error("committed without the effect")
			}
			if got := p.committed(); got != before+1 {
				t.Errorf("committed offset = %d, want %d", got, before+1)
			}
		})
	}
}

// A server instance composed as chii server composes one (its ResponseCache on the Redis
// tier, following its invalidations) answers a subject from its cache until the worker handles
// the change event of that subject; then it renders the row as it is now. The row is changed
// behind the server's back, as bangumi's site changes MySQL.
func TestReactions_ServerAnswerFollowsTheChange(t *testing.T) {
	p := startReactPipeline(t)
	store := inmem.NewStore()
	store.PutSubject(subject.Subject{ID: 8, Type: 2, Name: "Before"})
	rc := httpapi.NewResponseCache(httpapi.ResponseCacheOptions{Shared: rediscache.NewTaggedStore(p.redis, p.prefix)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rc.Run(ctx); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	a := server.MemoryAdapters(store)
	a.Cache = inmem.NewCache(nil)
	a.Responses = rc
	srv := httptest.NewServer(server.NewAPI(a, server.APIOptions{Version: "test"}))
	defer srv.Close()
	name := func() string {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v0/subjects/8", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("User-Agent", "chii-test/1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Name string `json:"name"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v0/subjects/8 = %d, %v", resp.StatusCode, err)
		}
		return body.Name
	}

	if got := name(); got != "Before" {
		t.Fatalf("name = %q, want Before", got)
	}
	store.PutSubject(subject.Subject{ID: 8, Type: 2, Name: "After"})
	if got := name(); got != "Before" {
		t.Fatalf("name = %q before the event, want the cached Before (is the answer cached?)", got)
	}
	p.produce(fixtureNamed(t, "subjects_u").message())
	p.waitCommitted("subject 8 changed")
	deadline := time.Now().Add(10 * time.Second)
	for name() != "After" {
		if time.Now().After(deadline) {
			t.Fatal("the server still answers the cached subject 8 10s after the worker committed its change")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The golden events that can never be processed go to the dead-letter topic with their error
// (the batch handler's domain.ErrInvalid makes the loop isolate them), and the events around
// them in the same batch have their effects; everything is committed.
func TestReactions_PermanentEventsAreDeadLettered(t *testing.T) {
	p := startReactPipeline(t)
	st := loadMemberState(t)
	p.reset(t, st)
	sub := p.subscribeNotify(t)
	defer sub.Close()

	var msgs []kafka.Message
	var poison []string
	for _, fx := range loadFixtures(t) {
		if fx.Want.Permanent {
			msgs = append(msgs, fx.message())
			poison = append(poison, string(fx.message().Value))
		}
	}
	good := fixtureNamed(t, "members_u_notify")
	msgs = append(msgs[:1], append([]kafka.Message{good.message()}, msgs[1:]...)...)
	p.produce(msgs...)
	p.waitCommitted("poison and good events")

	letters := testenv.ReadTopic(t, p.brokers, reactTopic+kafkabus.DeadLetterSuffix, len(poison))
	var got []string
	for _, dl := range letters {
		got = append(got, string(dl.Value))
		if testenv.Header(dl, kafkabus.HeaderDLQError) == "" {
			t.Errorf("dead letter at offset %s has no error", testenv.Header(dl, kafkabus.HeaderDLQOffset))
		}
	}
	slices.Sort(got)
	slices.Sort(poison)
	if !slices.Equal(got, poison) {
		t.Errorf("dead letters:\n%s\nwant the permanent fixtures:\n%s", got, poison)
	}
	checkEffects(t, p, st, good.Want, 0, 0)
	if msg := p.nextNotify(t, sub); msg.Payload != good.Want.Notify.Message {
		t.Errorf("notification = %s, want %s", msg.Payload, good.Want.Notify.Message)
	}
}
