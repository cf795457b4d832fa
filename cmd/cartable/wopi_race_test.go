package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestWOPIRaceEditorsAndAnUpload: two editors save under the shared lock while a
// pupil uploads through the API at the same moment. The pupil gets 423 with the
// French message, every editor's save is a version, and no byte is lost: the
// versions' contents are exactly what the editors sent.
func TestWOPIRaceEditorsAndAnUpload(t *testing.T) {
	in, office := startOffice(t, false)
	_, lea, hugo, doc := classDocument(t, in, []byte("v0"))
	intruder := in.as("eleve.6a.03")
	leaS, hugoS := lea.mustOpen(office, doc.ID), hugo.mustOpen(office, doc.ID)
	const lockID = "session-partagée"
	wantWOPI(t, leaS.lock(lockID), http.StatusOK, nil, "Lock")
	wantWOPI(t, hugoS.lock(lockID), http.StatusOK, nil, "the co-editor's Lock")

	const saves = 5
	type result struct {
		who    string
		status int
		body   string
	}
	results := make(chan result, 3*saves)
	start := make(chan struct{})
	var wg sync.WaitGroup
	sent := map[string]bool{}
	for _, s := range []*wopiSession{leaS, hugoS} {
		for i := range saves {
			data := fmt.Sprintf("%s, sauvegarde %d", s.editor.ItemID[:8]+s.token[len(s.token)-6:], i)
			sent[data] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := s.putFile(lockID, []byte(data))
				results <- result{"editor", r.StatusCode, string(r.body)}
			}()
		}
	}
	for i := range saves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := intruder.do(http.MethodPut, itemPath(doc.ID, "/content"), strings.NewReader(fmt.Sprintf("écrasé %d", i)), map[string]string{"Content-Type": "text/plain"})
			results <- result{"pupil", r.StatusCode, string(r.body)}
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	for r := range results {
		switch {
		case r.who == "editor" && r.status != http.StatusOK:
			t.Errorf("an editor's save answered %d: %s", r.status, r.body)
		case r.who == "pupil" && (r.status != http.StatusLocked || !strings.Contains(r.body, "ouvert par") || !strings.Contains(r.body, "éditeur en ligne")):
			t.Errorf("the pupil's upload answered %d: %s", r.status, r.body)
		}
	}

	versions := lea.versionsOf(doc.ID)
	if len(versions) != 1+2*saves {
		t.Fatalf("%d versions, want %d", len(versions), 1+2*saves)
	}
	got := map[string]bool{}
	for _, v := range versions[:2*saves] {
		r := lea.get(itemPath(doc.ID, "/versions/", v.ID, "/content"))
		wantStatus(t, r, http.StatusOK, "a version's content")
		got[string(r.body)] = true
		if v.CreatedBy != "eleve.6a.01" && v.CreatedBy != "eleve.6a.02" {
			t.Errorf("a version authored by %q", v.CreatedBy)
		}
	}
	for data := range sent {
		if !got[data] {
			t.Errorf("the save %q is no version", data)
		}
	}
	if len(got) != len(sent) {
		t.Errorf("the versions hold %d distinct contents, the editors sent %d", len(got), len(sent))
	}
}

// TestWOPINewDocuments: a blank document made in a folder, OnlyOffice's way (an
// empty file, the editnew action, a first PutFile without a lock) and Collabora's
// (a minimal OpenDocument package, opened with edit).
func TestWOPINewDocuments(t *testing.T) {
	t.Run("onlyoffice", func(t *testing.T) {
		in, office := startOffice(t, true)
		prof, pupil := in.as("prof.martin"), in.as("eleve.6a.01")
		r := prof.sendJSON(http.MethodPost, itemPath(prof.home(), "/office/new"), map[string]any{"name": "Compte rendu", "type": "docx"}, nil)
		wantStatus(t, r, http.StatusCreated, "a new document")
		var e editor
		r.json(t, &e)
		if e.Action != "editnew" || e.Mode != "edit" || !strings.Contains(e.ActionURL, "/hosting/wopi/word/edit?ui=fr-FR&rs=fr-FR&WOPISrc=") || strings.Contains(e.ActionURL, "<") {
			t.Fatalf("new document answered %+v", e)
		}
		doc := prof.get(itemPath(e.ItemID)).item(t)
		if doc.Name != "Compte rendu.docx" || doc.Size != 0 {
			t.Fatalf("the new document is %+v", doc)
		}
		s := &wopiSession{t: t, in: in, office: office, fileID: e.ItemID, token: e.AccessToken, editor: e}
		wantWOPI(t, s.putFile("", []byte("PK docx")), http.StatusOK, nil, "the first PutFile of an empty unlocked file")
		wantWOPI(t, s.putFile("", []byte("PK again")), http.StatusConflict, ptr(""), "a PutFile of an unlocked file with bytes")
		// Then OnlyOffice's editing sequence: lock, read, save, refresh, save, unlock.
		const lockID = "onlyoffice-7f3a"
		wantWOPI(t, s.lock(lockID), http.StatusOK, nil, "Lock")
		wantWOPI(t, s.op("GET_LOCK", nil), http.StatusOK, ptr(lockID), "GetLock")
		if got := s.getFile(); string(got.body) != "PK docx" {
			t.Errorf("GetFile after the first save: %q", got.body)
		}
		wantWOPI(t, s.putFile(lockID, []byte("PK docx 2")), http.StatusOK, nil, "PutFile")
		wantWOPI(t, s.op("REFRESH_LOCK", map[string]string{"X-WOPI-Lock": lockID}), http.StatusOK, nil, "RefreshLock")
		wantWOPI(t, s.putFile(lockID, []byte("PK docx 3")), http.StatusOK, nil, "PutFile after a refresh")
		wantWOPI(t, s.op("UNLOCK", map[string]string{"X-WOPI-Lock": lockID}), http.StatusOK, nil, "Unlock")
		if n := len(prof.versionsOf(e.ItemID)); n != 4 {
			t.Errorf("%d versions, want the empty one and three saves", n)
		}
		again := prof.sendJSON(http.MethodPost, itemPath(prof.home(), "/office/new"), map[string]any{"name": "Compte rendu.docx", "type": "docx"}, nil)
		wantStatus(t, again, http.StatusCreated, "the same name again")
		var second editor
		again.json(t, &second)
		if name := prof.get(itemPath(second.ItemID)).item(t).Name; name != "Compte rendu (2).docx" {
			t.Errorf("the second document is named %q", name)
		}
		wantProblem(t, prof.sendJSON(http.MethodPost, itemPath(prof.home(), "/office/new"), map[string]any{"type": "exe"}, nil), http.StatusBadRequest, "invalid_request", "a new .exe")
		wantProblem(t, pupil.sendJSON(http.MethodPost, itemPath(prof.home(), "/office/new"), map[string]any{"type": "odt"}, nil), http.StatusNotFound, "not_found", "a pupil's document in a teacher's folder")
	})
	t.Run("collabora", func(t *testing.T) {
		in, office := startOffice(t, false)
		prof := in.as("prof.martin")
		for kind, mime := range map[string]string{"odt": "text", "ods": "spreadsheet", "odp": "presentation"} {
			r := prof.sendJSON(http.MethodPost, itemPath(prof.home(), "/office/new"), map[string]any{"type": kind}, nil)
			wantStatus(t, r, http.StatusCreated, "a new "+kind)
			var e editor
			r.json(t, &e)
			if e.Action != "edit" {
				t.Errorf("a new %s opens with %s", kind, e.Action)
			}
			s := &wopiSession{t: t, in: in, office: office, fileID: e.ItemID, token: e.AccessToken}
			body := s.getFile().body
			z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil || len(z.File) < 3 || z.File[0].Name != "mimetype" || z.File[0].Method != zip.Store {
				t.Fatalf("a new %s is no OpenDocument package: %v", kind, err)
			}
			m, _ := z.File[0].Open()
			var b bytes.Buffer
			b.ReadFrom(m)
			if b.String() != "application/vnd.oasis.opendocument."+mime {
				t.Errorf("a new %s has mimetype %q", kind, b.String())
			}
		}
	})
}
