package live

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// current is a file's current version and its blob.
type current struct{ version, blob uuid.UUID }

// currentBlobs finds the current version and blob of the files among items
// (folders and unknown ids are absent). It says nothing to anyone: a watch only
// subscribes to these blobs, and sends what the caller's own reading of the item
// shows.
func currentBlobs(ctx context.Context, q db.DBTX, items []uuid.UUID) (map[uuid.UUID]current, error) {
	rows, err := q.Query(ctx, `
		SELECT i.id, v.id, v.blob_id FROM items i JOIN versions v ON v.id = i.current_version_id
		WHERE i.id = ANY($1)`, items)
	if err != nil {
		return nil, fmt.Errorf("find the blobs of %d watched items: %w", len(items), err)
	}
	out := make(map[uuid.UUID]current, len(items))
	var id uuid.UUID
	var c current
	_, err = pgx.ForEachRow(rows, []any{&id, &c.version, &c.blob}, func() error {
		out[id] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the blobs of watched items: %w", err)
	}
	return out, nil
}
