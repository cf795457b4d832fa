package main

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// linkVisitor calls link routes with no account.
func (in *instance) visit(path, password string, body *bytes.Buffer, header map[string]string) response {
	in.t.Helper()
	h := map[string]string{}
	for k, v := range header {
		h[k] = v
	}
	if password != "" {
		h["Cartable-Link-Password"] = password
	}
	if body == nil {
		return in.do(http.MethodGet, path, "", nil, h)
	}
	return in.do(http.MethodPost, path, "", body, h)
}

func TestViewLinkWithPasswordAndRevocation(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Sortie au musée")
	photo := prof.mustUpload(folder.ID, "photo.txt", []byte("une photo"))
	secret := prof.mustUpload(prof.home(), "secret.txt", []byte("secret"))

	expires := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	// bcrypt reads 72 bytes: a longer password is refused, not a 500.
	long := prof.sendJSON(http.MethodPost, itemPath(folder.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires, "password": strings.Repeat("é", 37)}, nil)
	wantProblem(t, long, http.StatusBadRequest, "invalid_request", "a 74-byte password")
	r := prof.sendJSON(http.MethodPost, itemPath(folder.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires, "password": "musee2026"}, nil)
	wantStatus(t, r, http.StatusCreated, "create a view link")
	var l struct {
		ID, Token, URL string
		PageURL        string `json:"page_url"`
	}
	r.json(t, &l)
	if l.Token == "" || !strings.HasSuffix(l.URL, "/api/v1/links/"+l.Token) || l.PageURL != in.url+"/liens/"+l.Token {
		t.Fatalf("link = %+v (the page to give people is the web app's /liens/{token})", l)
	}
	base := "/api/v1/links/" + l.Token
	wantProblem(t, in.visit(base, "", nil, nil), http.StatusUnauthorized, "unauthorized", "no password")
	wantProblem(t, in.visit(base, "wrong", nil, nil), http.StatusUnauthorized, "unauthorized", "wrong password")
	wantStatus(t, in.visit(base, "musee2026", nil, nil), http.StatusOK, "link info")
	if got := in.visit(base+"/items/"+photo.ID+"/content", "musee2026", nil, nil); !bytes.Equal(got.body, []byte("une photo")) {
		t.Errorf("download through the link: %d %s", got.StatusCode, got.body)
	}
	var page struct{ Items []apiItem }
	in.visit(base+"/items/"+folder.ID+"/children", "musee2026", nil, nil).json(t, &page)
	if len(page.Items) != 1 {
		t.Errorf("listing through the link = %+v", page.Items)
	}
	// Nothing outside the linked folder.
	wantStatus(t, in.visit(base+"/items/"+secret.ID+"/content", "musee2026", nil, nil), http.StatusNotFound, "outside the link")
	wantStatus(t, in.visit("/api/v1/links/not-a-token", "", nil, nil), http.StatusNotFound, "unknown token")
	// The tokens are never shown again.
	if list := prof.get(itemPath(folder.ID, "/links")); bytes.Contains(list.body, []byte(l.Token)) {
		t.Error("the link list shows the token")
	}
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID, "/links/", l.ID), nil, nil), http.StatusNoContent, "revoke")
	wantStatus(t, in.visit(base, "musee2026", nil, nil), http.StatusNotFound, "revoked link")
}

func TestDropBox(t *testing.T) {
	in := start(t)
	prof := in.as("prof.bernard")
	box := prof.mkdir(prof.space("group", "5B"), "Devoirs rendus")
	prof.mustUpload(box.ID, "consigne.txt", []byte("consigne"))
	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	r := prof.sendJSON(http.MethodPost, itemPath(box.ID, "/links"), map[string]any{"kind": "upload", "expires_at": expires}, nil)
	wantStatus(t, r, http.StatusCreated, "create a drop box")
	var l struct{ Token string }
	r.json(t, &l)
	base := "/api/v1/links/" + l.Token

	info := in.visit(base, "", nil, nil)
	if !bytes.Contains(info.body, []byte(`"folder_name":"Devoirs rendus"`)) || bytes.Contains(info.body, []byte("consigne")) {
		t.Errorf("drop box info shows too much or too little: %s", info.body)
	}
	for i := 0; i < 2; i++ { // the same name twice: never a clash, and nothing told of it
		var body bytes.Buffer
		ct := multipartFile(t, &body, "devoir.txt", []byte("mon devoir"))
		r := in.visit(base+"/upload", "", &body, map[string]string{"Content-Type": ct})
		wantStatus(t, r, http.StatusCreated, "drop a file")
		if !bytes.Contains(r.body, []byte(`"name":"devoir.txt"`)) {
			t.Errorf("drop %d answered %s: the visitor learns of the names already there", i, r.body)
		}
	}
	wantStatus(t, in.visit(base+"/items/"+box.ID+"/children", "", nil, nil), http.StatusNotFound, "list a drop box")
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'drop'`); n != 2 {
		t.Errorf("%d drop events, want 2", n)
	}
	var page struct{ Items []apiItem }
	prof.get(itemPath(box.ID, "/children")).json(t, &page)
	if len(page.Items) != 3 {
		t.Errorf("the teacher sees %d files in the drop box, want 3", len(page.Items))
	}
	// Only teachers and staff create links; an expiry is required and within a year.
	pupil := in.as("eleve.5b.02")
	wantStatus(t, pupil.sendJSON(http.MethodPost, itemPath(pupil.home(), "/links"), map[string]any{"kind": "view", "expires_at": expires}, nil), http.StatusForbidden, "pupil creates a link")
	wantProblem(t, prof.sendJSON(http.MethodPost, itemPath(box.ID, "/links"), map[string]any{"kind": "view"}, nil), http.StatusBadRequest, "invalid_request", "no expiry")
	far := time.Now().Add(400 * 24 * time.Hour).UTC().Format(time.RFC3339)
	wantProblem(t, prof.sendJSON(http.MethodPost, itemPath(box.ID, "/links"), map[string]any{"kind": "view", "expires_at": far}, nil), http.StatusBadRequest, "invalid_request", "expiry beyond a year")
}

func TestLinkRoutesAreRateLimited(t *testing.T) {
	in := start(t)
	limited := 0
	for i := 0; i < 60; i++ {
		if r := in.visit("/api/v1/links/guess-"+string(rune('a'+i%26)), "", nil, nil); r.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("60 quick guesses were never rate limited")
	}
}

func multipartFile(t *testing.T, body *bytes.Buffer, name string, data []byte) string {
	t.Helper()
	mw := multipart.NewWriter(body)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	return mw.FormDataContentType()
}

// TestLinkRateLimitBelievesOnlyTrustedProxies: a client that rotates X-Forwarded-For
// gets no fresh budget; behind a configured proxy, the header names the client.
func TestLinkRateLimitBelievesOnlyTrustedProxies(t *testing.T) {
	guesses := func(in *instance) (limited int) {
		for i := 0; i < 60; i++ {
			r := in.visit("/api/v1/links/guess-"+strconv.Itoa(i), "", nil, map[string]string{"X-Forwarded-For": "203.0.113." + strconv.Itoa(i)})
			if r.StatusCode == http.StatusTooManyRequests {
				limited++
			}
		}
		return limited
	}
	t.Run("forged", func(t *testing.T) {
		if limited := guesses(start(t)); limited == 0 {
			t.Error("60 quick guesses under rotating X-Forwarded-For were never rate limited")
		}
	})
	t.Run("behind a trusted proxy", func(t *testing.T) {
		in := startWith(t, func(cfg *Config) { cfg.TrustedProxies = "127.0.0.1" })
		if limited := guesses(in); limited != 0 {
			t.Errorf("60 clients' single guesses were limited %d times", limited)
		}
	})
}
