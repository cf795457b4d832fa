package upload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/workspace"
)

// record is Cartable's row of one resumable upload: who sends it, where it goes,
// what it holds in the pipeline, and what it became.
type record struct {
	ObjectID uuid.UUID
	OwnerID  string
	Pending  workspace.PendingUpload
	Size     int64
	// Metadata is the Upload-Metadata header the upload was created with.
	Metadata string
	// TusID is tusd's id of the upload's S3 multipart upload, once its first bytes
	// came in more than one request; empty before.
	TusID string
	// LengthDeferred is set while the client has not said the upload's length:
	// Size is then what its reservation holds so far.
	LengthDeferred bool
	// Concat is "" for a plain upload, "partial" for a part of a concatenation,
	// and the Upload-Concat header of a final upload.
	Concat    string
	ExpiresAt time.Time
	// FinishedAt is when all its bytes arrived and were handled: a plain or final
	// upload then became CommittedID, a partial one waits for its final upload.
	FinishedAt   *time.Time
	CommittedID  *uuid.UUID
	CommittedTag string
}

func (r record) partial() bool { return r.Concat == "partial" }

func (r record) final() bool { return strings.HasPrefix(r.Concat, "final") }

// objectKey is where an upload's final object lands: the version's blob, under a key
// never reused.
func objectKey(id uuid.UUID) string { return objectPrefix + id.String() }

// committed reports whether the upload is done: all its bytes arrived and it
// became a file (or, a partial upload, waits for its final one).
func (r record) committed() bool { return r.FinishedAt != nil }

// inS3 reports whether tusd holds the upload's bytes (a multipart upload in S3).
func (r record) inS3() bool { return r.TusID != "" }

// insertRecord records a new upload, in the transaction that reserved its quota.
func insertRecord(ctx context.Context, tx pgx.Tx, r record) error {
	t := r.Pending.Target
	_, err := tx.Exec(ctx, `
		INSERT INTO uploads (object_id, owner_id, space_id, parent_id, item_id, name, auto_rename, size,
			reservation_id, blob_id, expires_at, metadata, length_deferred, concat, replace_file)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		r.ObjectID, r.OwnerID, t.SpaceID, t.ParentID, t.ItemID, t.Name, t.AutoRename, r.Size,
		r.Pending.Reservation.ID, r.Pending.BlobID, r.ExpiresAt, r.Metadata, r.LengthDeferred, r.Concat, t.Replace)
	if err != nil {
		return fmt.Errorf("record upload %s: %w", r.ObjectID, err)
	}
	return nil
}

// load reads an upload's row, locked for the transaction when lock is set.
func load(ctx context.Context, q db.DBTX, id uuid.UUID, lock bool) (record, error) {
	sql := `SELECT object_id, owner_id, space_id, parent_id, item_id, coalesce(name, ''), auto_rename,
		size, coalesce(reservation_id, '00000000-0000-0000-0000-000000000000'), blob_id, expires_at,
		committed_at, committed_item_id, coalesce(committed_etag, ''), coalesce(tus_id, ''), metadata,
		length_deferred, concat, replace_file
		FROM uploads WHERE object_id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var r record
	t := &r.Pending.Target
	err := q.QueryRow(ctx, sql, id).Scan(&r.ObjectID, &r.OwnerID, &t.SpaceID, &t.ParentID, &t.ItemID, &t.Name, &t.AutoRename,
		&r.Size, &r.Pending.Reservation.ID, &r.Pending.BlobID, &r.ExpiresAt, &r.FinishedAt, &r.CommittedID, &r.CommittedTag, &r.TusID, &r.Metadata,
		&r.LengthDeferred, &r.Concat, &t.Replace)
	if errors.Is(err, pgx.ErrNoRows) {
		return record{}, cartable.Errorf(cartable.ENotFound, "no upload %s", id)
	}
	if err != nil {
		return record{}, fmt.Errorf("load upload %s: %w", id, err)
	}
	r.Pending.Key = objectKey(r.ObjectID)
	r.Pending.Reservation.SpaceID = t.SpaceID
	return r, nil
}

// markCommitted records what a finished upload became.
func markCommitted(ctx context.Context, tx pgx.Tx, r *record, it workspace.Item) error {
	if _, err := tx.Exec(ctx, `UPDATE uploads SET committed_item_id = $2, committed_etag = $3, committed_at = now() WHERE object_id = $1`,
		r.ObjectID, it.ID, it.ETag()); err != nil {
		return fmt.Errorf("mark upload %s committed: %w", r.ObjectID, err)
	}
	now := time.Now()
	r.CommittedID, r.CommittedTag, r.FinishedAt = &it.ID, it.ETag(), &now
	return nil
}

// markFinished records that a partial upload has all its bytes: they wait, with
// their reservation, for the final upload that concatenates them.
func markFinished(ctx context.Context, tx pgx.Tx, r *record) error {
	if _, err := tx.Exec(ctx, `UPDATE uploads SET committed_at = now() WHERE object_id = $1`, r.ObjectID); err != nil {
		return fmt.Errorf("mark upload %s finished: %w", r.ObjectID, err)
	}
	now := time.Now()
	r.FinishedAt = &now
	return nil
}

// forget releases an unfinished upload's reservation and deletes its records, in
// the caller's transaction; a finished one only loses its row (its blob is a file's).
func forget(ctx context.Context, tx pgx.Tx, r record) error {
	if _, err := tx.Exec(ctx, `DELETE FROM uploads WHERE object_id = $1`, r.ObjectID); err != nil {
		return fmt.Errorf("forget upload %s: %w", r.ObjectID, err)
	}
	if r.CommittedID != nil {
		return nil
	}
	return workspace.AbortUploadTx(ctx, tx, r.Pending)
}

// objectID reads the object id at the head of an upload's id in a URL: our own
// "<object id>", or tusd's "<object id>+<multipart id>" of uploads begun before
// their multipart upload was created lazily.
func objectID(urlID string) (uuid.UUID, bool) {
	head, _, _ := strings.Cut(urlID, "+")
	id, err := uuid.Parse(head)
	return id, err == nil
}
