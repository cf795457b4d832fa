package workspace

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/lock"
)

// Locks: an office editor (WOPI) or a WebDAV client locks a file while it is open,
// and every write of the workspace honours the lock (see package lock). A write
// presents a lock's token through WriteOptions.Lock; the API's own routes never do,
// so a pupil uploading a new version of a document their class is editing gets
// "locked", not a silent overwrite. What a lock stops:
//
//   - a new version of the file (an upload, a version restored);
//   - renaming or moving the file, whose WebDAV client holds it by its path;
//   - trashing it, or a folder above it, which would end the editing session;
//   - a new child of a locked folder (WebDAV locks folders too).

// unlocked refuses a write to it unless the caller presents its lock, or a deep
// lock above it. The caller holds it's row lock, or checks again when it does.
func unlocked(ctx context.Context, q db.DBTX, c *cartable.Caller, it Item, token string) error {
	return lock.Check(ctx, q, lock.Holder{UserID: c.UserID, Token: token}, it.ID, it.Ancestors)
}

// LockOf returns the live lock of an item the caller may view, if any.
func (s *Service) LockOf(ctx context.Context, c *cartable.Caller, id uuid.UUID) (lock.Lock, bool, error) {
	if _, err := access(ctx, s.db, c, id, cartable.Viewer, noLock); err != nil {
		return lock.Lock{}, false, err
	}
	return lock.Get(ctx, s.db, id)
}

// Lock locks an item the caller may change, or refreshes the lock they hold with
// the same token. Someone else's live lock is a *lock.ConflictError.
func (s *Service) Lock(ctx context.Context, c *cartable.Caller, id uuid.UUID, r lock.Request) (lock.Lock, error) {
	var l lock.Lock
	err := s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := changeable(ctx, tx, c, id); err != nil {
			return err
		}
		var err error
		l, err = lock.Take(ctx, tx, id, c.UserID, r)
		return err
	})
	return l, err
}

// RefreshLock extends the caller's lock on an item they may still change.
func (s *Service) RefreshLock(ctx context.Context, c *cartable.Caller, id uuid.UUID, token string, ttl time.Duration) (lock.Lock, error) {
	var l lock.Lock
	err := s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := changeable(ctx, tx, c, id); err != nil {
			return err
		}
		var err error
		l, err = lock.Refresh(ctx, tx, id, lock.Holder{UserID: c.UserID, Token: token}, ttl)
		return err
	})
	return l, err
}

// Relock swaps the caller's lock on an item for another in one step.
func (s *Service) Relock(ctx context.Context, c *cartable.Caller, id uuid.UUID, token string, r lock.Request) (lock.Lock, error) {
	var l lock.Lock
	err := s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := changeable(ctx, tx, c, id); err != nil {
			return err
		}
		var err error
		l, err = lock.Replace(ctx, tx, id, lock.Holder{UserID: c.UserID, Token: token}, r)
		return err
	})
	return l, err
}

// Unlock removes the caller's lock on an item they may view: someone who lost the
// right to change a file may still let go of it.
func (s *Service) Unlock(ctx context.Context, c *cartable.Caller, id uuid.UUID, token string) error {
	return s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := access(ctx, tx, c, id, cartable.Viewer, forUpdate); err != nil {
			return err
		}
		return lock.Release(ctx, tx, id, lock.Holder{UserID: c.UserID, Token: token})
	})
}

// withLocks fills the live locks of listed items, in one query: a file open in the
// office editor shows as such before anyone tries to upload over it.
func withLocks(ctx context.Context, q db.DBTX, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	locks, err := lock.Of(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range items {
		if l, ok := locks[items[i].ID]; ok {
			items[i].Lock = &l
		}
	}
	return nil
}

// changeable loads, with its row locked, an item the caller may change.
func changeable(ctx context.Context, tx pgx.Tx, c *cartable.Caller, id uuid.UUID) (Item, error) {
	it, err := access(ctx, tx, c, id, cartable.Viewer, forUpdate)
	if err != nil {
		return Item{}, err
	}
	return it, it.mayChange(c)
}
