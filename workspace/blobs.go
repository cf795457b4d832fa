package workspace

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"

	"cartable"
	"cartable/db"
)

// storedBlob is a blob whose bytes are in object storage and whose row is still
// pending: it becomes live when a version referencing it commits.
type storedBlob struct {
	ID       uuid.UUID
	Key      string
	Size     int64
	SHA256   []byte
	MimeType string
}

// sniffBytes is how much of a file mimetype reads to recognize it.
const sniffBytes = 3072

// storeBlob streams r into the object of a pending blob and tells what it holds.
// A body longer than limit fails with too_large.
func (s *Service) storeBlob(ctx context.Context, key string, r io.Reader, declaredSize, limit int64) (StoredContent, error) {
	body := bufio.NewReaderSize(r, sniffBytes)
	head, _ := body.Peek(sniffBytes) // a short file is a short head, not an error
	mimeType := mimetype.Detect(head).String()
	counted := &limitedReader{r: body, left: limit}
	res, err := s.blobs.Put(ctx, key, counted, declaredSize, mimeType)
	if counted.exceeded {
		return StoredContent{}, tooLarge(limit)
	}
	if err != nil {
		return StoredContent{}, fmt.Errorf("store blob: %w", err)
	}
	return StoredContent{Size: res.Size, SHA256: res.SHA256, MimeType: mimeType}, nil
}

func tooLarge(limit int64) error {
	return cartable.Errorf(cartable.ETooLarge, "the file is larger than %d bytes; use a resumable upload", limit).
		With("max_bytes", limit)
}

// discardBlob removes a blob that no version will reference, object first. It runs
// after the request's own context may have ended, so it uses its own; whatever it
// cannot remove, the collector will.
func (s *Service) discardBlob(b storedBlob) {
	ctx := context.WithoutCancel(context.Background())
	// A stream cut in the middle may leave its multipart upload unfinished: its
	// parts would cost until the store's own expiry (forever on some S3s).
	if err := s.blobs.AbortUnfinished(ctx, b.Key); err != nil {
		s.log.Warn("discard blob: abort unfinished upload", "key", b.Key, "err", err)
		return
	}
	if err := s.blobs.Delete(ctx, b.Key); err != nil {
		s.log.Warn("discard blob: delete object", "key", b.Key, "err", err)
		return
	}
	if err := dropUnreferencedBlob(ctx, s.db, b.ID); err != nil {
		s.log.Warn("discard blob: delete row", "blob", b.ID, "err", err)
	}
}

// dropUnreferencedBlob deletes a blob's row unless a version references it.
func dropUnreferencedBlob(ctx context.Context, q db.DBTX, id uuid.UUID) error {
	_, err := q.Exec(ctx, `DELETE FROM blobs b WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM versions WHERE blob_id = b.id)`, id)
	if err != nil {
		return fmt.Errorf("drop blob row %s: %w", id, err)
	}
	return nil
}

// limitedReader reads at most left bytes and notes whether the source had more.
type limitedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe one byte: a body of exactly the limit is fine, one more is not.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.exceeded = true
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

var errBodyTooLarge = errors.New("body exceeds the upload limit")
