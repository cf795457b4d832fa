package antivirus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"cartable/audit"
	"cartable/db"
	"cartable/events"
	"cartable/live"
)

// Queue is the river queue scans run on: apart from previews, whose renders wait
// for them, and from the other jobs.
const Queue = "scans"

// EventInfected is the kind of the events that tell of a quarantine.
const EventInfected = "infected"

// Actor names the antivirus in the audit log and on the events feed.
const Actor = "job:antivirus"

// Verdicts, as blobs.scan records them.
const (
	Pending   = "pending"
	Clean     = "clean"
	Infected  = "infected"
	Unscanned = "unscanned"
)

// ScanArgs is the job that scans one blob. MimeType and Name are what its preview,
// enqueued once the blob is found clean, needs.
type ScanArgs struct {
	BlobID   uuid.UUID `json:"blob_id" river:"unique"`
	MimeType string    `json:"mime_type"`
	Name     string    `json:"name"`
}

// Kind names the job in river's queue.
func (ScanArgs) Kind() string { return "antivirus.scan" }

// InsertOpts: one job per blob waiting at a time (the catch-up re-enqueues without
// doubling one that waits), and attempts for storage errors only: while clamd is
// down the job waits without spending them (see Worker.Work).
func (ScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// Inserter is the part of a river client that inserts jobs in a transaction.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Jobs enqueues scans.
type Jobs struct {
	Client Inserter
}

// EnqueueTx marks a new blob of size bytes pending and enqueues its scan, in the
// transaction that commits its first version. Smaller files are scanned first
// (see scanPriority). The size is the caller's: the blob's row may not hold it
// yet (an upload's blob gets it with its version, later in the transaction).
func (j *Jobs) EnqueueTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, size int64, mimeType, name string) error {
	tag, err := tx.Exec(ctx, `UPDATE blobs SET scan = 'pending' WHERE id = $1`, blobID)
	if err == nil && tag.RowsAffected() != 1 {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return fmt.Errorf("mark blob %s pending its scan: %w", blobID, err)
	}
	opts := &river.InsertOpts{Priority: scanPriority(size)}
	if _, err := j.Client.InsertTx(ctx, tx, ScanArgs{BlobID: blobID, MimeType: mimeType, Name: name}, opts); err != nil {
		return fmt.Errorf("enqueue the scan of %s: %w", blobID, err)
	}
	return nil
}

// scanPriority puts the smaller files first in the scan queue. A scan takes time
// in proportion to the bytes, so the shortest first make the least waiting in
// all: at the bell, a teacher's one-page PDF is not held behind a class's 5 MB
// photos (whose small thumbnails do not wait for the scan anyway), nor a photo
// behind a video.
func scanPriority(size int64) int {
	switch {
	case size <= 1<<20:
		return 1
	case size <= 16<<20:
		return 2
	case size <= 256<<20:
		return 3
	}
	return 4
}

// Previews is the part of the preview jobs a clean blob needs: its render, which
// waited for the verdict.
type Previews interface {
	EnqueueTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error
	QuarantineTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID) error
}

// Store is the part of the object store a scan reads.
type Store interface {
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// Policy is what happens to a new file while clamd does not answer.
type Policy struct {
	// FailOpen serves the file unscanned (marked so) and scans it once clamd is back;
	// otherwise (fail closed, the default) it stays pending, read by its uploader
	// only, until clamd answers.
	FailOpen bool
	// MaxBytes is how much of a file is scanned; a larger file is scanned on its
	// first MaxBytes (clamd's own StreamMaxLength bounds what it accepts).
	MaxBytes int64
	// Retry is how long a scan waits before asking clamd again (fail closed).
	Retry time.Duration
}

// Worker scans blobs.
type Worker struct {
	river.WorkerDefaults[ScanArgs]
	DB    *pgxpool.Pool
	Store Store
	// Clamd nil: this node has no antivirus, and releases the files it finds
	// waiting (served unscanned) rather than leave them pending.
	Clamd    *Clamd
	Previews Previews // nil: no previews
	Policy   Policy
	Log      *slog.Logger
	Metrics  *Metrics // nil: none
}

// blob is what a scan reads of the blob it scans.
type blob struct {
	key  string
	size int64
	scan string
}

// Work scans one blob and records its verdict.
func (w *Worker) Work(ctx context.Context, job *river.Job[ScanArgs]) error {
	args := job.Args
	b, err := w.load(ctx, args.BlobID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // purged meanwhile
	}
	if err != nil {
		return err
	}
	if b.scan != Pending && b.scan != Unscanned {
		return nil // scanned already: a job that ran twice
	}
	if w.Clamd == nil {
		w.Log.Warn("a file waits for its scan on a node without an antivirus: served unscanned", "blob", args.BlobID)
		return w.release(ctx, args)
	}
	started := time.Now()
	verdict, err := w.scan(ctx, b)
	switch {
	case IsUnavailable(err):
		w.Metrics.scanned("unavailable", 0)
		return w.unavailable(ctx, args, b, err)
	case err != nil:
		return err // the object store: river retries
	}
	if verdict.Infected() {
		w.Metrics.scanned(Infected, time.Since(started))
		w.Log.Warn("infected file quarantined", "blob", args.BlobID, "signature", verdict.Signature, "name", args.Name)
		return db.Transact(ctx, w.DB, func(tx pgx.Tx) error { return w.quarantine(ctx, tx, args.BlobID, verdict.Signature) })
	}
	w.Metrics.scanned(Clean, time.Since(started))
	if verdict.Scanned < b.size {
		w.Log.Info("large file scanned on its first bytes only", "blob", args.BlobID, "size", b.size, "scanned", verdict.Scanned)
	}
	return db.Transact(ctx, w.DB, func(tx pgx.Tx) error { return w.clean(ctx, tx, args, b.scan) })
}

// Timeout leaves a large file the time to stream to clamd.
func (w *Worker) Timeout(*river.Job[ScanArgs]) time.Duration { return 30 * time.Minute }

func (w *Worker) load(ctx context.Context, id uuid.UUID) (blob, error) {
	var b blob
	err := w.DB.QueryRow(ctx, `SELECT key, size, coalesce(scan, '') FROM blobs WHERE id = $1`, id).Scan(&b.key, &b.size, &b.scan)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return b, fmt.Errorf("load blob %s: %w", id, err)
	}
	return b, err
}

// minScanLimit is the least a scan sends to a clamd that refuses longer streams.
const minScanLimit = 1 << 20

// scan streams the blob to clamd, up to the policy's MaxBytes. A clamd whose
// StreamMaxLength is lower refuses the stream: the scan is made again on half as
// many bytes until it fits, rather than retried forever (a clamd configured as
// shipped takes 100 MiB at most; resumable uploads reach 10 GiB). A verdict is
// kept only if clamd read every byte it was to read: a short read from S3 is an
// error, retried.
func (w *Worker) scan(ctx context.Context, b blob) (Verdict, error) {
	limit := b.size
	if w.Policy.MaxBytes > 0 {
		limit = min(limit, w.Policy.MaxBytes)
	}
	for {
		v, err := w.scanUpTo(ctx, b, limit)
		if IsSizeLimit(err) && limit > minScanLimit {
			limit = max(minScanLimit, limit/2)
			w.Log.Warn("clamd refuses streams this long: scanning the file's first bytes only; raise its StreamMaxLength",
				"blob", b.key, "size", b.size, "now", limit)
			continue
		}
		if err == nil && !v.Infected() && v.Scanned != limit {
			return Verdict{}, fmt.Errorf("scan of %s read %d bytes of %d: the object store's answer was cut short", b.key, v.Scanned, limit)
		}
		return v, err
	}
}

func (w *Worker) scanUpTo(ctx context.Context, b blob, limit int64) (Verdict, error) {
	length := limit
	if limit == b.size {
		length = -1 // the whole object (an empty one included)
	}
	body, err := w.Store.Open(ctx, b.key, 0, length)
	if err != nil {
		return Verdict{}, fmt.Errorf("open %s to scan it: %w", b.key, err)
	}
	defer body.Close()
	return w.Clamd.Scan(ctx, body, limit)
}

// unavailable applies the policy to a file clamd could not scan: fail closed, it
// waits pending and asks again (a snooze spends no attempt); fail open, it is
// served unscanned and its preview made, and the catch-up scans it later.
func (w *Worker) unavailable(ctx context.Context, args ScanArgs, b blob, err error) error {
	if !w.Policy.FailOpen {
		w.Log.Warn("clamd does not answer: the file waits for its scan", "blob", args.BlobID, "err", err)
		return river.JobSnooze(w.Policy.Retry)
	}
	if b.scan == Unscanned {
		return nil // already served unscanned: the catch-up asks again later
	}
	w.Log.Warn("clamd does not answer: the file is served unscanned (fail open)", "blob", args.BlobID, "err", err)
	return w.release(ctx, args)
}

// release serves a pending file unscanned, and enqueues its preview.
func (w *Worker) release(ctx context.Context, args ScanArgs) error {
	return db.Transact(ctx, w.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE blobs SET scan = 'unscanned' WHERE id = $1 AND scan = 'pending'`, args.BlobID)
		if err != nil {
			return fmt.Errorf("mark blob %s unscanned: %w", args.BlobID, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		if err := live.NotifyTx(ctx, tx, args.BlobID); err != nil {
			return err
		}
		return w.enqueuePreview(ctx, tx, args)
	})
}

// clean records a clean verdict and, for a blob that waited for it, enqueues its
// preview (one let through unscanned has had it already).
func (w *Worker) clean(ctx context.Context, tx pgx.Tx, args ScanArgs, was string) error {
	tag, err := tx.Exec(ctx, `UPDATE blobs SET scan = 'clean', scan_signature = NULL, scanned_at = now()
		WHERE id = $1 AND scan IN ('pending', 'unscanned')`, args.BlobID)
	if err != nil {
		return fmt.Errorf("record blob %s clean: %w", args.BlobID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	// Its uploader's page waits for the verdict (and then for the thumbnails).
	if err := live.NotifyTx(ctx, tx, args.BlobID); err != nil {
		return err
	}
	if was != Pending {
		return nil
	}
	return w.enqueuePreview(ctx, tx, args)
}

func (w *Worker) enqueuePreview(ctx context.Context, tx pgx.Tx, args ScanArgs) error {
	if w.Previews == nil {
		return nil
	}
	return w.Previews.EnqueueTx(ctx, tx, args.BlobID, args.MimeType, args.Name)
}

// quarantine records an infected verdict: the blob is kept as it is (never deleted
// nor rewritten: the owner and the admins see what was found, and a false positive
// can be cleared), its thumbnails are withdrawn, and each file holding it is told
// to its uploader and its structure's admins on the events feed and written in the
// audit log.
func (w *Worker) quarantine(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, signature string) error {
	tag, err := tx.Exec(ctx, `UPDATE blobs SET scan = 'infected', scan_signature = $2, scanned_at = now()
		WHERE id = $1 AND scan IN ('pending', 'unscanned')`, blobID, signature)
	if err != nil {
		return fmt.Errorf("quarantine blob %s: %w", blobID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	if err := live.NotifyTx(ctx, tx, blobID); err != nil {
		return err
	}
	if w.Previews != nil {
		if err := w.Previews.QuarantineTx(ctx, tx, blobID); err != nil {
			return err
		}
	}
	files, err := filesOf(ctx, tx, blobID)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := f.tell(ctx, tx, signature); err != nil {
			return err
		}
	}
	return nil
}

// holder is a file one of whose versions holds an infected blob.
type holder struct {
	ItemID      uuid.UUID
	VersionID   uuid.UUID
	Name        string
	SpaceID     uuid.UUID
	StructureID string
	// Uploader is who wrote the version, or the space's owner for a deposit made
	// through a link (its visitor has no account to tell).
	Uploader string
}

func filesOf(ctx context.Context, tx pgx.Tx, blobID uuid.UUID) ([]holder, error) {
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT ON (i.id) i.id AS item_id, v.id AS version_id, i.name, i.space_id,
			coalesce(s.structure_id, '') AS structure_id, CASE WHEN v.created_by IS NULL OR v.created_by LIKE 'link:%'
				THEN coalesce(s.owner_id, '') ELSE v.created_by END AS uploader
		FROM versions v JOIN items i ON i.id = v.item_id JOIN spaces s ON s.id = i.space_id
		WHERE v.blob_id = $1
		ORDER BY i.id, v.number DESC`, blobID)
	if err != nil {
		return nil, fmt.Errorf("find the files of blob %s: %w", blobID, err)
	}
	files, err := pgx.CollectRows(rows, pgx.RowToStructByName[holder])
	if err != nil {
		return nil, fmt.Errorf("find the files of blob %s: %w", blobID, err)
	}
	return files, nil
}

// tell writes a file's quarantine on the events feed (for its uploader, and for
// its structure's admins) and in the audit log.
func (h holder) tell(ctx context.Context, tx pgx.Tx, signature string) error {
	e := events.Event{Kind: EventInfected, Actor: Actor, ItemID: h.ItemID, ItemName: h.Name}
	if h.Uploader != "" {
		e.Recipient = &events.Recipient{Kind: "user", ID: h.Uploader}
		if err := events.Record(ctx, tx, e); err != nil {
			return err
		}
	}
	if h.StructureID != "" {
		e.Recipient = &events.Recipient{Kind: "structure", ID: h.StructureID}
		if err := events.Record(ctx, tx, e); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Actor: Actor, Action: audit.Quarantine, ItemID: h.ItemID, ItemName: h.Name,
		SpaceID: h.SpaceID, StructureID: h.StructureID,
		Details: map[string]any{"signature": signature, "version_id": h.VersionID, "uploader": h.Uploader}})
}
