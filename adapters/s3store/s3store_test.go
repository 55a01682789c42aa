package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bangumi/chii/adapters/s3store"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

const bucket = "img-resize"

// fakeS3 is a real S3-compatible server (gofakes3, in memory) on a local port, counting the
// listing and multi-delete requests it answers.
type fakeS3 struct {
	url     string
	backend *s3mem.Backend
	lists   atomic.Int64
	deletes atomic.Int64
}

func newFakeS3(tb testing.TB, objects ...string) *fakeS3 {
	tb.Helper()
	f := &fakeS3{backend: s3mem.New()}
	if err := f.backend.CreateBucket(bucket); err != nil {
		tb.Fatal(err)
	}
	for _, key := range objects {
		f.put(tb, key)
	}
	h := gofakes3.New(f.backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodGet && q.Has("list-type"):
			f.lists.Add(1)
		case r.Method == http.MethodPost && q.Has("delete"):
			f.deletes.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeS3) put(tb testing.TB, key string) {
	tb.Helper()
	body := []byte("image " + key)
	if _, err := f.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		tb.Fatalf("put %s: %v", key, err)
	}
}

// keys lists the bucket straight from the backend.
func (f *fakeS3) keys(tb testing.TB) []string {
	tb.Helper()
	res, err := f.backend.ListBucket(bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		tb.Fatal(err)
	}
	out := []string{}
	for _, c := range res.Contents {
		out = append(out, c.Key)
	}
	slices.Sort(out)
	return out
}

func newStore(tb testing.TB, url string, pageSize int) *s3store.Store {
	tb.Helper()
	s, err := s3store.New(s3store.Options{Endpoint: url, AccessKey: "key", SecretKey: "secret", Bucket: bucket,
		PageSize: pageSize, Timeout: 20 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Every key under the prefix goes, over several pages of the listing; keys that only share
// a shorter prefix, or sit under another one, stay.
func TestStore_DeletePrefix(t *testing.T) {
	const prefix = "/pic/user/l/000/00/00/1.jpg"
	var under []string
	for i := range 11 {
		under = append(under, fmt.Sprintf("%s/%dx%d.webp", prefix, 10*i, 10*i))
	}
	under = append(under, prefix)
	others := []string{
		"/pic/user/l/000/00/00/10.jpg",
		"/pic/user/l/000/00/00/1.jp",
		"/hd/pic/user/l/000/00/00/1.jpg",
		"/pic/user/m/000/00/00/1.jpg",
		"pic/user/l/000/00/00/1.jpg",
	}
	f := newFakeS3(t, append(slices.Clone(under), others...)...)
	s := newStore(t, f.url, 5)

	n, err := s.DeletePrefix(t.Context(), prefix)
	if err != nil {
		t.Fatalf("DeletePrefix() error = %v", err)
	}
	if n != len(under) {
		t.Errorf("DeletePrefix() = %d, want %d", n, len(under))
	}
	slices.Sort(others)
	if diff := cmp.Diff(others, f.keys(t)); diff != "" {
		t.Errorf("keys left (-want +got):\n%s", diff)
	}
	// 12 keys in pages of 5: three listing requests at least.
	if got := f.lists.Load(); got < 3 {
		t.Errorf("the listing took %d requests, want at least 3 (pages of 5)", got)
	}

	// Again: nothing left under the prefix, nothing deleted, no error.
	deletesBefore := f.deletes.Load()
	if n, err := s.DeletePrefix(t.Context(), prefix); n != 0 || err != nil {
		t.Errorf("second DeletePrefix() = %d, %v; want 0, nil", n, err)
	}
	if got := f.deletes.Load(); got != deletesBefore {
		t.Errorf("a listing with no key sent %d delete requests, want none", got-deletesBefore)
	}
}

// Deletes go in batches of at most 1000 keys (S3's limit per DeleteObjects request).
func TestStore_DeletePrefix_BatchesOf1000(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 2,100 objects")
	}
	var keys []string
	for i := range 2100 {
		keys = append(keys, fmt.Sprintf("/pic/user/l/000/00/02/2.jpg/%04d", i))
	}
	f := newFakeS3(t, append(keys, "/pic/user/l/000/00/02/3.jpg")...)
	s := newStore(t, f.url, 0)

	n, err := s.DeletePrefix(t.Context(), "/pic/user/l/000/00/02/2.jpg")
	if err != nil || n != len(keys) {
		t.Fatalf("DeletePrefix() = %d, %v; want %d, nil", n, err, len(keys))
	}
	if got := f.deletes.Load(); got != 3 {
		t.Errorf("%d delete requests for 2,100 keys, want 3 (1000 + 1000 + 100)", got)
	}
	if diff := cmp.Diff([]string{"/pic/user/l/000/00/02/3.jpg"}, f.keys(t)); diff != "" {
		t.Errorf("keys left (-want +got):\n%s", diff)
	}
}

// A server that cannot be reached, or a bucket that does not exist, is an error, not "none".
func TestStore_DeletePrefix_Failures(t *testing.T) {
	t.Run("Unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		s := newStore(t, url, 0)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if n, err := s.DeletePrefix(ctx, "/pic/"); err == nil {
			t.Errorf("DeletePrefix() on a closed port = %d, nil; want an error", n)
		}
	})
	t.Run("NoBucket", func(t *testing.T) {
		f := newFakeS3(t)
		s, err := s3store.New(s3store.Options{Endpoint: f.url, AccessKey: "k", SecretKey: "s", Bucket: "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeletePrefix(t.Context(), "/pic/"); err == nil {
			t.Errorf("DeletePrefix() in a missing bucket = %d, nil; want an error", n)
		}
	})
}

func TestNew_Options(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       s3store.Options
		wantErr bool
	}{
		{"HTTPURL", s3store.Options{Endpoint: "http://127.0.0.1:9000", Bucket: "b"}, false},
		{"HTTPSURL", s3store.Options{Endpoint: "https://s3.example.com", Bucket: "b"}, false},
		{"HostPort", s3store.Options{Endpoint: "minio:9000", Bucket: "b"}, false},
		{"NoEndpoint", s3store.Options{Bucket: "b"}, true},
		{"NoBucket", s3store.Options{Endpoint: "http://127.0.0.1:9000"}, true},
		{"OtherScheme", s3store.Options{Endpoint: "ftp://127.0.0.1:9000", Bucket: "b"}, true},
		{"URLWithPath", s3store.Options{Endpoint: "http://127.0.0.1:9000/img", Bucket: "b"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s3store.New(tc.o); (err != nil) != tc.wantErr {
				t.Errorf("New(%+v) error = %v, wantErr %v", tc.o, err, tc.wantErr)
			}
		})
	}
}

func TestStore_Contract(t *testing.T) {
	contracttests.TestImageStore(t, func(t *testing.T, paths []string) (ports.ImageStore, func() []string) {
		f := newFakeS3(t, paths...)
		return newStore(t, f.url, 2), func() []string { return f.keys(t) }
	})
}
