package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"cartable/db"
	"cartable/live"
	"cartable/storage"
)

// Queue is the river queue previews run on, apart from the other jobs so that a
// burst of uploads cannot hold back quota sweeps or webhooks, and so that its
// concurrency bounds the memory rendering takes.
const Queue = "previews"

// RenderArgs is the job that renders a blob's preview.
type RenderArgs struct {
	BlobID uuid.UUID `json:"blob_id"`
	// Again renders a preview that is already ready (an admin's re-enqueue).
	Again bool `json:"again,omitempty"`
}

// Kind names the job in river's queue.
func (RenderArgs) Kind() string { return "preview.render" }

// InsertOpts puts the job on the previews queue. Five attempts with river's
// backoff cover a storage or database outage of several minutes.
func (RenderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 5}
}

// Inserter is the part of a river client that inserts jobs in a transaction.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Jobs enqueues preview jobs.
type Jobs struct {
	Client Inserter
}

// EnqueueTx enqueues the preview of a new blob in the transaction that commits its
// first version, when the blob deserves one (see Wanted).
func (j *Jobs) EnqueueTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error {
	if !Wanted(mimeType, name) {
		return nil
	}
	if err := markPending(ctx, tx, []uuid.UUID{blobID}); err != nil {
		return err
	}
	if _, err := j.Client.InsertTx(ctx, tx, RenderArgs{BlobID: blobID}, nil); err != nil {
		return fmt.Errorf("enqueue preview of %s: %w", blobID, err)
	}
	return nil
}

// AwaitTx marks a new blob's preview pending without enqueueing its render: the
// antivirus enqueues it once the blob is found clean (a thumbnail is never made of
// a file before its scan). Clients see a preview being made meanwhile.
func (j *Jobs) AwaitTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error {
	if !Wanted(mimeType, name) {
		return nil
	}
	return markPending(ctx, tx, []uuid.UUID{blobID})
}

// QuarantineTx withdraws the thumbnails of a blob the antivirus found infected,
// ready ones included: their record says failed (infected), and no render is made
// of it again. Their objects go with the blob.
func (j *Jobs) QuarantineTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID) error {
	_, err := tx.Exec(ctx, `UPDATE previews SET state = 'failed', failure_code = $2,
		failure_detail = 'the antivirus found something in the file', updated_at = now() WHERE blob_id = $1`, blobID, FailInfected)
	if err != nil {
		return fmt.Errorf("withdraw the thumbnails of %s: %w", blobID, err)
	}
	return live.NotifyTx(ctx, tx, blobID)
}

// requeuePriority is river's lowest priority (1 is the highest, and the default).
const requeuePriority = 4

// RequeueStructure renders again the previews of every current file version in
// the spaces of a structure: failed and missing ones, and ready ones too when all
// is set (after an upgrade of the renderer). Pending ones already have their job.
// It returns how many it enqueued.
func (j *Jobs) RequeueStructure(ctx context.Context, pool *pgxpool.Pool, structureID string, all bool) (int, error) {
	n := 0
	err := db.Transact(ctx, pool, func(tx pgx.Tx) error {
		blobIDs, err := structurePreviews(ctx, tx, structureID, all)
		if err != nil || len(blobIDs) == 0 {
			return err
		}
		if err := markPending(ctx, tx, blobIDs); err != nil {
			return err
		}
		params := make([]river.InsertManyParams, len(blobIDs))
		for i, id := range blobIDs {
			// Behind fresh uploads: a teacher waiting for today's photos goes first.
			params[i] = river.InsertManyParams{Args: RenderArgs{BlobID: id, Again: true},
				InsertOpts: &river.InsertOpts{Priority: requeuePriority}}
		}
		if _, err := j.Client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("enqueue previews of structure %s: %w", structureID, err)
		}
		n = len(blobIDs)
		return nil
	})
	return n, err
}

// structurePreviews finds the blobs of a structure's current files whose preview
// is to be rendered again, each once however many files share it.
func structurePreviews(ctx context.Context, tx pgx.Tx, structureID string, all bool) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `
		SELECT v.blob_id, min(v.mime_type), min(i.name)
		FROM spaces s
		JOIN items i ON i.space_id = s.id AND i.kind = 'file' AND i.trashed_at IS NULL
		JOIN versions v ON v.id = i.current_version_id
		LEFT JOIN previews p ON p.blob_id = v.blob_id
		JOIN blobs b ON b.id = v.blob_id
		WHERE s.structure_id = $1 AND (p.state IS NULL OR p.state = 'failed' OR (p.state = 'ready' AND $2))
		  AND b.scan IS DISTINCT FROM 'pending' AND b.scan IS DISTINCT FROM 'infected'
		GROUP BY v.blob_id`, structureID, all)
	if err != nil {
		return nil, fmt.Errorf("find previews of structure %s: %w", structureID, err)
	}
	var ids []uuid.UUID
	var id uuid.UUID
	var mimeType, name string
	_, err = pgx.ForEachRow(rows, []any{&id, &mimeType, &name}, func() error {
		if Wanted(mimeType, name) {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan previews of structure %s: %w", structureID, err)
	}
	return ids, nil
}

// Store is the part of the object store the preview worker needs.
type Store interface {
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.PutResult, error)
	Delete(ctx context.Context, key string) error
}

// Worker renders previews.
type Worker struct {
	river.WorkerDefaults[RenderArgs]
	DB       *pgxpool.Pool
	Store    Store
	Renderer *Renderer
	Log      *slog.Logger
	Metrics  *Metrics // nil: none
}

// Timeout lets river cancel a job a little after the renderer's own limit, for
// the download and upload around it.
func (w *Worker) Timeout(*river.Job[RenderArgs]) time.Duration {
	return w.Renderer.Limits.Timeout + time.Minute
}

// Work renders one blob's preview. A file that cannot have one gets a recorded
// failure and the job succeeds; anything else is retried, and recorded as an
// internal failure when the attempts run out.
func (w *Worker) Work(ctx context.Context, job *river.Job[RenderArgs]) error {
	err := w.render(ctx, job.Args)
	// The outcome is recorded even when the job's own context has run out.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if f, ok := IsFailure(err); ok {
		w.Log.Info("preview failed", "blob", job.Args.BlobID, "code", f.Code, "detail", truncate(f.Detail, 300))
		w.Metrics.outcome(f.Code)
		return saveFailure(saveCtx, w.DB, job.Args.BlobID, f)
	}
	if err != nil {
		w.Metrics.outcome("retry")
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Log.Error("preview failed for good", "blob", job.Args.BlobID, "err", err)
		if saveErr := saveFailure(saveCtx, w.DB, job.Args.BlobID, &Failure{Code: FailInternal, Detail: "the preview could not be made"}); saveErr != nil {
			w.Log.Error("record preview failure", "blob", job.Args.BlobID, "err", saveErr)
		}
	}
	return err
}

// source is a blob as the worker reads it.
type source struct {
	key, mimeType string
	size          int64
	state         string
	render        string // the recorded render, "" before the first
	scan          string // the antivirus verdict (blobs.scan), "" when none
}

func (w *Worker) render(ctx context.Context, args RenderArgs) error {
	src, err := w.load(ctx, args.BlobID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // purged meanwhile: nothing to preview
	}
	if err != nil {
		return err
	}
	if src.scan == "pending" || src.scan == "infected" {
		// Never rendered before its scan says clean: libvips and the converters
		// parse what the antivirus may find malicious. Its scan enqueues it again.
		return nil
	}
	if src.state == Ready && !args.Again {
		return nil // a copy's blob, or a job that ran twice
	}
	if src.size > w.Renderer.Limits.MaxBytes {
		return fail(FailTooLarge, "the file is %d bytes, more than the %d previews read", src.size, w.Renderer.Limits.MaxBytes)
	}
	if _, err := supported(src.mimeType); err != nil {
		return err // a liar by its name: nothing to download
	}
	dir, err := os.MkdirTemp("", "cartable-preview-")
	if err != nil {
		return fmt.Errorf("scratch folder: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "source")
	if err := w.download(ctx, src, path); err != nil {
		if _, loadErr := w.load(ctx, args.BlobID); errors.Is(loadErr, pgx.ErrNoRows) {
			return nil // purged while it was read: nothing to preview
		}
		return err
	}
	start := time.Now()
	renditions, err := w.Renderer.RenderFile(ctx, dir, path, src.mimeType)
	if err != nil {
		return err
	}
	w.Log.Debug("preview rendered", "blob", args.BlobID, "type", src.mimeType, "took", time.Since(start))
	w.Metrics.rendered(KindOf(src.mimeType), time.Since(start).Seconds())
	if err := w.store(ctx, args.BlobID, src, renditions); err != nil {
		return err
	}
	w.Metrics.outcome(Ready)
	return nil
}

// load reads the blob and its preview record; pgx.ErrNoRows when the blob is gone.
func (w *Worker) load(ctx context.Context, blobID uuid.UUID) (source, error) {
	var s source
	err := w.DB.QueryRow(ctx, `
		SELECT b.key, b.size, v.mime_type, coalesce(p.state, ''), coalesce(p.render, ''), coalesce(b.scan, '')
		FROM blobs b JOIN versions v ON v.blob_id = b.id LEFT JOIN previews p ON p.blob_id = b.id
		WHERE b.id = $1 LIMIT 1`, blobID).Scan(&s.key, &s.size, &s.mimeType, &s.state, &s.render, &s.scan)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("load blob %s: %w", blobID, err)
	}
	return s, err
}

// download streams the blob into a file: a video or a long document never sits in
// the worker's memory.
func (w *Worker) download(ctx context.Context, src source, path string) error {
	body, err := w.Store.Open(ctx, src.key, 0, -1)
	if err != nil {
		return fmt.Errorf("open %s: %w", src.key, err)
	}
	defer body.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, err = io.Copy(f, io.LimitReader(body, w.Renderer.Limits.MaxBytes+1))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("download %s: %w", src.key, err)
	}
	return nil
}

// store writes the renditions as a new render, records it, and deletes the render
// it replaces. Whatever fails after the upload deletes what it wrote.
func (w *Worker) store(ctx context.Context, blobID uuid.UUID, src source, renditions []Rendition) error {
	render := newRenderName()
	stored := make([]Stored, 0, len(renditions))
	for _, r := range renditions {
		key := objectKey(src.key, render, r.Size, r.Format)
		if _, err := w.Store.Put(ctx, key, bytes.NewReader(r.Data), int64(len(r.Data)), r.Format.ContentType()); err != nil {
			w.deleteObjects(stored)
			return fmt.Errorf("store preview %s: %w", key, err)
		}
		stored = append(stored, Stored{Rendition: r, Key: key})
	}
	var old []string
	err := db.Transact(ctx, w.DB, func(tx pgx.Tx) (err error) {
		old, err = saveReady(ctx, tx, blobID, src.render, render, stored)
		return err
	})
	if err != nil {
		w.deleteObjects(stored)
		if errors.Is(err, errLost) {
			return nil
		}
		return err
	}
	w.deleteKeys(old)
	return nil
}

func (w *Worker) deleteObjects(stored []Stored) {
	keys := make([]string, len(stored))
	for i, s := range stored {
		keys[i] = s.Key
	}
	w.deleteKeys(keys)
}

// deleteKeys deletes preview objects, after the fact: a failure leaves an object
// no record names, which costs storage but breaks nothing; it is logged.
func (w *Worker) deleteKeys(keys []string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, key := range keys {
		if err := w.Store.Delete(ctx, key); err != nil {
			w.Log.Warn("delete preview object", "key", key, "err", err)
		}
	}
}
