package main

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// askZip asks for a selection as a zip and answers its signed download URL.
func (u *user) askZip(ids ...string) string {
	u.t.Helper()
	r := u.sendJSON(http.MethodPost, "/api/v1/zips", map[string]any{"item_ids": ids}, nil)
	wantStatus(u.t, r, http.StatusCreated, "ask for a zip")
	var out struct {
		URL string `json:"download_url"`
	}
	r.json(u.t, &out)
	return out.URL
}

// fetchZip downloads a zip without any token, as a browser follows the URL, and
// reads it back: entry names, and each file's bytes.
func fetchZip(t *testing.T, in *instance, url string) (names []string, files map[string][]byte, disposition string) {
	t.Helper()
	r := in.do(http.MethodGet, strings.TrimPrefix(url, in.url), "", nil, nil)
	wantStatus(t, r, http.StatusOK, "download the zip")
	if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("the zip comes as %q", ct)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("read the zip: %v", err)
	}
	files = map[string][]byte{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Mode().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
	}
	if exe, err := exec.LookPath("unzip"); err == nil {
		file := filepath.Join(t.TempDir(), "out.zip")
		os.WriteFile(file, r.body, 0o600)
		if out, err := exec.Command(exe, "-tq", file).CombinedOutput(); err != nil {
			t.Errorf("unzip -t: %v\n%s", err, out)
		}
	}
	return names, files, r.Header.Get("Content-Disposition")
}

// TestZipAFolder: a teacher downloads a folder as one zip — subfolders, an empty
// one, names Windows would refuse — with every byte, and nothing of the trash.
func TestZipAFolder(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	seq := prof.mkdir(prof.home(), "Séquence 1")
	photo, text := randomData(t, 300<<10), bytes.Repeat([]byte("Rédaction : mon héros.\n"), 1000)
	prof.mustUpload(seq.ID, "photo.jpg", photo)
	chap := prof.mkdir(seq.ID, "Chapitre 2")
	prof.mustUpload(chap.ID, "Quoi ?.txt", text)
	prof.mkdir(seq.ID, "Vide")
	gone := prof.mustUpload(chap.ID, "brouillon.txt", []byte("jeté"))
	wantStatus(t, prof.trash(gone.ID), http.StatusNoContent, "trash the draft")

	names, files, disposition := fetchZip(t, in, prof.askZip(seq.ID))
	want := []string{"Séquence 1/", "Séquence 1/Chapitre 2/", "Séquence 1/photo.jpg", "Séquence 1/Vide/", "Séquence 1/Chapitre 2/Quoi _.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("the zip holds %q, want %q", names, want)
	}
	if !bytes.Equal(files["Séquence 1/photo.jpg"], photo) || !bytes.Equal(files["Séquence 1/Chapitre 2/Quoi _.txt"], text) {
		t.Error("a file's bytes differ in the zip")
	}
	if !strings.Contains(disposition, "attachment") || !strings.Contains(disposition, "UTF-8''S%C3%A9quence%201.zip") {
		t.Errorf("Content-Disposition %q", disposition)
	}
}

// TestZipASelection: items from two folders with the same name are told apart.
func TestZipASelection(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	a, b := prof.mkdir(prof.home(), "6A"), prof.mkdir(prof.home(), "5B")
	one := prof.mustUpload(a.ID, "fiche.txt", []byte("pour la 6A"))
	two := prof.mustUpload(b.ID, "Fiche.txt", []byte("pour la 5B"))
	names, files, disposition := fetchZip(t, in, prof.askZip(one.ID, two.ID))
	if !slices.Equal(names, []string{"fiche.txt", "Fiche (2).txt"}) || string(files["Fiche (2).txt"]) != "pour la 5B" {
		t.Errorf("the zip holds %q", names)
	}
	if !strings.Contains(disposition, "Documents.zip") {
		t.Errorf("a selection's zip is named by %q", disposition)
	}
}

// TestZipOnlyWhatTheCallerReads: a pupil cannot zip a teacher's folder, gets only
// what was shared, and a URL stops working once its folder is trashed or its
// signature touched.
func TestZipOnlyWhatTheCallerReads(t *testing.T) {
	in := start(t)
	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.01")
	private := prof.mkdir(prof.home(), "Privé")
	prof.mustUpload(private.ID, "notes.txt", []byte("notes"))
	shared := prof.mkdir(prof.home(), "Pour la 6A")
	prof.mustUpload(shared.ID, "exercice.txt", []byte("exercice"))
	wantStatus(t, prof.shareWith(shared.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "viewer", nil),
		http.StatusCreated, "share with 6A")

	wantProblem(t, pupil.sendJSON(http.MethodPost, "/api/v1/zips", map[string]any{"item_ids": []string{shared.ID, private.ID}}, nil),
		http.StatusNotFound, "not_found", "a pupil asks for the teacher's private folder")
	wantProblem(t, pupil.sendJSON(http.MethodPost, "/api/v1/zips", map[string]any{"item_ids": []string{}}, nil),
		http.StatusBadRequest, "invalid_request", "an empty selection")
	names, _, _ := fetchZip(t, in, pupil.askZip(shared.ID))
	if !slices.Equal(names, []string{"Pour la 6A/", "Pour la 6A/exercice.txt"}) {
		t.Errorf("the pupil's zip holds %q", names)
	}

	url := prof.askZip(private.ID)
	tampered := url[:len(url)-2] + "xx"
	wantProblem(t, in.do(http.MethodGet, strings.TrimPrefix(tampered, in.url), "", nil, nil), http.StatusNotFound, "not_found", "a tampered signature")
	wantStatus(t, prof.trash(private.ID), http.StatusNoContent, "trash the folder")
	wantProblem(t, in.do(http.MethodGet, strings.TrimPrefix(url, in.url), "", nil, nil), http.StatusNotFound, "not_found", "the zip of a trashed folder")
}
