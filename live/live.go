// Package live tells waiting clients that a file's blob changed: its preview is
// ready (or one more size of it is), its preview failed, or the antivirus gave its
// verdict. A client that shows a placeholder watches the items it waits for
// (GET /api/v1/items/watch, server-sent events) instead of asking for each again
// every few seconds.
//
// # Implementation
//
// The change is announced with NotifyTx, a NOTIFY in the transaction that makes
// it: PostgreSQL delivers it at commit, to every node of the cluster, and never
// for a change rolled back. Each node LISTENs on one dedicated connection
// ([Hub.Listen]) and fans the blob ids out to the watches of its clients, each
// interested in a few blobs ([Hub.Subscribe]). A watch then reads its items afresh,
// as the caller sees them, and sends them ([Service.Watch]).
//
// # Considerations
//
// NOTIFY is not a queue: what is sent while a node's LISTEN connection is down is
// lost. The listener reconnects by itself, then tells every watch to read all its
// items again. A watch also reads its items when it starts, after subscribing, so a
// client that comes late misses nothing; and a stream lasts less than a minute, so
// a client that reconnects reads them again too. Clients without streaming keep
// polling the item, which stays the fallback.
package live

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"cartable/db"
)

// Channel is the PostgreSQL channel that carries the ids of changed blobs.
const Channel = "cartable_blob_changed"

// NotifyTx announces that a blob's preview or scan changed. Called in the
// transaction that makes the change, the announcement leaves at its commit (and
// not at all if it rolls back); several of one blob in one transaction leave as
// one. Called on the pool, it leaves at once.
func NotifyTx(ctx context.Context, tx db.DBTX, blobID uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, blobID.String()); err != nil {
		return fmt.Errorf("announce the change of blob %s: %w", blobID, err)
	}
	return nil
}
