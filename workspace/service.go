package workspace

import (
	"context"
	"io"
	"iter"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/db"
	"cartable/quota"
	"cartable/storage"
)

// BlobStore is the part of the object store the workspace needs.
type BlobStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.PutResult, error)
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	AbortUnfinished(ctx context.Context, key string) error
	ListUnfinished(ctx context.Context, prefix string) iter.Seq2[storage.Unfinished, error]
	List(ctx context.Context, prefix string) iter.Seq2[storage.ObjectInfo, error]
}

// Config tunes the workspace.
type Config struct {
	// MaxUploadBytes bounds a single-request upload; larger files go through tus.
	MaxUploadBytes int64
	// MaxStreamedBytes bounds an upload sent whole in one request with its length
	// declared up front (a WebDAV PUT, Upload.Streamed): the resumable maximum, since
	// such clients cannot resume. Zero: MaxUploadBytes.
	MaxStreamedBytes int64
	// UploadLease is how long an upload in flight holds its quota reservation and
	// its blob without a sign of life: a request renews it while its bytes flow, so
	// one whose node died gives them back within minutes.
	UploadLease time.Duration
	// TrashRetention is how long trashed items are kept before the purge job.
	TrashRetention time.Duration
	// ArchiveRetention is how long an archived class space stays readable before
	// the retention job trashes it (schoolyear.go).
	ArchiveRetention time.Duration
	// FolderTemplate is the region's default template: the folders a new class space
	// starts with when its structure has no template of its own. Empty: none.
	FolderTemplate []string
}

// DefaultConfig is the configuration used when a field is left zero.
var DefaultConfig = Config{
	MaxUploadBytes:   256 << 20,
	UploadLease:      2 * time.Minute,
	TrashRetention:   30 * 24 * time.Hour,
	ArchiveRetention: 365 * 24 * time.Hour,
}

// Service runs the workspace use cases.
type Service struct {
	db    *pgxpool.Pool
	blobs BlobStore
	cfg   Config
	log   *slog.Logger
	now   func() time.Time

	previews PreviewQueue
	scans    ScanQueue
	// quiet spares the database the repeated opens of one file (recent.go).
	quiet quietPeriod
}

// PreviewQueue enqueues the preview of a new blob in the transaction that commits it.
type PreviewQueue interface {
	EnqueueTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error
	// AwaitTx marks the preview pending, its render to be enqueued by the scan.
	AwaitTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error
}

// ScanQueue enqueues the antivirus scan of a new blob in the transaction that
// commits it; the scan enqueues its preview once the blob is found clean.
type ScanQueue interface {
	EnqueueTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, size int64, mimeType, name string) error
}

// SetScans turns the antivirus on: every new blob is scanned before anyone but its
// uploader reads it, and before its preview is made.
func (s *Service) SetScans(q ScanQueue) { s.scans = q }

// SetPreviews turns previews on: every new blob gets its preview job. It is set once
// the job client exists, which itself needs the workspace's workers.
func (s *Service) SetPreviews(q PreviewQueue) { s.previews = q }

// enqueuePreview enqueues the preview of a blob a version of the file called name
// now references (the name tells a liar: an .exe called .jpg gets a recorded
// failure).
// With the antivirus on, the scan comes first and enqueues the render itself.
func (s *Service) enqueuePreview(ctx context.Context, tx pgx.Tx, blob storedBlob, name string) error {
	if s.scans != nil {
		if err := s.scans.EnqueueTx(ctx, tx, blob.ID, blob.Size, blob.MimeType, name); err != nil {
			return err
		}
		if s.previews == nil {
			return nil
		}
		return s.previews.AwaitTx(ctx, tx, blob.ID, blob.MimeType, name)
	}
	if s.previews == nil {
		return nil
	}
	return s.previews.EnqueueTx(ctx, tx, blob.ID, blob.MimeType, name)
}

// New returns the workspace over a database pool and a blob store.
func New(pool *pgxpool.Pool, blobs BlobStore, cfg Config, log *slog.Logger) *Service {
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = DefaultConfig.MaxUploadBytes
	}
	if cfg.UploadLease == 0 {
		cfg.UploadLease = DefaultConfig.UploadLease
	}
	if cfg.TrashRetention == 0 {
		cfg.TrashRetention = DefaultConfig.TrashRetention
	}
	if cfg.ArchiveRetention == 0 {
		cfg.ArchiveRetention = DefaultConfig.ArchiveRetention
	}
	return &Service{db: pool, blobs: blobs, cfg: cfg, log: log, now: time.Now}
}

// MaxUploadBytes is the largest file a single-request upload accepts.
func (s *Service) MaxUploadBytes() int64 { return s.cfg.MaxUploadBytes }

// MaxStreamedBytes is the largest streamed upload of declared length (Upload.Streamed).
func (s *Service) MaxStreamedBytes() int64 { return s.limit(Upload{Streamed: true}) }

// transact runs fn in one transaction. A write the quotas refuse comes back as a
// quota_exceeded error naming the limit that was hit; one that would nest folders
// deeper than MaxDepth as invalid_request.
func (s *Service) transact(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return Translate(db.Transact(ctx, s.db, fn))
}

// Translate turns the database's refusals of a workspace write into domain errors:
// a quota that is full, folders nested too deep. Other errors pass through. A
// capability that runs the workspace's writes in its own transaction (uploads)
// translates its errors with it.
func Translate(err error) error {
	if db.IsCheckViolation(err, "items_depth") {
		return cartable.Errorf(cartable.EInvalid, "folders nest at most %d deep", MaxDepth).With("max_depth", MaxDepth)
	}
	return quota.Translate(err)
}

// MaxDepth is how deep folders nest (the items_depth constraint of the database).
const MaxDepth = 64
