package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// returnedWork is a pupil's work with what the teacher returned to them.
type returnedWork struct {
	apiWork
	CorrectedFolderID string       `json:"corrected_folder_id"`
	CorrectedFiles    []apiFileRef `json:"corrected_files"`
}

// corrections reads the corrected files of every pupil on the teacher's dashboard.
func (u *user) corrections(id string) map[string]returnedWork {
	u.t.Helper()
	r := u.get("/api/v1/assignments/" + id + "/dashboard")
	wantStatus(u.t, r, http.StatusOK, "dashboard")
	var d struct {
		Pupils []returnedWork `json:"pupils"`
	}
	r.json(u.t, &d)
	out := map[string]returnedWork{}
	for _, w := range d.Pupils {
		out[w.PupilID] = w
	}
	return out
}

// myCorrections reads the calling pupil's own work on the assignment.
func (u *user) myCorrections(id string) returnedWork {
	u.t.Helper()
	r := u.get("/api/v1/assignments/" + id)
	wantStatus(u.t, r, http.StatusOK, u.id+" reads the assignment")
	var a struct {
		Mine *returnedWork `json:"mine"`
	}
	r.json(u.t, &a)
	if a.Mine == nil {
		u.t.Fatalf("%s has no work: %s", u.id, r.body)
	}
	return *a.Mine
}

// handedOut creates "Rédaction" for 6A with one template, publishes it and
// returns its id and the teacher.
func handedOut(t *testing.T, in *instance) (string, *user) {
	t.Helper()
	prof := in.as("prof.martin")
	template := prof.mustUpload(prof.space("group", "6A"), "Rédaction.odt", []byte(strings.Repeat("modèle ", 500)))
	body := fields("Rédaction", time.Hour, 2*time.Hour, true)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	return a.ID, prof
}

// TestAssignmentReturnsCorrectedFiles: the teacher returns Léa's hand-in with an
// annotated copy from their own space; Léa reads and downloads it and changes
// nothing of it; Hugo never reaches it; no byte is stored, the class space is
// charged the blob once; the copy outlives the teacher purging their original.
func TestAssignmentReturnsCorrectedFiles(t *testing.T) {
	in := start(t)
	id, prof := handedOut(t, in)
	lea, hugo := in.as("eleve.6a.01"), in.as("eleve.6a.02")
	classID := prof.spaceID("group", "6A")
	leaCopy := lea.myCorrections(id).Copies[0].ItemID
	wantStatus(t, lea.overwrite(leaCopy, "mon héros"), http.StatusOK, "Léa writes")
	lea.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK)
	hugo.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK)
	annotated := []byte("%PDF-1.4 mon héros, annoté en rouge")
	original := prof.mustUpload(prof.home(), "Rédaction de Léa annotée.pdf", annotated)

	// Corrected files go to exactly one pupil.
	for _, pupils := range [][]string{nil, {lea.id, hugo.id}} {
		r := prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+id+"/returns",
			map[string]any{"pupil_ids": pupils, "feedback": "Bien", "corrected_item_ids": []string{original.ID}}, nil)
		wantProblem(t, r, http.StatusBadRequest, "invalid_request", "corrected files for "+strings.Join(pupils, ","))
	}
	// A file the teacher cannot read is not found, and nothing is returned.
	foreign := in.as("eleve.5b.01").mustUpload(in.as("eleve.5b.01").home(), "autre.txt", []byte("autre"))
	r := prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+id+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "corrected_item_ids": []string{foreign.ID}}, nil)
	wantProblem(t, r, http.StatusNotFound, "not_found", "a corrected file the teacher cannot read")

	blobs, objects := in.count(t, `SELECT count(*) FROM blobs`), in.objects()
	classUsed := func() int64 {
		return in.count(t, `SELECT used_bytes FROM quota_accounts WHERE id = 'space:`+classID+`'`)
	}
	before := classUsed()
	r = prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+id+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Très beau portrait", "points": 16, "corrected_item_ids": []string{original.ID}}, nil)
	wantStatus(t, r, http.StatusOK, "the return with a corrected file")
	if b, o := in.count(t, `SELECT count(*) FROM blobs`), in.objects(); b != blobs || o != objects {
		t.Errorf("returning a corrected file stored %d blobs and %d objects, want none", b-blobs, o-objects)
	}
	if got := classUsed() - before; got != int64(len(annotated)) {
		t.Errorf("the class space was charged %d bytes for the corrected file, want its size once (%d)", got, len(annotated))
	}

	board := prof.corrections(id)
	if len(board[lea.id].CorrectedFiles) != 1 || len(board[hugo.id].CorrectedFiles) != 0 {
		t.Fatalf("the dashboard's corrected files: Léa %+v, Hugo %+v", board[lea.id].CorrectedFiles, board[hugo.id].CorrectedFiles)
	}
	mine := lea.myCorrections(id)
	if mine.Status != "returned" || len(mine.CorrectedFiles) != 1 || mine.CorrectedFiles[0].Name != "Rédaction de Léa annotée.pdf" {
		t.Fatalf("Léa's work after the return = %+v", mine)
	}
	corrected, folder := mine.CorrectedFiles[0].ItemID, mine.CorrectedFolderID
	if corrected == original.ID || corrected != board[lea.id].CorrectedFiles[0].ItemID {
		t.Errorf("Léa's corrected file is %s, the dashboard's %s, the original %s", corrected, board[lea.id].CorrectedFiles[0].ItemID, original.ID)
	}
	if got := lea.get(itemPath(corrected, "/content")); got.StatusCode != http.StatusOK || string(got.body) != string(annotated) {
		t.Errorf("Léa downloads her corrected file: %d %q", got.StatusCode, got.body)
	}
	wantStatus(t, prof.get(itemPath(corrected, "/content")), http.StatusOK, "the teacher reads the corrected file")

	// Léa reads it and changes nothing: not its content, name, place, nor her folder.
	if rt := lea.rightsOn(corrected); rt.CanEdit || rt.CanMove || rt.CanTrash || rt.CanShare {
		t.Errorf("Léa's rights on her corrected file: %+v", rt)
	}
	if rt := lea.rightsOn(folder); rt.CanAdd {
		t.Errorf("Léa may add to her corrected folder: %+v", rt)
	}
	wantStatus(t, lea.overwrite(corrected, "effacé"), http.StatusForbidden, "Léa overwrites the correction")
	wantStatus(t, lea.rename(corrected, "x.pdf"), http.StatusForbidden, "Léa renames the correction")
	wantStatus(t, lea.trash(corrected), http.StatusForbidden, "Léa trashes the correction")
	wantStatus(t, lea.move(corrected, lea.home()), http.StatusForbidden, "Léa moves the correction")
	wantProblem(t, lea.upload(folder, "ajout.txt", []byte("ajout"), ""), http.StatusForbidden, "read_only_folder", "Léa adds to her corrected folder")
	if r := lea.trash(folder); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusBadRequest {
		t.Errorf("Léa trashes her corrected folder: %d %s", r.StatusCode, r.body)
	}

	// Hugo reaches none of it, and has no corrected files.
	for _, item := range []string{corrected, folder} {
		wantProblem(t, hugo.get(itemPath(item)), http.StatusNotFound, "not_found", "Hugo reads Léa's correction")
		wantProblem(t, hugo.get(itemPath(item, "/content")), http.StatusNotFound, "not_found", "Hugo downloads Léa's correction")
	}
	if w := hugo.myCorrections(id); len(w.CorrectedFiles) != 0 || w.CorrectedFolderID != "" {
		t.Errorf("Hugo's work shows corrections: %+v", w)
	}

	// The teacher trashes and purges their original: Léa's copy keeps its bytes.
	wantStatus(t, prof.trash(original.ID), http.StatusNoContent, "the teacher trashes the original")
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/trash/"+original.ID, nil, nil), http.StatusNoContent, "the teacher purges the original")
	if _, err := in.app.workspace.CollectBlobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := lea.get(itemPath(corrected, "/content")); string(got.body) != string(annotated) {
		t.Errorf("after the original's purge Léa downloads %d %q", got.StatusCode, got.body)
	}

	// A second correction after a revision lands in the same folder.
	second := prof.mustUpload(prof.space("group", "6A"), "Barème.pdf", []byte("%PDF-1.4 barème"))
	before = classUsed()
	r = prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+id+"/returns",
		map[string]any{"pupil_ids": []string{hugo.id}, "revision": true, "corrected_item_ids": []string{second.ID}}, nil)
	wantStatus(t, r, http.StatusOK, "a return for revision with a corrected file")
	if got := classUsed() - before; got != 0 {
		t.Errorf("a corrected file already in the class space charged %d bytes", got)
	}
	if w := hugo.myCorrections(id); len(w.CorrectedFiles) != 1 || w.CorrectedFiles[0].Name != "Barème.pdf" {
		t.Errorf("Hugo's corrected files: %+v", w.CorrectedFiles)
	}
	wantProblem(t, lea.get(itemPath(prof.corrections(id)[hugo.id].CorrectedFiles[0].ItemID)), http.StatusNotFound, "not_found", "Léa reads Hugo's correction")
}

// TestAssignmentDeleteAndRestore: deleting an assignment hides it from its pupils
// and puts every pupil's folders in the class trash; restoring the assignment
// brings them back with the hand-ins, their history and the pinned versions. A
// pupil's folder is not restored on its own (at the class root it would be open
// to the whole class).
func TestAssignmentDeleteAndRestore(t *testing.T) {
	in := start(t)
	id, prof := handedOut(t, in)
	lea, other := in.as("eleve.6a.01"), in.as("eleve.5b.01")
	mine := lea.myCorrections(id)
	copyID, folder := mine.Copies[0].ItemID, mine.FolderID
	wantStatus(t, lea.overwrite(copyID, "version rendue"), http.StatusOK, "Léa writes")
	lea.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK)
	lea.assignment(http.MethodPost, "/"+id+"/take-back", nil, http.StatusOK)
	pinned := fileNamed(t, lea.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK).Mine.HandedInFiles, "Rédaction - Léa Dupont.odt")
	wantStatus(t, lea.overwrite(copyID, "version d'après"), http.StatusOK, "Léa writes after handing in")
	note := prof.mustUpload(prof.home(), "Annotations.pdf", []byte("%PDF-1.4 annotations"))
	wantStatus(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+id+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Bien", "corrected_item_ids": []string{note.ID}}, nil), http.StatusOK, "return")
	corrected := lea.myCorrections(id).CorrectedFiles[0].ItemID
	wantProblem(t, lea.do(http.MethodDelete, "/api/v1/assignments/"+id, nil, nil), http.StatusForbidden, "forbidden", "Léa deletes the assignment")
	wantProblem(t, other.do(http.MethodDelete, "/api/v1/assignments/"+id, nil, nil), http.StatusNotFound, "not_found", "a 5B pupil deletes it")
	wantProblem(t, other.do(http.MethodPost, "/api/v1/assignments/"+id+"/restore", nil, nil), http.StatusNotFound, "not_found", "a 5B pupil restores it")
	wantProblem(t, prof.do(http.MethodPost, "/api/v1/assignments/"+id+"/restore", nil, nil), http.StatusConflict, "conflict", "restoring a live assignment")

	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/assignments/"+id, nil, nil), http.StatusNoContent, "the teacher deletes it")
	wantProblem(t, lea.get("/api/v1/assignments/"+id), http.StatusNotFound, "not_found", "Léa reads the deleted assignment")
	if r := lea.get("/api/v1/assignments"); strings.Contains(string(r.body), id) {
		t.Errorf("Léa's list still has the deleted assignment: %s", r.body)
	}
	for _, item := range []string{copyID, folder, corrected} {
		wantProblem(t, lea.get(itemPath(item)), http.StatusNotFound, "not_found", "Léa reads her trashed work")
	}
	wantProblem(t, prof.get("/api/v1/assignments/"+id+"/dashboard"), http.StatusNotFound, "not_found", "the dashboard of a deleted assignment")
	wantProblem(t, prof.do(http.MethodDelete, "/api/v1/assignments/"+id, nil, nil), http.StatusNotFound, "not_found", "deleting it twice")
	if a := prof.assignment(http.MethodGet, "/"+id, nil, http.StatusOK); a.State != "deleted" {
		t.Errorf("the teacher reads the deleted assignment as %q", a.State)
	}
	trash := prof.get("/api/v1/trash?space_id=" + prof.spaceID("group", "6A"))
	for _, name := range []string{"Rédaction - Léa Dupont", "Corrigé - Rédaction - Léa Dupont", "Rédaction - Hugo"} {
		if !strings.Contains(string(trash.body), name) {
			t.Errorf("the class trash has no %q: %s", name, trash.body)
		}
	}
	if r := lea.get("/api/v1/trash"); strings.Contains(string(r.body), "Léa Dupont") {
		t.Errorf("Léa's trash shows her folder: %s", r.body)
	}
	// A pupil's folder comes back with its assignment only.
	wantProblem(t, prof.do(http.MethodPost, itemPath(folder, "/restore"), nil, nil), http.StatusConflict, "conflict", "restoring Léa's folder alone")
	// Neither the expired trash nor any hand-in keeps the folders of a deleted
	// assignment from their retention: a day later they are still there.
	if _, err := in.app.workspace.PurgeExpiredTrash(t.Context(), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	a := prof.assignment(http.MethodPost, "/"+id+"/restore", nil, http.StatusOK)
	if a.State != "published" {
		t.Errorf("the restored assignment is %q", a.State)
	}
	back := lea.myCorrections(id)
	if back.Status != "returned" || back.FolderID != folder || len(back.Copies) != 1 || len(back.CorrectedFiles) != 1 || len(back.HandIns) != 2 {
		t.Fatalf("Léa's work after the restore = %+v", back)
	}
	if got := prof.corrections(id)[lea.id]; fileNamed(t, got.HandedInFiles, pinned.Name).VersionID != pinned.VersionID {
		t.Errorf("the restored hand-in pinned %+v, want %s", got.HandedInFiles, pinned.VersionID)
	}
	if r := prof.get(itemPath(copyID, "/versions/", pinned.VersionID, "/content")); string(r.body) != "version rendue" {
		t.Errorf("the pinned version after the restore holds %d %q", r.StatusCode, r.body)
	}
	if r := lea.get(itemPath(copyID, "/content")); string(r.body) != "version d'après" {
		t.Errorf("Léa's copy after the restore holds %q", r.body)
	}
	wantStatus(t, lea.get(itemPath(corrected, "/content")), http.StatusOK, "Léa reads her correction after the restore")
}

// TestPinnedVersionsOutliveTrashAndPurges: after handing in, Léa trashes her copy;
// neither the teacher's purge nor the trash's retention job removes what the
// teacher received while the assignment exists, and the database refuses any other
// path that would delete a pinned version. Deleting the assignment lets them go.
func TestPinnedVersionsOutliveTrashAndPurges(t *testing.T) {
	in := start(t)
	id, prof := handedOut(t, in)
	lea := in.as("eleve.6a.01")
	copyID := lea.myCorrections(id).Copies[0].ItemID
	wantStatus(t, lea.overwrite(copyID, "ce que le professeur a reçu"), http.StatusOK, "Léa writes")
	pinned := fileNamed(t, lea.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK).Mine.HandedInFiles, "Rédaction - Léa Dupont.odt")
	wantStatus(t, lea.trash(copyID), http.StatusNoContent, "Léa trashes her copy after handing in")

	wantProblem(t, prof.do(http.MethodDelete, "/api/v1/trash/"+copyID, nil, nil), http.StatusConflict, "pinned_by_hand_in", "the teacher purges Léa's copy")
	if n, err := in.app.workspace.PurgeExpiredTrash(t.Context(), time.Now().Add(31*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("the retention job purged %d items (err %v), want none", n, err)
	}
	if _, err := in.app.workspace.CollectBlobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.pool.Exec(t.Context(), `DELETE FROM versions WHERE id = $1`, pinned.VersionID); err == nil || !strings.Contains(err.Error(), "pinned") {
		t.Errorf("deleting a pinned version in SQL: %v, want refused", err)
	}
	if got := fileNamed(t, prof.corrections(id)[lea.id].HandedInFiles, pinned.Name); got.VersionID != pinned.VersionID {
		t.Errorf("the teacher's hand-in now pins %+v", got)
	}
	wantStatus(t, prof.do(http.MethodPost, itemPath(copyID, "/restore"), nil, nil), http.StatusOK, "the teacher restores Léa's copy")
	if r := prof.get(itemPath(copyID, "/versions/", pinned.VersionID, "/content")); string(r.body) != "ce que le professeur a reçu" {
		t.Errorf("the pinned version holds %d %q", r.StatusCode, r.body)
	}

	// Once the assignment is deleted, the trash's retention applies to its folders.
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/assignments/"+id, nil, nil), http.StatusNoContent, "the teacher deletes the assignment")
	if n, err := in.app.workspace.PurgeExpiredTrash(t.Context(), time.Now().Add(31*24*time.Hour)); err != nil || n == 0 {
		t.Errorf("the retention job purged %d items (err %v) of a deleted assignment, want its folders", n, err)
	}
	if n := in.count(t, `SELECT count(*) FROM versions WHERE id = '`+pinned.VersionID+`'`); n != 0 {
		t.Errorf("the deleted assignment's pinned version is still kept after the trash's retention")
	}
}

// TestMovesAcrossPrivateFolders: nothing moves into or out of a pupil's private
// folder, whoever asks; copies are allowed; moves inside it are fine; and an item
// restored from the trash of a private folder goes back into it, never to the
// class root where the whole class would read it.
func TestMovesAcrossPrivateFolders(t *testing.T) {
	in := start(t)
	id, prof := handedOut(t, in)
	lea, hugo := in.as("eleve.6a.01"), in.as("eleve.6a.02")
	class := prof.space("group", "6A")
	mine := lea.myCorrections(id)
	copyID, folder := mine.Copies[0].ItemID, mine.FolderID
	leasClassFile := lea.mustUpload(class, "exposé.txt", []byte("exposé"))
	course := prof.mustUpload(class, "cours.txt", []byte("cours"))

	refused := []struct {
		who      *user
		item, to string
		what     string
	}{
		{lea, copyID, class, "Léa moves her copy to the class root"},
		{lea, copyID, lea.home(), "Léa moves her copy to her own space"},
		{lea, leasClassFile.ID, folder, "Léa hides her class file in her folder"},
		{prof, copyID, class, "the teacher moves Léa's copy out"},
		{prof, course.ID, folder, "the teacher moves a class file into Léa's folder"},
	}
	for _, m := range refused {
		r := m.who.move(m.item, m.to)
		wantProblem(t, r, http.StatusConflict, "private_boundary", m.what)
		if !strings.Contains(string(r.body), "copiez-le plutôt") {
			t.Errorf("%s: the refusal says %s", m.what, r.body)
		}
	}
	en := lea.sendJSON(http.MethodPatch, itemPath(copyID), map[string]any{"parent_id": class}, map[string]string{"Accept-Language": "en"})
	if !strings.Contains(string(en.body), "copy it instead") {
		t.Errorf("the English refusal: %s", en.body)
	}
	if r := hugo.get(itemPath(class, "/children")); strings.Contains(string(r.body), "Léa Dupont") {
		t.Errorf("the class lists Léa's work: %s", r.body)
	}
	// Copies cross both ways; moves inside the folder are fine.
	wantStatus(t, lea.sendJSON(http.MethodPost, itemPath(copyID, "/copy"), map[string]any{"parent_id": lea.home()}, nil), http.StatusCreated, "Léa copies her work home")
	wantStatus(t, lea.sendJSON(http.MethodPost, itemPath(course.ID, "/copy"), map[string]any{"parent_id": folder}, nil), http.StatusCreated, "Léa copies the course into her folder")
	drafts := lea.mkdir(folder, "Brouillons")
	wantStatus(t, lea.move(copyID, drafts.ID), http.StatusOK, "Léa moves her copy into a subfolder of her folder")

	// A file trashed from a subfolder that is purged meanwhile comes back into
	// Léa's folder, still hers alone.
	idea := lea.mustUpload(drafts.ID, "idée.txt", []byte("une idée"))
	wantStatus(t, lea.move(copyID, folder), http.StatusOK, "Léa moves her copy back")
	wantStatus(t, lea.trash(idea.ID), http.StatusNoContent, "Léa trashes her idea")
	wantStatus(t, lea.trash(drafts.ID), http.StatusNoContent, "Léa trashes her drafts")
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/trash/"+drafts.ID, nil, nil), http.StatusNoContent, "the teacher purges the drafts")
	r := lea.do(http.MethodPost, itemPath(idea.ID, "/restore"), nil, nil)
	wantStatus(t, r, http.StatusOK, "Léa restores her idea")
	if got := r.item(t); got.ParentID == nil || *got.ParentID != folder {
		t.Errorf("Léa's idea came back under %v, want her folder %s", got.ParentID, folder)
	}
	wantProblem(t, hugo.get(itemPath(idea.ID)), http.StatusNotFound, "not_found", "Hugo reads Léa's restored idea")
}
