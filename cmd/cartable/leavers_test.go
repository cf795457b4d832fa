package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cartable/previewtest"
)

// The leavers' lifecycle (package leaver): deprovisioned, a user is locked out at
// once and kept for a grace period (an hour in these tests), then purged by the
// job, which the tests run directly with a clock past the grace period.

const leaverGrace = time.Hour

func startLeavers(t *testing.T, jobs bool) *instance {
	return startWith(t, func(cfg *Config) {
		cfg.Jobs = jobs
		cfg.LeaverRetention = leaverGrace
	})
}

// purgeDue runs the purge job's work as of after the grace period; it returns how
// many leavers it purged.
func (in *instance) purgeDue(t *testing.T) int {
	t.Helper()
	n, err := in.app.leavers.PurgeDue(t.Context(), time.Now().Add(leaverGrace+time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type apiLeaver struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	LeftAt      time.Time `json:"left_at"`
	PurgeAfter  time.Time `json:"purge_after"`
	SharedItems int       `json:"shared_items"`
}

func (u *user) leavers(structureID string) map[string]apiLeaver {
	u.t.Helper()
	r := u.get("/api/v1/admin/structures/" + structureID + "/leavers")
	wantStatus(u.t, r, http.StatusOK, "leavers")
	var body struct {
		Leavers []apiLeaver `json:"leavers"`
	}
	r.json(u.t, &body)
	out := map[string]apiLeaver{}
	for _, l := range body.Leavers {
		out[l.ID] = l
	}
	return out
}

// TestPupilLeavesTheENT: Hugo's account stops at once; provisioned again within the
// grace period he finds everything; after it, his personal space, its bytes and
// thumbnails are gone and the pool is given them back, while what the class relied
// on stays, without his name: his exposé in the class space, the work his teacher
// received. His draft for an assignment he never handed in goes.
func TestPupilLeavesTheENT(t *testing.T) {
	in := startLeavers(t, true)
	svc, admin, prof, hugo := in.as("service.provisioning"), in.as("admin.college"), in.as("prof.martin"), in.as("eleve.6a.02")
	own := hugo.mustUpload(hugo.home(), "dessin.jpg", previewtest.Photo(640, 480, 0, 21))
	exposé := hugo.mustUpload(hugo.space("group", "6A"), "Exposé de Hugo Fontaine.txt", []byte("les volcans"))
	handedIn, draft := leaverAssignments(t, prof, hugo)
	waitForPreviews(t, hugo, hugo.home())
	ownKeys := append(previewKeys(t, in, own.ID), in.blobKey(t, own.ID))
	var profile map[string]any
	svc.get("/api/v1/admin/users/"+hugo.id).json(t, &profile)
	login, password := hugo.appPassword("Fichiers")

	// Leaving: locked out at once, listed for the admin with his purge date.
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+hugo.id, nil, nil), http.StatusNoContent, "deprovision Hugo")
	wantProblem(t, hugo.get("/api/v1/spaces"), http.StatusUnauthorized, "unauthorized", "the leaver's token")
	if got := in.davStatus(t, login, password); got != http.StatusUnauthorized {
		t.Errorf("WebDAV with the leaver's app password: %d, want 401", got)
	}
	l, ok := admin.leavers("0600001A")[hugo.id]
	if !ok || l.PurgeAfter.Sub(l.LeftAt) != leaverGrace {
		t.Fatalf("the admin's list shows Hugo as %+v (listed: %v)", l, ok)
	}
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+hugo.id, nil, nil), http.StatusNoContent, "deprovision again")
	if again := admin.leavers("0600001A")[hugo.id]; !again.LeftAt.Equal(l.LeftAt) {
		t.Errorf("leaving twice moved the date from %s to %s", l.LeftAt, again.LeftAt)
	}
	wantProblem(t, in.as("eleve.6a.01").get("/api/v1/admin/structures/0600001A/leavers"), http.StatusNotFound, "not_found", "a pupil asks for the leavers")

	// Back within the grace period: intact.
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/"+hugo.id, profile, nil), http.StatusOK, "provision Hugo again")
	wantStatus(t, hugo.get(itemPath(own.ID, "/content")), http.StatusOK, "Hugo's drawing, back")
	if got := in.davStatus(t, login, password); got != http.StatusMultiStatus {
		t.Errorf("WebDAV with his app password, back: %d, want 207", got)
	}
	if _, listed := admin.leavers("0600001A")[hugo.id]; listed {
		t.Error("Hugo is back but still listed as a leaver")
	}
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+hugo.id, nil, nil), http.StatusNoContent, "Hugo leaves for good")
	if n, err := in.app.leavers.PurgeDue(t.Context(), time.Now()); err != nil || n != 0 {
		t.Fatalf("purge within the grace period: %d purged, %v", n, err)
	}
	if n := in.count(t, `SELECT count(*) FROM spaces WHERE owner_id = 'eleve.6a.02'`); n != 1 {
		t.Fatalf("%d personal spaces during the grace period, want 1", n)
	}

	if n := in.purgeDue(t); n != 1 {
		t.Fatalf("the purge purged %d leavers, want Hugo", n)
	}
	if _, err := in.app.workspace.CollectBlobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, key := range ownKeys {
		if ok, err := in.app.store.Exists(t.Context(), key); err != nil || ok {
			t.Errorf("object %s outlived its owner (err %v)", key, err)
		}
	}
	for what, sql := range map[string]string{
		"users":                  `SELECT count(*) FROM users WHERE id = 'eleve.6a.02'`,
		"personal spaces":        `SELECT count(*) FROM spaces WHERE owner_id = 'eleve.6a.02'`,
		"his name in item names": `SELECT count(*) FROM items WHERE name ILIKE '%hugo%' OR name ILIKE '%fontaine%'`,
		"his name in hand-ins":   `SELECT count(*) FROM handin_files WHERE name ILIKE '%fontaine%'`,
		"his name on work":       `SELECT count(*) FROM assignment_work WHERE pupil_name ILIKE '%fontaine%' OR pupil_id = 'eleve.6a.02'`,
		"his id as an author":    `SELECT count(*) FROM items WHERE 'eleve.6a.02' IN (created_by, modified_by, private_to)`,
		"his id on versions":     `SELECT count(*) FROM versions WHERE created_by = 'eleve.6a.02'`,
		"his id in events":       `SELECT count(*) FROM events WHERE 'eleve.6a.02' IN (actor, recipient_id)`,
	} {
		if n := in.count(t, sql); n != 0 {
			t.Errorf("%d %s left after the purge", n, what)
		}
	}
	if n := in.count(t, `SELECT count(*) FROM audit_log WHERE actor = 'eleve.6a.02'`); n == 0 {
		t.Error("the audit log lost Hugo's entries: it keeps them until its own retention")
	}

	// The class keeps his exposé, anonymised.
	r := prof.get(itemPath(exposé.ID))
	wantStatus(t, r, http.StatusOK, "the exposé after the purge")
	var kept struct {
		Name      string `json:"name"`
		CreatedBy string `json:"created_by"`
	}
	r.json(t, &kept)
	if !strings.HasPrefix(kept.Name, "Exposé de Ancien élève ") || kept.CreatedBy != "former:pupil" {
		t.Errorf("the exposé is now %q by %q", kept.Name, kept.CreatedBy)
	}
	if got := prof.get(itemPath(exposé.ID, "/content")); string(got.body) != "les volcans" {
		t.Errorf("the exposé holds %q", got.body)
	}
	var versions struct {
		Versions []struct {
			CreatedBy     string `json:"created_by"`
			CreatedByName string `json:"created_by_name"`
		} `json:"items"`
	}
	prof.get(itemPath(exposé.ID, "/versions")).json(t, &versions)
	if len(versions.Versions) != 1 || versions.Versions[0].CreatedByName != "Ancien·ne élève" {
		t.Errorf("the exposé's versions say %+v", versions.Versions)
	}

	// The teacher keeps what he handed in, under a pseudonym; his draft is gone.
	var former apiWork
	for id, w := range prof.dashboard(handedIn) {
		if strings.HasPrefix(id, "former:") {
			former = w
		}
	}
	if former.Status != "handed_in" || !strings.HasPrefix(former.PupilName, "Ancien élève ") || len(former.HandedInFiles) != 1 {
		t.Fatalf("the dashboard shows the former pupil as %+v", former)
	}
	f := former.HandedInFiles[0]
	if got := prof.get(itemPath(f.ItemID, "/versions/"+f.VersionID+"/content")); string(got.body) != "la fiche de Hugo" {
		t.Errorf("the hand-in holds %q (%d)", got.body, got.StatusCode)
	}
	for id := range prof.dashboard(draft) {
		if strings.HasPrefix(id, "former:") || id == hugo.id {
			t.Errorf("the draft assignment still lists %s", id)
		}
	}
	checkBooks(t, in, svc)
}

// leaverAssignments hands two assignments to 6A: Hugo hands the first in and never
// touches the second.
func leaverAssignments(t *testing.T, prof, hugo *user) (handedIn, draft string) {
	t.Helper()
	class := prof.space("group", "6A")
	template := prof.mustUpload(class, "Fiche.odt", []byte("fiche à remplir"))
	ids := make([]string, 2)
	for i, title := range []string{"Fiche", "Rédaction"} {
		body := fields(title, time.Hour, 2*time.Hour, false)
		body["space_id"] = prof.spaceID("group", "6A")
		a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
		prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
		prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
		ids[i] = a.ID
	}
	mine := hugo.assignment(http.MethodGet, "/"+ids[0], nil, http.StatusOK).Mine
	wantStatus(t, hugo.overwrite(mine.Copies[0].ItemID, "la fiche de Hugo"), http.StatusOK, "Hugo writes")
	hugo.assignment(http.MethodPost, "/"+ids[0]+"/hand-in", nil, http.StatusOK)
	draftCopy := hugo.assignment(http.MethodGet, "/"+ids[1], nil, http.StatusOK).Mine.Copies[0]
	wantStatus(t, hugo.overwrite(draftCopy.ItemID, "un brouillon"), http.StatusOK, "Hugo starts the other")
	return ids[0], ids[1]
}

// teacherMaterials: prof.bernard's folder shared with 6A, a file shared with his
// colleague only, a link, an assignment of his, and a private file.
type teacherMaterials struct {
	shared, forColleague, private, template apiItem
	linkToken, assignment                   string
}

func bernardsMaterials(t *testing.T, bernard *user) teacherMaterials {
	t.Helper()
	var m teacherMaterials
	m.shared = bernard.mkdir(bernard.home(), "Cours de maths")
	bernard.mustUpload(m.shared.ID, "Chapitre 1.txt", []byte("les fractions"))
	wantStatus(t, bernard.shareWith(m.shared.ID, map[string]any{"kind": "group", "id": "0600001A-6A"}, "viewer", nil), http.StatusCreated, "share with 6A")
	m.forColleague = bernard.mustUpload(bernard.home(), "Progression.txt", []byte("la progression"))
	wantStatus(t, bernard.shareWith(m.forColleague.ID, map[string]any{"kind": "user", "id": "prof.martin"}, "viewer", nil), http.StatusCreated, "share with a colleague")
	m.private = bernard.mustUpload(bernard.home(), "Notes perso.txt", []byte("à moi"))
	r := bernard.sendJSON(http.MethodPost, itemPath(m.shared.ID, "/links"),
		map[string]any{"kind": "view", "expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, nil)
	wantStatus(t, r, http.StatusCreated, "a link to the course")
	var l struct{ Token string }
	r.json(t, &l)
	m.linkToken = l.Token
	body := fields("Exercices", time.Hour, 2*time.Hour, false)
	body["space_id"] = bernard.spaceID("group", "6A")
	m.assignment = bernard.assignment(http.MethodPost, "", body, http.StatusCreated).ID
	m.template = bernard.mustUpload(bernard.home(), "Modèle.txt", []byte("à compléter"))
	bernard.assignment(http.MethodPost, "/"+m.assignment+"/attachments", map[string]any{"item_id": m.template.ID, "kind": "template"}, http.StatusOK)
	return m
}

// TestTeacherLeavesWithATransfer: before the purge, the admin hands Hugo Bernard's
// shared materials to Claire Martin: they land in "Documents de Hugo Bernard" in
// her space, charged to her, still shared with 6A, his link working again (now
// hers), his assignment hers. The purge then deletes only what he kept to himself.
func TestTeacherLeavesWithATransfer(t *testing.T) {
	in := startLeavers(t, false)
	svc, admin, martin, bernard, pupil := in.as("service.provisioning"), in.as("admin.college"), in.as("prof.martin"), in.as("prof.bernard"), in.as("eleve.6a.01")
	m := bernardsMaterials(t, bernard)
	martinBefore := in.count(t, `SELECT coalesce(sum(a.used_bytes), 0) FROM quota_accounts a JOIN spaces s ON s.id = a.space_id WHERE s.owner_id = 'prof.martin'`)

	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/prof.bernard", nil, nil), http.StatusNoContent, "deprovision prof.bernard")
	wantStatus(t, in.visit("/api/v1/links/"+m.linkToken, "", nil, nil), http.StatusNotFound, "the leaver's link")
	wantStatus(t, pupil.get(itemPath(m.shared.ID, "/children")), http.StatusOK, "6A still reads the course during the grace period")
	if l := admin.leavers("0600001A")["prof.bernard"]; l.SharedItems != 2 {
		t.Errorf("the admin sees %d shared items, want 2", l.SharedItems)
	}
	wantProblem(t, admin.sendJSON(http.MethodPost, "/api/v1/admin/users/prof.bernard/transfer", map[string]any{"to": "eleve.6a.01"}, nil),
		http.StatusBadRequest, "invalid_request", "a transfer to a pupil")
	wantProblem(t, admin.sendJSON(http.MethodPost, "/api/v1/admin/users/prof.martin/transfer", map[string]any{"to": "prof.bernard"}, nil),
		http.StatusConflict, "conflict", "a transfer from someone still there")
	r := admin.sendJSON(http.MethodPost, "/api/v1/admin/users/prof.bernard/transfer", map[string]any{"to": "prof.martin"}, nil)
	wantStatus(t, r, http.StatusOK, "transfer to prof.martin")
	var tr struct {
		FolderID    string `json:"folder_id"`
		Items       int    `json:"items"`
		Assignments int    `json:"assignments"`
	}
	r.json(t, &tr)
	if tr.Items != 3 || tr.Assignments != 1 || tr.FolderID == "" { // the course, the progression, the template
		t.Fatalf("transfer = %+v", tr)
	}
	folder := martin.get(itemPath(tr.FolderID)).item(t)
	if folder.Name != "Documents de Hugo Bernard" {
		t.Errorf("the folder is %q", folder.Name)
	}
	wantStatus(t, in.visit("/api/v1/links/"+m.linkToken, "", nil, nil), http.StatusOK, "the link, now prof.martin's")

	if n := in.purgeDue(t); n != 1 {
		t.Fatalf("purged %d", n)
	}
	for _, id := range []string{m.shared.ID, m.forColleague.ID} {
		wantStatus(t, martin.get(itemPath(id)), http.StatusOK, "prof.martin keeps "+id)
	}
	wantStatus(t, pupil.get(itemPath(m.shared.ID, "/children")), http.StatusOK, "6A still reads the course")
	wantStatus(t, in.visit("/api/v1/links/"+m.linkToken, "", nil, nil), http.StatusOK, "the link after the purge")
	wantProblem(t, martin.get(itemPath(m.private.ID)), http.StatusNotFound, "not_found", "his private notes")
	if n := in.count(t, `SELECT count(*) FROM items WHERE id = '`+m.private.ID+`'`); n != 0 {
		t.Error("his private notes outlived him")
	}
	if by := in.count(t, `SELECT count(*) FROM assignments WHERE created_by = 'prof.martin' AND id = '`+m.assignment+`'`); by != 1 {
		t.Error("the assignment is not prof.martin's")
	}
	martinAfter := in.count(t, `SELECT coalesce(sum(a.used_bytes), 0) FROM quota_accounts a JOIN spaces s ON s.id = a.space_id WHERE s.owner_id = 'prof.martin'`)
	if want := martinBefore + int64(len("les fractions")+len("la progression")+len("à compléter")); martinAfter != want {
		t.Errorf("prof.martin uses %d bytes, want %d", martinAfter, want)
	}
	checkBooks(t, in, svc)
}

// TestTeacherPurgedWithoutTransfer: nobody took Hugo Bernard's materials over; at
// the purge, what he shared with 6A moves into 6A's space, in a folder named after
// him, still shared; his assignment goes to the other teacher of 6A; what he shared
// with one colleague only, and kept to himself, goes with his space.
func TestTeacherPurgedWithoutTransfer(t *testing.T) {
	in := startLeavers(t, false)
	svc, martin, bernard, pupil := in.as("service.provisioning"), in.as("prof.martin"), in.as("prof.bernard"), in.as("eleve.6a.01")
	m := bernardsMaterials(t, bernard)
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/prof.bernard", nil, nil), http.StatusNoContent, "deprovision prof.bernard")
	if n := in.purgeDue(t); n != 1 {
		t.Fatalf("purged %d", n)
	}
	r := pupil.get(itemPath(m.shared.ID))
	wantStatus(t, r, http.StatusOK, "6A reads the course after the purge")
	course := r.item(t)
	if course.ParentID == nil {
		t.Fatal("the course became a root")
	}
	parent := martin.get(itemPath(*course.ParentID)).item(t)
	if parent.Name != "Documents de Hugo Bernard" || parent.ParentID == nil || *parent.ParentID != martin.space("group", "6A") {
		t.Errorf("the course is in %q (parent %v)", parent.Name, parent.ParentID)
	}
	var children struct{ Items []apiItem }
	pupil.get(itemPath(m.shared.ID, "/children")).json(t, &children)
	if len(children.Items) != 1 {
		t.Errorf("the course holds %+v", children.Items)
	}
	wantStatus(t, in.visit("/api/v1/links/"+m.linkToken, "", nil, nil), http.StatusOK, "the course's link, now a 6A teacher's")
	wantProblem(t, martin.get(itemPath(m.forColleague.ID)), http.StatusNotFound, "not_found", "a file shared with one colleague only")
	if tmpl := martin.get(itemPath(m.template.ID)).item(t); tmpl.ParentID == nil || *tmpl.ParentID != parent.ID {
		t.Errorf("the assignment's template is not with the course: %+v", tmpl)
	}
	if n := in.count(t, `SELECT count(*) FROM assignments WHERE created_by = 'prof.martin' AND id = '`+m.assignment+`'`); n != 1 {
		t.Error("the assignment did not go to the other teacher of 6A")
	}
	checkBooks(t, in, svc)
}

// TestLeaverPurgesRacing: the job on two nodes and an admin's early purge, all at
// once on the same leaver, purge them once and leave the books right.
func TestLeaverPurgesRacing(t *testing.T) {
	in := startLeavers(t, false)
	svc, admin, hugo := in.as("service.provisioning"), in.as("admin.college"), in.as("eleve.6a.02")
	hugo.mustUpload(hugo.home(), "dessin.txt", []byte("un dessin"))
	hugo.mustUpload(hugo.space("group", "6A"), "Hugo en classe.txt", []byte("pour la classe"))
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+hugo.id, nil, nil), http.StatusNoContent, "deprovision Hugo")

	var wg sync.WaitGroup
	counts := make([]int, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			counts[i], errs[i] = in.app.leavers.PurgeDue(t.Context(), time.Now().Add(leaverGrace+time.Minute))
		})
	}
	early := admin.do(http.MethodPost, "/api/v1/admin/users/"+hugo.id+"/purge", nil, nil)
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("purge %d: %v", i, errs[i])
		}
	}
	// The admin's purge comes first (204), or after a job's (404: nobody to purge).
	if early.StatusCode != http.StatusNoContent && early.StatusCode != http.StatusNotFound {
		t.Fatalf("the admin's early purge answered %d %s", early.StatusCode, early.body)
	}
	if counts[0]+counts[1] > 1 {
		t.Errorf("two purges each purged Hugo: %v", counts)
	}
	if n := in.count(t, `SELECT count(*) FROM items WHERE created_by = 'former:pupil' AND kind = 'file'`); n != 1 {
		t.Errorf("%d anonymised class files, want 1", n)
	}
	wantProblem(t, admin.do(http.MethodPost, "/api/v1/admin/users/"+hugo.id+"/purge", nil, nil), http.StatusNotFound, "not_found", "purging the purged")
	checkBooks(t, in, svc)
}

// poolUsed is what the demo collège's pool counts as used.
func (in *instance) poolUsed(t *testing.T) int64 {
	t.Helper()
	return in.count(t, `SELECT coalesce(sum(used_bytes), 0) FROM quota_accounts WHERE id = 'structure:0600001A'`)
}

// TestDeletedSpacesGiveTheirBytesBack: a space deleted whole (a class the ENT
// deletes, a leaver's personal space at the purge) gives its bytes back to the
// structure's pool at once, not at the nightly recomputation.
func TestDeletedSpacesGiveTheirBytesBack(t *testing.T) {
	in := startLeavers(t, false)
	svc, prof, pupil := in.as("service.provisioning"), in.as("prof.martin"), in.as("eleve.6a.03")
	prof.mustUpload(prof.space("group", "5B"), "Photo de classe.txt", make([]byte, 1000))
	pupil.mustUpload(pupil.home(), "dessin.txt", make([]byte, 300))
	before := in.poolUsed(t)

	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/groups/0600001A-5B", nil, nil), http.StatusNoContent, "delete 5B")
	if after := in.poolUsed(t); after != before-1000 {
		t.Errorf("the pool uses %d bytes after 5B was deleted, want %d", after, before-1000)
	}
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/"+pupil.id, nil, nil), http.StatusNoContent, "the pupil leaves")
	if after := in.poolUsed(t); after != before-1000 {
		t.Errorf("the pool uses %d bytes during the grace period, want %d", after, before-1000)
	}
	if n := in.purgeDue(t); n != 1 {
		t.Fatalf("purged %d", n)
	}
	if after := in.poolUsed(t); after != before-1300 {
		t.Errorf("the pool uses %d bytes after the purge, want %d", after, before-1300)
	}
	checkBooks(t, in, svc)
}

// davStatus is the status of a PROPFIND of the WebDAV home with an app password.
func (in *instance) davStatus(t *testing.T, login, password string) int {
	t.Helper()
	req, err := http.NewRequest("PROPFIND", in.url+davHome, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(login, password)
	req.Header.Set("Depth", "0")
	res, err := in.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
