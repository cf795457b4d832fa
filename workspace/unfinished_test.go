package workspace_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"cartable/storage"
	"cartable/workspace"
)

// unfinishedUpload leaves an unfinished multipart upload under key, as a node killed
// in the middle of a stream does (minio-go aborts its own failures, with a context of
// its own).
func unfinishedUpload(t *testing.T, w *world, key string) {
	t.Helper()
	core, err := minio.NewCore(os.Getenv("CARTABLE_S3_ENDPOINT"), &minio.Options{
		Creds:  credentials.NewStaticV4(os.Getenv("CARTABLE_S3_ACCESS_KEY"), os.Getenv("CARTABLE_S3_SECRET_KEY"), ""),
		Region: os.Getenv("CARTABLE_S3_REGION"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.NewMultipartUpload(w.ctx, w.store.Bucket(), key, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

func unfinished(t *testing.T, store *storage.Store) map[string][]time.Time {
	t.Helper()
	keys := map[string][]time.Time{}
	for up, err := range store.ListUnfinished(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		keys[up.Key] = append(keys[up.Key], up.Initiated)
	}
	return keys
}

// TestAbortOrphanUploads: an unfinished multipart upload no pending blob holds is
// aborted once past the grace period; one an upload in flight holds is left alone,
// and so is a young one.
func TestAbortOrphanUploads(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	orphan, held := storage.NewKey(), storage.NewKey()
	unfinishedUpload(t, w, orphan)
	unfinishedUpload(t, w, held)
	w.exec(`INSERT INTO blobs (id, key, pending_until) VALUES (gen_random_uuid(), $1, now() + interval '2 minutes')`, held)

	if n, err := w.ws.AbortOrphanUploads(w.ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("young uploads: %d aborted (%v), want none", n, err)
	}
	later := time.Now().Add(time.Hour)
	if n, err := w.ws.AbortOrphanUploads(w.ctx, later); err != nil || n != 1 {
		t.Fatalf("%d aborted (%v), want the orphan only", n, err)
	}
	left := unfinished(t, w.store)
	if len(left[orphan]) != 0 || len(left[held]) != 1 {
		t.Errorf("unfinished uploads left: %v", left)
	}
}
