package preview

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
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

// Token names the recorded render (its generation and random part): it changes
// with every render, says nothing of the file, and goes into thumbnail URLs and
// ETags. Empty when nothing is rendered yet.
func (r Record) Token() string {
	if len(r.Renditions) == 0 {
		return ""
	}
	key := r.Renditions[0].Key
	dir := key[:strings.LastIndexByte(key, '/')]
	return dir[strings.LastIndexByte(dir, '/')+1:]
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

// markPending records that the previews of blobs are on their way. A ready preview
// stays ready (and served) while it is rendered again.
func markPending(ctx context.Context, tx pgx.Tx, blobIDs []uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO previews (blob_id, state) SELECT unnest($1::uuid[]), 'pending'
		ON CONFLICT (blob_id) DO UPDATE SET state = 'pending', failure_code = NULL, failure_detail = NULL, updated_at = now()
		WHERE previews.state <> 'ready'`, blobIDs)
	if err != nil {
		return fmt.Errorf("mark %d previews pending: %w", len(blobIDs), err)
	}
	return nil
}

// errLost is returned when a render's result has no record to go to: its blob was
// purged meanwhile, or another render of the same blob recorded its own first.
var errLost = errors.New("the preview was purged or rendered by another job meanwhile")

// saveReady records a rendered preview as the generation after the one it was
// started from, and returns the keys of the generation it replaces, for deletion.
// The record is locked first: of two renders of one blob, the second to get here
// finds the generation moved on and gets errLost.
func saveReady(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, generation int, renditions []Stored) ([]string, error) {
	var current int
	var old []Stored
	err := tx.QueryRow(ctx, `SELECT generation, renditions FROM previews WHERE blob_id = $1 FOR UPDATE`, blobID).Scan(&current, &old)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLost
	}
	if err != nil {
		return nil, fmt.Errorf("lock preview of %s: %w", blobID, err)
	}
	if current != generation-1 {
		return nil, errLost
	}
	_, err = tx.Exec(ctx, `
		UPDATE previews SET state = 'ready', generation = $2, renditions = $3, failure_code = NULL, failure_detail = NULL,
			updated_at = now()
		WHERE blob_id = $1`, blobID, generation, renditions)
	if err != nil {
		return nil, fmt.Errorf("save preview of %s: %w", blobID, err)
	}
	keys := make([]string, len(old))
	for i, r := range old {
		keys[i] = r.Key
	}
	return keys, nil
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

// ObjectPrefix is the prefix of every preview object of a blob, every render
// included: the collector deletes the blob's previews by it.
func ObjectPrefix(blobKey string) string { return "previews/" + blobKey + "/" }

// objectKey names a rendition's object. Every render writes under a name of its
// own (its generation and a random part), so that two renders of one blob never
// share, nor delete, each other's objects.
func objectKey(blobKey, render, size string, format Format) string {
	return fmt.Sprintf("%s%s/%s.%s", ObjectPrefix(blobKey), render, size, format)
}

// renderName names one render's objects: its generation and 12 random base32 characters.
func renderName(generation int) string {
	return fmt.Sprintf("g%d-%s", generation, rand.Text()[:12])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
