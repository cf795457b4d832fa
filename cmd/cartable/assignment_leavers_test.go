package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAssignmentPupilWhoLeaves: a pupil who hands in and then leaves the class
// no longer reaches the assignment, and the teacher keeps their hand-in; once the
// ENT deletes the pupil, the dashboard still names them and their work stays with
// the class, as their files in its space do.
func TestAssignmentPupilWhoLeaves(t *testing.T) {
	in := start(t)
	svc, prof, hugo := in.as("service.provisioning"), in.as("prof.martin"), in.as("eleve.6a.02")
	class := prof.space("group", "6A")
	template := prof.mustUpload(class, "Fiche.odt", []byte("fiche à remplir"))
	body := fields("Fiche", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)

	mine := hugo.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine
	wantStatus(t, hugo.overwrite(mine.Copies[0].ItemID, "la fiche de Hugo"), http.StatusOK, "Hugo writes")
	hugo.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)
	before := prof.dashboard(a.ID)[hugo.id]
	if before.Status != "handed_in" || len(before.HandedInFiles) != 1 || before.PupilName == "" {
		t.Fatalf("Hugo's work before he leaves = %+v", before)
	}

	// The class's group no longer lists him.
	r := svc.get("/api/v1/admin/groups/0600001A-6A")
	wantStatus(t, r, http.StatusOK, "get group")
	var group map[string]any
	r.json(t, &group)
	var members []any
	for _, m := range group["members"].([]any) {
		if m.(map[string]any)["user_id"] != hugo.id {
			members = append(members, m)
		}
	}
	group["members"] = members
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/0600001A-6A", group, nil), http.StatusOK, "Hugo leaves 6A")

	wantProblem(t, hugo.get("/api/v1/assignments/"+a.ID), http.StatusNotFound, "not_found", "Hugo after leaving")
	wantProblem(t, hugo.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/take-back", nil, nil), http.StatusNotFound, "not_found", "Hugo takes back after leaving")
	if r := hugo.get("/api/v1/assignments"); strings.Contains(string(r.body), a.ID) {
		t.Errorf("Hugo still lists the assignment: %s", r.body)
	}
	handedIn := func(when string) {
		t.Helper()
		w, ok := prof.dashboard(a.ID)[hugo.id]
		if !ok || w.Status != "handed_in" || w.PupilName != before.PupilName || len(w.HandedInFiles) != 1 {
			t.Fatalf("%s, the dashboard shows %+v", when, w)
		}
		f := w.HandedInFiles[0]
		got := prof.get(itemPath(f.ItemID, "/versions/"+f.VersionID+"/content"))
		wantStatus(t, got, http.StatusOK, when+", the teacher downloads the hand-in")
		if string(got.body) != "la fiche de Hugo" {
			t.Errorf("%s, the hand-in holds %q", when, got.body)
		}
	}
	handedIn("after Hugo left the class")

	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+hugo.id, nil, nil), http.StatusNoContent, "the ENT deletes Hugo")
	handedIn("after the ENT deleted Hugo")
}
