package wopi

import (
	"context"

	"cartable"
	"cartable/lock"
)

// The lock operations. The office server takes one lock per document, whoever
// opened it first, and presents it with every co-editor's calls: the lock package's
// WOPI locks are shared by whoever holds the token, so a second editor's Lock with
// the same id refreshes it, and is not refused.

// app is what a lock shows as its holder ("locked_with": the online editor).
const app = "WOPI"

// checkLockID refuses an empty or overlong lock id: 400.
func checkLockID(id string) error {
	if id == "" || len(id) > lock.MaxTokenBytes {
		return cartable.Errorf(cartable.EInvalid, "X-WOPI-Lock has 1 to %d characters", lock.MaxTokenBytes)
	}
	return nil
}

// writer checks that the session may write the file at all.
func (h *Host) writer(ctx context.Context, s Session) error {
	if !s.canEdit() {
		return ErrNotAllowed
	}
	it, err := h.file(ctx, s)
	if err != nil {
		return err
	}
	if !it.Rights.Edit {
		return ErrNotAllowed
	}
	return nil
}

// Lock locks the file with lockID, or refreshes the lock when it already bears it.
func (h *Host) Lock(ctx context.Context, s Session, lockID string) error {
	if err := checkLockID(lockID); err != nil {
		return err
	}
	if err := h.writer(ctx, s); err != nil {
		return err
	}
	_, err := h.ws.Lock(ctx, s.Caller, s.Claims.ItemID, lock.Request{Token: lockID, Protocol: lock.WOPI, App: app, TTL: lock.DefaultTTL})
	return h.writeRefusal(err)
}

// GetLock returns the file's WOPI lock id, "" when it has none (or a WebDAV lock).
func (h *Host) GetLock(ctx context.Context, s Session) (string, error) {
	if _, err := h.file(ctx, s); err != nil {
		return "", err
	}
	l, locked, err := h.ws.LockOf(ctx, s.Caller, s.Claims.ItemID)
	if err != nil || !locked || l.Protocol != lock.WOPI {
		return "", err
	}
	return l.Token, nil
}

// RefreshLock gives the file's lock another 30 minutes.
func (h *Host) RefreshLock(ctx context.Context, s Session, lockID string) error {
	if err := checkLockID(lockID); err != nil {
		return err
	}
	if err := h.writer(ctx, s); err != nil {
		return err
	}
	_, err := h.ws.RefreshLock(ctx, s.Caller, s.Claims.ItemID, lockID, lock.DefaultTTL)
	return h.writeRefusal(err)
}

// Unlock removes the file's lock.
func (h *Host) Unlock(ctx context.Context, s Session, lockID string) error {
	if err := checkLockID(lockID); err != nil {
		return err
	}
	if !s.canEdit() {
		return ErrNotAllowed
	}
	if _, err := h.file(ctx, s); err != nil {
		return err
	}
	return h.writeRefusal(h.ws.Unlock(ctx, s.Caller, s.Claims.ItemID, lockID))
}

// UnlockAndRelock swaps the file's lock oldID for lockID in one step.
func (h *Host) UnlockAndRelock(ctx context.Context, s Session, oldID, lockID string) error {
	if err := checkLockID(lockID); err != nil {
		return err
	}
	if err := checkLockID(oldID); err != nil {
		return err
	}
	if err := h.writer(ctx, s); err != nil {
		return err
	}
	_, err := h.ws.Relock(ctx, s.Caller, s.Claims.ItemID, oldID, lock.Request{Token: lockID, Protocol: lock.WOPI, App: app, TTL: lock.DefaultTTL})
	return h.writeRefusal(err)
}
