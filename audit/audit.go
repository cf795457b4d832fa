// Package audit owns the audit log: an append-only record, for the structure admins
// and the region, of who read, downloaded, shared, unshared, moved, trashed and
// purged what, when and from which address.
//
// # Writing
//
// The use cases record (package workspace): a state change (share, unshare, link,
// move, trash, restore, purge, version restore) in the transaction of the change, so
// that a change never commits without its line, nor a line without its change; a
// download when the first byte of the file is read, after the access decision, with
// the pool: a failed write is logged and never fails the download. Each write is one
// INSERT of what the use case already holds (the item, its space, its structure):
// no read. The address comes from the request's context (WithAddress), set by the
// API from the address it computes for every request (trusted proxies only).
//
// # Reading
//
// A structure admin reads the entries of the items charged to their structure, the
// region every entry; newest first, by keyset.
//
// # Retention
//
// Entries older than the retention (CARTABLE_AUDIT_RETENTION, 9 months by default:
// the CNIL recommends 6 to 12 months for access logs) are deleted by a periodic job.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"cartable/db"
)

// Actions recorded.
const (
	Download       = "download"
	Share          = "share"
	ShareChange    = "share_change"
	Unshare        = "unshare"
	LinkCreate     = "link_create"
	LinkRevoke     = "link_revoke"
	Move           = "move"
	Rename         = "rename"
	Trash          = "trash"
	Restore        = "restore"
	Purge          = "purge"
	VersionRestore = "version_restore"
	// Quarantine: the antivirus found something in a file (details: signature).
	Quarantine = "quarantine"
	// Export: a person's data and files exported (package export); the subject is
	// in the details.
	Export = "export"
)

// TrashRetentionJob is the actor of the purges the trash retention job makes.
const TrashRetentionJob = "job:trash_retention"

// Actions lists every action, for the query's filter.
var Actions = []string{Download, Share, ShareChange, Unshare, LinkCreate, LinkRevoke, Move, Rename, Trash, Restore, Purge, VersionRestore, Quarantine, Export}

// Entry is one line of the log.
type Entry struct {
	ID    int64
	At    time.Time
	Actor string // a user id, "link:<id>" for a link's visitor, "embed:<id>" for an embed, "job:<name>" for a job
	// ActorName is the actor's display name when the directory knows them (read
	// only: List fills it in, Record ignores it).
	ActorName string
	Action    string
	ItemID    uuid.UUID
	// ItemName is the item's name when the action took place.
	ItemName string
	SpaceID  uuid.UUID
	// StructureID is the structure the item's space is charged to ("" for none).
	StructureID string
	// Address is the client's address ("" when unknown: a job, a test).
	Address string
	// Details tell the rest: grantee and role of a share, from and to of a move...
	Details map[string]any
}

type addressKey struct{}

// WithAddress returns a context that carries the client's address, for the
// entries recorded while serving the request.
func WithAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addressKey{}, addr)
}

// Address is the client's address the context carries, or "".
func Address(ctx context.Context) string {
	a, _ := ctx.Value(addressKey{}).(string)
	return a
}

// Record writes an entry: with a transaction, as part of the change it tells; with
// the pool, on its own. The time is the database's (now(): the transaction's start),
// the address the context's.
func Record(ctx context.Context, q db.DBTX, e Entry) error {
	var details []byte
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return fmt.Errorf("audit %s: details: %w", e.Action, err)
		}
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (actor, action, item_id, item_name, space_id, structure_id, address, details)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7::inet, $8)`,
		e.Actor, e.Action, nullUUID(e.ItemID), e.ItemName, nullUUID(e.SpaceID), e.StructureID, address(ctx), details)
	if err != nil {
		return fmt.Errorf("audit %s of %s: %w", e.Action, e.ItemID, err)
	}
	return nil
}

// address is the context's address when it parses as one (an inet column would
// refuse anything else, and fail the change with it), else NULL.
func address(ctx context.Context) *string {
	a, err := netip.ParseAddr(Address(ctx))
	if err != nil {
		return nil
	}
	s := a.Unmap().WithZone("").String()
	return &s
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
