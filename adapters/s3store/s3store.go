// Package s3store implements ports.ImageStore on an S3-compatible object store (bangumi's
// img-resize bucket of resized images) with minio-go.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/bangumi/chii/ports"
)

var _ ports.ImageStore = (*Store)(nil)

// Defaults of Options.
const (
	DefaultRegion   = "us-east-1"
	DefaultTimeout  = 30 * time.Second
	DefaultPageSize = 1000 // S3's largest page of a listing
	// deleteBatch is the most keys S3 deletes in one request (DeleteObjects).
	deleteBatch = 1000
)

// Options configure New.
type Options struct {
	// Endpoint is the server: an http(s) URL ("http://minio:9000"), or host:port, which is
	// reached over HTTPS.
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	// Region is the bucket's region; default us-east-1 (what MinIO and most S3-compatible
	// servers answer). Setting it spares a GetBucketLocation round trip.
	Region string
	// Timeout bounds one DeletePrefix (its listing and its deletes); default 30 s.
	Timeout time.Duration
	// PageSize is the number of keys a listing asks for per request; default 1000.
	PageSize int
}

// Store is a ports.ImageStore on one bucket.
type Store struct {
	client   *minio.Client
	bucket   string
	timeout  time.Duration
	pageSize int
}

// New returns a store on o.Bucket. It sends no request.
func New(o Options) (*Store, error) {
	if o.Bucket == "" {
		return nil, errors.New("s3store: no bucket")
	}
	host, secure, err := endpoint(o.Endpoint)
	if err != nil {
		return nil, err
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PageSize <= 0 || o.PageSize > DefaultPageSize {
		o.PageSize = DefaultPageSize
	}
	c, err := minio.New(host, &minio.Options{
		Creds:  credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure: secure,
		Region: o.Region,
		// Path-style requests (host/bucket/key) work with every S3-compatible server.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: %w", err)
	}
	return &Store{client: c, bucket: o.Bucket, timeout: o.Timeout, pageSize: o.PageSize}, nil
}

// endpoint splits an http(s) URL or a host:port into minio-go's host and TLS switch.
func endpoint(raw string) (host string, secure bool, err error) {
	if raw == "" {
		return "", false, errors.New("s3store: no endpoint")
	}
	if !strings.Contains(raw, "://") {
		return raw, true, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, fmt.Errorf("s3store: endpoint %q is not an http(s) URL of a server (no path)", raw)
	}
	return u.Host, u.Scheme == "https", nil
}

// DeletePrefix lists the keys that start with prefix, page by page, and deletes them in
// batches of up to 1000 (one DeleteObjects request each) as the listing goes. It returns how
// many it deleted; on an error (listing, a request, or a key the server refused to delete)
// some may have been deleted, and a new call deletes the rest.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel() // also stops the listing when a delete fails
	n := 0
	batch := make([]minio.ObjectInfo, 0, deleteBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ch := make(chan minio.ObjectInfo, len(batch))
		for _, o := range batch {
			ch <- minio.ObjectInfo{Key: o.Key}
		}
		close(ch)
		batch = batch[:0]
		var errs []error
		for r := range s.client.RemoveObjectsWithResult(ctx, s.bucket, ch, minio.RemoveObjectsOptions{}) {
			if r.Err != nil {
				errs = append(errs, fmt.Errorf("%q: %w", r.ObjectName, r.Err))
				continue
			}
			n++
		}
		if len(errs) > 0 {
			return fmt.Errorf("s3store: delete in %s: %w", s.bucket, errors.Join(errs...))
		}
		return nil
	}
	objects := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, MaxKeys: s.pageSize})
	for o := range objects {
		if o.Err != nil {
			return n, fmt.Errorf("s3store: list %s/%s*: %w", s.bucket, prefix, o.Err)
		}
		batch = append(batch, o)
		if len(batch) == deleteBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return n, fmt.Errorf("s3store: list %s/%s*: %w", s.bucket, prefix, err)
	}
	return n, flush()
}
