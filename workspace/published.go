package workspace

import (
	"context"

	"github.com/google/uuid"

	"cartable"
	"cartable/db"
)

// ReadableItem returns a live item the caller may read, with their role on it, in
// q (a transaction or the pool): what a capability built over the workspace (embeds)
// checks before it decides by its own rules.
func ReadableItem(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID) (Item, error) {
	return access(ctx, q, c, id, cartable.Viewer, noLock)
}
