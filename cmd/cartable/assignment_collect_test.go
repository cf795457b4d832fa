package main

import (
	"archive/zip"
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// collect asks for an assignment's hand-ins as one zip and answers its signed URL
// and how many pupils it holds.
func (u *user) collect(id string, body any) (url string, pupils int) {
	u.t.Helper()
	var r response
	if body == nil {
		r = u.do(http.MethodPost, "/api/v1/assignments/"+id+"/collect", nil, nil)
	} else {
		r = u.sendJSON(http.MethodPost, "/api/v1/assignments/"+id+"/collect", body, nil)
	}
	wantStatus(u.t, r, http.StatusCreated, u.id+" collects "+id)
	var out struct {
		URL     string `json:"download_url"`
		Pupils  int    `json:"pupils"`
		Expires string `json:"expires_at"`
	}
	r.json(u.t, &out)
	if _, err := time.Parse(time.RFC3339, out.Expires); err != nil {
		u.t.Errorf("expires_at %q: %v", out.Expires, err)
	}
	return out.URL, out.Pupils
}

// TestAssignmentCollect: the teacher's zip holds, per pupil with a live hand-in, a
// folder "Nom Prénom" (the second of two namesakes told apart) with exactly the
// versions handed in — not those changed since — and nothing of pupils who handed
// nothing in or took it back; a subset, a URL made before a late hand-in, a purged
// file, and who may collect.
func TestAssignmentCollect(t *testing.T) {
	in := start(t)
	prof, lea, hugo, chloe := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02"), in.as("eleve.6a.03")
	twin, undecided, latecomer := in.as("eleve.6a.04"), in.as("eleve.6a.05"), in.as("eleve.6a.06")
	// Two pupils of one name: the directory renames Lucas Legrand "Léa Dupont".
	wantStatus(t, in.as("service.provisioning").sendJSON(http.MethodPut, "/api/v1/admin/users/"+twin.id, map[string]any{
		"display_name": "Léa Dupont", "profile": "Student", "structures": []map[string]any{{"structure_id": "0600001A"}},
	}, nil), http.StatusOK, "rename a pupil")

	class := prof.space("group", "6A")
	templateBytes := randomData(t, 200<<10)
	template := prof.mustUpload(class, "Rédaction.odt", templateBytes)
	body := fields("Rédaction", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)

	copyOf := func(p *user) (copyID, folderID string) {
		t.Helper()
		mine := p.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine
		if mine == nil || len(mine.Copies) != 1 {
			t.Fatalf("%s's work = %+v", p.id, mine)
		}
		return mine.Copies[0].ItemID, mine.FolderID
	}
	// Three pupils change their copies; Léa adds a file; two hand in, and Hugo
	// changes his copy after handing it in.
	leaCopy, leaFolder := copyOf(lea)
	hugoCopy, _ := copyOf(hugo)
	chloeCopy, _ := copyOf(chloe)
	for p, id := range map[*user]string{lea: leaCopy, hugo: hugoCopy, chloe: chloeCopy} {
		wantStatus(t, p.overwrite(id, "le héros de "+p.id), http.StatusOK, p.id+" writes")
	}
	lea.mustUpload(leaFolder, "Notes : idées.txt", []byte("des idées"))
	gone := lea.mustUpload(leaFolder, "brouillon.txt", []byte("jeté"))
	for _, p := range []*user{lea, hugo, twin, undecided} {
		p.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)
	}
	wantStatus(t, hugo.overwrite(hugoCopy, "changé après le rendu"), http.StatusOK, "Hugo writes after handing in")
	undecided.assignment(http.MethodPost, "/"+a.ID+"/take-back", nil, http.StatusOK)
	// A returned hand-in is still collected; a file trashed after the hand-in is
	// collected all the same: its handed-in version is pinned, and no purge takes it.
	wantStatus(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Bien."}, nil), http.StatusOK, "return Léa's work")
	wantStatus(t, lea.trash(gone.ID), http.StatusNoContent, "Léa trashes her draft")
	wantProblem(t, prof.do(http.MethodDelete, "/api/v1/trash/"+gone.ID, nil, nil), http.StatusConflict, "pinned_by_hand_in", "the teacher purges it")

	url, pupils := prof.collect(a.ID, nil)
	if pupils != 3 {
		t.Errorf("the collect holds %d pupils, want 3 (Léa, her namesake, Hugo)", pupils)
	}
	// Made before the latecomer hands in: the URL serves what was decided then.
	latecomer.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)
	names, files, disposition := fetchZip(t, in, url)
	want := []string{
		"Dupont Léa/", "Dupont Léa/brouillon.txt", "Dupont Léa/Notes _ idées.txt", "Dupont Léa/Rédaction - Léa Dupont.odt",
		"Dupont Léa (2)/", "Dupont Léa (2)/Rédaction - Léa Dupont.odt",
		"Fontaine Hugo/", "Fontaine Hugo/Rédaction - Hugo Fontaine.odt",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("the zip holds\n%q\nwant\n%q", names, want)
	}
	wantBytes := map[string][]byte{
		"Dupont Léa/brouillon.txt":                    []byte("jeté"),
		"Dupont Léa/Notes _ idées.txt":                []byte("des idées"),
		"Dupont Léa/Rédaction - Léa Dupont.odt":       []byte("le héros de " + lea.id),
		"Dupont Léa (2)/Rédaction - Léa Dupont.odt":   templateBytes, // the copy handed in untouched shares the template's blob
		"Fontaine Hugo/Rédaction - Hugo Fontaine.odt": []byte("le héros de " + hugo.id),
	}
	for name, b := range wantBytes {
		if !bytes.Equal(files[name], b) {
			t.Errorf("%s holds %d bytes %.40q, want %d bytes %.40q", name, len(files[name]), files[name], len(b), b)
		}
	}
	if !strings.HasPrefix(disposition, "attachment") || !strings.Contains(disposition, "filename*=UTF-8''R%C3%A9daction%20-%206A.zip") {
		t.Errorf("Content-Disposition %q", disposition)
	}

	// The next collect has the latecomer; a subset has only the pupils named.
	if _, pupils := prof.collect(a.ID, map[string]any{}); pupils != 4 {
		t.Errorf("a collect after the late hand-in holds %d pupils, want 4", pupils)
	}
	url, pupils = prof.collect(a.ID, map[string]any{"pupil_ids": []string{hugo.id, chloe.id}})
	names, files, _ = fetchZip(t, in, url)
	if pupils != 1 || !slices.Equal(names, []string{"Fontaine Hugo/", "Fontaine Hugo/Rédaction - Hugo Fontaine.odt"}) ||
		string(files["Fontaine Hugo/Rédaction - Hugo Fontaine.odt"]) != "le héros de "+hugo.id {
		t.Errorf("Hugo's and Chloé's collect (%d pupils) holds %q", pupils, names)
	}
	wantProblem(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/collect", map[string]any{"pupil_ids": []string{"eleve.5b.01"}}, nil),
		http.StatusBadRequest, "invalid_request", "collecting a pupil of another class")

	// Who may: a pupil of the class is told no, a pupil of another class sees nothing,
	// and a URL opens nothing once touched.
	wantProblem(t, lea.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/collect", nil, nil), http.StatusForbidden, "forbidden", "a pupil collects")
	wantProblem(t, in.as("eleve.5b.01").do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/collect", nil, nil), http.StatusNotFound, "not_found", "a 5B pupil collects")
	tampered := url[:len(url)-2] + "xx"
	wantProblem(t, in.do(http.MethodGet, strings.TrimPrefix(tampered, in.url), "", nil, nil), http.StatusNotFound, "not_found", "a tampered collect URL")
	zipURL := strings.Replace(url, "/signed/collections/", "/signed/zips/", 1)
	wantProblem(t, in.do(http.MethodGet, strings.TrimPrefix(zipURL, in.url), "", nil, nil), http.StatusNotFound, "not_found", "a collect's token on the zip route")
}

// TestAssignmentCollectNothingHandedIn: with no hand-in, the collect says 0 pupils
// and its URL serves a valid empty zip (not an error: the teacher asked for what
// was handed in, and that is nothing).
func TestAssignmentCollectNothingHandedIn(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	body := fields("Dictée : l'hiver", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "5B")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	url, pupils := prof.collect(a.ID, nil)
	r := in.do(http.MethodGet, strings.TrimPrefix(url, in.url), "", nil, nil)
	wantStatus(t, r, http.StatusOK, "download the empty collect")
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if pupils != 0 || err != nil || len(zr.File) != 0 {
		t.Fatalf("an empty collect: %d pupils, %v, %d bytes", pupils, err, len(r.body))
	}
	if d := r.Header.Get("Content-Disposition"); !strings.Contains(d, "UTF-8''Dict%C3%A9e%20_%20l%27hiver%20-%205B.zip") {
		t.Errorf("Content-Disposition %q", d)
	}
}
