package canal_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
)

// fixture is a golden change event (testdata/events/*.json): the message, and the effects it
// must have on the state of testdata/members_state.json. What it does not list stays as it is.
type fixture struct {
	Name  string          `json:"-"`
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	Want  fixtureWant     `json:"want"`
}

type fixtureWant struct {
	// Tags are the tags whose cached answers are invalidated (of the state's tags).
	Tags []string `json:"tags"`
	// Permanent: the event can never be processed (an error of kind domain.ErrInvalid).
	Permanent bool `json:"permanent"`
	// SessionsRevoked are the sessions whose expired_at becomes the time of handling.
	SessionsRevoked []string `json:"sessions_revoked"`
	// CachedSessionsGone are the sessions whose cached copy is deleted.
	CachedSessionsGone []string `json:"cached_sessions_gone"`
	// Notify is the message published on the user's channel; nil: none.
	Notify *struct {
		UserID  uint32 `json:"user_id"`
		Message string `json:"message"`
	} `json:"notify"`
	// ImagesGone are the resized images deleted.
	ImagesGone []string `json:"images_gone"`
}

type memberState struct {
	Sessions []struct {
		Key       string `json:"key"`
		UserID    uint32 `json:"user_id"`
		CreatedAt int64  `json:"created_at"`
		ExpiredAt int64  `json:"expired_at"`
	} `json:"sessions"`
	CachedSessions []string `json:"cached_sessions"`
	Images         []string `json:"images"`
	Tags           []string `json:"tags"`
}

func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no fixtures in testdata/events: %v", err)
	}
	slices.Sort(files)
	var out []fixture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(b, &fx); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		fx.Name = strings.TrimSuffix(filepath.Base(f), ".json")
		out = append(out, fx)
	}
	return out
}

func loadMemberState(tb testing.TB) memberState {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "members_state.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var st memberState
	if err := json.Unmarshal(b, &st); err != nil {
		tb.Fatal(err)
	}
	return st
}

// message is the fixture as Kafka delivers it: its key (none for null) and value, byte for byte.
func (f fixture) message() kafka.Message {
	m := kafka.Message{Value: []byte(f.Value)}
	if k := string(f.Key); k != "" && k != "null" {
		m.Key = []byte(k)
	}
	return m
}

// world is where a fixture's effects are observed: in-memory adapters, or MySQL, Redis and S3.
type world interface {
	// reset puts st back: sessions, cached sessions, images, and one cached answer per tag.
	reset(t *testing.T, st memberState)
	sessionExpiry(t *testing.T, key string) int64
	sessionCached(t *testing.T, key string) bool
	images(t *testing.T) []string
	answerCached(t *testing.T, tag string) bool
}

// checkEffects compares w with st changed by want; a revoked session must have expired within
// [from, to] (Unix seconds: the time of handling).
func checkEffects(t *testing.T, w world, st memberState, want fixtureWant, from, to int64) {
	t.Helper()
	for _, tag := range want.Tags {
		if !slices.Contains(st.Tags, tag) {
			t.Fatalf("fixture invalidates %s, which the state does not cache: add it to members_state.json", tag)
		}
	}
	for _, tag := range st.Tags {
		gone := slices.Contains(want.Tags, tag)
		if cached := w.answerCached(t, tag); cached == gone {
			t.Errorf("cached answer tagged %s: still cached = %v, want %v", tag, cached, !gone)
		}
	}
	for _, s := range st.Sessions {
		got := w.sessionExpiry(t, s.Key)
		if slices.Contains(want.SessionsRevoked, s.Key) {
			if got < from || got > to {
				t.Errorf("session %s: expired_at = %d, want the time of handling (%d..%d)", s.Key, got, from, to)
			}
		} else if got != s.ExpiredAt {
			t.Errorf("session %s: expired_at = %d, want it left at %d", s.Key, got, s.ExpiredAt)
		}
	}
	for _, k := range st.CachedSessions {
		gone := slices.Contains(want.CachedSessionsGone, k)
		if cached := w.sessionCached(t, k); cached == gone {
			t.Errorf("cached session %s: still cached = %v, want %v", k, cached, !gone)
		}
	}
	var wantImages []string
	for _, p := range st.Images {
		if !slices.Contains(want.ImagesGone, p) {
			wantImages = append(wantImages, p)
		}
	}
	slices.Sort(wantImages)
	if diff := cmp.Diff(wantImages, w.images(t)); diff != "" {
		t.Errorf("images left (-want +got):\n%s", diff)
	}
}
