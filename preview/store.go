package preview

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// States of a preview record.
const (
	Pending = "pending"
	Ready   = "ready"
	Failed  = "failed"
)

// Record is what is known of a blob's preview.
type Record struct {
	BlobID        uuid.UUID
	State         string
	Generation    int
	Renditions    []Stored
	FailureCode   string
	FailureDetail string
	UpdatedAt     time.Time
}

// Stored is a rendition kept in object storage.
type Stored struct {
	Rendition
	Key string `json:"key"`
}

// Find returns the rendition of a size and format, if the preview is ready.
func (r Record) Find(size string, format Format) (Stored, bool) {
	for _, s := range r.Renditions {
		if s.Size == size && s.Format == format {
			return s, true
		}
	}
	return Stored{}, false
}

// Lookup returns the preview record of a blob; ok is false when the blob has none
// (its type has no preview).
func Lookup(ctx context.Context, q db.DBTX, blobID uuid.UUID) (rec Record, ok bool, err error) {
	recs, err := LookupMany(ctx, q, []uuid.UUID{blobID})
	if err != nil || len(recs) == 0 {
		return Record{}, false, err
	}
	return recs[blobID], true, nil
}

// LookupMany returns the preview records of several blobs, by blob; blobs without
// one are absent.
func LookupMany(ctx context.Context, q db.DBTX, blobIDs []uuid.UUID) (map[uuid.UUID]Record, error) {
	rows, err := q.Query(ctx, `
		SELECT blob_id, state, generation, renditions, coalesce(failure_code, ''), coalesce(failure_detail, ''), updated_at
		FROM previews WHERE blob_id = ANY($1)`, blobIDs)
	if err != nil {
		return nil, fmt.Errorf("look up previews: %w", err)
	}
	recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		var r Record
		err := row.Scan(&r.BlobID, &r.State, &r.Generation, &r.Renditions, &r.FailureCode, &r.FailureDetail, &r.UpdatedAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan previews: %w", err)
	}
	byBlob := make(map[uuid.UUID]Record, len(recs))
	for _, r := range recs {
		byBlob[r.BlobID] = r
	}
	return byBlob, nil
}

// markPending records that a blob's preview is on its way. A ready preview stays
// ready (and served) while it is rendered again.
func markPending(ctx context.Context, tx pgx.Tx, blobID uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO previews (blob_id, state) VALUES ($1, 'pending')
		ON CONFLICT (blob_id) DO UPDATE SET state = 'pending', failure_code = NULL, failure_detail = NULL, updated_at = now()
		WHERE previews.state <> 'ready'`, blobID)
	if err != nil {
		return fmt.Errorf("mark preview of %s pending: %w", blobID, err)
	}
	return nil
}

// errBlobGone is returned when the blob was deleted while its preview rendered.
var errBlobGone = errors.New("the blob is gone")

// saveReady records a rendered preview and returns the keys of the generation it
// replaces, for deletion.
func saveReady(ctx context.Context, q db.DBTX, blobID uuid.UUID, generation int, renditions []Stored) ([]string, error) {
	var old []string
	err := q.QueryRow(ctx, `
		WITH prev AS (SELECT renditions FROM previews WHERE blob_id = $1 FOR UPDATE),
		saved AS (
			INSERT INTO previews (blob_id, state, generation, renditions) VALUES ($1, 'ready', $2, $3)
			ON CONFLICT (blob_id) DO UPDATE SET state = 'ready', generation = $2, renditions = $3,
				failure_code = NULL, failure_detail = NULL, updated_at = now()
			RETURNING 1
		)
		SELECT coalesce((SELECT array_agg(r->>'key') FROM prev, jsonb_array_elements(prev.renditions) r), '{}') FROM saved`,
		blobID, generation, renditions).Scan(&old)
	if db.IsForeignKeyViolation(err) {
		return nil, errBlobGone
	}
	if err != nil {
		return nil, fmt.Errorf("save preview of %s: %w", blobID, err)
	}
	return old, nil
}

// saveFailure records a permanent failure. A preview already ready is kept: a
// failed re-render does not take away thumbnails that work.
func saveFailure(ctx context.Context, q db.DBTX, blobID uuid.UUID, f *Failure) error {
	_, err := q.Exec(ctx, `
		INSERT INTO previews (blob_id, state, failure_code, failure_detail) VALUES ($1, 'failed', $2, $3)
		ON CONFLICT (blob_id) DO UPDATE SET state = 'failed', failure_code = $2, failure_detail = $3, updated_at = now()
		WHERE previews.state <> 'ready'`, blobID, f.Code, truncate(f.Detail, 2000))
	if db.IsForeignKeyViolation(err) {
		return nil // the blob is gone: nothing to record
	}
	if err != nil {
		return fmt.Errorf("record preview failure of %s: %w", blobID, err)
	}
	return nil
}

// ObjectKeys returns the object keys of a blob's preview renditions, for the
// collector to delete with the blob.
func ObjectKeys(ctx context.Context, q db.DBTX, blobID uuid.UUID) ([]string, error) {
	var keys []string
	err := q.QueryRow(ctx, `
		SELECT coalesce(array_agg(r->>'key'), '{}') FROM previews p, jsonb_array_elements(p.renditions) r
		WHERE p.blob_id = $1`, blobID).Scan(&keys)
	if err != nil {
		return nil, fmt.Errorf("preview keys of %s: %w", blobID, err)
	}
	return keys, nil
}

// objectKey names a rendition's object: under its blob's key, so that a listing
// of the blob's prefix finds every generation.
func objectKey(blobKey string, generation int, size string, format Format) string {
	return fmt.Sprintf("previews/%s/g%d/%s.%s", blobKey, generation, size, format)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
