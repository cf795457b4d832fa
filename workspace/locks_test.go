package workspace_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/lock"
	"cartable/sharing"
	"cartable/workspace"
)

// lockWorld is a collaborative folder of 6A holding one document a pupil wrote.
func lockWorld(t *testing.T) (*world, workspace.Item, workspace.Item) {
	w := newWorld(t, workspace.Config{})
	class := w.space(w.teacher, workspace.SpaceGroup, "6A").RootID
	folder := w.folder(w.teacher, class, "Exposé")
	mode := sharing.Collaborative
	if _, err := w.ws.Update(w.ctx, w.teacher, folder.ID, workspace.Patch{Mode: &mode}, workspace.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	doc := w.upload(w.pupil, folder.ID, "exposé.odt", []byte("v1"))
	return w, folder, doc
}

func (w *world) newVersion(c *cartable.Caller, id uuid.UUID, body string, token string) error {
	_, err := w.ws.NewVersion(w.ctx, c, id, workspace.Upload{Body: bytes.NewReader([]byte(body)), Size: int64(len(body))}, workspace.WriteOptions{Lock: token})
	return err
}

func wopiLock(token string) lock.Request {
	return lock.Request{Token: token, Protocol: lock.WOPI, App: "Collabora Online", TTL: lock.DefaultTTL}
}

func TestLockedFileRefusesOtherWriters(t *testing.T) {
	w, folder, doc := lockWorld(t)
	if _, err := w.ws.Lock(w.ctx, w.pupil, doc.ID, wopiLock("session-1")); err != nil {
		t.Fatal(err)
	}

	err := w.newVersion(w.teacher, doc.ID, "teacher's upload", "")
	var conflict *lock.ConflictError
	if !cartable.IsCode(err, cartable.ELocked) || !errors.As(err, &conflict) || conflict.Current.OwnerName != "eleve1" {
		t.Fatalf("an upload without the lock = %v, want locked, held by eleve1", err)
	}
	var domain *cartable.Error
	if !errors.As(err, &domain) || domain.MessageFR == "" {
		t.Errorf("the refusal %v has no French message", err)
	}
	// Co-editors present the one lock of the document: each save is theirs.
	for _, c := range []*cartable.Caller{w.pupil, w.pupil2, w.teacher} {
		if err := w.newVersion(c, doc.ID, "saved by "+c.UserID, "session-1"); err != nil {
			t.Errorf("%s's save under the lock: %v", c.UserID, err)
		}
	}
	if got := string(w.read(w.teacher, doc.ID)); got != "saved by prof" {
		t.Errorf("content = %q", got)
	}
	if _, err := w.ws.Lock(w.ctx, w.pupil2, doc.ID, wopiLock("session-2")); !cartable.IsCode(err, cartable.ELocked) {
		t.Errorf("a second lock = %v, want locked", err)
	}

	refusals := map[string]error{
		"rename": func() error {
			_, err := w.ws.Update(w.ctx, w.pupil, doc.ID, workspace.Patch{Name: ptr("autre.odt")}, workspace.WriteOptions{})
			return err
		}(),
		"trash the file":   w.ws.Trash(w.ctx, w.pupil, doc.ID, workspace.WriteOptions{}),
		"trash its folder": w.ws.Trash(w.ctx, w.teacher, folder.ID, workspace.WriteOptions{}),
		"restore a version": func() error {
			versions, err := w.ws.Versions(w.ctx, w.teacher, doc.ID, cartable.PageRequest{})
			if err != nil {
				return err
			}
			_, err = w.ws.RestoreVersion(w.ctx, w.teacher, doc.ID, versions.Items[len(versions.Items)-1].ID, workspace.WriteOptions{})
			return err
		}(),
		"replace by name": func() error {
			_, err := w.ws.UploadFile(w.ctx, w.teacher, folder.ID, workspace.Upload{Name: "Exposé.odt", Body: bytes.NewReader([]byte("x")), Size: 1}, workspace.WriteOptions{Replace: true})
			return err
		}(),
	}
	for what, err := range refusals {
		if !cartable.IsCode(err, cartable.ELocked) {
			t.Errorf("%s of a locked file = %v, want locked", what, err)
		}
	}
	if n := w.count(`SELECT count(*) FROM quota_reservations`); n != 0 {
		t.Errorf("%d reservations left by refused uploads", n)
	}

	if err := w.ws.Unlock(w.ctx, w.pupil2, doc.ID, "session-1"); err != nil {
		t.Fatalf("a co-editor closes the session: %v", err)
	}
	if err := w.newVersion(w.teacher, doc.ID, "after", ""); err != nil {
		t.Errorf("an upload once unlocked: %v", err)
	}
}

func TestDAVLocksBelongToTheirOwner(t *testing.T) {
	w, folder, doc := lockWorld(t)
	dav := lock.Request{Token: "urn:uuid:" + uuid.NewString(), Protocol: lock.DAV, TTL: time.Hour}
	if _, err := w.ws.Lock(w.ctx, w.pupil, doc.ID, dav); err != nil {
		t.Fatal(err)
	}
	if err := w.newVersion(w.pupil2, doc.ID, "stolen token", dav.Token); !cartable.IsCode(err, cartable.ELocked) {
		t.Errorf("another user with the token = %v, want locked", err)
	}
	if err := w.newVersion(w.pupil, doc.ID, "owner", dav.Token); err != nil {
		t.Errorf("the owner with the token: %v", err)
	}
	if err := w.ws.Unlock(w.ctx, w.pupil2, doc.ID, dav.Token); !cartable.IsCode(err, cartable.ELocked) {
		t.Errorf("another user's unlock = %v, want locked", err)
	}

	// A deep lock on the folder covers what is below and what is added to it.
	deep := lock.Request{Token: "urn:uuid:" + uuid.NewString(), Protocol: lock.DAV, Deep: true, TTL: time.Hour}
	if _, err := w.ws.Lock(w.ctx, w.teacher, folder.ID, deep); err != nil {
		t.Fatal(err)
	}
	_, err := w.ws.CreateFolder(w.ctx, w.pupil2, folder.ID, "Images", workspace.WriteOptions{})
	if !cartable.IsCode(err, cartable.ELocked) {
		t.Errorf("a new folder in a locked folder = %v, want locked", err)
	}
	if _, err := w.ws.CreateFolder(w.ctx, w.teacher, folder.ID, "Images", workspace.WriteOptions{Lock: deep.Token}); err != nil {
		t.Errorf("the lock's owner adds a folder: %v", err)
	}
}

func TestExpiredLockIsNoLock(t *testing.T) {
	w, _, doc := lockWorld(t)
	if _, err := w.ws.Lock(w.ctx, w.pupil, doc.ID, wopiLock("old")); err != nil {
		t.Fatal(err)
	}
	w.exec(`UPDATE item_locks SET expires_at = now() - interval '1 second'`)
	if err := w.newVersion(w.pupil2, doc.ID, "free again", ""); err != nil {
		t.Errorf("an upload after the lock expired: %v", err)
	}
	if _, err := w.ws.RefreshLock(w.ctx, w.pupil, doc.ID, "old", lock.DefaultTTL); !cartable.IsCode(err, cartable.ELocked) {
		t.Errorf("refreshing an expired lock = %v, want locked", err)
	}
	l, err := w.ws.Lock(w.ctx, w.pupil2, doc.ID, wopiLock("new"))
	if err != nil || l.OwnerID != "eleve2" || time.Until(l.ExpiresAt) < 29*time.Minute {
		t.Errorf("a new lock over an expired one = %+v, %v", l, err)
	}
	w.exec(`UPDATE item_locks SET expires_at = now() - interval '1 second'`)
	if n, err := lock.DeleteExpired(w.ctx, w.pool); n != 1 || err != nil {
		t.Errorf("DeleteExpired = %d, %v; want the one expired row", n, err)
	}
}

// TestOneLockWinsARace: editors opening one document at once all ask for a lock;
// exactly one gets it, and every other is told who holds it.
func TestOneLockWinsARace(t *testing.T) {
	w, _, doc := lockWorld(t)
	const racers = 8
	var wg sync.WaitGroup
	results := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = w.ws.Lock(w.ctx, w.teacher, doc.ID, wopiLock(fmt.Sprintf("session-%d", i)))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !cartable.IsCode(err, cartable.ELocked):
			t.Errorf("a racer failed with %v, want locked", err)
		}
	}
	if won != 1 {
		t.Errorf("%d racers took the lock, want 1", won)
	}
	if n := w.count(`SELECT count(*) FROM item_locks`); n != 1 {
		t.Errorf("%d lock rows", n)
	}
}

func TestLocksNeedTheRightToChange(t *testing.T) {
	w, _, doc := lockWorld(t)
	if _, err := w.ws.Lock(w.ctx, w.parent, doc.ID, wopiLock("x")); !cartable.IsCode(err, cartable.ENotFound) && !cartable.IsCode(err, cartable.EForbidden) && !cartable.IsCode(err, cartable.ENotAuthor) && !cartable.IsCode(err, cartable.EReadOnlyFolder) {
		t.Errorf("a parent's lock = %v, want a refusal", err)
	}
	if _, err := w.ws.Lock(w.ctx, w.other, doc.ID, wopiLock("x")); !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("another class's pupil's lock = %v, want not_found", err)
	}
	if _, _, err := w.ws.LockOf(w.ctx, w.other, doc.ID); !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("another class's pupil reads the lock: %v, want not_found", err)
	}
}
