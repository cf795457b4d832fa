package main

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
)

func (u *user) versionCount(id string) int {
	u.t.Helper()
	var out struct {
		Items []struct{} `json:"items"`
	}
	r := u.get(itemPath(id, "/versions"))
	wantStatus(u.t, r, http.StatusOK, "versions of "+id)
	r.json(u.t, &out)
	return len(out.Items)
}

func (u *user) usedBytes() int64 {
	u.t.Helper()
	var q struct {
		Spaces []struct {
			Kind  string `json:"kind"`
			Usage struct {
				Used int64 `json:"used_bytes"`
			} `json:"usage"`
		} `json:"spaces"`
	}
	u.get("/api/v1/quota").json(u.t, &q)
	for _, sp := range q.Spaces {
		if sp.Kind == "personal" {
			return sp.Usage.Used
		}
	}
	u.t.Fatalf("%s has no personal quota", u.id)
	return 0
}

// TestUploadConflictReplace: ?conflict=replace uploads over a same-named file as its
// new version (same id, history kept, charged like a version), makes a new file when
// the name is free, and never replaces a folder.
func TestUploadConflictReplace(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()
	v1 := []byte("cours, première version")
	file := prof.mustUpload(home, "cours.txt", v1)

	v2 := []byte("cours, version corrigée et complétée")
	r := prof.upload(home, "COURS.txt", v2, "?conflict=replace")
	wantStatus(t, r, http.StatusOK, "replace cours.txt")
	got := r.item(t)
	if got.ID != file.ID || got.Name != "cours.txt" || got.Size != int64(len(v2)) || got.ETag == file.ETag {
		t.Errorf("replaced item = %+v, want the same file (%s) with the new content", got, file.ID)
	}
	if body := prof.get(itemPath(file.ID, "/content")).body; !bytes.Equal(body, v2) {
		t.Errorf("content after replace = %q", body)
	}
	if n := prof.versionCount(file.ID); n != 2 {
		t.Errorf("%d versions after a replace, want 2", n)
	}
	if used := prof.usedBytes(); used != int64(len(v1)+len(v2)) {
		t.Errorf("used %d bytes, want both versions (%d)", used, len(v1)+len(v2))
	}
	// A free name: a new file.
	r = prof.upload(home, "nouveau.txt", []byte("n"), "?conflict=replace")
	wantStatus(t, r, http.StatusCreated, "replace with a free name")
	if r.item(t).ID == file.ID {
		t.Error("a free name replaced another file")
	}
	// A folder is never replaced.
	prof.mkdir(home, "Séquence 1")
	wantProblem(t, prof.upload(home, "séquence 1", []byte("x"), "?conflict=replace"), http.StatusConflict, "name_conflict", "replace a folder")
	// Only uploads replace.
	wantProblem(t, prof.sendJSON(http.MethodPost, itemPath(home, "/children?conflict=replace"), map[string]any{"name": "Séquence 1", "folder": map[string]any{}}, nil),
		http.StatusBadRequest, "invalid_request", "replace a folder by a folder")
	wantProblem(t, prof.sendJSON(http.MethodPatch, itemPath(file.ID)+"?conflict=replace", map[string]any{"name": "nouveau.txt"}, nil),
		http.StatusBadRequest, "invalid_request", "rename with replace")
	// The If-Match of an upload is still the folder's.
	wantProblem(t, prof.uploadWith(home, "cours.txt", []byte("v3"), "?conflict=replace", map[string]string{"If-Match": `"999"`}),
		http.StatusPreconditionFailed, "precondition_failed", "replace under a stale folder ETag")
}

// TestUploadConflictReplaceHonoursRights: in a class space, a pupil replaces only
// what they created (not_author), and nothing in a read-only folder.
func TestUploadConflictReplaceHonoursRights(t *testing.T) {
	in := start(t)
	prof, lea, chloe := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.03")
	class := prof.space("group", "6A")
	devoir := lea.mustUpload(class, "devoir.txt", []byte("le devoir de Léa"))

	wantProblem(t, chloe.upload(class, "devoir.txt", []byte("écrasé"), "?conflict=replace"), http.StatusForbidden, "not_author", "a classmate replaces Léa's file")
	if body := lea.get(itemPath(devoir.ID, "/content")).body; string(body) != "le devoir de Léa" || lea.versionCount(devoir.ID) != 1 {
		t.Errorf("Léa's file after the refused replace: %q, %d versions", body, lea.versionCount(devoir.ID))
	}
	r := lea.upload(class, "devoir.txt", []byte("le devoir de Léa, corrigé"), "?conflict=replace")
	wantStatus(t, r, http.StatusOK, "Léa replaces her own file")
	wantStatus(t, prof.upload(class, "devoir.txt", []byte("annoté par le professeur"), "?conflict=replace"), http.StatusOK, "the teacher replaces it")

	cours := prof.mkdir(class, "Cours")
	wantStatus(t, prof.setMode(cours.ID, "read_only"), http.StatusOK, "read-only Cours")
	fiche := prof.mustUpload(cours.ID, "fiche.txt", []byte("fiche"))
	wantProblem(t, lea.upload(cours.ID, "fiche.txt", []byte("x"), "?conflict=replace"), http.StatusForbidden, "read_only_folder", "a pupil replaces in a read-only folder")
	if lea.versionCount(fiche.ID) != 1 {
		t.Error("the refused replace added a version")
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still reserved after the refusals", n)
	}
}

// TestTusConflictReplace: a resumable upload with conflict=replace in its metadata
// becomes the new version of the same-named file, with the same rights and checks.
func TestTusConflictReplace(t *testing.T) {
	in := start(t)
	prof, lea, chloe := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.03")
	class := prof.space("group", "6A")
	devoir := lea.mustUpload(class, "devoir.txt", []byte("v1"))

	// Refused at creation, before any byte: a classmate's file; a folder.
	_, r := chloe.tus().create(10, metadata("parent", class, "filename", "devoir.txt", "conflict", "replace"))
	wantProblem(t, r, http.StatusForbidden, "not_author", "tus replace of a classmate's file")
	prof.mkdir(class, "Dossier")
	_, r = prof.tus().create(10, metadata("parent", class, "filename", "Dossier", "conflict", "replace"))
	wantProblem(t, r, http.StatusConflict, "name_conflict", "tus replace of a folder")

	v2 := []byte("version deux, envoyée en plusieurs fois")
	tus := lea.tus()
	path, r := tus.create(len(v2), metadata("parent", class, "filename", "devoir.txt", "conflict", "replace"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	r = tus.send(path, v2, 0, 16)
	if r.Header.Get("Cartable-Item-Id") != devoir.ID {
		t.Fatalf("the upload became %q, want the existing file %s: %v", r.Header.Get("Cartable-Item-Id"), devoir.ID, r.Header)
	}
	if body := lea.get(itemPath(devoir.ID, "/content")).body; !bytes.Equal(body, v2) || lea.versionCount(devoir.ID) != 2 {
		t.Errorf("after the tus replace: %q, %d versions", body, lea.versionCount(devoir.ID))
	}
	// Sent whole in the creation request, under a free name: a new file.
	body := []byte("neuf")
	r = lea.tus().do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(body), map[string]string{
		"Upload-Length": strconv.Itoa(len(body)), "Content-Type": "application/offset+octet-stream",
		"Upload-Metadata": metadata("parent", class, "filename", "neuf.txt", "conflict", "replace")})
	if r.StatusCode != http.StatusCreated || r.Header.Get("Cartable-Item-Id") == "" || r.Header.Get("Cartable-Item-Id") == devoir.ID {
		t.Fatalf("creation with upload under a free name: %d %v %s", r.StatusCode, r.Header, r.body)
	}
}
