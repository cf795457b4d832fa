package main

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

func (u *user) shareWith(itemID string, grantee map[string]any, role string, expires *time.Time) response {
	u.t.Helper()
	body := map[string]any{"grantee": grantee, "role": role}
	if expires != nil {
		body["expires_at"] = expires.UTC().Format(time.RFC3339)
	}
	return u.sendJSON(http.MethodPost, itemPath(itemID, "/permissions"), body, nil)
}

func (u *user) shared() []apiItem {
	u.t.Helper()
	var out struct {
		Items []apiItem `json:"items"`
	}
	r := u.get("/api/v1/shared")
	wantStatus(u.t, r, http.StatusOK, "shared with me")
	r.json(u.t, &out)
	return out.Items
}

// TestShareFolderWithAClass is the teacher's everyday share: a folder, read-only, to
// the pupils of 6A.
func TestShareFolderWithAClass(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()
	parentFolder := prof.mkdir(home, "Cours")
	folder := prof.mkdir(parentFolder.ID, "Sciences 6A")
	deep := prof.mkdir(prof.mkdir(folder.ID, "Chapitre 1").ID, "Exercices")
	file := prof.mustUpload(deep.ID, "fiche.txt", []byte("fiche d'exercices"))

	r := prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "viewer", nil)
	wantStatus(t, r, http.StatusCreated, "share with 6A students")
	var perm struct{ ID string }
	r.json(t, &perm)

	pupil := in.as("eleve.6a.03")
	shared := pupil.shared()
	if len(shared) != 1 || shared[0].ID != folder.ID {
		t.Fatalf("6A pupil's shared items = %+v, want only the folder", shared)
	}
	if got := pupil.get(itemPath(file.ID, "/content")); !bytes.Equal(got.body, []byte("fiche d'exercices")) {
		t.Fatalf("6A pupil cannot read the file three levels down: %d %s", got.StatusCode, got.body)
	}
	// Viewer: no writing.
	wantStatus(t, pupil.upload(folder.ID, "x.txt", []byte("x"), ""), http.StatusForbidden, "viewer uploads")
	// Not the parent folder, not 5B, not 6A's parents.
	wantStatus(t, pupil.get(itemPath(parentFolder.ID)), http.StatusNotFound, "pupil reads the unshared parent")
	for _, other := range []string{"eleve.5b.03", "parent.6a.03"} {
		u := in.as(other)
		wantStatus(t, u.get(itemPath(file.ID, "/content")), http.StatusNotFound, other+" reads the shared file")
		if n := len(u.shared()); n != 0 {
			t.Errorf("%s sees %d shared items", other, n)
		}
	}
	// A file added later is visible at once.
	later := prof.mustUpload(folder.ID, "nouveau.txt", []byte("nouveau"))
	wantStatus(t, pupil.get(itemPath(later.ID, "/content")), http.StatusOK, "pupil reads a file added later")
	// A pupil cannot share the teacher's item, nor share with 5B.
	wantStatus(t, pupil.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-5B"}, "viewer", nil), http.StatusForbidden, "pupil shares a teacher's folder")
	own := pupil.mkdir(pupil.home(), "Mon exposé")
	wantStatus(t, pupil.shareWith(own.ID, map[string]any{"kind": "group", "id": "0600001A-5B"}, "viewer", nil), http.StatusForbidden, "pupil shares with 5B")
	wantStatus(t, pupil.shareWith(own.ID, map[string]any{"kind": "group", "id": "0600001A-6A"}, "viewer", nil), http.StatusCreated, "pupil shares with own class")
	// The teacher's "shared by me" view of the space.
	var byMe struct {
		Items []struct {
			Item        apiItem          `json:"item"`
			Permissions []map[string]any `json:"permissions"`
		} `json:"items"`
	}
	prof.get("/api/v1/spaces/"+folder.SpaceID+"/shared").json(t, &byMe)
	if len(byMe.Items) != 1 || byMe.Items[0].Item.ID != folder.ID || len(byMe.Items[0].Permissions) != 1 {
		t.Errorf("shared by me = %+v", byMe)
	}
	wantStatus(t, pupil.get("/api/v1/spaces/"+folder.SpaceID+"/shared"), http.StatusNotFound, "pupil reads the teacher's shared-by-me")
	// Moving the folder out of the shared one removes access at once.
	r = prof.sendJSON(http.MethodPatch, itemPath(deep.ID), map[string]any{"parent_id": home}, nil)
	wantStatus(t, r, http.StatusOK, "move out of the shared folder")
	wantStatus(t, pupil.get(itemPath(file.ID, "/content")), http.StatusNotFound, "pupil reads a file moved out")
	// Unsharing ends access at once.
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID, "/permissions/", perm.ID), nil, nil), http.StatusNoContent, "unshare")
	wantStatus(t, pupil.get(itemPath(later.ID)), http.StatusNotFound, "pupil after unshare")
	// The portal reads what happened from the feed.
	svc := in.as("service.provisioning")
	var feed struct {
		Items []struct {
			Kind      string `json:"kind"`
			Actor     string `json:"actor"`
			Recipient struct{ ID, Profile string }
		} `json:"items"`
	}
	svc.get("/api/v1/events").json(t, &feed)
	kinds := ""
	for _, e := range feed.Items {
		kinds += e.Kind + " "
	}
	if kinds != "share share unshare " || feed.Items[0].Actor != "prof.martin" || feed.Items[0].Recipient.Profile != "Student" {
		t.Errorf("events = %+v", feed.Items)
	}
	wantStatus(t, pupil.get("/api/v1/events"), http.StatusForbidden, "pupil reads the feed")
}

// TestExpiredGrantStopsAtOnce: a grant past its expiry gives nothing.
func TestExpiredGrantStopsAtOnce(t *testing.T) {
	in := start(t)
	prof, pupil := in.as("prof.bernard"), in.as("eleve.5b.07")
	doc := prof.mustUpload(prof.home(), "sujet.txt", []byte("sujet"))
	soon := time.Now().Add(2 * time.Second)
	wantStatus(t, prof.shareWith(doc.ID, map[string]any{"kind": "user", "id": "eleve.5b.07"}, "viewer", &soon), http.StatusCreated, "share until soon")
	wantStatus(t, pupil.get(itemPath(doc.ID)), http.StatusOK, "before expiry")
	time.Sleep(time.Until(soon) + 100*time.Millisecond)
	wantStatus(t, pupil.get(itemPath(doc.ID)), http.StatusNotFound, "after expiry")
	if n := len(pupil.shared()); n != 0 {
		t.Errorf("an expired share is still listed (%d)", n)
	}
	past := time.Now().Add(-time.Hour)
	wantProblem(t, prof.shareWith(doc.ID, map[string]any{"kind": "user", "id": "eleve.5b.08"}, "viewer", &past), http.StatusBadRequest, "invalid_request", "expiry in the past")
	wantProblem(t, prof.shareWith(doc.ID, map[string]any{"kind": "structure", "id": "0600001A"}, "viewer", nil), http.StatusBadRequest, "invalid_request", "structure without profile")
	wantStatus(t, prof.shareWith(doc.ID, map[string]any{"kind": "structure", "id": "0600001A", "profile": "Teacher"}, "contributor", nil), http.StatusCreated, "teachers of the collège")
	colleague := in.as("prof.martin")
	if items := colleague.shared(); len(items) != 1 || items[0].ID != doc.ID {
		t.Errorf("a colleague's shared items = %+v", items)
	}
	// Managers see the grants; others get 404 or 403.
	var perms struct {
		Items []map[string]any `json:"items"`
	}
	prof.get(itemPath(doc.ID, "/permissions")).json(t, &perms)
	if len(perms.Items) != 2 {
		t.Errorf("permissions = %+v", perms)
	}
	wantStatus(t, pupil.get(itemPath(doc.ID, "/permissions")), http.StatusNotFound, "pupil lists permissions")
	wantStatus(t, colleague.get(itemPath(doc.ID, "/permissions")), http.StatusForbidden, "contributor lists permissions")
}

// TestNobodyMovesAFileOutOfItsOwnersReach: a contributor of a shared folder cannot
// move what others put there into their own space (the owner would lose it, and
// revoking the share would no longer reach it); what they created themselves they
// may move, and anyone may copy.
func TestNobodyMovesAFileOutOfItsOwnersReach(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Travaux 6A")
	course := prof.mustUpload(folder.ID, "cours.txt", []byte("le cours"))
	sub := prof.mkdir(folder.ID, "Groupe 1")
	wantStatus(t, prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "contributor", nil), http.StatusCreated, "share as contributor")

	pupil := in.as("eleve.6a.07")
	home := pupil.home()
	move := func(id, to string) response {
		return pupil.sendJSON(http.MethodPatch, itemPath(id), map[string]any{"parent_id": to}, nil)
	}
	wantStatus(t, move(course.ID, home), http.StatusForbidden, "pupil moves the teacher's file into their space")
	wantStatus(t, move(sub.ID, home), http.StatusForbidden, "pupil moves the teacher's folder into their space")
	mine := pupil.mkdir(folder.ID, "Mon dossier")
	pupil.mustUpload(mine.ID, "a.txt", []byte("a"))
	prof.mustUpload(mine.ID, "note du prof.txt", []byte("b"))
	wantStatus(t, move(mine.ID, home), http.StatusForbidden, "pupil moves their folder holding the teacher's file")
	own := pupil.mustUpload(folder.ID, "brouillon.txt", []byte("brouillon"))
	wantStatus(t, move(own.ID, home), http.StatusOK, "pupil moves back their own file")
	wantStatus(t, move(course.ID, sub.ID), http.StatusOK, "pupil moves the teacher's file within the shared folder")
	wantStatus(t, pupil.sendJSON(http.MethodPost, itemPath(course.ID, "/copy"), map[string]any{"parent_id": home}, nil), http.StatusCreated, "pupil copies it")
	wantStatus(t, prof.get(itemPath(course.ID)), http.StatusOK, "the teacher still has the file")
}

// TestPermissionsSayWhatIsInherited: the list of an item's grants holds those given
// on the folders above it too, each saying which folder (where it is changed: not
// through the item); and /me says who may make links, for clients to offer them.
func TestPermissionsSayWhatIsInherited(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	outing := prof.mkdir(prof.home(), "Sortie au musée")
	photos := prof.mkdir(outing.ID, "Photos")
	wantStatus(t, prof.shareWith(outing.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Relative"}, "viewer", nil), http.StatusCreated, "share the outing")
	wantStatus(t, prof.shareWith(photos.ID, map[string]any{"kind": "user", "id": "prof.bernard"}, "contributor", nil), http.StatusCreated, "share the photos")
	type inherited struct{ ID, Name string }
	var perms struct {
		Items []struct {
			ID            string
			Label         string
			InheritedFrom *inherited `json:"inherited_from"`
		}
	}
	prof.get(itemPath(photos.ID, "/permissions")).json(t, &perms)
	if len(perms.Items) != 2 {
		t.Fatalf("the photos' permissions = %+v, want the outing's and their own", perms.Items)
	}
	parents, own := perms.Items[0], perms.Items[1]
	if parents.Label != "6A — parents" || parents.InheritedFrom == nil || *parents.InheritedFrom != (inherited{outing.ID, "Sortie au musée"}) {
		t.Errorf("the inherited grant = %+v", parents)
	}
	if own.Label != "Hugo Bernard" || own.InheritedFrom != nil {
		t.Errorf("the photos' own grant = %+v", own)
	}
	wantStatus(t, prof.do(http.MethodDelete, itemPath(photos.ID, "/permissions/", parents.ID), nil, nil), http.StatusNotFound, "remove an inherited grant below")
	perms.Items = nil // json decodes into the old elements otherwise
	prof.get(itemPath(outing.ID, "/permissions")).json(t, &perms)
	if len(perms.Items) != 1 || perms.Items[0].InheritedFrom != nil {
		t.Errorf("the outing's permissions = %+v", perms.Items)
	}

	var me struct {
		CanCreateLinks bool `json:"can_create_links"`
	}
	prof.get("/api/v1/me").json(t, &me)
	if !me.CanCreateLinks {
		t.Error("a teacher may not create links, says /me")
	}
	in.as("eleve.6a.01").get("/api/v1/me").json(t, &me)
	if me.CanCreateLinks {
		t.Error("a pupil may create links, says /me (the API refuses them: 403)")
	}
}
