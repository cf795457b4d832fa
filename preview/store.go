package preview

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
	"cartable/live"
)

// States of a preview record.
const (
	Pending = "pending"
	Ready   = "ready"
	Failed  = "failed"
)

// Stored is a rendition kept in object storage.
type Stored struct {
	Rendition
	Key string `json:"key"`
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

// saveReady records a render over the one it was started from (from; "" for the
// first), and returns the keys of the render it replaces, for deletion. The record
// is locked first: of two renders of one blob, the second to get here finds the
// record moved on and gets errLost.
func saveReady(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, from, render string, renditions []Stored) ([]string, error) {
	var current string
	var old []Stored
	var scan string
	err := tx.QueryRow(ctx, `SELECT p.render, p.renditions, coalesce(b.scan, '') FROM previews p JOIN blobs b ON b.id = p.blob_id
		WHERE p.blob_id = $1 FOR UPDATE OF p`, blobID).Scan(&current, &old, &scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLost
	}
	if err != nil {
		return nil, fmt.Errorf("lock preview of %s: %w", blobID, err)
	}
	// A render of a blob served unscanned that the antivirus quarantined while it
	// ran must not bring its thumbnails back (the quarantine updates the record
	// after the verdict, so whichever commits first, the record ends failed).
	if current != from || scan == "pending" || scan == "infected" {
		return nil, errLost
	}
	_, err = tx.Exec(ctx, `
		UPDATE previews SET state = 'ready', render = $2, renditions = $3, failure_code = NULL, failure_detail = NULL,
			updated_at = now()
		WHERE blob_id = $1`, blobID, render, renditions)
	if err != nil {
		return nil, fmt.Errorf("save preview of %s: %w", blobID, err)
	}
	keys := make([]string, len(old))
	for i, r := range old {
		keys[i] = r.Key
	}
	return keys, live.NotifyTx(ctx, tx, blobID)
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
	return live.NotifyTx(ctx, q, blobID)
}

// ObjectPrefix is the prefix of every preview object of a blob, every render
// included: the collector deletes the blob's previews by it.
func ObjectPrefix(blobKey string) string { return "previews/" + blobKey + "/" }

// objectKey names a rendition's object, in its render's folder: two renders of
// one blob never share, nor delete, each other's objects.
func objectKey(blobKey, render, size string, format Format) string {
	return fmt.Sprintf("%s%s/%s.%s", ObjectPrefix(blobKey), render, size, format)
}

// newRenderName names a render: 16 random base32 characters, which say nothing of
// the file.
func newRenderName() string { return strings.ToLower(rand.Text()[:16]) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
