package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cartable/export"
)

// exportZip is an export read back: its entries in order, each file's bytes, and
// the answer's headers.
type exportZip struct {
	names  []string
	files  map[string][]byte
	header http.Header
}

// readExport downloads an export with the user's token and reads it back.
func (u *user) readExport(path string) exportZip {
	u.t.Helper()
	r := u.get(path)
	wantStatus(u.t, r, http.StatusOK, u.id+" GET "+path)
	return readZip(u.t, r.body, r.Header)
}

func readZip(t *testing.T, body []byte, header http.Header) exportZip {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	z := exportZip{files: map[string][]byte{}, header: header}
	for _, f := range zr.File {
		z.names = append(z.names, f.Name)
		if f.Mode().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		z.files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
	}
	return z
}

// document decodes donnees-personnelles.json.
func (z exportZip) document(t *testing.T) export.Document {
	t.Helper()
	var d export.Document
	if err := json.Unmarshal(z.files[export.DocumentName], &d); err != nil {
		t.Fatalf("decode %s: %v\n%s", export.DocumentName, err, z.files[export.DocumentName])
	}
	return d
}

// fileNames are the zip's files (not folders), sorted.
func (z exportZip) fileNames() []string {
	var out []string
	for name := range z.files {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestExportHoldsExactlyThePupilsFilesAndData: Léa, a pupil of 6A, has a personal
// space (a folder, a large file, names to make safe and NFC), files in the class
// space beside Hugo's, two assignments of the same title (one handed in and
// returned with points), a share, an app password, a favourite, a download. Her
// export holds her files with their exact bytes and nothing of Hugo's, even from
// the class space they share, and her data with every field; no secret.
func TestExportHoldsExactlyThePupilsFilesAndData(t *testing.T) {
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	class := prof.space("group", "6A")
	outings := prof.mkdir(class, "Sorties")

	// Léa's personal space.
	home := lea.home()
	maths := lea.mkdir(home, "Maths")
	want := map[string][]byte{
		"Mes documents/Maths/exercice.txt": []byte("2 + 2 = 4"),
		"Mes documents/photo.bin":          randomData(t, 3<<20), // larger than what the zip reads ahead
		"Mes documents/Café.txt":           []byte("un café, NFC"),
		"Mes documents/notes_ été.txt":     []byte("Windows refuse les deux-points"),
		"Contributions/6A/mon-dessin.txt":  []byte("le dessin de Léa"),
		"Contributions/6A/Sorties/lea.txt": []byte("la sortie de Léa"),
	}
	exercise := lea.mustUpload(maths.ID, "exercice.txt", want["Mes documents/Maths/exercice.txt"])
	lea.mustUpload(home, "photo.bin", want["Mes documents/photo.bin"])
	lea.mustUpload(home, "Cafe\u0301.txt", want["Mes documents/Café.txt"]) // sent decomposed (NFD)
	lea.mustUpload(home, "notes: été.txt", want["Mes documents/notes_ été.txt"])
	lea.mustUpload(class, "mon-dessin.txt", want["Contributions/6A/mon-dessin.txt"])
	lea.mustUpload(outings.ID, "lea.txt", want["Contributions/6A/Sorties/lea.txt"])
	// Hugo's files, beside hers and in his own space; the teacher's in the class.
	hugoBytes := [][]byte{[]byte("le dessin de Hugo"), []byte("la sortie de Hugo"), []byte("le secret de Hugo")}
	hugo.mustUpload(class, "hugo.txt", hugoBytes[0])
	hugo.mustUpload(outings.ID, "hugo-sortie.txt", hugoBytes[1])
	hugo.mustUpload(hugo.home(), "secret.txt", hugoBytes[2])
	prof.mustUpload(class, "consignes.txt", []byte("les consignes"))

	// Two assignments of the same title: Léa works on the first and hands it in,
	// the teacher returns it with points; she never opens the second.
	template := prof.mustUpload(class, "Rédaction.odt", []byte("modèle de rédaction"))
	var ids []string
	for i, due := range []time.Duration{time.Hour, 2 * time.Hour} {
		body := fields("Rédaction", due, due+time.Hour, false)
		body["space_id"] = prof.spaceID("group", "6A")
		a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
		if i == 0 {
			prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
		}
		prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
		ids = append(ids, a.ID)
	}
	mine := lea.assignment(http.MethodGet, "/"+ids[0], nil, http.StatusOK).Mine
	want["Rendus/Rédaction/brouillon.txt"] = []byte("mes idées")
	want["Rendus/Rédaction/Rédaction - Léa Dupont.odt"] = []byte("modèle de rédaction")
	lea.mustUpload(mine.FolderID, "brouillon.txt", want["Rendus/Rédaction/brouillon.txt"])
	lea.assignment(http.MethodPost, "/"+ids[0]+"/hand-in", nil, http.StatusOK)
	hugo.assignment(http.MethodPost, "/"+ids[0]+"/hand-in", nil, http.StatusOK)
	wantStatus(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+ids[0]+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Bien, Léa.", "points": 15}, nil), http.StatusOK, "return Léa's work")

	// Her share, app password, favourite and download.
	wantStatus(t, lea.shareWith(maths.ID, map[string]any{"kind": "group", "id": "0600001A-6A"}, "viewer", nil), http.StatusCreated, "Léa shares Maths")
	r := lea.sendJSON(http.MethodPost, "/api/v1/me/app-passwords", map[string]string{"name": "Ordinateur"}, nil)
	wantStatus(t, r, http.StatusCreated, "Léa's app password")
	var secret struct {
		Password string `json:"password"`
	}
	r.json(t, &secret)
	wantStatus(t, lea.do(http.MethodPut, itemPath(exercise.ID, "/favorite"), nil, nil), http.StatusNoContent, "Léa stars exercice.txt")
	wantStatus(t, lea.get(itemPath(exercise.ID, "/content")), http.StatusOK, "Léa downloads exercice.txt")

	z := lea.readExport("/api/v1/me/export")
	today := time.Now().UTC().Format("2006-01-02")
	if cd := z.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "cartable-export-eleve.6a.01-"+today+".zip") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if cc := z.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q", cc)
	}
	// Exactly her files, with their bytes; the folders of the zip; nothing of Hugo's.
	wantFiles := []string{export.DocumentName, export.ReadmeName}
	for name := range want {
		wantFiles = append(wantFiles, name)
	}
	slices.Sort(wantFiles)
	if got := z.fileNames(); !slices.Equal(got, wantFiles) {
		t.Fatalf("the export's files:\n%q\nwant\n%q", got, wantFiles)
	}
	for name, data := range want {
		if !bytes.Equal(z.files[name], data) {
			t.Errorf("%s holds %d bytes, not the %d Léa stored", name, len(z.files[name]), len(data))
		}
	}
	for _, folder := range []string{"Mes documents/", "Mes documents/Maths/", "Rendus/", "Rendus/Rédaction/", "Rendus/Rédaction (2)/", "Contributions/", "Contributions/6A/", "Contributions/6A/Sorties/"} {
		if !slices.Contains(z.names, folder) {
			t.Errorf("the export has no folder %q: %q", folder, z.names)
		}
	}
	if z.names[0] != export.DocumentName {
		t.Errorf("the zip starts with %q", z.names[0])
	}
	for name, data := range z.files {
		for _, h := range hugoBytes {
			if bytes.Contains(data, h) {
				t.Errorf("%s holds Hugo's %q", name, h)
			}
		}
		if strings.Contains(strings.ToLower(name), "hugo") || strings.Contains(name, "consignes") {
			t.Errorf("the export holds %s", name)
		}
	}

	d := z.document(t)
	raw := string(z.files[export.DocumentName])
	if strings.Contains(raw, secret.Password) || strings.Contains(raw, secret.Password[25:]) || strings.Contains(raw, "hash") {
		t.Errorf("the document shows an app password's secret or a hash: %s", raw)
	}
	checkPupilDocument(t, d, maths.ID, exercise.ID)
}

// checkPupilDocument checks every part of Léa's document.
func checkPupilDocument(t *testing.T, d export.Document, mathsID, exerciseID string) {
	t.Helper()
	p := d.Profile
	if d.Format != export.Format || d.RequestedBy != "self" || p.ID != "eleve.6a.01" || p.DisplayName != "Léa Dupont" || p.Profile != "Student" {
		t.Errorf("document head and profile: %+v / %+v", d, p)
	}
	if len(p.Structures) != 1 || p.Structures[0].ID != "0600001A" || p.Structures[0].Name == "" || p.Structures[0].UAI == "" {
		t.Errorf("structures = %+v", p.Structures)
	}
	if !slices.ContainsFunc(p.Groups, func(g export.Group) bool { return g.ID == "0600001A-6A" && g.Name == "6A" && g.Profile == "Student" }) {
		t.Errorf("groups = %+v", p.Groups)
	}
	if len(d.AppPasswords) != 1 || d.AppPasswords[0].Name != "Ordinateur" || d.AppPasswords[0].CreatedAt.IsZero() {
		t.Errorf("app passwords = %+v", d.AppPasswords)
	}
	if len(d.Shares) != 1 || d.Shares[0].Item.ID.String() != mathsID || !strings.HasSuffix(d.Shares[0].Item.Path, "/Maths") ||
		d.Shares[0].With.Kind != "group" || d.Shares[0].With.ID != "0600001A-6A" || d.Shares[0].With.Name != "6A" || d.Shares[0].Role != "viewer" {
		t.Errorf("shares = %+v", d.Shares)
	}
	if len(d.Links) != 0 {
		t.Errorf("links = %+v", d.Links)
	}
	if len(d.Favorites) != 1 || d.Favorites[0].Item.ID.String() != exerciseID || !strings.HasSuffix(d.Favorites[0].Item.Path, "/Maths/exercice.txt") {
		t.Errorf("favorites = %+v", d.Favorites)
	}
	if !slices.ContainsFunc(d.Recent, func(m export.Marked) bool { return m.Item.ID.String() == exerciseID }) {
		t.Errorf("recent = %+v", d.Recent)
	}
	if len(d.Assignments) != 2 {
		t.Fatalf("assignments = %+v", d.Assignments)
	}
	a, b := d.Assignments[0], d.Assignments[1]
	if a.Title != "Rédaction" || a.Class != "6A" || a.Status != "returned" || a.Feedback != "Bien, Léa." || a.Points == nil || *a.Points != 15 ||
		a.MaxPoints == nil || *a.MaxPoints != 20 || a.HandedInAt == nil || len(a.HandIns) != 1 || a.Folder != "Rendus/Rédaction" ||
		!slices.ContainsFunc(a.HandedInFiles, func(f export.FileRef) bool { return f.Name == "brouillon.txt" && f.Size == int64(len("mes idées")) }) {
		t.Errorf("the returned assignment = %+v", a)
	}
	if b.Folder != "Rendus/Rédaction (2)" || b.HandedInAt != nil || b.Status == "returned" {
		t.Errorf("the second assignment = %+v", b)
	}
	if len(d.AssignmentsCreated) != 0 {
		t.Errorf("a pupil created assignments: %+v", d.AssignmentsCreated)
	}
	personal := int64(len("2 + 2 = 4") + 3<<20 + len("un café, NFC") + len("Windows refuse les deux-points"))
	if d.Quota == nil || d.Quota.UsedBytes != personal {
		t.Errorf("quota = %+v, want %d bytes used", d.Quota, personal)
	}
	actions := map[string]bool{}
	for _, e := range d.Activity.Entries {
		actions[e.Action] = true
	}
	if !actions["download"] || !actions["share"] || d.Activity.Limit == 0 {
		t.Errorf("activity = %+v", d.Activity)
	}
}

// TestExportForAdmins: the region and the collège's local admin export a pupil;
// another pupil, a teacher and the admin of another collège get 404, as for a user
// who does not exist; each export is in the audit log of the pupil's structure,
// with the requester as actor. A parent exports their own data, and a pupil who
// never opened Cartable (nor signs in) is exported from their directory row.
func TestExportForAdmins(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/structures/0600002B", map[string]any{"uai": "0600002B", "name": "Collège Victor Hugo"}, nil), http.StatusOK, "another structure")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/admin.hugo", map[string]any{
		"display_name": "Marc Petit", "profile": "Personnel",
		"structures": []map[string]any{{"structure_id": "0600002B", "local_admin": true}},
	}, nil), http.StatusOK, "the other structure's admin")
	lea := in.as("eleve.6a.01")
	data := []byte("le devoir de Léa")
	lea.mustUpload(lea.home(), "devoir.txt", data)

	path := "/api/v1/admin/users/eleve.6a.01/export"
	for _, who := range []string{"eleve.6a.02", "prof.martin", "parent.6a.01", "admin.hugo"} {
		wantProblem(t, in.as(who).get(path), http.StatusNotFound, "not_found", who+" exports Léa")
	}
	wantProblem(t, in.as("admin.hugo").get("/api/v1/admin/users/nobody/export"), http.StatusNotFound, "not_found", "an unknown user")
	wantProblem(t, svc.get("/api/v1/admin/users/nobody/export"), http.StatusNotFound, "not_found", "the region, an unknown user")

	for _, who := range []string{"service.provisioning", "admin.college"} {
		z := in.as(who).readExport(path)
		if !bytes.Equal(z.files["Mes documents/devoir.txt"], data) {
			t.Errorf("%s's export of Léa: %q", who, z.names)
		}
		if d := z.document(t); d.Profile.ID != "eleve.6a.01" || d.RequestedBy != "admin" {
			t.Errorf("%s's export: %+v", who, d.Profile)
		}
	}
	if z := in.as("parent.6a.01").readExport("/api/v1/me/export"); z.document(t).Profile.Profile != "Relative" || len(z.document(t).Profile.Children) != 1 {
		t.Errorf("the parent's own export: %+v", z.document(t).Profile)
	}
	never := svc.readExport("/api/v1/admin/users/eleve.6a.05/export")
	if got := never.fileNames(); !slices.Equal(got, []string{export.ReadmeName, export.DocumentName}) || never.document(t).Quota != nil {
		t.Errorf("the export of a pupil who never came: %q", got)
	}

	entries, _ := in.as("admin.college").auditPage("/api/v1/admin/structures/0600001A/audit?action=export")
	var got []string
	for _, e := range entries {
		if e.Details["subject"] == "eleve.6a.01" {
			got = append(got, e.Actor+" "+e.Details["requested_by"].(string))
		}
	}
	if !slices.Equal(got, []string{"admin.college admin", "service.provisioning admin"}) {
		t.Errorf("the collège's log of Léa's exports = %v", got)
	}
	if other, _ := in.as("admin.hugo").auditPage("/api/v1/admin/structures/0600002B/audit?action=export"); len(other) != 0 {
		t.Errorf("the other collège's log holds %d exports", len(other))
	}
}

// TestExportThroughASignedURL: the web app asks for a signed URL of the caller's
// own export and the browser follows it without a token; the URL is the caller's
// only, and a forged one is a 404.
func TestExportThroughASignedURL(t *testing.T) {
	in := start(t)
	lea := in.as("eleve.6a.01")
	data := []byte("mon fichier")
	lea.mustUpload(lea.home(), "fichier.txt", data)
	r := lea.do(http.MethodPost, "/api/v1/me/export", nil, nil)
	wantStatus(t, r, http.StatusCreated, "ask for the export's URL")
	var out struct {
		URL     string    `json:"download_url"`
		Expires time.Time `json:"expires_at"`
	}
	r.json(t, &out)
	names, files, disposition := fetchZip(t, in, out.URL)
	if !bytes.Equal(files["Mes documents/fichier.txt"], data) || !strings.Contains(disposition, "cartable-export-eleve.6a.01-") || names[0] != export.DocumentName {
		t.Errorf("the signed export: %q, %q", names, disposition)
	}
	forged := strings.Replace(out.URL, "sig=", "sig=x", 1)
	wantProblem(t, in.do(http.MethodGet, strings.TrimPrefix(forged, in.url), "", nil, nil), http.StatusNotFound, "not_found", "a forged URL")
}

// TestExportOfAPupilWhoLeft: Léa hands in work and adds a file to 6A, then leaves
// the class (the directory takes her out of the group), then her school (no
// structure left), as a pupil leaving the ENT does before her deletion. The
// collège's admin exports her while she is still attached to it, with her class
// work found by author and by hand-in, not by membership; once she has no
// structure, only the region may, and its export is logged with no structure.
func TestExportOfAPupilWhoLeft(t *testing.T) {
	in := start(t)
	prof, lea, svc := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("service.provisioning")
	body := fields("Exposé", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	mine := lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine
	work, class := []byte("mon exposé"), []byte("ma photo de classe")
	lea.mustUpload(mine.FolderID, "exposé.txt", work)
	lea.mustUpload(lea.space("group", "6A"), "photo.txt", class)
	lea.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)

	pupilLeaves(t, in, "eleve.6a.01")
	z := in.as("admin.college").readExport("/api/v1/admin/users/eleve.6a.01/export")
	if !bytes.Equal(z.files["Rendus/Exposé/exposé.txt"], work) || !bytes.Equal(z.files["Contributions/6A/photo.txt"], class) {
		t.Errorf("the export of Léa out of 6A: %q", z.fileNames())
	}
	if d := z.document(t); len(d.Profile.Groups) != 0 || len(d.Assignments) != 1 || d.Assignments[0].HandedInAt == nil {
		t.Errorf("her document out of 6A: groups %+v, assignments %+v", d.Profile.Groups, d.Assignments)
	}

	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/eleve.6a.01", map[string]any{
		"display_name": "Léa Dupont", "profile": "Student", "structures": []map[string]any{}}, nil), http.StatusOK, "Léa leaves the collège")
	wantProblem(t, in.as("admin.college").get("/api/v1/admin/users/eleve.6a.01/export"), http.StatusNotFound, "not_found", "the collège's admin, once she left")
	z = svc.readExport("/api/v1/admin/users/eleve.6a.01/export")
	if !bytes.Equal(z.files["Rendus/Exposé/exposé.txt"], work) {
		t.Errorf("the region's export of Léa gone from the collège: %q", z.fileNames())
	}
	entries, _ := svc.auditPage("/api/v1/admin/audit?action=export")
	if len(entries) != 2 || entries[0].Actor != "service.provisioning" || entries[0].StructureID != "" || entries[1].StructureID != "0600001A" {
		t.Errorf("the region's log of Léa's exports: %+v", entries)
	}
}

// TestExportWithholdsAnInfectedFile: a file of Léa's the antivirus quarantined
// (its verdict set as the scan job sets it) is not in her export, which names it
// in "Fichiers non inclus.txt"; her other files are there, and the audit line
// counts it.
func TestExportWithholdsAnInfectedFile(t *testing.T) {
	in := start(t)
	lea := in.as("eleve.6a.01")
	clean := []byte("un fichier sain")
	lea.mustUpload(lea.home(), "sain.txt", clean)
	infected := lea.mustUpload(lea.home(), "virus.com", []byte("pas vraiment un virus"))
	if _, err := in.app.pool.Exec(t.Context(), `UPDATE blobs SET scan = 'infected', scan_signature = 'Eicar-Test-Signature'
		WHERE id = (SELECT v.blob_id FROM items i JOIN versions v ON v.id = i.current_version_id WHERE i.id = $1)`, infected.ID); err != nil {
		t.Fatal(err)
	}
	z := lea.readExport("/api/v1/me/export")
	note := string(z.files["Fichiers non inclus.txt"])
	if _, ok := z.files["Mes documents/virus.com"]; ok || !strings.Contains(note, "Mes documents/virus.com") || !bytes.Equal(z.files["Mes documents/sain.txt"], clean) {
		t.Errorf("the export with an infected file: %q, note %q", z.fileNames(), note)
	}
	entries, _ := in.as("admin.college").auditPage("/api/v1/admin/structures/0600001A/audit?action=export")
	if len(entries) != 1 || entries[0].Details["withheld"] != float64(1) {
		t.Errorf("the export's audit line: %+v", entries)
	}
}

// TestExportOfALeaverDuringTheGracePeriod: a pupil deprovisioned by the ENT can no
// longer sign in, but until her purge the collège's admin still exports her files,
// the request a family makes on the way out.
func TestExportOfALeaverDuringTheGracePeriod(t *testing.T) {
	in := start(t)
	lea, svc := in.as("eleve.6a.01"), in.as("service.provisioning")
	drawing := []byte("mon dessin")
	lea.mustUpload(lea.home(), "dessin.txt", drawing)
	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/eleve.6a.01", nil, nil), http.StatusNoContent, "Léa leaves the ENT")
	wantProblem(t, lea.get("/api/v1/me/export"), http.StatusUnauthorized, "unauthorized", "the leaver herself")
	z := in.as("admin.college").readExport("/api/v1/admin/users/eleve.6a.01/export")
	if !bytes.Equal(z.files["Mes documents/dessin.txt"], drawing) {
		t.Errorf("the leaver's export: %q", z.fileNames())
	}
}
