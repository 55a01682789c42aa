package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/ports"
)

// ResponseCache keeps rendered answers of GET routes (status, the headers that matter, body
// bytes and ETag) so that a hot read costs no query and no encoding.
//
// Keys hold everything an answer depends on: the path and query, and the viewer — its class
// (anonymous, logged in without NSFW, NSFW allowed) for public routes, the user itself where
// the answer is per user. A cached NSFW answer is therefore only ever found by a viewer of
// the class it was rendered for (D1), whatever order requests come in.
//
// Freshness does not rest on the TTL: every entry carries the tags of the domain objects it
// was rendered from ("s8" subject 8, "c1", "p3", "u382951"), and Changed — the server's own
// writes, and the canal worker through the shared tier — invalidates them. An entry rendered
// from data read before an invalidation of one of its tags is never served after it, on any
// instance that heard of the invalidation: the in-process tier compares the entry's start time
// with the tags' change times, the shared tier (ports.TaggedStore) deletes tagged entries and
// refuses late writes. What bounds staleness when an invalidation is lost is the TTL of each
// tier (LocalTTL, SharedTTL).
type ResponseCache struct {
	local     *otter.Cache[string, *cachedResponse]
	maxBytes  uint64
	shared    ports.TaggedStore // nil: no shared tier
	localTTL  time.Duration
	sharedTTL time.Duration
	now       func() time.Time
	log       *slog.Logger
	flight    singleflight.Group

	mu      sync.RWMutex
	changed map[string]int64 // tag → Unix ns of its last invalidation (kept for localTTL)
	pruned  int64
	// lastChange is the newest invalidation time: an entry started after it needs no tag check.
	lastChange atomic.Int64

	failLog   *sampledLog // shared-tier failures: one line per interval during an outage
	stats     CacheStats
	peakBytes atomic.Uint64 // the most the in-process tier held after a store
}

// CacheStats are the counters of a ResponseCache.
type CacheStats struct {
	LocalHits, SharedHits, Misses atomic.Uint64
	Stale                         atomic.Uint64 // entries found but rendered before a change of one of their tags
	Evictions                     atomic.Uint64 // in-process entries evicted for room
	SharedErrors                  atomic.Uint64 // failed calls to the shared tier (answered from MySQL instead)
}

// ResponseCacheOptions configure NewResponseCache. Zero values take the defaults.
type ResponseCacheOptions struct {
	// MaxBytes bounds the in-process tier (bodies, headers and tags); default 64 MiB.
	MaxBytes uint64
	// LocalTTL is the lifetime of an in-process entry; default 10 minutes.
	LocalTTL time.Duration
	// Shared is the tier several instances share (Redis); nil for none.
	Shared ports.TaggedStore
	// SharedTTL is the lifetime of a shared entry; default 1 hour.
	SharedTTL time.Duration
	Logger    *slog.Logger
	Now       func() time.Time
}

// Defaults of ResponseCacheOptions.
const (
	DefaultResponseCacheBytes = 64 << 20
	DefaultLocalTTL           = 10 * time.Minute
	DefaultSharedTTL          = time.Hour
)

// clockSkew is how far apart the clocks of two instances may be: an entry whose rendering
// started less than this after a change of one of its tags counts as rendered before it.
const clockSkew = time.Second

// sharedCallTimeout bounds the shared tier's part of one request.
const sharedCallTimeout = 250 * time.Millisecond

// NewResponseCache returns an empty cache. Call Run to follow the shared tier's invalidations.
func NewResponseCache(o ResponseCacheOptions) *ResponseCache {
	c := &ResponseCache{
		maxBytes: o.MaxBytes, shared: o.Shared, localTTL: o.LocalTTL, sharedTTL: o.SharedTTL,
		now: o.Now, log: o.Logger, changed: map[string]int64{},
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultResponseCacheBytes
	}
	if c.localTTL <= 0 {
		c.localTTL = DefaultLocalTTL
	}
	if c.sharedTTL <= 0 {
		c.sharedTTL = DefaultSharedTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.failLog = newSampledLog(slog.LevelWarn, "response cache: shared tier failed, answering without it", c.now)
	// The library may overshoot its maximum while it evicts; entries are at most maxEntry
	// bytes, and the headroom keeps the tier within MaxBytes.
	c.local = otter.Must(&otter.Options[string, *cachedResponse]{
		MaximumWeight:    c.maxBytes - c.maxEntry(),
		Weigher:          func(_ string, e *cachedResponse) uint32 { return uint32(e.size()) },
		ExpiryCalculator: otter.ExpiryWriting[string, *cachedResponse](c.localTTL),
		OnDeletion: func(e otter.DeletionEvent[string, *cachedResponse]) {
			if e.Cause == otter.CauseOverflow {
				c.stats.Evictions.Add(1)
			}
		},
	})
	return c
}

// maxEntry is the largest entry the in-process tier keeps (1/8 of its bound).
func (c *ResponseCache) maxEntry() uint64 { return c.maxBytes / 8 }

// Stats returns the cache's counters.
func (c *ResponseCache) Stats() *CacheStats { return &c.stats }

// Bytes is the weight the in-process tier holds now.
func (c *ResponseCache) Bytes() uint64 { return c.local.WeightedSize() }

// LogValue summarises the cache for a log line: the in-process tier's bytes (now, the peak seen
// after a store, the bound) and the counters.
func (c *ResponseCache) LogValue() slog.Value {
	st := &c.stats
	return slog.GroupValue(
		slog.Uint64("bytes", c.Bytes()), slog.Uint64("peak_bytes", c.peakBytes.Load()), slog.Uint64("max_bytes", c.maxBytes),
		slog.Int("entries", c.local.EstimatedSize()),
		slog.Uint64("local_hits", st.LocalHits.Load()), slog.Uint64("shared_hits", st.SharedHits.Load()),
		slog.Uint64("misses", st.Misses.Load()), slog.Uint64("stale", st.Stale.Load()),
		slog.Uint64("evictions", st.Evictions.Load()), slog.Uint64("shared_errors", st.SharedErrors.Load()),
	)
}

// MaxBytes is the in-process tier's bound.
func (c *ResponseCache) MaxBytes() uint64 { return c.maxBytes }

// Run follows the invalidations published on the shared tier (by this and every other
// instance) until ctx is done. It returns at once without a shared tier, and the error of a
// subscription that could not be established (answers are then bounded by LocalTTL).
func (c *ResponseCache) Run(ctx context.Context) error {
	if c.shared == nil {
		return nil
	}
	return c.shared.Subscribe(ctx, func(tags []string, at time.Time) { c.markChanged(tags, at) })
}

var _ ports.ChangeNotifier = (*ResponseCache)(nil)

// Changed invalidates every cached answer rendered from the changed objects, here at once and,
// through the shared tier, on every instance. It never fails the caller's write: a shared-tier
// failure is logged and counted (other instances then rely on their LocalTTL).
func (c *ResponseCache) Changed(ctx context.Context, changes ...ports.Change) {
	tags := ports.Tags(changes...)
	if len(tags) == 0 {
		return
	}
	at := c.now()
	c.markChanged(tags, at)
	if c.shared == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedCallTimeout)
	defer cancel()
	if err := c.shared.Invalidate(ctx, tags, at); err != nil {
		n := c.stats.SharedErrors.Add(1)
		c.log.LogAttrs(ctx, slog.LevelError, "response cache: shared invalidation failed",
			slog.Any("tags", tags), slog.Uint64("shared_errors_total", n), slog.String("error", err.Error()))
	}
}

// tag names the objects an answer shows, as ports.Change.Tag names the changed ones: 's'
// subject, 'c' character, 'p' person, 'u' user.
func tag(prefix byte, id uint32) string {
	b := make([]byte, 0, 11)
	b = append(b, prefix)
	return string(strconv.AppendUint(b, uint64(id), 10))
}

func (c *ResponseCache) markChanged(tags []string, at time.Time) {
	ns := at.UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tags {
		if ns > c.changed[t] {
			c.changed[t] = ns
		}
	}
	for {
		last := c.lastChange.Load()
		if ns <= last || c.lastChange.CompareAndSwap(last, ns) {
			break
		}
	}
	// An entry lives at most localTTL here, and entries of the shared tier are checked by the
	// store itself: change times older than that can go.
	now := c.now().UnixNano()
	if now-c.pruned > int64(c.localTTL) {
		c.pruned = now
		horizon := now - int64(c.localTTL) - int64(clockSkew)
		for t, v := range c.changed {
			if v < horizon {
				delete(c.changed, t)
			}
		}
	}
}

// fresh reports whether e was rendered after the last change of each of its tags.
func (c *ResponseCache) fresh(e *cachedResponse) bool {
	limit := e.started - int64(clockSkew)
	if c.lastChange.Load() < limit {
		return true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, t := range e.tags {
		if c.changed[t] >= limit {
			return false
		}
	}
	return true
}

// cachedResponse is a rendered answer.
type cachedResponse struct {
	status       int
	contentType  string
	cacheControl string
	location     string
	etag         string // strong ETag of a 200 answer, "" otherwise
	retryAfter   string // Retry-After of a 503 (never kept, so not marshalled)
	body         []byte
	tags         []string
	started      int64 // Unix ns at which its rendering started (before any read)
}

func (e *cachedResponse) size() int {
	n := 96 + len(e.contentType) + len(e.cacheControl) + len(e.location) + len(e.etag) + len(e.body)
	for _, t := range e.tags {
		n += 16 + len(t)
	}
	return n
}

// cacheable reports whether an answer may be kept: successes and redirects. Errors are
// not cached (a 404 for an id that a write creates would need its own invalidation).
func (e *cachedResponse) cacheable() bool {
	return e.status == http.StatusOK || e.status == http.StatusFound
}

// etagOf is a strong validator of body: a hash of its bytes.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// Encoding of an entry in the shared tier: a version byte, then status, started, the strings
// and the tags, each length-prefixed (uvarint), then the body.
const entryVersion = 1

func (e *cachedResponse) marshal() []byte {
	var b bytes.Buffer
	b.Grow(e.size())
	b.WriteByte(entryVersion)
	b.Write(binary.AppendUvarint(nil, uint64(e.status)))
	b.Write(binary.AppendVarint(nil, e.started))
	for _, s := range []string{e.contentType, e.cacheControl, e.location, e.etag} {
		b.Write(binary.AppendUvarint(nil, uint64(len(s))))
		b.WriteString(s)
	}
	b.Write(binary.AppendUvarint(nil, uint64(len(e.tags))))
	for _, t := range e.tags {
		b.Write(binary.AppendUvarint(nil, uint64(len(t))))
		b.WriteString(t)
	}
	b.Write(e.body)
	return b.Bytes()
}

var errBadEntry = errors.New("httpapi: malformed cached response")

func unmarshalEntry(data []byte) (*cachedResponse, error) {
	r := bytes.NewReader(data)
	if v, err := r.ReadByte(); err != nil || v != entryVersion {
		return nil, errBadEntry
	}
	uv := func() uint64 {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 1 << 62 // fails the length checks below
		}
		return v
	}
	str := func() (string, bool) {
		n := uv()
		if n > uint64(r.Len()) {
			return "", false
		}
		buf := make([]byte, n)
		_, _ = r.Read(buf)
		return string(buf), true
	}
	e := &cachedResponse{}
	status := uv()
	if status < 100 || status > 599 {
		return nil, errBadEntry
	}
	e.status = int(status)
	started, err := binary.ReadVarint(r)
	if err != nil {
		return nil, errBadEntry
	}
	e.started = started
	for _, dst := range []*string{&e.contentType, &e.cacheControl, &e.location, &e.etag} {
		s, ok := str()
		if !ok {
			return nil, errBadEntry
		}
		*dst = s
	}
	n := uv()
	if n > uint64(r.Len()) {
		return nil, errBadEntry
	}
	e.tags = make([]string, 0, n)
	for range n {
		t, ok := str()
		if !ok {
			return nil, errBadEntry
		}
		e.tags = append(e.tags, t)
	}
	e.body = data[len(data)-r.Len():]
	return e, nil
}

// keyFor is the cache key of r: the viewer's class, the path and the raw query.
func keyFor(r *http.Request, v auth.Auth, now time.Time) string {
	var who string
	switch {
	case !v.LoggedIn():
		who = "a"
	case v.AllowNSFW(now):
		who = "n"
	default:
		who = "l"
	}
	var b strings.Builder
	b.Grow(len(who) + len(r.URL.Path) + len(r.URL.RawQuery) + 2)
	b.WriteString(who)
	b.WriteByte(' ')
	b.WriteString(r.URL.Path)
	if r.URL.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(r.URL.RawQuery)
	}
	return b.String()
}

// getLocal finds a fresh entry in the in-process tier.
func (c *ResponseCache) getLocal(key string) *cachedResponse {
	e, ok := c.local.GetIfPresent(key)
	if !ok {
		return nil
	}
	if !c.fresh(e) {
		c.stats.Stale.Add(1)
		c.local.Invalidate(key)
		return nil
	}
	c.stats.LocalHits.Add(1)
	return e
}

// get finds a fresh entry in the in-process tier, then in the shared one.
func (c *ResponseCache) get(ctx context.Context, key string) *cachedResponse {
	if e := c.getLocal(key); e != nil {
		return e
	}
	if c.shared == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, sharedCallTimeout)
	defer cancel()
	data, ok, err := c.shared.Get(ctx, key)
	if err != nil {
		c.sharedFailed(ctx, "get", err)
		return nil
	}
	if !ok {
		return nil
	}
	e, err := unmarshalEntry(data)
	if err != nil {
		c.sharedFailed(ctx, "decode", err)
		return nil
	}
	if !c.fresh(e) {
		c.stats.Stale.Add(1)
		return nil
	}
	c.stats.SharedHits.Add(1)
	c.keepLocal(key, e)
	return e
}

func (c *ResponseCache) keepLocal(key string, e *cachedResponse) {
	if uint64(e.size()) <= c.maxEntry() {
		c.local.Set(key, e)
		for b := c.local.WeightedSize(); ; {
			peak := c.peakBytes.Load()
			if b <= peak || c.peakBytes.CompareAndSwap(peak, b) {
				break
			}
		}
	}
}

// put keeps a rendered entry in both tiers, unless one of its tags changed since it started.
func (c *ResponseCache) put(ctx context.Context, key string, e *cachedResponse) {
	if !c.fresh(e) {
		c.stats.Stale.Add(1)
		return
	}
	c.keepLocal(key, e)
	if c.shared == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, sharedCallTimeout)
	defer cancel()
	since := time.Unix(0, e.started).Add(-clockSkew)
	if err := c.shared.Put(ctx, key, e.marshal(), c.sharedTTL, e.tags, since); err != nil {
		c.sharedFailed(ctx, "put", err)
	}
}

func (c *ResponseCache) sharedFailed(ctx context.Context, op string, err error) {
	n := c.stats.SharedErrors.Add(1)
	c.failLog.log(ctx, c.log, slog.String("op", op), slog.Uint64("shared_errors_total", n), slog.String("error", err.Error()))
}

// load renders the answer of key once however many requests ask for it at the same time
// (the others wait for it), and keeps it when it may be kept. The rendering is not cancelled
// when the client that started it goes away (others may be waiting for it); it keeps the
// request's deadline.
func (c *ResponseCache) load(r *http.Request, key string, render func(w http.ResponseWriter, r *http.Request) []string) *cachedResponse {
	v, _, _ := c.flight.Do(key, func() (any, error) {
		ctx := context.WithoutCancel(r.Context())
		if deadline, ok := r.Context().Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
		}
		r := r.WithContext(ctx)
		// Filled while this request waited for its turn? (The shared tier was asked just before.)
		if e := c.getLocal(key); e != nil {
			return e, nil
		}
		c.stats.Misses.Add(1)
		started := c.now().UnixNano()
		w := newCapture()
		tags := render(w, r)
		e := w.entry(started, tags)
		if e.cacheable() {
			c.put(r.Context(), key, e)
		}
		return e, nil
	})
	return v.(*cachedResponse)
}

// capture is the ResponseWriter a rendered answer is written to.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newCapture() *capture { return &capture{header: http.Header{}} }

func (w *capture) Header() http.Header { return w.header }

func (w *capture) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *capture) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *capture) entry(started int64, tags []string) *cachedResponse {
	e := &cachedResponse{
		status: w.status, started: started, tags: tags, body: w.body.Bytes(),
		contentType: w.header.Get("Content-Type"), cacheControl: w.header.Get("Cache-Control"),
		location: w.header.Get("Location"), retryAfter: w.header.Get("Retry-After"),
	}
	if e.status == 0 {
		e.status = http.StatusOK
	}
	if e.status == http.StatusOK {
		e.etag = etagOf(e.body)
	}
	return e
}

// write answers e, or 304 when the request's If-None-Match names its ETag.
func (e *cachedResponse) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if e.cacheControl != "" {
		h.Set("Cache-Control", e.cacheControl)
	}
	if e.etag != "" {
		h.Set("ETag", e.etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, e.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if e.location != "" {
		h.Set("Location", e.location)
	}
	if e.retryAfter != "" {
		h.Set("Retry-After", e.retryAfter)
	}
	if e.contentType != "" {
		h.Set("Content-Type", e.contentType)
		h.Set("Content-Length", strconv.Itoa(len(e.body)))
	}
	w.WriteHeader(e.status)
	if len(e.body) > 0 {
		_, _ = w.Write(e.body) // the client may be gone; nothing to do about it
	}
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2): "*" or any listed
// tag equal to etag once a W/ prefix is dropped.
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == etag {
			return true
		}
	}
	return false
}
