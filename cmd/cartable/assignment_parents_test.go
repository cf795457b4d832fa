package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// apiChildAssignment is one line of a parent's view of their child's assignments.
type apiChildAssignment struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	ClassName  string     `json:"class_name"`
	Status     string     `json:"status"`
	Section    string     `json:"section"`
	HandedInAt *time.Time `json:"handed_in_at"`
	Feedback   string     `json:"feedback"`
	Points     *float64   `json:"points"`
	MaxPoints  *float64   `json:"max_points"`
}

type apiChildAssignments struct {
	Child struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
	} `json:"child"`
	Items []apiChildAssignment `json:"items"`
}

func childAssignmentsPath(pupilID string) string {
	return "/api/v1/children/" + pupilID + "/assignments"
}

// childAssignments reads a child's assignments as the user, who must be their parent.
func (u *user) childAssignments(pupilID string) (apiChildAssignments, string) {
	u.t.Helper()
	r := u.get(childAssignmentsPath(pupilID))
	wantStatus(u.t, r, http.StatusOK, u.id+" reads "+pupilID+"'s assignments")
	var out apiChildAssignments
	r.json(u.t, &out)
	return out, string(r.body)
}

// publish creates and publishes an assignment in the class with a template, and
// returns its id.
func (u *user) publish(class, title string, body map[string]any) string {
	u.t.Helper()
	template := u.mustUpload(u.space("group", class), title+".odt", []byte("modèle de "+title))
	body["space_id"] = u.spaceID("group", class)
	a := u.assignment(http.MethodPost, "", body, http.StatusCreated)
	u.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	u.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	return a.ID
}

// TestParentFollowsChildAssignments: Léa's parent sees her published assignments
// and where her work stands — handed in, returned with points and feedback, to do,
// late — and nothing of her files; never a draft, another pupil's assignment, or
// another class's.
func TestParentFollowsChildAssignments(t *testing.T) {
	in := start(t)
	prof, lea, parent := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("parent.6a.01")

	var me struct {
		Children []struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		} `json:"children"`
	}
	parent.get("/api/v1/me").json(t, &me)
	if len(me.Children) != 1 || me.Children[0].ID != lea.id || me.Children[0].DisplayName != "Léa Dupont" {
		t.Fatalf("the parent's /me children = %+v", me.Children)
	}

	returned := prof.publish("6A", "Rédaction", fields("Rédaction : mon héros", time.Hour, 2*time.Hour, true))
	toDo := prof.publish("6A", "Exercices", fields("Exercices page 12", 2*time.Hour, 3*time.Hour, false))
	late := prof.publish("6A", "Exposé", fields("Exposé sur la Loire", -time.Hour, time.Hour, true))
	adapted := fields("Fiche adaptée", time.Hour, 2*time.Hour, false)
	adapted["whole_class"], adapted["pupil_ids"] = false, []string{"eleve.6a.02"}
	prof.publish("6A", "Fiche", adapted)
	prof.publish("5B", "Carte", fields("Carte de l'Europe", time.Hour, 2*time.Hour, false))
	draft := fields("Brouillon", time.Hour, 2*time.Hour, false)
	draft["space_id"] = prof.spaceID("group", "6A")
	prof.assignment(http.MethodPost, "", draft, http.StatusCreated)

	// Léa works on the Rédaction, hands it in; her teacher returns it marked.
	work := lea.assignment(http.MethodGet, "/"+returned, nil, http.StatusOK).Mine
	wantStatus(t, lea.overwrite(work.Copies[0].ItemID, "mon héros"), http.StatusOK, "Léa writes")
	handedIn := lea.assignment(http.MethodPost, "/"+returned+"/hand-in", nil, http.StatusOK).Mine
	r := prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+returned+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Très beau portrait.", "points": 15}, nil)
	wantStatus(t, r, http.StatusOK, "the teacher returns Léa's work")

	got, body := parent.childAssignments(lea.id)
	if got.Child.ID != lea.id || got.Child.DisplayName != "Léa Dupont" {
		t.Errorf("child = %+v", got.Child)
	}
	byID := map[string]apiChildAssignment{}
	for _, a := range got.Items {
		byID[a.ID] = a
	}
	if len(got.Items) != 3 || byID[returned].ID == "" || byID[toDo].ID == "" || byID[late].ID == "" {
		t.Fatalf("the parent sees %s, want the Rédaction, the Exercices and the Exposé only", body)
	}
	if a := byID[returned]; a.Status != "returned" || a.Section != "done" || a.HandedInAt == nil || a.Feedback != "Très beau portrait." ||
		a.Points == nil || *a.Points != 15 || a.MaxPoints == nil || *a.MaxPoints != 20 || a.ClassName != "6A" {
		t.Errorf("the returned Rédaction = %+v", a)
	}
	if a := byID[toDo]; a.Status != "not_opened" || a.Section != "to_do" || a.HandedInAt != nil {
		t.Errorf("the Exercices = %+v", a)
	}
	if a := byID[late]; a.Status != "missing" || a.Section != "late" {
		t.Errorf("the Exposé = %+v", a)
	}
	// No file: neither ids (folder, copies, templates, pinned versions) nor names.
	secrets := []string{work.FolderID, work.Copies[0].ItemID, work.Copies[0].Name, "Rédaction.odt", "item_id", "folder_id", "copies"}
	for _, f := range handedIn.HandedInFiles {
		secrets = append(secrets, f.ItemID, f.VersionID)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("the parent's view holds %q: %s", s, body)
		}
	}
	// The rest of the API stays shut: the assignment, the work, the copy.
	wantProblem(t, parent.get("/api/v1/assignments/"+returned), http.StatusNotFound, "not_found", "the parent reads the assignment")
	wantProblem(t, parent.get(itemPath(work.Copies[0].ItemID)), http.StatusNotFound, "not_found", "the parent reads Léa's copy")
	wantProblem(t, parent.get(itemPath(work.FolderID, "/children")), http.StatusNotFound, "not_found", "the parent lists Léa's folder")
	var list struct {
		Items []apiAssignment `json:"items"`
	}
	parent.get("/api/v1/assignments").json(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("the parent's own list holds %d assignments", len(list.Items))
	}
}

// TestChildAssignmentsAreTheParentsOnly: another child's id, the pupil herself, her
// teacher and an unknown id all get not_found; so does the parent once the ENT's
// re-import no longer links them to the child.
func TestChildAssignmentsAreTheParentsOnly(t *testing.T) {
	in := start(t)
	prof, lea, svc := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("service.provisioning")
	parent, otherParent := in.as("parent.6a.01"), in.as("parent.6a.02")
	prof.publish("6A", "Rédaction", fields("Rédaction : mon héros", time.Hour, 2*time.Hour, true))

	probes := []struct {
		who   *user
		pupil string
	}{
		{parent, "eleve.6a.02"},          // a classmate of her child
		{parent, "eleve.5b.01"},          // a pupil of another class
		{parent, "parent.6a.01"},         // herself
		{parent, "nobody"},               // no one
		{otherParent, lea.id},            // another parent of the class
		{lea, lea.id},                    // the pupil
		{prof, lea.id},                   // her teacher
		{in.as("admin.college"), lea.id}, // the college's local admin
	}
	for _, p := range probes {
		wantProblem(t, p.who.get(childAssignmentsPath(p.pupil)), http.StatusNotFound, "not_found", p.who.id+" reads "+p.pupil+"'s assignments")
	}
	if got, _ := parent.childAssignments(lea.id); len(got.Items) != 1 {
		t.Fatalf("before the re-import, the parent sees %d assignments", len(got.Items))
	}

	// The import refuses a child who is not a pupil, and a pupil with children.
	entry := map[string]any{"id": "parent.6a.01", "display_name": "Isabelle Dupont", "profile": "Relative",
		"structures": []map[string]any{{"structure_id": "0600001A"}}, "children": []string{"prof.martin"}}
	refused := svc.sendJSON(http.MethodPost, "/api/v1/admin/import", map[string]any{"users": []any{entry}}, nil)
	wantProblem(t, refused, http.StatusBadRequest, "invalid_request", "a teacher as a child")
	pupil := map[string]any{"id": lea.id, "display_name": "Léa Dupont", "profile": "Student", "children": []string{"eleve.6a.02"}}
	refused = svc.sendJSON(http.MethodPost, "/api/v1/admin/import", map[string]any{"users": []any{pupil}}, nil)
	wantProblem(t, refused, http.StatusBadRequest, "invalid_request", "a pupil with children")

	// The ENT's feed no longer lists Léa as her child: the link goes, and with it the view.
	delete(entry, "children")
	r := svc.sendJSON(http.MethodPost, "/api/v1/admin/import", map[string]any{"users": []any{entry}}, nil)
	wantStatus(t, r, http.StatusOK, "re-import without children")
	wantProblem(t, parent.get(childAssignmentsPath(lea.id)), http.StatusNotFound, "not_found", "the parent after the re-import")
	var me struct {
		Children []any `json:"children"`
	}
	parent.get("/api/v1/me").json(t, &me)
	if me.Children == nil || len(me.Children) != 0 {
		t.Errorf("after the re-import, /me children = %v, want []", me.Children)
	}
	// Linked again by the admin API's user route, then the child deleted.
	entry["children"] = []string{lea.id}
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/parent.6a.01", entry, nil), http.StatusOK, "link again")
	parent.childAssignments(lea.id)
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+lea.id, nil, nil), http.StatusNoContent, "delete the pupil")
	wantProblem(t, parent.get(childAssignmentsPath(lea.id)), http.StatusNotFound, "not_found", "the parent of a deleted pupil")
}
