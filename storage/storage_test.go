package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"cartable/storage"
	"cartable/storagetest"
)

func TestPutOpenDelete(t *testing.T) {
	t.Parallel()
	store, ctx := storagetest.New(t), context.Background()
	all := make([]byte, 20<<20+7) // more than one multipart part when the size is unknown
	if _, err := rand.Read(all); err != nil {
		t.Fatal(err)
	}
	// Streams of unknown length that end within one part are stored with one request,
	// longer ones as multipart uploads: both sides of the boundary, and the ends.
	for _, tc := range []struct {
		length int
		size   int64 // -1: unknown
	}{
		{len(all), int64(len(all))}, {len(all), -1}, {16 << 20, -1}, {16<<20 + 1, -1}, {3000, -1}, {0, -1}, {0, 0},
	} {
		data, size := all[:tc.length], tc.size
		sum := sha256.Sum256(data)
		if len(data) == 0 {
			if _, err := store.Put(ctx, storage.NewKey(), bytes.NewReader(nil), size, "text/plain"); err != nil {
				t.Fatalf("empty put, size %d: %v", size, err)
			}
			continue
		}
		key := storage.NewKey()
		res, err := store.Put(ctx, key, bytes.NewReader(data), size, "application/octet-stream")
		if err != nil {
			t.Fatal(err)
		}
		if res.Size != int64(len(data)) || !bytes.Equal(res.SHA256, sum[:]) {
			t.Errorf("size %d: Put = %d bytes, sha %x", size, res.Size, res.SHA256)
		}
		ranges := []struct{ off, n int64 }{{0, -1}, {0, 10}, {5 << 20, 1000}, {int64(len(data)) - 3, -1}}
		for _, rg := range ranges {
			if rg.off+max(rg.n, 0) > int64(len(data)) {
				continue
			}
			r, err := store.Open(ctx, key, rg.off, rg.n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			end := int64(len(data))
			if rg.n >= 0 {
				end = rg.off + rg.n
			}
			if err != nil || !bytes.Equal(got, data[rg.off:end]) {
				t.Errorf("Open(%d, %d): %d bytes, %v", rg.off, rg.n, len(got), err)
			}
		}
		if err := store.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if ok, err := store.Exists(ctx, key); ok || err != nil {
			t.Errorf("after delete: exists %v, %v", ok, err)
		}
	}
}

func TestMissingObjects(t *testing.T) {
	t.Parallel()
	store, ctx := storagetest.New(t), context.Background()
	if _, err := store.Open(ctx, "blobs/none", 0, -1); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if err := store.Delete(ctx, "blobs/none"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
	if err := store.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

func TestKeysAreNeverReused(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		k := storage.NewKey()
		if seen[k] {
			t.Fatalf("key %s twice", k)
		}
		seen[k] = true
	}
}
