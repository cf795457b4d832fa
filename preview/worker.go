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
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"cartable/db"
	"cartable/storage"
)

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
	// GoDecodes bounds the photos Go decodes at once for a provisional small
	// thumbnail (those without a trusted camera preview): each holds the whole
	// file and at most goDecodeMaxBytes more; a 12 MP phone photo, decoded at an
	// eighth, takes 1 MB and some 80 ms of CPU. The quick provisional
	// thumbnails, from a camera's preview, run beside them as many as their
	// queue allows. 0: 1.
	GoDecodes int

	urgency urgency // the small thumbnails being made, which the larger sizes let go first
	// goDecodes holds a token per decode in Go running (GoDecodes of them).
	goDecodes     chan struct{}
	goDecodesOnce sync.Once
}

// goDecodeTurn waits for a photo's turn to be decoded in Go and returns the
// function that ends it, or ctx's error.
func (w *Worker) goDecodeTurn(ctx context.Context) (done func(), err error) {
	w.goDecodesOnce.Do(func() { w.goDecodes = make(chan struct{}, max(1, w.GoDecodes)) })
	select {
	case w.goDecodes <- struct{}{}:
		return func() { <-w.goDecodes }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Timeout lets river cancel a job a little after the renderer's own limit, for
// the download and upload around it.
func (w *Worker) Timeout(*river.Job[RenderArgs]) time.Duration {
	return w.Renderer.Limits.Timeout + time.Minute
}

// Work renders one blob's preview, or a stage of it. A file that cannot have one
// gets a recorded failure and the job succeeds (a stage after the first keeps the
// thumbnails already made); anything else is retried, and recorded as an internal
// failure when the attempts run out.
func (w *Worker) Work(ctx context.Context, job *river.Job[RenderArgs]) error {
	err := w.render(ctx, job.Args)
	// The outcome is recorded even when the job's own context has run out.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if f, ok := IsFailure(err); ok {
		w.Log.Info("preview failed", "blob", job.Args.BlobID, "stage", job.Args.Stage, "code", f.Code, "detail", truncate(f.Detail, 300))
		w.Metrics.outcome(f.Code)
		return saveFailure(saveCtx, w.DB, job.Args.BlobID, f)
	}
	if err != nil {
		w.Metrics.outcome("retry")
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Log.Error("preview failed for good", "blob", job.Args.BlobID, "stage", job.Args.Stage, "err", err)
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
	render        string   // the recorded render, "" before the first
	renditions    []Stored // what the record holds
	scan          string   // the antivirus verdict (blobs.scan), "" when none
}

// has reports whether the record holds a rendition of size, and whether it came
// from the file's embedded preview.
func (s source) has(size string) (found, embedded bool) {
	for _, r := range s.renditions {
		if r.Size == size {
			return true, r.Provisional
		}
	}
	return false, false
}

func (w *Worker) render(ctx context.Context, args RenderArgs) error {
	src, err := w.load(ctx, args.BlobID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // purged meanwhile: nothing to preview
	}
	if err != nil {
		return err
	}
	if src.scan == "infected" {
		return nil // quarantined: no thumbnail, ever
	}
	if args.Stage == StageEmbedded {
		return w.renderEmbedded(ctx, args, src)
	}
	if src.scan == "pending" {
		// Never rendered before its scan says clean: libvips and the converters
		// parse what the antivirus may find malicious. Its scan enqueues it again.
		return nil
	}
	if args.Stage == StageWhole {
		return w.renderWhole(ctx, args, src)
	}
	return w.renderStage(ctx, args, src)
}

// renderWhole renders every size in one job, as a new render replacing the one
// recorded.
func (w *Worker) renderWhole(ctx context.Context, args RenderArgs, src source) error {
	if src.state == Ready && !args.Again {
		return nil // a copy's blob, or a job that ran twice
	}
	renditions, err := w.rasterize(ctx, args, src, Sizes)
	if err != nil || renditions == nil {
		return err
	}
	render := newRenderName()
	stored, err := w.put(ctx, src.key, render, renditions)
	if err != nil {
		return err
	}
	var old []string
	err = db.Transact(ctx, w.DB, func(tx pgx.Tx) (err error) {
		old, err = saveReady(ctx, tx, args.BlobID, src.render, render, stored)
		return err
	})
	return w.settle(err, stored, old)
}

// renderStage renders the sizes of one stage of a first render and records them
// beside those of the stages before, then enqueues the next stage. The medium
// stage also renders the real small thumbnail over one read from the file's
// embedded preview, and checks that the two agree.
func (w *Worker) renderStage(ctx context.Context, args RenderArgs, src source) error {
	sizes := args.Stage.sizes()
	smallFound, smallEmbedded := src.has(Sizes[0].Name)
	switch {
	case src.state == Ready && !args.Again && w.staleStage(args.Stage, src):
		return nil // a job that ran twice, or a copy's blob rendered before
	case args.Stage == StageSmall && smallFound:
		// The embedded preview got there first: the real small comes with medium.
		return w.next(ctx, args)
	case args.Stage == StageMedium && smallEmbedded:
		sizes = []Size{Sizes[0], Sizes[1]}
	}
	renditions, err := w.rasterize(ctx, args, src, sizes)
	if err != nil || renditions == nil {
		return err
	}
	stored, err := w.put(ctx, src.key, newRenderName(), renditions)
	if err != nil {
		return err
	}
	var old []string
	err = db.Transact(ctx, w.DB, func(tx pgx.Tx) (err error) {
		if old, err = saveStage(ctx, tx, args.BlobID, args.Stage, stored); err != nil {
			return err
		}
		return w.enqueueNext(ctx, tx, args)
	})
	if err == nil && smallEmbedded {
		w.compareEmbedded(ctx, args.BlobID, src, stored)
	}
	return w.settle(err, stored, old)
}

// staleStage reports whether a stage has nothing left to do: its sizes are
// recorded already, and real (a copy's blob whose first render is done).
func (w *Worker) staleStage(stage Stage, src source) bool {
	for _, size := range stage.sizes() {
		if found, embedded := src.has(size.Name); !found || embedded {
			return false
		}
	}
	return true
}

// next enqueues the stage after the job's, alone.
func (w *Worker) next(ctx context.Context, args RenderArgs) error {
	return db.Transact(ctx, w.DB, func(tx pgx.Tx) error { return w.enqueueNext(ctx, tx, args) })
}

func (w *Worker) enqueueNext(ctx context.Context, tx pgx.Tx, args RenderArgs) error {
	stage, ok := args.Stage.next()
	if !ok {
		return nil
	}
	return enqueueStage(ctx, tx, stage, args.BlobID)
}

// enqueueStage enqueues a stage of a blob's render with the river client running
// the job.
func enqueueStage(ctx context.Context, tx pgx.Tx, stage Stage, blobID uuid.UUID) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err == nil {
		_, err = client.InsertManyTx(ctx, tx, []river.InsertManyParams{stage.job(RenderArgs{BlobID: blobID})})
	}
	if err != nil {
		return fmt.Errorf("enqueue the %s stage of %s: %w", stage, blobID, err)
	}
	return nil
}

// rasterize downloads the blob into a scratch folder and renders sizes of it. It
// returns no renditions and no error when the blob was purged while it was read.
func (w *Worker) rasterize(ctx context.Context, args RenderArgs, src source, sizes []Size) ([]Rendition, error) {
	if src.size > w.Renderer.Limits.MaxBytes {
		return nil, fail(FailTooLarge, "the file is %d bytes, more than the %d previews read", src.size, w.Renderer.Limits.MaxBytes)
	}
	t, err := supported(src.mimeType)
	if err != nil {
		return nil, err // a liar by its name: nothing to download
	}
	if !t.converted() {
		return w.rasterizeInMemory(ctx, args, src, t, sizes)
	}
	dir, err := os.MkdirTemp("", "cartable-preview-")
	if err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "source")
	if err := w.download(ctx, src, path); err != nil {
		return nil, w.unlessPurged(ctx, args, err) // purged while it was read: nothing to preview
	}
	defer w.takeTurn(ctx, args.Stage)()
	start := time.Now()
	renditions, err := w.Renderer.RenderSizes(ctx, dir, path, src.mimeType, sizes)
	if err != nil {
		return nil, err
	}
	w.Log.Debug("preview rendered", "blob", args.BlobID, "stage", args.Stage, "type", src.mimeType, "took", time.Since(start))
	w.Metrics.rendered(KindOf(src.mimeType), args.Stage, time.Since(start).Seconds())
	return renditions, nil
}

// rasterizeInMemory renders an image read straight into memory: libvips decodes
// it from there anyway, and a scratch file would cost a write and a read of each
// photo of a burst. (Documents and videos go to a scratch file their converter
// reads.)
func (w *Worker) rasterizeInMemory(ctx context.Context, args RenderArgs, src source, t sourceType, sizes []Size) ([]Rendition, error) {
	data, err := w.read(ctx, src, src.size)
	if err != nil {
		return nil, w.unlessPurged(ctx, args, err)
	}
	defer w.takeTurn(ctx, args.Stage)()
	if args.Stage == StageSmall {
		if renditions := w.smallFromHEIFThumbnail(ctx, args, t, data); renditions != nil {
			return renditions, nil
		}
	}
	start := time.Now()
	renditions, err := w.Renderer.RenderBytes(ctx, data, src.mimeType, sizes)
	if err != nil {
		return nil, err
	}
	w.Metrics.rendered(KindOf(src.mimeType), args.Stage, time.Since(start).Seconds())
	return renditions, nil
}

// takeTurn comes right before a render: a small thumbnail's marks itself urgent
// until the function returned is called; a larger size's first lets the urgent
// ones have the cores (see urgency).
func (w *Worker) takeTurn(ctx context.Context, stage Stage) (done func()) {
	if stage.urgent() {
		return w.urgency.begin()
	}
	w.urgency.yield(ctx, yieldAtMost)
	return func() {}
}

// readAllSized reads a body of a known size into a buffer allocated once, never
// past limit.
func readAllSized(body io.Reader, size, limit int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(size, limit)+1))
	if _, err := buf.ReadFrom(io.LimitReader(body, limit+1)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unlessPurged is err, or nil when the blob was purged (its read failing then is
// no error: there is nothing to preview).
func (w *Worker) unlessPurged(ctx context.Context, args RenderArgs, err error) error {
	if _, loadErr := w.load(ctx, args.BlobID); errors.Is(loadErr, pgx.ErrNoRows) {
		return nil
	}
	return err
}

// settle finishes a job after its record was saved (err nil: delete the objects
// it replaced) or not (delete what it wrote; errLost is no error: the record went
// to another render, or the blob is gone).
func (w *Worker) settle(err error, stored []Stored, replaced []string) error {
	if err != nil {
		w.deleteObjects(stored)
		if errors.Is(err, errLost) {
			return nil
		}
		return err
	}
	w.deleteKeys(replaced)
	w.Metrics.outcome(Ready)
	return nil
}

// load reads the blob and its preview record; pgx.ErrNoRows when the blob is gone.
func (w *Worker) load(ctx context.Context, blobID uuid.UUID) (source, error) {
	var s source
	err := w.DB.QueryRow(ctx, `
		SELECT b.key, b.size, v.mime_type, coalesce(p.state, ''), coalesce(p.render, ''), coalesce(p.renditions, '[]'),
			coalesce(b.scan, '')
		FROM blobs b JOIN versions v ON v.blob_id = b.id LEFT JOIN previews p ON p.blob_id = b.id
		WHERE b.id = $1 LIMIT 1`, blobID).Scan(&s.key, &s.size, &s.mimeType, &s.state, &s.render, &s.renditions, &s.scan)
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

// put writes renditions as objects of a render's folder, all at once (six small
// objects one after the other cost six round trips). Whatever fails deletes what
// was written.
func (w *Worker) put(ctx context.Context, blobKey, render string, renditions []Rendition) ([]Stored, error) {
	stored := make([]Stored, len(renditions))
	errs := make([]error, len(renditions))
	var wg sync.WaitGroup
	for i, r := range renditions {
		stored[i] = Stored{Rendition: r, Key: objectKey(blobKey, render, r.Size, r.Format), Render: render}
		wg.Go(func() {
			_, err := w.Store.Put(ctx, stored[i].Key, bytes.NewReader(r.Data), int64(len(r.Data)), r.Format.ContentType())
			if err != nil {
				errs[i] = fmt.Errorf("store preview %s: %w", stored[i].Key, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		w.deleteObjects(stored)
		return nil, err
	}
	return stored, nil
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
	if len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, key := range keys {
		if err := w.Store.Delete(ctx, key); err != nil {
			w.Log.Warn("delete preview object", "key", key, "err", err)
		}
	}
}
