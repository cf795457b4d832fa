package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestZipThroughAViewLink: a parent who got a password-protected link to the
// outing's photos downloads the whole folder as one zip; nothing outside the link
// goes in, a drop box's visitor cannot ask, and revoking the link ends the URL.
func TestZipThroughAViewLink(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	outing := prof.mkdir(prof.home(), "Sortie au musée")
	photo := randomData(t, 200<<10)
	prof.mustUpload(outing.ID, "photo 1.jpg", photo)
	day2 := prof.mkdir(outing.ID, "Jour 2")
	prof.mustUpload(day2.ID, "programme.txt", []byte("Visite à 10 h"))
	secret := prof.mustUpload(prof.home(), "notes.txt", []byte("secret"))

	expires := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	var view, drop struct{ ID, Token string }
	r := prof.sendJSON(http.MethodPost, itemPath(outing.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires, "password": "musee2026"}, nil)
	wantStatus(t, r, http.StatusCreated, "create a view link")
	r.json(t, &view)
	r = prof.sendJSON(http.MethodPost, itemPath(day2.ID, "/links"), map[string]any{"kind": "upload", "expires_at": expires}, nil)
	wantStatus(t, r, http.StatusCreated, "create a drop box")
	r.json(t, &drop)

	ask := func(token, password string, ids ...string) response {
		body, _ := json.Marshal(map[string]any{"item_ids": ids})
		return in.visit("/api/v1/links/"+token+"/zips", password, bytes.NewBuffer(body), map[string]string{"Content-Type": "application/json"})
	}
	wantProblem(t, ask(view.Token, "", outing.ID), http.StatusUnauthorized, "unauthorized", "no password")
	wantProblem(t, ask(view.Token, "musee2026", outing.ID, secret.ID), http.StatusNotFound, "not_found", "a file outside the link")
	wantProblem(t, ask(drop.Token, "", day2.ID), http.StatusNotFound, "not_found", "a drop box's visitor")

	r = ask(view.Token, "musee2026", outing.ID)
	wantStatus(t, r, http.StatusCreated, "the visitor asks for the folder")
	var got struct {
		URL string `json:"download_url"`
	}
	r.json(t, &got)
	names, files, disposition := fetchZip(t, in, got.URL)
	want := []string{"Sortie au musée/", "Sortie au musée/Jour 2/", "Sortie au musée/photo 1.jpg", "Sortie au musée/Jour 2/programme.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("the visitor's zip holds %q, want %q", names, want)
	}
	if !bytes.Equal(files["Sortie au musée/photo 1.jpg"], photo) {
		t.Error("the photo's bytes differ in the zip")
	}
	if !strings.Contains(disposition, "UTF-8''Sortie%20au%20mus%C3%A9e.zip") {
		t.Errorf("Content-Disposition %q", disposition)
	}
	// The URL is the link's, not a user's: it ends with the link.
	wantStatus(t, prof.do(http.MethodDelete, itemPath(outing.ID, "/links/", view.ID), nil, nil), http.StatusNoContent, "revoke")
	wantProblem(t, in.do(http.MethodGet, strings.TrimPrefix(got.URL, in.url), "", nil, nil), http.StatusNotFound, "not_found", "the zip of a revoked link")
}
