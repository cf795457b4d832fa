package preview

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"cartable/db"
	"cartable/live"
)

// Queue is the river queue previews run on, apart from the other jobs so that a
// burst of uploads cannot hold back quota sweeps or webhooks, and so that its
// concurrency bounds the memory rendering takes.
const Queue = "previews"

// QueueFirst is the queue of the provisional small thumbnails (StageEmbedded):
// jobs of a few milliseconds, made in Go, that must not wait for a worker of the
// previews queue to finish a large rendition at the bell.
const QueueFirst = "previews_first"

// RenderArgs is the job that renders a blob's preview, or a stage of it.
type RenderArgs struct {
	BlobID uuid.UUID `json:"blob_id"`
	// Again renders a preview that is already ready (an admin's re-enqueue).
	Again bool `json:"again,omitempty"`
	// Stage is the part of a first render the job makes (see Stage).
	Stage Stage `json:"stage,omitempty"`
	// Chain, on StageEmbedded, makes the job enqueue the stage after it: the file
	// may be rendered (its scan said clean, or there is no antivirus). An embedded
	// preview read while the scan runs is not chained: the verdict enqueues the rest.
	Chain bool `json:"chain,omitempty"`
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

// EnqueueTx enqueues the render of a blob that may be rendered (its scan said
// clean, or there is no antivirus), in the transaction that commits it or records
// its verdict, when the blob deserves one (see Wanted). Images and PDFs are
// rendered in stages (see Stage), a phone JPEG starting from its own preview,
// unless the one read while its scan ran holds the small size already: then its
// render goes on from the medium stage (a job fewer on the urgent queue at the
// bell, where each photo's verdict comes while the others' thumbnails are made).
func (j *Jobs) EnqueueTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error {
	if !Wanted(mimeType, name) {
		return nil
	}
	if err := markPending(ctx, tx, []uuid.UUID{blobID}); err != nil {
		return err
	}
	args := RenderArgs{BlobID: blobID}
	first := StageWhole.job(args)
	switch {
	case hasEmbeddedPreview(mimeType):
		first = StageEmbedded.job(RenderArgs{BlobID: blobID, Chain: true})
		if has, err := hasSmall(ctx, tx, blobID); err != nil {
			return err
		} else if has {
			first = StageMedium.job(args)
		}
	case staged(mimeType):
		first = StageSmall.job(args)
	}
	if _, err := j.Client.InsertManyTx(ctx, tx, []river.InsertManyParams{first}); err != nil {
		return fmt.Errorf("enqueue preview of %s: %w", blobID, err)
	}
	return nil
}

// hasSmall reports whether a blob's preview record holds a small rendition (an
// embedded stage's, made while its scan ran).
func hasSmall(ctx context.Context, tx pgx.Tx, blobID uuid.UUID) (bool, error) {
	var has bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM previews, jsonb_array_elements(renditions) r
		WHERE blob_id = $1 AND r->>'size' = $2)`, blobID, Sizes[0].Name).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("read the preview record of %s: %w", blobID, err)
	}
	return has, nil
}

// AwaitTx marks a new blob's preview pending without enqueueing its render: the
// antivirus enqueues it once the blob is found clean (libvips and the converters
// never parse a file before its scan). Clients see a preview being made meanwhile.
// A phone JPEG's own preview is read at once, in Go alone (see embedded.go): its
// small thumbnail does not wait for the verdict, and an infected verdict withdraws
// it.
func (j *Jobs) AwaitTx(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, mimeType, name string) error {
	if !Wanted(mimeType, name) {
		return nil
	}
	if err := markPending(ctx, tx, []uuid.UUID{blobID}); err != nil {
		return err
	}
	if !hasEmbeddedPreview(mimeType) {
		return nil
	}
	if _, err := j.Client.InsertManyTx(ctx, tx, []river.InsertManyParams{StageEmbedded.job(RenderArgs{BlobID: blobID})}); err != nil {
		return fmt.Errorf("enqueue the embedded preview of %s: %w", blobID, err)
	}
	return nil
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
			params[i] = StageWhole.job(RenderArgs{BlobID: id, Again: true})
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
