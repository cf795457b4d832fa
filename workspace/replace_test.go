package workspace_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"cartable"
	"cartable/workspace"
)

// TestConcurrentReplacesMakeOneFile: uploads racing to replace a name that is free
// when they start make one file, whose versions are all of them: the first to commit
// creates it, the others find it under the folder's lock and add versions.
func TestConcurrentReplacesMakeOneFile(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := []byte(fmt.Sprintf("version %d", i))
			_, err := w.ws.UploadFile(w.ctx, w.teacher, home, workspace.Upload{Name: "Rapport.txt", Body: bytes.NewReader(data), Size: int64(len(data))},
				workspace.WriteOptions{Replace: true})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("replace: %v", err)
		}
	}
	if files := w.count(`SELECT count(*) FROM items WHERE kind = 'file'`); files != 1 {
		t.Errorf("%d files, want one", files)
	}
	if versions := w.count(`SELECT count(*) FROM versions`); versions != n {
		t.Errorf("%d versions, want %d", versions, n)
	}
}

// TestReplaceInAClassSpace: a pupil's replace is a change of the file (their own
// only); a free name is an addition; a folder is never replaced.
func TestReplaceInAClassSpace(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	class := w.space(w.pupil, workspace.SpaceGroup, "6A").RootID
	mine := w.upload(w.pupil, class, "exposé.txt", []byte("v1"))
	w.folder(w.teacher, class, "Rendus")
	replace := func(c *cartable.Caller, name string) (workspace.Item, error) {
		return w.ws.UploadFile(w.ctx, c, class, workspace.Upload{Name: name, Body: bytes.NewReader([]byte("v2")), Size: 2}, workspace.WriteOptions{Replace: true})
	}
	if _, err := replace(w.pupil2, "Exposé.txt"); !cartable.IsCode(err, cartable.ENotAuthor) {
		t.Errorf("a classmate's replace = %v, want not_author", err)
	}
	if _, err := replace(w.pupil, "rendus"); !cartable.IsCode(err, cartable.ENameConflict) {
		t.Errorf("replacing a folder = %v, want name_conflict", err)
	}
	it, err := replace(w.pupil, "EXPOSÉ.TXT")
	if err != nil || it.ID != mine.ID || !it.Replaced() || it.Name != "exposé.txt" {
		t.Errorf("own replace = %+v, %v; want %s replaced in place", it, err, mine.ID)
	}
	it, err = replace(w.pupil2, "autre.txt")
	if err != nil || it.Replaced() {
		t.Errorf("replace under a free name = %+v, %v; want a new file", it, err)
	}
	if n := w.count(`SELECT count(*) FROM quota_reservations`); n != 0 {
		t.Errorf("%d reservations left", n)
	}
}
