package workspace_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/workspace"
)

func TestSpacesByRole(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	tests := []struct {
		caller *cartable.Caller
		want   map[string]cartable.Role // kind/group → role
	}{
		{w.teacher, map[string]cartable.Role{"personal/": cartable.Manager, "group/6A": cartable.Manager, "group/5B": cartable.Manager, "structure/": cartable.Author}},
		{w.pupil, map[string]cartable.Role{"personal/": cartable.Manager, "group/6A": cartable.Author}},
		{w.parent, map[string]cartable.Role{"personal/": cartable.Manager}},
	}
	for _, tt := range tests {
		spaces, err := w.ws.Spaces(w.ctx, tt.caller)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]cartable.Role{}
		for _, sp := range spaces {
			got[sp.Kind+"/"+sp.GroupID] = sp.Role
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s spaces = %v, want %v", tt.caller.UserID, got, tt.want)
		}
	}
	// A second look creates nothing new.
	before := w.count(`SELECT count(*) FROM spaces`)
	w.space(w.teacher, workspace.SpacePersonal, "")
	if after := w.count(`SELECT count(*) FROM spaces`); after != before {
		t.Errorf("spaces %d → %d on a second look", before, after)
	}
}

func TestUploadDownloadAndVersions(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	v1, v2 := randomBytes(t, 3<<20), []byte("%PDF-1.4 second version")
	it := w.upload(w.teacher, home, "cours.bin", v1)
	if it.Size != int64(len(v1)) || it.Kind != workspace.KindFile {
		t.Fatalf("uploaded item = %+v", it)
	}
	if !bytes.Equal(w.read(w.teacher, it.ID), v1) {
		t.Fatal("downloaded bytes differ from uploaded ones")
	}
	updated, err := w.ws.NewVersion(w.ctx, w.teacher, it.ID, workspace.Upload{Body: bytes.NewReader(v2), Size: -1}, workspace.WriteOptions{IfMatch: it.ETag()})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ETag() == it.ETag() || updated.MimeType != "application/pdf" {
		t.Errorf("after new version: etag %s (was %s), type %s", updated.ETag(), it.ETag(), updated.MimeType)
	}
	_, err = w.ws.NewVersion(w.ctx, w.teacher, it.ID, workspace.Upload{Body: bytes.NewReader(v2), Size: -1}, workspace.WriteOptions{IfMatch: it.ETag()})
	wantCode(t, err, cartable.EPreconditionFailed)

	page, err := w.ws.Versions(w.ctx, w.teacher, it.ID, cartable.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	versions := page.Items
	sum := sha256.Sum256(v1)
	if len(versions) != 2 || !versions[0].Current || !bytes.Equal(versions[1].SHA256, sum[:]) {
		t.Fatalf("versions = %+v", versions)
	}
	restored, err := w.ws.RestoreVersion(w.ctx, w.teacher, it.ID, versions[1].ID, workspace.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if restored.Size != int64(len(v1)) || !bytes.Equal(w.read(w.teacher, it.ID), v1) {
		t.Error("restoring version 1 did not bring its content back")
	}
	if n := w.count(`SELECT count(DISTINCT blob_id) FROM versions WHERE item_id = $1`, it.ID); n != 2 {
		t.Errorf("3 versions over %d blobs, want 2 (restore shares the blob)", n)
	}
	// The failed conditional upload left no blob behind.
	if n := w.count(`SELECT count(*) FROM blobs`); n != 2 {
		t.Errorf("%d blobs, want 2", n)
	}
}

func TestNamesConflictAndAutoRename(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	w.upload(w.teacher, home, "Devoir.pdf", []byte("a"))
	_, err := w.ws.UploadFile(w.ctx, w.teacher, home, workspace.Upload{Name: "DEVOIR.PDF", Body: bytes.NewReader([]byte("b")), Size: 1}, workspace.WriteOptions{})
	wantCode(t, err, cartable.ENameConflict)
	for _, want := range []string{"devoir (2).pdf", "devoir (3).pdf"} {
		it, err := w.ws.UploadFile(w.ctx, w.teacher, home, workspace.Upload{Name: "devoir.pdf", Body: bytes.NewReader([]byte("c")), Size: 1}, workspace.WriteOptions{AutoRename: true})
		if err != nil || it.Name != want {
			t.Fatalf("auto-renamed upload = %q, %v; want %q", it.Name, err, want)
		}
	}
	_, err = w.ws.CreateFolder(w.ctx, w.teacher, home, "a/b", workspace.WriteOptions{})
	wantCode(t, err, cartable.EInvalidName)
	if n := w.count(`SELECT count(*) FROM blobs`); n != 3 {
		t.Errorf("%d blobs after a refused upload, want 3", n)
	}
}

func TestConcurrentCreatesNeverShareAName(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	const n = 16
	results := make(chan error, 2*n)
	names := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			it, err := w.ws.CreateFolder(w.ctx, w.teacher, home, "Sortie", workspace.WriteOptions{AutoRename: true})
			if err == nil {
				names <- it.Name
			}
			results <- err
		}()
		go func() {
			defer wg.Done()
			_, err := w.ws.CreateFolder(w.ctx, w.teacher, home, "Exclusif", workspace.WriteOptions{})
			if err != nil && !cartable.IsCode(err, cartable.ENameConflict) {
				results <- err
			}
		}()
	}
	wg.Wait()
	close(results)
	close(names)
	for err := range results {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for name := range names {
		if seen[name] {
			t.Errorf("two folders named %q", name)
		}
		seen[name] = true
	}
	if len(seen) != n {
		t.Errorf("%d folders created, want %d", len(seen), n)
	}
	if got := w.count(`SELECT count(*) FROM items WHERE name = 'Exclusif'`); got != 1 {
		t.Errorf("%d folders named Exclusif, want 1", got)
	}
}

func TestMoveCarriesSubtreeAndRefusesCycles(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	a := w.folder(w.teacher, home, "A")
	b := w.folder(w.teacher, a.ID, "B")
	c := w.folder(w.teacher, b.ID, "C")
	f := w.upload(w.teacher, c.ID, "f.txt", []byte("hello"))
	dest := w.folder(w.teacher, home, "Dest")

	for _, target := range []uuid.UUID{a.ID, b.ID, c.ID} {
		_, err := w.ws.Update(w.ctx, w.teacher, a.ID, workspace.Patch{ParentID: &target}, workspace.WriteOptions{})
		wantCode(t, err, cartable.EInvalidMove)
	}
	moved, err := w.ws.Update(w.ctx, w.teacher, b.ID, workspace.Patch{ParentID: &dest.ID}, workspace.WriteOptions{IfMatch: b.ETag()})
	if err != nil {
		t.Fatal(err)
	}
	if *moved.ParentID != dest.ID {
		t.Fatalf("B's parent = %s, want Dest", moved.ParentID)
	}
	got, err := w.ws.Item(w.ctx, w.teacher, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []uuid.UUID{home, dest.ID, b.ID, c.ID}
	if fmt.Sprint(got.Ancestors) != fmt.Sprint(want) {
		t.Errorf("f's ancestors = %v, want %v", got.Ancestors, want)
	}
	// Renaming only the case of a name is not a clash with itself.
	if _, err := w.ws.Update(w.ctx, w.teacher, b.ID, workspace.Patch{Name: ptr("b")}, workspace.WriteOptions{}); err != nil {
		t.Errorf("case-only rename: %v", err)
	}
	// A stale ETag is refused.
	_, err = w.ws.Update(w.ctx, w.teacher, b.ID, workspace.Patch{Name: ptr("x")}, workspace.WriteOptions{IfMatch: b.ETag()})
	wantCode(t, err, cartable.EPreconditionFailed)
}

func TestCopySharesBlobs(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	src := w.folder(w.teacher, home, "Cours")
	sub := w.folder(w.teacher, src.ID, "Chapitre 1")
	w.upload(w.teacher, sub.ID, "fiche.txt", []byte("contenu"))
	classRoot := w.space(w.teacher, workspace.SpaceGroup, "6A").RootID

	cp, err := w.ws.Copy(w.ctx, w.teacher, src.ID, classRoot, nil, workspace.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cp.Name != "Cours" || cp.SpaceID == src.SpaceID {
		t.Fatalf("copy = %+v", cp)
	}
	if n := w.count(`SELECT count(*) FROM blobs`); n != 1 {
		t.Errorf("%d blobs after copying, want 1 (no byte copied)", n)
	}
	if n := w.count(`SELECT count(*) FROM items WHERE space_id = $1 AND parent_id IS NOT NULL`, cp.SpaceID); n != 3 {
		t.Errorf("%d items copied, want 3", n)
	}
	// The pupil sees the copy in the class space.
	page, err := w.ws.Children(w.ctx, w.pupil, classRoot, workspace.ListOptions{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("pupil's class listing = %v, %v", page.Items, err)
	}
	// Copying a folder into itself is refused.
	_, err = w.ws.Copy(w.ctx, w.teacher, src.ID, sub.ID, nil, workspace.WriteOptions{})
	wantCode(t, err, cartable.EInvalidMove)
}

func TestAccessByMembership(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	secret := w.upload(w.teacher, w.home(w.teacher), "notes.txt", []byte("private"))
	class6A := w.space(w.teacher, workspace.SpaceGroup, "6A").RootID
	class5B := w.space(w.teacher, workspace.SpaceGroup, "5B").RootID

	// Nobody else sees the teacher's personal file: not found, never forbidden.
	for _, c := range []*cartable.Caller{w.pupil, w.other, w.parent} {
		_, err := w.ws.Item(w.ctx, c, secret.ID)
		wantCode(t, err, cartable.ENotFound)
		_, err = w.ws.Content(w.ctx, c, secret.ID, nil)
		wantCode(t, err, cartable.ENotFound)
		err = w.ws.Trash(w.ctx, c, secret.ID, workspace.WriteOptions{})
		wantCode(t, err, cartable.ENotFound)
	}
	// A 6A pupil adds to the 6A space, not to 5B's; a 6A parent sees neither.
	hw := w.upload(w.pupil, class6A, "devoir.txt", []byte("mon devoir"))
	_, err := w.ws.UploadFile(w.ctx, w.pupil, class5B, workspace.Upload{Name: "x.txt", Body: bytes.NewReader([]byte("x")), Size: 1}, workspace.WriteOptions{})
	wantCode(t, err, cartable.ENotFound)
	_, err = w.ws.Item(w.ctx, w.parent, hw.ID)
	wantCode(t, err, cartable.ENotFound)
	// A classmate reads it but may not trash it; only managers purge.
	if !bytes.Equal(w.read(w.pupil2, hw.ID), []byte("mon devoir")) {
		t.Error("classmate cannot read the class file")
	}
	wantCode(t, w.ws.Trash(w.ctx, w.pupil2, hw.ID, workspace.WriteOptions{}), cartable.ENotAuthor)
	if err := w.ws.Trash(w.ctx, w.pupil, hw.ID, workspace.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, w.ws.Purge(w.ctx, w.pupil, hw.ID), cartable.EForbidden)
	_, err = w.ws.Restore(w.ctx, w.pupil2, hw.ID, workspace.WriteOptions{})
	wantCode(t, err, cartable.EForbidden) // not theirs to undo: a teacher's call
	if _, err := w.ws.Restore(w.ctx, w.pupil, hw.ID, workspace.WriteOptions{}); err != nil {
		t.Errorf("the pupil who trashed it cannot restore it: %v", err)
	}
	// Ids that do not exist are not found either.
	_, err = w.ws.Item(w.ctx, w.teacher, uuid.Must(uuid.NewV7()))
	wantCode(t, err, cartable.ENotFound)
}

func TestTrashRestorePurge(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	folder := w.folder(w.teacher, home, "Sortie")
	photo := w.upload(w.teacher, folder.ID, "photo.jpg", randomBytes(t, 1000))
	doc := w.upload(w.teacher, folder.ID, "doc.txt", []byte("doc"))

	// Trash one file, then the folder: two separate trash entries.
	must(t, w.ws.Trash(w.ctx, w.teacher, doc.ID, workspace.WriteOptions{}))
	must(t, w.ws.Trash(w.ctx, w.teacher, folder.ID, workspace.WriteOptions{IfMatch: folder.ETag()}))
	_, err := w.ws.Item(w.ctx, w.teacher, photo.ID)
	wantCode(t, err, cartable.ENotFound)
	page, err := w.ws.Trashed(w.ctx, w.teacher, workspace.TrashedOptions{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("trash = %v, %v; want 2 entries", page.Items, err)
	}
	// A new folder takes the trashed one's name; restoring needs another name then.
	w.folder(w.teacher, home, "Sortie")
	_, err = w.ws.Restore(w.ctx, w.teacher, folder.ID, workspace.WriteOptions{})
	wantCode(t, err, cartable.ENameConflict)
	restored, err := w.ws.Restore(w.ctx, w.teacher, folder.ID, workspace.WriteOptions{AutoRename: true})
	if err != nil || restored.Name != "Sortie (2)" {
		t.Fatalf("restore = %q, %v", restored.Name, err)
	}
	if _, err := w.ws.Item(w.ctx, w.teacher, photo.ID); err != nil {
		t.Errorf("photo not restored with its folder: %v", err)
	}
	// The file trashed on its own stayed in the trash.
	_, err = w.ws.Item(w.ctx, w.teacher, doc.ID)
	wantCode(t, err, cartable.ENotFound)

	// Trash the folder again and purge it: the separately trashed doc survives and
	// restores to the space root, the photo's bytes are gone.
	must(t, w.ws.Trash(w.ctx, w.teacher, restored.ID, workspace.WriteOptions{}))
	must(t, w.ws.Purge(w.ctx, w.teacher, restored.ID))
	if n := w.count(`SELECT count(*) FROM items WHERE id = $1`, photo.ID); n != 0 {
		t.Error("purged photo still has a row")
	}
	if n := w.count(`SELECT count(*) FROM blobs`); n != 1 {
		t.Errorf("%d blobs after purge, want 1 (doc's)", n)
	}
	back, err := w.ws.Restore(w.ctx, w.teacher, doc.ID, workspace.WriteOptions{})
	if err != nil || *back.ParentID != home {
		t.Fatalf("doc restored to %v (%v), want the space root", back.ParentID, err)
	}
	if !bytes.Equal(w.read(w.teacher, doc.ID), []byte("doc")) {
		t.Error("restored doc lost its content")
	}
	// A root cannot be trashed.
	wantCode(t, w.ws.Trash(w.ctx, w.teacher, home, workspace.WriteOptions{}), cartable.EInvalid)
}

func TestExpiredTrashIsPurged(t *testing.T) {
	w := newWorld(t, workspace.Config{TrashRetention: 30 * 24 * time.Hour})
	home := w.home(w.teacher)
	old := w.upload(w.teacher, home, "old.txt", []byte("old"))
	recent := w.upload(w.teacher, home, "recent.txt", []byte("recent"))
	must(t, w.ws.Trash(w.ctx, w.teacher, old.ID, workspace.WriteOptions{}))
	must(t, w.ws.Trash(w.ctx, w.teacher, recent.ID, workspace.WriteOptions{}))
	w.exec(`UPDATE items SET trashed_at = now() - interval '31 days' WHERE id = $1`, old.ID)

	n, err := w.ws.PurgeExpiredTrash(w.ctx, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	if w.count(`SELECT count(*) FROM items WHERE id = $1`, old.ID) != 0 || w.count(`SELECT count(*) FROM items WHERE id = $1`, recent.ID) != 1 {
		t.Error("the purge took the wrong items")
	}
	// The audit log names the job as the purge's actor, in the item's structure.
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'purge' AND actor = 'job:trash_retention' AND item_id = $1 AND item_name = 'old.txt' AND structure_id IS NOT NULL`, old.ID); n != 1 {
		t.Errorf("%d audit lines of the job's purge, want 1", n)
	}
	// Thirty days on, the recent one goes too.
	if n, err := w.ws.PurgeExpiredTrash(w.ctx, time.Now().Add(31*24*time.Hour)); err != nil || n != 1 {
		t.Errorf("second purge = %d, %v; want 1", n, err)
	}
	if n := w.count(`SELECT count(*) FROM blobs`); n != 0 {
		t.Errorf("%d blobs left after purging everything", n)
	}
}

func TestCollectorRemovesAbandonedBlobsOnly(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	live := w.upload(w.teacher, w.home(w.teacher), "live.txt", []byte("live"))
	// What a crash leaves: an object and its pending row, with no version. One is
	// past its deadline, one is an upload still in flight.
	for _, tc := range []struct {
		key     string
		expired bool
	}{{"blobs/crashed", true}, {"blobs/in-flight", false}} {
		if _, err := w.store.Put(w.ctx, tc.key, bytes.NewReader([]byte("x")), 1, "text/plain"); err != nil {
			t.Fatal(err)
		}
		deadline := "now() + interval '1 hour'"
		if tc.expired {
			deadline = "now() - interval '1 second'"
		}
		w.exec(`INSERT INTO blobs (id, key, pending_until) VALUES ($1, $2, `+deadline+`)`, uuid.Must(uuid.NewV7()), tc.key)
	}
	n, err := w.ws.CollectBlobs(w.ctx)
	if err != nil || n != 1 {
		t.Fatalf("collected %d, %v; want 1", n, err)
	}
	for key, want := range map[string]bool{"blobs/crashed": false, "blobs/in-flight": true} {
		if ok, err := w.store.Exists(w.ctx, key); err != nil || ok != want {
			t.Errorf("object %s exists = %v (%v), want %v", key, ok, err, want)
		}
	}
	if !bytes.Equal(w.read(w.teacher, live.ID), []byte("live")) {
		t.Error("the collector touched a live blob")
	}
}

func TestTooLargeUploadLeavesNothing(t *testing.T) {
	w := newWorld(t, workspace.Config{MaxUploadBytes: 1000})
	home := w.home(w.teacher)
	for _, declared := range []int64{-1, 1001} {
		_, err := w.ws.UploadFile(w.ctx, w.teacher, home, workspace.Upload{Name: "big.bin", Body: bytes.NewReader(randomBytes(t, 1001)), Size: declared}, workspace.WriteOptions{})
		wantCode(t, err, cartable.ETooLarge)
	}
	if _, err := w.ws.UploadFile(w.ctx, w.teacher, home, workspace.Upload{Name: "exact.bin", Body: bytes.NewReader(randomBytes(t, 1000)), Size: -1}, workspace.WriteOptions{}); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM blobs`); n != 1 {
		t.Errorf("%d blobs, want 1", n)
	}
	if n := w.count(`SELECT count(*) FROM items WHERE kind = 'file'`); n != 1 {
		t.Errorf("%d files, want 1", n)
	}
}

func TestChildrenPagination(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	home := w.home(w.teacher)
	const folders, files = 7, 23
	for i := 0; i < folders; i++ {
		w.folder(w.teacher, home, fmt.Sprintf("Dossier %02d", i))
	}
	for i := 0; i < files; i++ {
		w.upload(w.teacher, home, fmt.Sprintf("f%02d.txt", i), randomBytes(t, 1+i%5))
	}
	for _, sort := range []string{workspace.SortName, workspace.SortModified, workspace.SortCreated, workspace.SortSize} {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/desc=%v", sort, desc), func(t *testing.T) {
				var all []workspace.Item
				cursor := ""
				for pages := 0; ; pages++ {
					page, err := w.ws.Children(w.ctx, w.teacher, home, workspace.ListOptions{Sort: sort, Descending: desc, PageRequest: cartable.PageRequest{Cursor: cursor, Limit: 4}})
					if err != nil {
						t.Fatal(err)
					}
					all = append(all, page.Items...)
					if cursor = page.NextCursor; cursor == "" || pages > 20 {
						break
					}
				}
				seen := map[uuid.UUID]bool{}
				for i, it := range all {
					if seen[it.ID] {
						t.Fatalf("%s listed twice", it.Name)
					}
					seen[it.ID] = true
					if (i < folders) != it.IsFolder() {
						t.Fatalf("item %d (%s): folders must come first", i, it.Name)
					}
				}
				if len(all) != folders+files {
					t.Fatalf("listed %d items, want %d", len(all), folders+files)
				}
			})
		}
	}
	_, err := w.ws.Children(w.ctx, w.teacher, home, workspace.ListOptions{PageRequest: cartable.PageRequest{Cursor: "garbage"}})
	wantCode(t, err, cartable.EInvalid)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestFoldersNestAtMost64Deep: creating, moving or copying past the limit is a
// clear refusal, and changes nothing.
func TestFoldersNestAtMost64Deep(t *testing.T) {
	w := newWorld(t, workspace.Config{})
	parent := w.home(w.teacher)
	var chain []workspace.Item
	for i := 0; i < workspace.MaxDepth; i++ {
		f := w.folder(w.teacher, parent, fmt.Sprintf("niveau %d", i+1))
		chain, parent = append(chain, f), f.ID
	}
	_, err := w.ws.CreateFolder(w.ctx, w.teacher, parent, "trop loin", workspace.WriteOptions{})
	if !cartable.IsCode(err, cartable.EInvalid) {
		t.Fatalf("a folder at depth %d: %v, want invalid_request", workspace.MaxDepth+1, err)
	}
	if _, err := w.ws.UploadFile(w.ctx, w.teacher, parent, workspace.Upload{Name: "f.txt", Body: strings.NewReader("x"), Size: 1}, workspace.WriteOptions{}); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("a file at depth %d: %v, want invalid_request", workspace.MaxDepth+1, err)
	}
	// A two-level folder moved under the 63rd level would put its child at 65.
	two := w.folder(w.teacher, w.home(w.teacher), "deux")
	w.folder(w.teacher, two.ID, "dedans")
	dest := chain[len(chain)-2].ID
	if _, err := w.ws.Update(w.ctx, w.teacher, two.ID, workspace.Patch{ParentID: &dest}, workspace.WriteOptions{}); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("a move past the depth: %v, want invalid_request", err)
	}
	if _, err := w.ws.Copy(w.ctx, w.teacher, two.ID, dest, nil, workspace.WriteOptions{}); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("a copy past the depth: %v, want invalid_request", err)
	}
	if n := w.count(`SELECT count(*) FROM items WHERE cardinality(ancestors) > 64`); n != 0 {
		t.Errorf("%d items deeper than 64", n)
	}
}
