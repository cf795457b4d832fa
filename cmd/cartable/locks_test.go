package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"cartable/directory"
	"cartable/lock"
)

// TestLockedFileRefusesAPIWrites: while the office editor holds a class document,
// a pupil's upload over it through the API is a 423 that says who is editing it,
// the item answers show the lock (never its token), and nothing was written.
func TestLockedFileRefusesAPIWrites(t *testing.T) {
	in := start(t)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	class := prof.space("group", "6A")
	folder := prof.mkdir(class, "Exposé")
	wantStatus(t, prof.sendJSON(http.MethodPatch, itemPath(folder.ID), map[string]string{"mode": "collaborative"}, nil), http.StatusOK, "collaborative")
	doc := lea.mustUpload(folder.ID, "exposé.odt", []byte("v1"))

	ctx := context.Background()
	who, err := directory.LoadCaller(ctx, in.app.pool, "prof.martin")
	if err != nil {
		t.Fatal(err)
	}
	token := "session-" + uuid.NewString()
	if _, err := in.app.workspace.Lock(ctx, who, uuid.MustParse(doc.ID), lock.Request{Token: token, Protocol: lock.WOPI, App: "Collabora Online", TTL: lock.DefaultTTL}); err != nil {
		t.Fatal(err)
	}

	r := lea.do(http.MethodPut, itemPath(doc.ID, "/content"), bytes.NewReader([]byte("Léa's v2")), map[string]string{"Content-Type": "application/octet-stream"})
	wantProblem(t, r, http.StatusLocked, "locked", "Léa's upload over the open document")
	if body := string(r.body); !strings.Contains(body, "Claire Martin") || !strings.Contains(body, "éditeur en ligne") || strings.Contains(body, token) {
		t.Errorf("the refusal does not say who edits it in French, or shows the token: %s", body)
	}
	for _, path := range []string{itemPath(doc.ID), itemPath(folder.ID, "/children")} {
		body := string(lea.get(path).body)
		if !strings.Contains(body, `"lock":{"by":"prof.martin","by_name":"Claire Martin","with":"wopi","app":"Collabora Online"`) || strings.Contains(body, token) {
			t.Errorf("%s does not show the lock as it should: %s", path, body)
		}
	}
	wantProblem(t, lea.do(http.MethodDelete, itemPath(doc.ID), nil, nil), http.StatusLocked, "locked", "trash the open document")
	v2 := []byte("Léa's v2 through tus")
	r = lea.tus().do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(v2), map[string]string{
		"Upload-Length": strconv.Itoa(len(v2)), "Upload-Metadata": metadata("item", doc.ID),
		"Content-Type": "application/offset+octet-stream"})
	if r.StatusCode != http.StatusLocked {
		t.Errorf("a tus version over the open document: %d %s, want 423", r.StatusCode, r.body)
	}
	if got := string(lea.get(itemPath(doc.ID, "/content")).body); got != "v1" {
		t.Errorf("content = %q, want v1 untouched", got)
	}
	if n := in.count(t, `SELECT count(*) FROM quota_reservations`); n != 0 {
		t.Errorf("%d reservations left", n)
	}
}

// TestWebAppShowsAnOpenDocument: the class folder's row of a document open in the
// office editor says who has it open.
func TestWebAppShowsAnOpenDocument(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.space("group", "6A"), "Exposé")
	doc := prof.mustUpload(folder.ID, "exposé.odt", []byte("v1"))
	who, err := directory.LoadCaller(context.Background(), in.app.pool, "prof.martin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.workspace.Lock(context.Background(), who, uuid.MustParse(doc.ID), lock.Request{Token: "s", Protocol: lock.WOPI, TTL: lock.DefaultTTL}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, exe)
	lea := b.tab("eleve.6a.01")
	lea.run("open the folder's address", chromedp.Navigate(in.url+"/dossiers/"+folder.ID),
		chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="eleve.6a.01"]`)))
	pick(lea, "eleve.6a.01")
	lea.run("the folder's rows", chromedp.WaitVisible(chromedp.CSS(`li[data-id="`+doc.ID+`"]`)))
	badge := js[string](lea, "the row's badge", `document.querySelector('li[data-id="`+doc.ID+`"] .badge.locked')?.textContent || ""`)
	if badge != "Ouvert par Claire Martin dans l'éditeur" {
		t.Errorf("the row's badge = %q", badge)
	}
	lea.screenshot("desktop-open-document")
	lea.axe("a folder with a document open in the editor")
}
