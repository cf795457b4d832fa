package main

import (
	"net/http"
	"testing"
)

// TestArchivedClassInTheOfficeEditor: a pupil's editing session opened before the
// rollover saves nothing after it (the office editor's access is decided again on
// every call), and a document of the archived class opens read-only.
func TestArchivedClassInTheOfficeEditor(t *testing.T) {
	in, office := startOffice(t, false)
	_, lea, _, doc := classDocument(t, in, []byte("premier jet"))
	session := lea.mustOpen(office, doc.ID)
	const lockID = `{"S":"collabora-session-1"}`
	wantWOPI(t, session.lock(lockID), http.StatusOK, nil, "Lock before the rollover")

	wantStatus(t, in.as("admin.college").sendJSON(http.MethodPost, "/api/v1/admin/structures/0600001A/rollover",
		map[string]any{"year_label": "2025-2026"}, nil), http.StatusOK, "rollover")

	if r := session.putFile(lockID, []byte("après l'archive")); r.StatusCode == http.StatusOK {
		t.Fatalf("PutFile in an archived class: %d %s", r.StatusCode, r.body)
	}
	if info := session.checkFileInfo(); info["UserCanWrite"] != false || info["ReadOnly"] != true {
		t.Errorf("CheckFileInfo in an archived class: UserCanWrite %v, ReadOnly %v", info["UserCanWrite"], info["ReadOnly"])
	}
	if got := session.getFile(); string(got.body) != "premier jet" {
		t.Errorf("the document became %q", got.body)
	}
	e, r := lea.openInOffice(doc.ID)
	wantStatus(t, r, http.StatusOK, "open a document of the archived class")
	if e.Mode != "view" {
		t.Errorf("opened in mode %q, want view", e.Mode)
	}
}
