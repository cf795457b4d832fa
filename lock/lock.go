// Package lock owns the write locks on items: the lock an office editor takes
// through WOPI while a document is open, and the locks WebDAV clients take with
// LOCK. They live in PostgreSQL, so that whichever API node receives the next call
// sees them, and every write of the workspace honours them: a write that does not
// present the lock's token is refused with the code "locked" (HTTP 423), whatever
// door it came through.
//
// A lock is at most one per item and expires unless refreshed (30 minutes by
// default, as WOPI says). An expired lock is no lock: the next taker overwrites it.
//
// # Who holds a lock
//
// A WOPI lock is the document's, not a person's: the office server takes one lock
// for every co-editor of a document and presents its token with each of their
// saves, so any user with the token holds it. A WebDAV lock is its owner's: RFC 4918
// lets only the principal who took it submit its token.
//
// The functions here take the caller's transaction and check nothing about rights:
// the workspace checks that the caller may write the item, with its row locked,
// before it takes, refreshes or releases a lock, and before it checks one.
package lock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// Protocol is what took a lock.
type Protocol string

// The protocols that take locks.
const (
	WOPI Protocol = "wopi"
	DAV  Protocol = "dav"
)

// Limits of locks.
const (
	// DefaultTTL is how long a lock lives without a refresh: WOPI's 30 minutes.
	DefaultTTL = 30 * time.Minute
	// MaxTTL bounds what a WebDAV client may ask for (its Timeout header).
	MaxTTL = 24 * time.Hour
	// MaxTokenBytes is the longest lock token: WOPI allows 1024 ASCII characters.
	MaxTokenBytes = 1024
)

// Lock is a live lock on an item.
type Lock struct {
	ItemID   uuid.UUID
	Token    string
	Protocol Protocol
	OwnerID  string
	// OwnerName is the owner's display name, "" when the directory no longer has them.
	OwnerName string
	// App is what holds the lock, as the lock request said ("Collabora Online", a
	// WebDAV client's owner element); it may be empty.
	App string
	// Deep: a WebDAV lock of Depth infinity on a folder covers everything below it.
	Deep      bool
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Holder is who presents a lock token with a write: the calling user and the
// token they sent, if any.
type Holder struct {
	UserID string
	Token  string
}

// holds reports whether h may write under l.
func (h Holder) holds(l Lock) bool {
	if h.Token == "" || h.Token != l.Token {
		return false
	}
	return l.Protocol == WOPI || l.OwnerID == h.UserID
}

// ConflictError is a lock operation or a write refused because of the item's lock:
// Current is the lock in the way, or the zero Lock when the item is not locked (an
// unlock of a lock that is not there). It unwraps to a domain error "locked".
type ConflictError struct {
	Current Lock
	err     *cartable.Error
}

func (e *ConflictError) Error() string { return e.err.Error() }
func (e *ConflictError) Unwrap() error { return e.err }

// Locked reports whether the item had a lock at all.
func (e *ConflictError) Locked() bool { return e.Current.Token != "" }

// conflict builds the refusal a user reads: who is editing the file, with what.
func conflict(itemID uuid.UUID, current Lock) *ConflictError {
	if current.Token == "" {
		err := cartable.Errorf(cartable.ELocked, "item %s is not locked", itemID)
		err.MessageFR = "Ce fichier n'est plus verrouillé : rouvrez-le puis réessayez."
		err.MessageEN = "This file is no longer locked: open it again and try again."
		return &ConflictError{err: err}
	}
	err := cartable.Errorf(cartable.ELocked, "item %s is locked until %s", itemID, current.ExpiresAt.UTC().Format(time.RFC3339)).
		With("locked_until", current.ExpiresAt.UTC()).With("locked_by", current.OwnerName).With("locked_with", string(current.Protocol))
	who, whoEN := "quelqu'un", "someone"
	if current.OwnerName != "" {
		who, whoEN = current.OwnerName, current.OwnerName
	}
	if current.Protocol == WOPI {
		err.MessageFR = fmt.Sprintf("Ce fichier est ouvert par %s dans l'éditeur en ligne : vos changements n'ont pas été enregistrés. Réessayez quand il sera fermé, ou ouvrez-le aussi dans l'éditeur pour écrire à plusieurs.", who)
		err.MessageEN = fmt.Sprintf("This file is open in the online editor by %s: your changes were not saved. Try again once it is closed, or open it in the editor too to write together.", whoEN)
	} else {
		err.MessageFR = fmt.Sprintf("Ce fichier est en cours de modification par %s dans une autre application : vos changements n'ont pas été enregistrés. Réessayez quand il sera fermé.", who)
		err.MessageEN = fmt.Sprintf("This file is being edited by %s in another application: your changes were not saved. Try again once it is closed.", whoEN)
	}
	return &ConflictError{Current: current, err: err}
}

const lockColumns = `l.item_id, l.token, l.protocol, l.owner_id, coalesce(u.display_name, ''), l.app, l.deep, l.created_at, l.expires_at`

func scan(row pgx.Row) (Lock, error) {
	var l Lock
	err := row.Scan(&l.ItemID, &l.Token, &l.Protocol, &l.OwnerID, &l.OwnerName, &l.App, &l.Deep, &l.CreatedAt, &l.ExpiresAt)
	return l, err
}

// Get returns the item's live lock, if any.
func Get(ctx context.Context, q db.DBTX, itemID uuid.UUID) (Lock, bool, error) {
	l, err := scan(q.QueryRow(ctx, `SELECT `+lockColumns+`
		FROM item_locks l LEFT JOIN users u ON u.id = l.owner_id
		WHERE l.item_id = $1 AND l.expires_at > now()`, itemID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Lock{}, false, nil
	}
	if err != nil {
		return Lock{}, false, fmt.Errorf("read the lock of %s: %w", itemID, err)
	}
	return l, true, nil
}

// Of returns the live locks of the given items, by item.
func Of(ctx context.Context, q db.DBTX, ids []uuid.UUID) (map[uuid.UUID]Lock, error) {
	rows, err := q.Query(ctx, `SELECT `+lockColumns+`
		FROM item_locks l LEFT JOIN users u ON u.id = l.owner_id
		WHERE l.item_id = ANY($1) AND l.expires_at > now()`, ids)
	if err != nil {
		return nil, fmt.Errorf("read the locks of %d items: %w", len(ids), err)
	}
	out := map[uuid.UUID]Lock{}
	var l Lock
	_, err = pgx.ForEachRow(rows, []any{&l.ItemID, &l.Token, &l.Protocol, &l.OwnerID, &l.OwnerName, &l.App, &l.Deep, &l.CreatedAt, &l.ExpiresAt}, func() error {
		out[l.ItemID] = l
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the locks of %d items: %w", len(ids), err)
	}
	return out, nil
}

// DeleteExpired removes the rows of locks that expired: they stop nothing already,
// and the table stays as small as the number of documents open.
func DeleteExpired(ctx context.Context, q db.DBTX) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM item_locks WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("delete expired locks: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Request is a lock to take.
type Request struct {
	Token    string
	Protocol Protocol
	App      string
	Deep     bool
	TTL      time.Duration
}

func (r Request) validate() error {
	if r.Token == "" || len(r.Token) > MaxTokenBytes {
		return cartable.Errorf(cartable.EInvalid, "a lock token has 1 to %d bytes", MaxTokenBytes)
	}
	if r.Protocol != WOPI && r.Protocol != DAV {
		return fmt.Errorf("lock protocol %q", r.Protocol)
	}
	if r.TTL <= 0 || r.TTL > MaxTTL {
		return cartable.Errorf(cartable.EInvalid, "a lock lives from a second to %s", MaxTTL)
	}
	return nil
}

// Take locks an item for ownerID with r, or refreshes the lock when they already
// hold it (same token, and same owner for WebDAV). A live lock held by someone else
// is a *ConflictError carrying it. The caller holds the item's row lock.
func Take(ctx context.Context, q db.DBTX, itemID uuid.UUID, ownerID string, r Request) (Lock, error) {
	if err := r.validate(); err != nil {
		return Lock{}, err
	}
	app := r.App
	if len(app) > 1024 {
		app = app[:1024]
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO item_locks AS l (item_id, token, protocol, owner_id, app, deep, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
		ON CONFLICT (item_id) DO UPDATE SET token = excluded.token, protocol = excluded.protocol,
			owner_id = CASE WHEN l.expires_at <= now() THEN excluded.owner_id ELSE l.owner_id END,
			app = excluded.app, deep = excluded.deep, expires_at = excluded.expires_at,
			created_at = CASE WHEN l.expires_at <= now() THEN now() ELSE l.created_at END
		WHERE l.expires_at <= now()
			OR (l.token = excluded.token AND l.protocol = excluded.protocol
				AND (l.protocol = 'wopi' OR l.owner_id = excluded.owner_id))`,
		itemID, r.Token, r.Protocol, ownerID, app, r.Deep, r.TTL.Seconds())
	if err != nil {
		return Lock{}, fmt.Errorf("lock %s: %w", itemID, err)
	}
	return afterWrite(ctx, q, itemID, tag.RowsAffected())
}

// afterWrite answers the lock an insert or update left, or the conflict when it
// touched nothing.
func afterWrite(ctx context.Context, q db.DBTX, itemID uuid.UUID, rows int64) (Lock, error) {
	current, _, err := Get(ctx, q, itemID)
	if err != nil {
		return Lock{}, err
	}
	if rows == 0 {
		return Lock{}, conflict(itemID, current)
	}
	return current, nil
}

// Refresh extends the lock h holds on the item by ttl from now.
func Refresh(ctx context.Context, q db.DBTX, itemID uuid.UUID, h Holder, ttl time.Duration) (Lock, error) {
	if ttl <= 0 || ttl > MaxTTL {
		return Lock{}, cartable.Errorf(cartable.EInvalid, "a lock lives from a second to %s", MaxTTL)
	}
	tag, err := q.Exec(ctx, `
		UPDATE item_locks SET expires_at = now() + make_interval(secs => $4)
		WHERE item_id = $1 AND expires_at > now() AND token = $2 AND (protocol = 'wopi' OR owner_id = $3)`,
		itemID, h.Token, h.UserID, ttl.Seconds())
	if err != nil {
		return Lock{}, fmt.Errorf("refresh the lock of %s: %w", itemID, err)
	}
	return afterWrite(ctx, q, itemID, tag.RowsAffected())
}

// Release removes the lock h holds on the item.
func Release(ctx context.Context, q db.DBTX, itemID uuid.UUID, h Holder) error {
	tag, err := q.Exec(ctx, `
		DELETE FROM item_locks
		WHERE item_id = $1 AND expires_at > now() AND token = $2 AND (protocol = 'wopi' OR owner_id = $3)`,
		itemID, h.Token, h.UserID)
	if err != nil {
		return fmt.Errorf("unlock %s: %w", itemID, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	current, _, err := Get(ctx, q, itemID)
	if err != nil {
		return err
	}
	return conflict(itemID, current)
}

// Replace swaps the lock h holds for r in one step (WOPI's UnlockAndRelock).
func Replace(ctx context.Context, q db.DBTX, itemID uuid.UUID, h Holder, r Request) (Lock, error) {
	if err := r.validate(); err != nil {
		return Lock{}, err
	}
	tag, err := q.Exec(ctx, `
		UPDATE item_locks SET token = $4, app = $5, deep = $6, expires_at = now() + make_interval(secs => $7)
		WHERE item_id = $1 AND expires_at > now() AND token = $2 AND (protocol = 'wopi' OR owner_id = $3)`,
		itemID, h.Token, h.UserID, r.Token, r.App, r.Deep, r.TTL.Seconds())
	if err != nil {
		return Lock{}, fmt.Errorf("relock %s: %w", itemID, err)
	}
	return afterWrite(ctx, q, itemID, tag.RowsAffected())
}

// Check refuses a write to an item (a new version, a rename, a new child of a
// folder) that h does not hold the lock of: the item's own lock, or a deep lock of
// one of its ancestors. The caller holds the item's row lock.
func Check(ctx context.Context, q db.DBTX, h Holder, itemID uuid.UUID, ancestors []uuid.UUID) error {
	rows, err := q.Query(ctx, `SELECT `+lockColumns+`
		FROM item_locks l LEFT JOIN users u ON u.id = l.owner_id
		WHERE l.expires_at > now() AND (l.item_id = $1 OR (l.deep AND l.item_id = ANY($2)))`, itemID, ancestors)
	if err != nil {
		return fmt.Errorf("check the locks of %s: %w", itemID, err)
	}
	locks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Lock, error) { return scan(row) })
	if err != nil {
		return fmt.Errorf("check the locks of %s: %w", itemID, err)
	}
	return refuse(itemID, h, locks)
}

// CheckTree refuses a write that changes a whole subtree (trashing a folder) when
// any live lock on it, below it, or deep above it is not held by h.
func CheckTree(ctx context.Context, q db.DBTX, h Holder, itemID uuid.UUID, ancestors []uuid.UUID) error {
	rows, err := q.Query(ctx, `SELECT `+lockColumns+`
		FROM item_locks l JOIN items i ON i.id = l.item_id LEFT JOIN users u ON u.id = l.owner_id
		WHERE l.expires_at > now()
			AND (l.item_id = $1 OR i.ancestors @> ARRAY[$1::uuid] OR (l.deep AND l.item_id = ANY($2)))`, itemID, ancestors)
	if err != nil {
		return fmt.Errorf("check the locks below %s: %w", itemID, err)
	}
	locks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Lock, error) { return scan(row) })
	if err != nil {
		return fmt.Errorf("check the locks below %s: %w", itemID, err)
	}
	return refuse(itemID, h, locks)
}

func refuse(itemID uuid.UUID, h Holder, locks []Lock) error {
	for _, l := range locks {
		if !h.holds(l) {
			return conflict(itemID, l)
		}
	}
	return nil
}
