// Package live tells waiting clients that a file's blob changed: its preview is
// ready (or one more size of it is), its preview failed, or the antivirus gave its
// verdict. A client that shows a placeholder watches the items it waits for
// (GET /api/v1/items/watch, server-sent events) instead of asking for each again
// every few seconds.
//
// # Implementation
//
// The change is announced with NotifyTx in the transaction that makes it: after
// its commit, never for a change rolled back, a NOTIFY that PostgreSQL delivers
// to every node of the cluster. A process's jobs hand their changes to its
// Announcer, which sends those of a few milliseconds in one NOTIFY (a NOTIFY in
// each transaction made PostgreSQL commit them one at a time: see Announcer).
// Each node LISTENs on one dedicated connection
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
// transaction that makes the change, the announcement leaves once it commits (and
// not at all if it rolls back): in a transaction of db.Transact under a context
// with an Announcer (the jobs' context), handed to the announcer after the commit,
// to leave with the others of the moment; else by a NOTIFY in the transaction,
// at its commit. Called on the pool, it leaves at once.
func NotifyTx(ctx context.Context, tx db.DBTX, blobID uuid.UUID) error {
	if t, ok := tx.(*db.Tx); ok {
		if a := announcerFrom(ctx); a != nil {
			t.AfterCommit(func() { a.Announce(blobID) })
			return nil
		}
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, blobID.String()); err != nil {
		return fmt.Errorf("announce the change of blob %s: %w", blobID, err)
	}
	return nil
}
