// Package storage is the S3 blob store over minio-go: put, ranged get, delete and
// list of immutable objects under keys it never reuses. It knows nothing of the
// domain; the workspace decides what a key means.
//
// # Configuration
//
// An endpoint (host:port), keys, a bucket (created at start when missing), a region
// and whether to use TLS. Any S3 works: MinIO, Ceph RGW, a cloud store.
//
// # Considerations
//
// Objects of unknown size are streamed as multipart uploads with 16 MiB parts, so a
// request holds at most one part in memory. SHA-256 is computed on the way through.
package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ErrNotFound is returned for a key with no object.
var ErrNotFound = errors.New("storage: object not found")

// Config locates the bucket.
type Config struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	TLS       bool
	// PayloadHashes signs each chunk sent to S3 with SHA-256 (minio-go's streaming
	// signature over plain HTTP). Off, uploads are sent UNSIGNED-PAYLOAD: with TLS the
	// chunk hashes cost CPU for nothing (the blob's own SHA-256 is computed anyway).
	PayloadHashes bool
}

// Store is a bucket of immutable objects.
type Store struct {
	client        *minio.Client
	bucket        string
	payloadHashes bool
}

// partSize is the multipart part size for streams of unknown length: large enough
// for throughput, small enough that concurrent uploads stay cheap in memory.
const partSize = 16 << 20

// New connects to the bucket, creating it when it is missing.
func New(ctx context.Context, cfg Config) (*Store, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.TLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", cfg.Endpoint, err)
	}
	s := &Store{client: client, bucket: cfg.Bucket, payloadHashes: cfg.PayloadHashes}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", s.bucket, err)
	}
	if exists {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err != nil {
		// Another node may have created it between the check and the creation.
		code := minio.ToErrorResponse(err).Code
		if code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Bucket is the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// NewKey returns a key no object has had: "blobs/" + two hex characters taken from
// the random tail of a UUIDv7 (so keys spread over prefixes) + the UUID.
func NewKey() string {
	id := uuid.Must(uuid.NewV7())
	return fmt.Sprintf("blobs/%02x/%s", id[15], id)
}

// PutResult is what was stored.
type PutResult struct {
	Size   int64
	SHA256 []byte
}

// Put stores r under key. size is the exact length, or -1 when unknown: a stream of
// unknown length that ends within one part is still stored with one request, held in
// memory no larger than itself; a longer one becomes a multipart upload of 16 MiB
// parts.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (PutResult, error) {
	hash := sha256.New()
	r = io.TeeReader(r, hash)
	opts := minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: !s.payloadHashes}
	if size < 0 {
		var head bytes.Buffer
		n, err := io.CopyN(&head, r, partSize+1)
		switch {
		case err == io.EOF:
			r, size = bytes.NewReader(head.Bytes()), n
		case err != nil:
			return PutResult{}, fmt.Errorf("put %s: %w", key, err)
		default:
			r, opts.PartSize = io.MultiReader(&head, r), partSize
		}
	}
	info, err := s.client.PutObject(ctx, s.bucket, key, r, size, opts)
	if err != nil {
		return PutResult{}, fmt.Errorf("put %s: %w", key, err)
	}
	return PutResult{Size: info.Size, SHA256: hash.Sum(nil)}, nil
}

// Open reads length bytes of the object from offset; length -1 reads to the end.
func (s *Store) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	if offset > 0 || length >= 0 {
		end := int64(0)
		if length >= 0 {
			end = offset + length - 1
		}
		if err := opts.SetRange(offset, end); err != nil {
			return nil, fmt.Errorf("range of %s: %w", key, err)
		}
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, translate(key, err)
	}
	// GetObject is lazy: Stat makes the request, so a missing key fails here and not
	// in the middle of a response.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, translate(key, err)
	}
	return obj, nil
}

// Head reads at most the first n bytes of the object, in one request (to sniff its
// type).
func (s *Store) Head(ctx context.Context, key string, n int64) ([]byte, error) {
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, n-1); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, translate(key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, n))
	if err != nil {
		return nil, translate(key, err)
	}
	return b, nil
}

// Delete removes the object; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(translate(key, err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// AbortUnfinished aborts the unfinished multipart uploads of key, so that the parts
// of a stream cut in the middle stop taking space.
func (s *Store) AbortUnfinished(ctx context.Context, key string) error {
	if err := s.client.RemoveIncompleteUpload(ctx, s.bucket, key); err != nil && !errors.Is(translate(key, err), ErrNotFound) {
		return fmt.Errorf("abort unfinished uploads of %s: %w", key, err)
	}
	return nil
}

// Unfinished is an unfinished multipart upload.
type Unfinished struct {
	Key       string
	Initiated time.Time
}

// ListUnfinished yields the unfinished multipart uploads under prefix. The bucket's
// whole list is read and filtered here: MinIO takes a listing's prefix for one
// object's name.
func (s *Store) ListUnfinished(ctx context.Context, prefix string) iter.Seq2[Unfinished, error] {
	return func(yield func(Unfinished, error) bool) {
		for up := range s.client.ListIncompleteUploads(ctx, s.bucket, "", true) {
			if up.Err != nil {
				yield(Unfinished{}, fmt.Errorf("list unfinished uploads under %s: %w", prefix, up.Err))
				return
			}
			if !strings.HasPrefix(up.Key, prefix) {
				continue
			}
			if !yield(Unfinished{Key: up.Key, Initiated: up.Initiated}, nil) {
				return
			}
		}
	}
}

// Exists reports whether an object has the key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if errors.Is(translate(key, err), ErrNotFound) {
		return false, nil
	}
	return false, fmt.Errorf("stat %s: %w", key, err)
}

// ObjectInfo describes a listed object.
type ObjectInfo struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// List yields the objects under prefix.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if obj.Err != nil {
				yield(ObjectInfo{}, fmt.Errorf("list %s: %w", prefix, obj.Err))
				return
			}
			if !yield(ObjectInfo{Key: obj.Key, Size: obj.Size, LastModified: obj.LastModified}, nil) {
				return
			}
		}
	}
}

// Ping checks that the bucket answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.client.BucketExists(ctx, s.bucket); err != nil {
		return fmt.Errorf("s3 unreachable: %w", err)
	}
	return nil
}

func translate(key string, err error) error {
	if code := minio.ToErrorResponse(err).Code; code == "NoSuchKey" || code == "NotFound" {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return err
}

// RemoveBucket deletes the (empty) bucket. Tests use it to clean up.
func (s *Store) RemoveBucket(ctx context.Context) error {
	return s.client.RemoveBucket(ctx, s.bucket)
}
