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
	// Render names the render the object was written by, the folder of its key
	// and the token of its URL: a rendition replaced by another (a stage's real
	// small thumbnail over an embedded one) gets a new URL, so that no cache keeps
	// the old one. Empty in renders recorded before stages: the record's render.
	Render string `json:"render,omitempty"`
}

// markPending records that the previews of blobs are on their way. A ready preview
// stays ready (and served) while it is rendered again.
func markPending(ctx context.Context, tx pgx.Tx, blobIDs []uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO previews (blob_id, state, complete) SELECT unnest($1::uuid[]), 'pending', false
		ON CONFLICT (blob_id) DO UPDATE SET state = 'pending', complete = false, failure_code = NULL, failure_detail = NULL,
			updated_at = now()
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
		UPDATE previews SET state = 'ready', render = $2, renditions = $3, complete = true, failure_code = NULL,
			failure_detail = NULL, updated_at = now()
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

// saveStage records the renditions of a stage of a first render beside those of
// the stages before, replacing those of the same size (the real small thumbnail
// over an embedded one), and returns the keys of the objects replaced, for
// deletion. The record is locked first. An embedded preview is recorded only
// while nothing is (a real rendition got there first otherwise), and may be
// recorded while the scan is pending; nothing is recorded of a quarantined blob,
// nor from the other stages before a clean verdict.
func saveStage(ctx context.Context, tx pgx.Tx, blobID uuid.UUID, stage Stage, stored []Stored) ([]string, error) {
	var current []Stored
	var scan string
	err := tx.QueryRow(ctx, `SELECT p.renditions, coalesce(b.scan, '') FROM previews p JOIN blobs b ON b.id = p.blob_id
		WHERE p.blob_id = $1 FOR UPDATE OF p`, blobID).Scan(&current, &scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLost
	}
	if err != nil {
		return nil, fmt.Errorf("lock preview of %s: %w", blobID, err)
	}
	switch {
	case scan == "infected",
		scan == "pending" && stage != StageEmbedded,
		stage == StageEmbedded && len(current) > 0:
		return nil, errLost
	}
	merged, replaced := mergeRenditions(current, stored)
	_, err = tx.Exec(ctx, `
		UPDATE previews SET state = 'ready', render = $2, renditions = $3, complete = $4, failure_code = NULL,
			failure_detail = NULL, updated_at = now()
		WHERE blob_id = $1`, blobID, stored[0].Render, merged, stage == StageLarge || complete(merged))
	if err != nil {
		return nil, fmt.Errorf("save the %s stage of the preview of %s: %w", stage, blobID, err)
	}
	return replaced, live.NotifyTx(ctx, tx, blobID)
}

// mergeRenditions puts renditions in place of those of the same size and format,
// and returns the result, smallest size first, with the keys it replaced.
func mergeRenditions(current, renditions []Stored) ([]Stored, []string) {
	var replaced []string
	merged := make([]Stored, 0, len(current)+len(renditions))
	for _, size := range Sizes {
		for _, format := range Formats {
			old, hasOld := findRendition(current, size.Name, format)
			fresh, hasFresh := findRendition(renditions, size.Name, format)
			switch {
			case hasFresh:
				merged = append(merged, fresh)
				if hasOld && old.Key != fresh.Key {
					replaced = append(replaced, old.Key)
				}
			case hasOld:
				merged = append(merged, old)
			}
		}
	}
	return merged, replaced
}

func findRendition(renditions []Stored, size string, format Format) (Stored, bool) {
	for _, r := range renditions {
		if r.Size == size && r.Format == format {
			return r, true
		}
	}
	return Stored{}, false
}

// complete reports whether renditions hold every size and format, none from an
// embedded preview.
func complete(renditions []Stored) bool {
	for _, size := range Sizes {
		for _, format := range Formats {
			r, ok := findRendition(renditions, size.Name, format)
			if !ok || r.Provisional {
				return false
			}
		}
	}
	return true
}

// saveFailure records a permanent failure. A preview already ready is kept: a
// failed re-render, or a failed later stage, does not take away thumbnails that
// work (and no more sizes are announced).
func saveFailure(ctx context.Context, q db.DBTX, blobID uuid.UUID, f *Failure) error {
	// A stage that fails after an earlier one saved sizes keeps them: the preview
	// stays ready, and is complete with what it has.
	_, err := q.Exec(ctx, `
		UPDATE previews SET complete = true, failure_code = NULL, failure_detail = NULL, updated_at = now()
		WHERE blob_id = $1 AND state = 'ready'`, blobID)
	if err == nil {
		_, err = q.Exec(ctx, `
			INSERT INTO previews (blob_id, state, failure_code, failure_detail) VALUES ($1, 'failed', $2, $3)
			ON CONFLICT (blob_id) DO UPDATE SET state = 'failed', failure_code = $2, failure_detail = $3,
				complete = true, updated_at = now()
			WHERE previews.state <> 'ready'`, blobID, f.Code, truncate(f.Detail, 2000))
	}
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
