package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The school year (workspace/schoolyear.go): folder templates, the rollover, the
// archive of a class space, read-only for everyone, and its retention.

// apiSpace is a space as /api/v1/spaces gives it.
type apiSpace struct {
	ID            string     `json:"id"`
	Kind          string     `json:"kind"`
	Name          string     `json:"name"`
	RootID        string     `json:"root_id"`
	Role          string     `json:"role"`
	StructureID   string     `json:"structure_id"`
	ArchivedAt    *time.Time `json:"archived_at"`
	ArchivedLabel string     `json:"archived_label"`
	PurgeAfter    *time.Time `json:"purge_after"`
}

func (u *user) spaces() []apiSpace {
	u.t.Helper()
	r := u.get("/api/v1/spaces")
	wantStatus(u.t, r, http.StatusOK, "spaces of "+u.id)
	var out struct {
		Spaces []apiSpace `json:"spaces"`
	}
	r.json(u.t, &out)
	return out.Spaces
}

// groupSpace finds the caller's live or archived space of a group by name.
func (u *user) groupSpace(name string, archived bool) (apiSpace, bool) {
	u.t.Helper()
	for _, sp := range u.spaces() {
		if sp.Kind == "group" && sp.Name == name && (sp.ArchivedAt != nil) == archived {
			return sp, true
		}
	}
	return apiSpace{}, false
}

func (u *user) childNames(folderID string) []string {
	u.t.Helper()
	r := u.get("/api/v1/items/" + folderID + "/children?sort=name")
	wantStatus(u.t, r, http.StatusOK, "children of "+folderID)
	var page struct {
		Items []apiItem `json:"items"`
	}
	r.json(u.t, &page)
	names := []string{}
	for _, it := range page.Items {
		names = append(names, it.Name)
	}
	return names
}

func (u *user) childNamed(folderID, name string) apiItem {
	u.t.Helper()
	r := u.get("/api/v1/items/" + folderID + "/children?limit=1000")
	var page struct {
		Items []apiItem `json:"items"`
	}
	r.json(u.t, &page)
	for _, it := range page.Items {
		if it.Name == name {
			return it
		}
	}
	u.t.Fatalf("%s has no child %q", folderID, name)
	return apiItem{}
}

// otherSchool provisions a second collège with its local admin, a teacher and a
// class of its own.
func otherSchool(t *testing.T, in *instance) {
	t.Helper()
	svc := in.as("service.provisioning")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/structures/0600002B", map[string]any{"uai": "0600002B", "name": "Collège Voisin"}, nil), http.StatusOK, "other structure")
	for _, u := range []map[string]any{
		{"id": "admin.voisin", "profile": "Personnel", "local_admin": true},
		{"id": "prof.voisin", "profile": "Teacher", "local_admin": false},
	} {
		wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/"+u["id"].(string), map[string]any{
			"display_name": u["id"], "profile": u["profile"],
			"structures": []map[string]any{{"structure_id": "0600002B", "local_admin": u["local_admin"]}},
		}, nil), http.StatusOK, "user "+u["id"].(string))
	}
	putClass(t, svc, "0600002B-3C", "0600002B", "3C", map[string]string{"prof.voisin": "Teacher"})
}

func putClass(t *testing.T, svc *user, id, structureID, name string, members map[string]string) {
	t.Helper()
	var ms []map[string]any
	for u, p := range members {
		ms = append(ms, map[string]any{"user_id": u, "profile": p})
	}
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/"+id, map[string]any{
		"structure_id": structureID, "kind": "class", "name": name, "members": ms,
	}, nil), http.StatusOK, "class "+id)
}

const templatePath = "/api/v1/admin/structures/0600001A/folder-template"

// TestFolderTemplate: the collège's local admin edits the template, nobody else of
// the collège nor another school's admin may; a new class space starts with it.
func TestFolderTemplate(t *testing.T) {
	in := start(t)
	otherSchool(t, in)
	admin := in.as("admin.college")

	r := admin.get(templatePath)
	wantStatus(t, r, http.StatusOK, "template before")
	var tpl struct {
		Folders       []string `json:"folders"`
		RegionDefault bool     `json:"region_default"`
	}
	r.json(t, &tpl)
	if len(tpl.Folders) != 0 || !tpl.RegionDefault {
		t.Fatalf("template before = %+v, want the region's empty default", tpl)
	}
	want := []string{"Cours", "Devoirs", "Photos de classe", "Cours/Chapitre 1"}
	r = admin.sendJSON(http.MethodPut, templatePath, map[string]any{"folders": want}, nil)
	wantStatus(t, r, http.StatusOK, "admin sets the template")
	r = admin.get(templatePath)
	tpl.RegionDefault = false
	r.json(t, &tpl)
	if !slices.Equal(tpl.Folders, want) || tpl.RegionDefault {
		t.Fatalf("template = %+v, want %v", tpl, want)
	}

	for _, bad := range []struct {
		folders []string
		code    string
	}{
		{[]string{"Cours", "cours"}, "invalid_request"},
		{[]string{"A/B/C/D"}, "invalid_request"},
		{[]string{"Cours/" + strings.Repeat("é", 200)}, "invalid_name"},
		{[]string{".."}, "invalid_name"},
	} {
		r := admin.sendJSON(http.MethodPut, templatePath, map[string]any{"folders": bad.folders}, nil)
		wantProblem(t, r, http.StatusBadRequest, bad.code, "template "+strings.Join(bad.folders, ","))
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = "Dossier " + strings.Repeat("x", i+1)
	}
	wantProblem(t, admin.sendJSON(http.MethodPut, templatePath, map[string]any{"folders": many}, nil), http.StatusBadRequest, "invalid_request", "51 folders")

	// Nobody else: a teacher, a pupil, a parent, the other school's admin.
	for _, who := range []string{"prof.martin", "eleve.6a.01", "parent.6a.01", "admin.voisin"} {
		u := in.as(who)
		wantProblem(t, u.get(templatePath), http.StatusNotFound, "not_found", who+" reads the template")
		wantProblem(t, u.sendJSON(http.MethodPut, templatePath, map[string]any{"folders": []string{"Pirate"}}, nil), http.StatusNotFound, "not_found", who+" sets the template")
	}
	// The other school's admin edits their own; the region edits any.
	wantStatus(t, in.as("admin.voisin").sendJSON(http.MethodPut, "/api/v1/admin/structures/0600002B/folder-template", map[string]any{"folders": []string{"Voisin"}}, nil), http.StatusOK, "other admin, own school")
	wantStatus(t, in.as("service.provisioning").get(templatePath), http.StatusOK, "region reads")
	wantProblem(t, admin.get("/api/v1/admin/structures/9999999Z/folder-template"), http.StatusNotFound, "not_found", "unknown structure")

	// A new class, provisioned: its space starts with the template's folders.
	putClass(t, in.as("service.provisioning"), "0600001A-4C", "0600001A", "4C", map[string]string{"prof.martin": "Teacher", "eleve.6a.01": "Student"})
	prof := in.as("prof.martin")
	sp, ok := prof.groupSpace("4C", false)
	if !ok {
		t.Fatal("no 4C space for its teacher")
	}
	if got := prof.childNames(sp.RootID); !slices.Equal(got, []string{"Cours", "Devoirs", "Photos de classe"}) {
		t.Fatalf("4C holds %v", got)
	}
	cours := prof.childNamed(sp.RootID, "Cours")
	if got := prof.childNames(cours.ID); !slices.Equal(got, []string{"Chapitre 1"}) {
		t.Fatalf("4C/Cours holds %v", got)
	}
	// A pupil uses the folders but may not rename or trash them (nobody's work).
	lea := in.as("eleve.6a.01")
	lea.mustUpload(cours.ID, "notes.txt", []byte("notes"))
	wantProblem(t, lea.do(http.MethodDelete, "/api/v1/items/"+cours.ID, nil, nil), http.StatusForbidden, "not_author", "pupil trashes a template folder")
	// The other school's class, made before its template, has none; its new ones do.
	putClass(t, in.as("service.provisioning"), "0600002B-4D", "0600002B", "4D", map[string]string{"prof.voisin": "Teacher"})
	other, _ := in.as("prof.voisin").groupSpace("4D", false)
	if got := in.as("prof.voisin").childNames(other.RootID); !slices.Equal(got, []string{"Voisin"}) {
		t.Fatalf("4D holds %v", got)
	}
}

// TestRollover: the collège's rollover archives each of its class spaces, none of
// the other school's; every write is refused with space_archived, for the teacher
// too; reading and zips still work; next year's class starts from the template;
// unarchiving restores.
func TestRollover(t *testing.T) {
	in := start(t)
	otherSchool(t, in)
	admin, prof, lea := in.as("admin.college"), in.as("prof.martin"), in.as("eleve.6a.01")

	// Last year's class spaces, made before the collège had a template.
	sixA := prof.space("group", "6A")
	prof.space("group", "5B")
	wantStatus(t, admin.sendJSON(http.MethodPut, templatePath, map[string]any{"folders": []string{"Cours", "Devoirs"}}, nil), http.StatusOK, "template")
	materials := prof.mkdir(sixA, "Séquence 1")
	lesson := prof.mustUpload(materials.ID, "cours.txt", []byte("la leçon"))
	mine := lea.mustUpload(sixA, "exposé.txt", []byte("mon exposé"))
	home := prof.mustUpload(prof.home(), "à ranger.txt", []byte("perso"))
	voisin := in.as("prof.voisin")
	voisin.mustUpload(voisin.space("group", "3C"), "voisin.txt", []byte("x"))

	// Only the collège's admins roll it over.
	body := map[string]any{"year_label": "2025-2026"}
	rollover := "/api/v1/admin/structures/0600001A/rollover"
	for _, who := range []string{"prof.martin", "eleve.6a.01", "admin.voisin"} {
		wantProblem(t, in.as(who).sendJSON(http.MethodPost, rollover, body, nil), http.StatusNotFound, "not_found", who+" rolls over")
	}
	wantProblem(t, admin.sendJSON(http.MethodPost, rollover, map[string]any{"year_label": ""}, nil), http.StatusBadRequest, "invalid_request", "empty label")
	r := admin.sendJSON(http.MethodPost, rollover, body, nil)
	wantStatus(t, r, http.StatusOK, "rollover")
	var done struct {
		Archived    int       `json:"archived"`
		AlreadyDone bool      `json:"already_done"`
		PurgeAfter  time.Time `json:"purge_after"`
	}
	r.json(t, &done)
	if done.Archived != 2 || done.AlreadyDone || done.PurgeAfter.Before(time.Now().Add(364*24*time.Hour)) {
		t.Fatalf("rollover = %+v, want 2 archived, kept a year", done)
	}
	r = admin.sendJSON(http.MethodPost, rollover, body, nil)
	r.json(t, &done)
	if done.Archived != 2 || !done.AlreadyDone {
		t.Fatalf("second rollover = %+v, want already done", done)
	}
	if n := in.count(t, `SELECT count(*) FROM spaces WHERE archived_at IS NOT NULL`); n != 2 {
		t.Fatalf("%d archived spaces, want 2 (none of the other school)", n)
	}
	if _, ok := voisin.groupSpace("3C", true); ok {
		t.Fatal("the other school's class was archived")
	}

	archived, ok := prof.groupSpace("6A", true)
	if !ok || archived.ArchivedLabel != "2025-2026" || archived.PurgeAfter == nil || archived.Role != "viewer" || archived.RootID != sixA {
		t.Fatalf("archived 6A = %+v", archived)
	}
	if _, ok := lea.groupSpace("6A", true); !ok {
		t.Fatal("the pupil lost last year's class")
	}
	// Next year's 6A: a new space, from the template.
	next, ok := prof.groupSpace("6A", false)
	if !ok || next.RootID == sixA {
		t.Fatalf("no new 6A space: %+v", next)
	}
	if got := prof.childNames(next.RootID); !slices.Equal(got, []string{"Cours", "Devoirs"}) {
		t.Fatalf("next year's 6A holds %v", got)
	}

	// Every write is refused, with the code, for the teacher and the pupil.
	refusals := map[string]response{
		"upload":        prof.upload(sixA, "nouveau.txt", []byte("x"), ""),
		"pupil upload":  lea.upload(sixA, "nouveau.txt", []byte("x"), ""),
		"new version":   prof.do(http.MethodPut, "/api/v1/items/"+lesson.ID+"/content", strings.NewReader("v2"), nil),
		"pupil version": lea.do(http.MethodPut, "/api/v1/items/"+mine.ID+"/content", strings.NewReader("v2"), nil),
		"mkdir":         prof.sendJSON(http.MethodPost, "/api/v1/items/"+sixA+"/children", map[string]any{"name": "Neuf", "folder": map[string]any{}}, nil),
		"rename":        prof.sendJSON(http.MethodPatch, "/api/v1/items/"+lesson.ID, map[string]any{"name": "renommé.txt"}, nil),
		"pupil rename":  lea.sendJSON(http.MethodPatch, "/api/v1/items/"+mine.ID, map[string]any{"name": "renommé.txt"}, nil),
		"move out":      prof.sendJSON(http.MethodPatch, "/api/v1/items/"+lesson.ID, map[string]any{"parent_id": prof.home()}, nil),
		"move within":   prof.sendJSON(http.MethodPatch, "/api/v1/items/"+lesson.ID, map[string]any{"parent_id": sixA}, nil),
		"move in":       prof.sendJSON(http.MethodPatch, "/api/v1/items/"+home.ID, map[string]any{"parent_id": materials.ID}, nil),
		"copy in":       prof.sendJSON(http.MethodPost, "/api/v1/items/"+home.ID+"/copy", map[string]any{"parent_id": materials.ID}, nil),
		"mode":          prof.sendJSON(http.MethodPatch, "/api/v1/items/"+materials.ID, map[string]any{"mode": "collaborative"}, nil),
		"trash":         prof.do(http.MethodDelete, "/api/v1/items/"+lesson.ID, nil, nil),
		"pupil trash":   lea.do(http.MethodDelete, "/api/v1/items/"+mine.ID, nil, nil),
		"share":         prof.sendJSON(http.MethodPost, "/api/v1/items/"+lesson.ID+"/permissions", map[string]any{"grantee": map[string]any{"kind": "user", "id": "prof.bernard"}, "role": "viewer"}, nil),
		"link":          prof.sendJSON(http.MethodPost, "/api/v1/items/"+lesson.ID+"/links", map[string]any{"kind": "view"}, nil),
		"office new":    prof.sendJSON(http.MethodPost, "/api/v1/items/"+sixA+"/office/new", map[string]any{"name": "Texte.odt"}, nil),
		"admin upload":  admin.upload(sixA, "admin.txt", []byte("x"), ""),
	}
	for what, r := range refusals {
		if what == "admin upload" || what == "office new" {
			// The local admin is no member of the class: the space does not exist
			// for them. Office editing may be off (no discovery): then it is 404/503.
			if r.StatusCode == http.StatusOK || r.StatusCode == http.StatusCreated {
				t.Errorf("%s: %d %s", what, r.StatusCode, r.body)
			}
			continue
		}
		wantProblem(t, r, http.StatusForbidden, "space_archived", what)
		var p struct {
			Title string `json:"title"`
		}
		r.json(t, &p)
		if !strings.Contains(p.Title, "archivé") {
			t.Errorf("%s: title %q says nothing of the archive", what, p.Title)
		}
	}
	// Resumable upload into it: refused at creation.
	if _, r := prof.tus().create(3, metadata("filename", "tus.txt", "parent", sixA)); r.StatusCode != http.StatusForbidden || !strings.Contains(string(r.body), "space_archived") {
		t.Errorf("tus create into the archive: %d %s", r.StatusCode, r.body)
	}
	// WebDAV: the archive is its own folder "6A (2025-2026)", read-only.
	davArchive := "/dav/6A%20%282025-2026%29/"
	if r := prof.davDo("PROPFIND", davArchive, nil, map[string]string{"Depth": "1"}); r.StatusCode != http.StatusMultiStatus || !strings.Contains(string(r.body), "exposé") && !strings.Contains(string(r.body), "expos%C3%A9") {
		t.Errorf("PROPFIND the archive: %d %s", r.StatusCode, r.body)
	}
	if r := prof.davDo(http.MethodPut, davArchive+"dav.txt", []byte("x"), nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("WebDAV PUT into the archive: %d %s", r.StatusCode, r.body)
	}
	if r := prof.davDo("MKCOL", davArchive+"Neuf/", nil, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("WebDAV MKCOL in the archive: %d %s", r.StatusCode, r.body)
	}

	// Items say what is allowed: nothing.
	r = prof.get("/api/v1/items/" + lesson.ID)
	wantStatus(t, r, http.StatusOK, "read a file of the archive")
	var rights map[string]any
	r.json(t, &rights)
	for _, k := range []string{"can_edit", "can_move", "can_trash", "can_share", "can_add"} {
		if rights[k] == true {
			t.Errorf("archived item says %s", k)
		}
	}
	// Reads still work: listing, download, zip.
	if got := lea.childNames(sixA); !slices.Equal(got, []string{"exposé.txt", "Séquence 1"}) && !slices.Equal(got, []string{"Séquence 1", "exposé.txt"}) {
		t.Errorf("the pupil lists %v in the archive", got)
	}
	r = lea.get("/api/v1/items/" + lesson.ID + "/content")
	if r.StatusCode != http.StatusOK || string(r.body) != "la leçon" {
		t.Errorf("download from the archive: %d %q", r.StatusCode, r.body)
	}
	r = prof.sendJSON(http.MethodPost, "/api/v1/zips", map[string]any{"item_ids": []string{sixA}}, nil)
	wantStatus(t, r, http.StatusCreated, "zip of the archive")
	var zip struct {
		DownloadURL string `json:"download_url"`
	}
	r.json(t, &zip)
	if r := in.do(http.MethodGet, strings.TrimPrefix(zip.DownloadURL, in.url), "", nil, nil); r.StatusCode != http.StatusOK || len(r.body) < 100 {
		t.Errorf("zip download: %d, %d bytes", r.StatusCode, len(r.body))
	}
	// Search finds last year's files for last year's class, read-only.
	r = lea.get("/api/v1/search?q=cours")
	wantStatus(t, r, http.StatusOK, "search the archive")
	if !strings.Contains(string(r.body), lesson.ID) || !strings.Contains(string(r.body), `"role":"viewer"`) {
		t.Errorf("search in the archive: %s", r.body)
	}
	// A pupil who joins 6A next year sees nothing of last year's.
	svc := in.as("service.provisioning")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/eleve.nouveau", map[string]any{
		"display_name": "Nouvel Élève", "profile": "Student", "structures": []map[string]any{{"structure_id": "0600001A"}},
	}, nil), http.StatusOK, "new pupil")
	r = svc.get("/api/v1/admin/groups/0600001A-6A")
	var group map[string]any
	r.json(t, &group)
	group["members"] = append(group["members"].([]any), map[string]any{"user_id": "eleve.nouveau", "profile": "Student"})
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/0600001A-6A", group, nil), http.StatusOK, "add the new pupil")
	newcomer := in.as("eleve.nouveau")
	if _, ok := newcomer.groupSpace("6A", true); ok {
		t.Error("a newcomer sees last year's class")
	}
	wantProblem(t, newcomer.get("/api/v1/items/"+lesson.ID), http.StatusNotFound, "not_found", "newcomer reads last year's file")
	if r := newcomer.get("/api/v1/search?q=cours"); strings.Contains(string(r.body), lesson.ID) {
		t.Error("a newcomer finds last year's file")
	}

	// Unarchive: next year's 6A was never used (template folders only): dropped.
	archive := "/api/v1/admin/spaces/" + archived.ID
	for _, who := range []string{"prof.martin", "admin.voisin"} {
		wantProblem(t, in.as(who).do(http.MethodPost, archive+"/unarchive", nil, nil), http.StatusNotFound, "not_found", who+" unarchives")
	}
	wantStatus(t, admin.do(http.MethodPost, archive+"/unarchive", nil, nil), http.StatusOK, "unarchive")
	if _, ok := prof.groupSpace("6A", true); ok {
		t.Fatal("6A still archived")
	}
	if live, _ := prof.groupSpace("6A", false); live.RootID != sixA {
		t.Fatalf("6A is %+v, want last year's space back", live)
	}
	prof.mustUpload(sixA, "de retour.txt", []byte("ok"))
	// Archive it alone; once next year's space is in use, unarchiving is a conflict.
	r = admin.sendJSON(http.MethodPost, archive+"/archive", map[string]any{"year_label": "2025-2026"}, nil)
	wantStatus(t, r, http.StatusOK, "archive one space")
	wantStatus(t, admin.sendJSON(http.MethodPost, archive+"/archive", map[string]any{}, nil), http.StatusOK, "archive again")
	next, _ = prof.groupSpace("6A", false)
	prof.mustUpload(next.RootID, "rentrée.txt", []byte("septembre"))
	wantProblem(t, admin.do(http.MethodPost, archive+"/unarchive", nil, nil), http.StatusConflict, "conflict", "unarchive over a used space")
	// A personal space is not archived; another school's space is not found.
	wantProblem(t, admin.do(http.MethodPost, "/api/v1/admin/spaces/"+prof.spaceID("personal", "Mes documents")+"/archive", nil, nil), http.StatusBadRequest, "invalid_request", "a personal space")
	other, _ := voisin.groupSpace("3C", false)
	wantProblem(t, admin.do(http.MethodPost, "/api/v1/admin/spaces/"+other.ID+"/archive", nil, nil), http.StatusNotFound, "not_found", "other school's class")
}

// TestArchiveRetention: the retention job, driven with a clock a year ahead, trashes
// an archived space past its retention; the trash purge then frees its bytes, and
// the emptied space goes.
func TestArchiveRetention(t *testing.T) {
	in := start(t)
	admin, prof := in.as("admin.college"), in.as("prof.martin")
	sixA, fiveB := prof.space("group", "6A"), prof.space("group", "5B")
	prof.mustUpload(prof.mkdir(sixA, "Photos").ID, "sortie.jpg", []byte(strings.Repeat("p", 4096)))
	prof.mustUpload(fiveB, "garde.txt", []byte("reste"))
	var spaceID string
	for _, sp := range prof.spaces() {
		if sp.RootID == sixA {
			spaceID = sp.ID
		}
	}
	wantStatus(t, admin.do(http.MethodPost, "/api/v1/admin/spaces/"+spaceID+"/archive", nil, nil), http.StatusOK, "archive 6A")

	ctx := context.Background()
	ws := in.app.workspace
	// Not yet due: nothing happens.
	if trashed, deleted, err := ws.ExpireArchives(ctx, time.Now().Add(300*24*time.Hour)); err != nil || trashed+deleted != 0 {
		t.Fatalf("early expiry: %d trashed, %d deleted, %v", trashed, deleted, err)
	}
	later := time.Now().Add(366 * 24 * time.Hour)
	if trashed, _, err := ws.ExpireArchives(ctx, later); err != nil || trashed != 1 {
		t.Fatalf("expiry: %d trashed, %v", trashed, err)
	}
	if live := in.count(t, `SELECT count(*) FROM items i JOIN spaces s ON s.id = i.space_id WHERE s.id = '`+spaceID+`' AND i.id <> s.root_id AND i.trashed_at IS NULL`); live != 0 {
		t.Fatalf("%d live items left in the expired archive", live)
	}
	used := func() int64 {
		return in.count(t, `SELECT coalesce(sum(used_bytes), 0) FROM quota_accounts WHERE space_id = '`+spaceID+`'`)
	}
	if used() == 0 {
		t.Fatal("trashed bytes should still count until purged")
	}
	if _, err := ws.PurgeExpiredTrash(ctx, later.Add(31*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := used(); n != 0 {
		t.Fatalf("%d bytes still charged after the purge", n)
	}
	if _, deleted, err := ws.ExpireArchives(ctx, later.Add(31*24*time.Hour)); err != nil || deleted != 1 {
		t.Fatalf("emptied archive: %d deleted, %v", deleted, err)
	}
	if n := in.count(t, `SELECT count(*) FROM spaces WHERE id = '`+spaceID+`'`); n != 0 {
		t.Fatal("the emptied archive is still there")
	}
	// 5B, never archived, is untouched; 6A's members get a fresh space.
	if got := prof.childNames(fiveB); !slices.Equal(got, []string{"garde.txt"}) {
		t.Fatalf("5B holds %v", got)
	}
	if _, ok := prof.groupSpace("6A", false); !ok {
		t.Fatal("no live 6A after the archive went")
	}
}

// TestArchivedClassAssignments: an assignment of a class archived by the rollover
// takes no more hand-ins nor changes; the pupil's work cannot be written either.
func TestArchivedClassAssignments(t *testing.T) {
	in := start(t)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	prof.space("group", "6A")
	body := fields("Rédaction : mon héros", time.Hour, 2*time.Hour, true)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	mine := lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine

	wantStatus(t, in.as("admin.college").sendJSON(http.MethodPost, "/api/v1/admin/structures/0600001A/rollover",
		map[string]any{"year_label": "2025-2026"}, nil), http.StatusOK, "rollover")

	if r := lea.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/hand-in", nil, nil); r.StatusCode < 400 {
		t.Errorf("hand-in in an archived class: %d %s", r.StatusCode, r.body)
	}
	if r := prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/excuse", map[string]any{"pupil_ids": []string{"eleve.6a.01"}}, nil); r.StatusCode < 400 {
		t.Errorf("excuse in an archived class: %d %s", r.StatusCode, r.body)
	}
	if mine != nil && mine.FolderID != "" {
		if r := lea.upload(mine.FolderID, "tard.txt", []byte("x"), ""); r.StatusCode < 400 {
			t.Errorf("upload into the work folder of an archived class: %d %s", r.StatusCode, r.body)
		}
	}
}
