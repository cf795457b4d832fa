package workspace_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/quota"
	"cartable/workspace"
)

// used reads an account's used bytes ("structure:s1" or a space's).
func (w *world) used(account string) int64 {
	w.t.Helper()
	var n int64
	if err := w.pool.QueryRow(w.ctx, `SELECT coalesce((SELECT used_bytes FROM quota_accounts WHERE id = $1), 0)`, account).Scan(&n); err != nil {
		w.t.Fatalf("account %s: %v", account, err)
	}
	return n
}

func spaceAccount(id uuid.UUID) string { return "space:" + id.String() }

func TestChargesFollowEveryWritePath(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.space(w.teacher, workspace.SpacePersonal, "")
	class := w.space(w.teacher, workspace.SpaceGroup, "6A")
	data := randomBytes(t, 1000)

	file := w.upload(w.teacher, home.RootID, "cours.pdf", data)
	steps := []struct {
		name             string
		do               func() error
		home, class, all int64
	}{
		{"upload", func() error { return nil }, 1000, 0, 1000},
		{"copy in the same space shares the blob: counted once", func() error {
			_, err := w.ws.Copy(w.ctx, w.teacher, file.ID, home.RootID, ptr("cours (copie).pdf"), workspace.WriteOptions{})
			return err
		}, 1000, 0, 1000},
		{"copy into the class space counts there too", func() error {
			_, err := w.ws.Copy(w.ctx, w.teacher, file.ID, class.RootID, nil, workspace.WriteOptions{})
			return err
		}, 1000, 1000, 2000},
		{"a new version adds its bytes", func() error {
			_, err := w.ws.NewVersion(w.ctx, w.teacher, file.ID, workspace.Upload{Body: bytes.NewReader(data[:300]), Size: 300}, workspace.WriteOptions{})
			return err
		}, 1300, 1000, 2300},
		{"trash keeps the bytes", func() error { return w.ws.Trash(w.ctx, w.teacher, file.ID, workspace.WriteOptions{}) }, 1300, 1000, 2300},
		{"purge frees the new version; the copy still holds the first blob", func() error { return w.ws.Purge(w.ctx, w.teacher, file.ID) }, 1000, 1000, 2000},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if h, c, a := w.used(spaceAccount(home.ID)), w.used(spaceAccount(class.ID)), w.used("structure:s1"); h != st.home || c != st.class || a != st.all {
			t.Fatalf("%s: home %d, class %d, structure %d; want %d, %d, %d", st.name, h, c, a, st.home, st.class, st.all)
		}
	}
}

func TestMoveIsChargedToTheNewSpace(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.space(w.pupil, workspace.SpacePersonal, "")
	class := w.space(w.pupil, workspace.SpaceGroup, "6A")
	folder := w.folder(w.pupil, home.RootID, "Exposé")
	w.upload(w.pupil, folder.ID, "a.bin", randomBytes(t, 400))
	w.upload(w.pupil, folder.ID, "b.bin", randomBytes(t, 600))

	if _, err := w.ws.Update(w.ctx, w.pupil, folder.ID, workspace.Patch{ParentID: &class.RootID}, workspace.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if h, c, a := w.used(spaceAccount(home.ID)), w.used(spaceAccount(class.ID)), w.used("structure:s1"); h != 0 || c != 1000 || a != 1000 {
		t.Fatalf("after the move: home %d, class %d, structure %d", h, c, a)
	}
	// The pupil's own space is capped below what moving back would need: refused,
	// and nothing moves.
	limit := int64(500)
	if err := quota.SetUserLimit(w.ctx, w.pool, quota.Admin{Region: true}, w.pupil.UserID, &limit); err != nil {
		t.Fatal(err)
	}
	_, err := w.ws.Update(w.ctx, w.pupil, folder.ID, workspace.Patch{ParentID: &home.RootID}, workspace.WriteOptions{})
	wantCode(t, err, cartable.EQuotaExceeded)
	if h, c := w.used(spaceAccount(home.ID)), w.used(spaceAccount(class.ID)); h != 0 || c != 1000 {
		t.Fatalf("a refused move changed the books: home %d, class %d", h, c)
	}
	it, err := w.ws.Item(w.ctx, w.pupil, folder.ID)
	if err != nil || it.SpaceID != class.ID {
		t.Fatalf("a refused move moved the folder: %v, %v", it.SpaceID, err)
	}
}

func TestOverQuotaUploadLeavesNothing(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	limit := int64(1000)
	if err := quota.SetUserLimit(w.ctx, w.pool, quota.Admin{Region: true}, w.pupil.UserID, &limit); err != nil {
		t.Fatal(err)
	}
	home := w.home(w.pupil)
	w.upload(w.pupil, home, "a.bin", randomBytes(t, 800))
	for _, declared := range []int64{300, -1} {
		_, err := w.ws.UploadFile(w.ctx, w.pupil, home, workspace.Upload{Name: "b.bin", Body: bytes.NewReader(randomBytes(t, 300)), Size: declared, SizeAtMost: 400}, workspace.WriteOptions{})
		wantCode(t, err, cartable.EQuotaExceeded)
	}
	if n := w.count(`SELECT count(*) FROM blobs`); n != 1 {
		t.Errorf("%d blobs after refused uploads, want 1", n)
	}
	if n := w.count(`SELECT count(*) FROM quota_reservations`) + w.count(`SELECT sum(reserved_bytes)::int FROM quota_accounts`); n != 0 {
		t.Errorf("reservations left behind: %d", n)
	}
	// A copy that does not fit is refused whole.
	_, err := w.ws.Copy(w.ctx, w.pupil, w.upload(w.pupil, w.space(w.pupil, workspace.SpaceGroup, "6A").RootID, "c.bin", randomBytes(t, 500)).ID, home, nil, workspace.WriteOptions{})
	wantCode(t, err, cartable.EQuotaExceeded)
	if n := w.count(`SELECT count(*) FROM items WHERE name = 'c.bin'`); n != 1 {
		t.Errorf("%d items named c.bin, want 1 (the refused copy left one)", n)
	}
}

func TestExpiredReservationsAreReleased(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	space := w.space(w.pupil, workspace.SpacePersonal, "")
	r, err := quota.Reserve(w.ctx, w.pool, space.ID, 4000, w.pupil.UserID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := quota.ReleaseExpired(w.ctx, w.pool, time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("released %d, %v; want 1", n, err)
	}
	if n := w.count(`SELECT sum(reserved_bytes)::int FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}
	// The owner coming back late finds its reservation gone.
	if err := r.Release(w.ctx, w.pool); err != nil {
		t.Errorf("releasing an expired reservation: %v", err)
	}
}

// TestConcurrentFirstReservations: the first writes to a space open its account.
// A second writer arriving while the first one's account is not committed yet waits
// for it and goes on; it must not fail on the account's unique indexes.
func TestConcurrentFirstReservations(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	space := w.space(w.pupil2, workspace.SpacePersonal, "")
	first, err := w.pool.Begin(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(w.ctx)
	if _, err := first.Exec(w.ctx, `SELECT quota_take($1, 1000, false)`, space.ID); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		_, err := quota.Reserve(w.ctx, w.pool, space.ID, 1000, w.pupil2.UserID, time.Hour)
		second <- err
	}()
	time.Sleep(200 * time.Millisecond) // the second writer is now waiting on the first
	if err := first.Commit(w.ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the second writer failed: %v", err)
	}
	if n := w.count(`SELECT reserved_bytes::int FROM quota_accounts WHERE space_id = $1`, space.ID); n != 2000 {
		t.Errorf("reserved %d, want 2000", n)
	}
	// Writers arriving at the very same time, on spaces that have no account yet.
	for round := range 40 {
		pupil := w.person(fmt.Sprintf("nouveau%02d", round), cartable.Student, nil)
		fresh := w.space(pupil, workspace.SpacePersonal, "")
		start := make(chan struct{})
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				<-start
				_, err := quota.Reserve(w.ctx, w.pool, fresh.ID, 10, pupil.UserID, time.Hour)
				errs <- err
			}()
		}
		close(start)
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: a simultaneous first reservation failed: %v", round, err)
			}
		}
	}
}
