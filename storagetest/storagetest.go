// Package storagetest gives each test its own bucket on the test MinIO, emptied and
// removed when the test ends.
//
// It reads the CARTABLE_S3_* variables (make test and deploy/dev/stack.sh set them).
// Without an endpoint a test is skipped, except under CI (CI=true), where it fails.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"testing"

	"cartable/storage"
)

// Config creates a fresh bucket and returns the configuration that reaches it.
func Config(t testing.TB) storage.Config {
	t.Helper()
	cfg := storage.Config{
		Endpoint:  os.Getenv("CARTABLE_S3_ENDPOINT"),
		AccessKey: os.Getenv("CARTABLE_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("CARTABLE_S3_SECRET_KEY"),
		Region:    os.Getenv("CARTABLE_S3_REGION"),
		Bucket:    "test-" + randomSuffix(),
	}
	cfg.TLS, _ = strconv.ParseBool(os.Getenv("CARTABLE_S3_TLS"))
	if cfg.Endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CARTABLE_S3_ENDPOINT is not set: run the tests with `make test`")
		}
		t.Skip("no S3: set CARTABLE_S3_ENDPOINT or run `make test`")
	}
	store, err := storage.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeBucket(t, store) })
	return cfg
}

// New returns a store on a fresh bucket.
func New(t testing.TB) *storage.Store {
	t.Helper()
	store, err := storage.New(context.Background(), Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func removeBucket(t testing.TB, store *storage.Store) {
	ctx := context.Background()
	for obj, err := range store.List(ctx, "") {
		if err != nil {
			t.Logf("empty bucket %s: %v", store.Bucket(), err)
			return
		}
		if err := store.Delete(ctx, obj.Key); err != nil {
			t.Logf("empty bucket %s: %v", store.Bucket(), err)
		}
	}
	for up, err := range store.ListUnfinished(ctx, "") {
		if err == nil {
			err = store.AbortUnfinished(ctx, up.Key)
		}
		if err != nil {
			t.Logf("abort unfinished uploads in %s: %v", store.Bucket(), err)
			break
		}
	}
	if err := store.RemoveBucket(ctx); err != nil {
		t.Logf("remove bucket %s: %v", store.Bucket(), err)
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
