package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// apiFound is a search result as a client reads it.
type apiFound struct {
	apiItem
	Role       string   `json:"role"`
	SpaceName  string   `json:"space_name"`
	Path       []string `json:"path"`
	ParentName string   `json:"parent_name"`
}

type apiFoundPage struct {
	Items      []apiFound `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// search runs GET /api/v1/search with the query parameters, expecting a page.
func (u *user) findItems(q string, params ...string) apiFoundPage {
	u.t.Helper()
	r := u.findItemsRaw(q, params...)
	wantStatus(u.t, r, http.StatusOK, u.id+" searches "+q)
	var page apiFoundPage
	r.json(u.t, &page)
	return page
}

func (u *user) findItemsRaw(q string, params ...string) response {
	u.t.Helper()
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return u.get("/api/v1/search?" + v.Encode())
}

func foundNames(page apiFoundPage) []string {
	out := make([]string, len(page.Items))
	for i, f := range page.Items {
		out[i] = f.Name
	}
	return out
}

// wantField expects a 400 invalid_request naming the field.
func wantSearchField(t *testing.T, r response, field, what string) {
	t.Helper()
	wantProblem(t, r, http.StatusBadRequest, "invalid_request", what)
	var p struct {
		Fields map[string]any `json:"fields"`
	}
	r.json(t, &p)
	if p.Fields["field"] != field {
		t.Errorf("%s: fields = %v, want field %q", what, p.Fields, field)
	}
}

// TestSearchFindsOnlyWhatTheCallerMayRead: a teacher's private files, another
// pupil's assignment work and the trash are never found; a pupil finds the class's
// files and what is shared with them, accents and case aside; a parent and a pupil
// of another class find nothing of 6A.
func TestSearchFindsOnlyWhatTheCallerMayRead(t *testing.T) {
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	parent, other := in.as("parent.6a.01"), in.as("eleve.5b.01")

	// The teacher's personal space: a secret, and a folder of which one subfolder is shared with Léa.
	home := prof.home()
	prof.mustUpload(home, "Évaluation secrète élève.odt", []byte("notes"))
	outer := prof.mkdir(home, "Préparations confidentielles")
	shared := prof.mkdir(outer.ID, "Ressources Léa")
	prof.mustUpload(shared.ID, "Dictée élève.txt", []byte("dictée"))
	wantStatus(t, prof.shareWith(shared.ID, map[string]any{"kind": "user", "id": lea.id}, "viewer", nil), http.StatusCreated, "share with Léa")

	// The class: a sequence folder, a file in it, a trashed file.
	class, classID := prof.space("group", "6A"), prof.spaceID("group", "6A")
	seq := prof.mkdir(class, "Séquence 1")
	model := prof.mustUpload(seq.ID, "Élève modèle.pdf", []byte("%PDF-1.4 modèle"))
	gone := prof.mustUpload(class, "Brouillon élève.txt", []byte("brouillon"))
	wantStatus(t, prof.trash(gone.ID), http.StatusNoContent, "trash the draft")

	// An assignment: each pupil gets a private copy of the template.
	template := prof.mustUpload(class, "Fiche.odt", []byte("fiche"))
	body := fields("Fiche de lecture", time.Hour, 2*time.Hour, true)
	body["space_id"] = classID
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK)
	hugo.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK)

	// Léa, without accents and in capitals: the class's model and what was shared with her.
	got := lea.findItems("ELEVE")
	if n := foundNames(got); !slices.Equal(n, []string{"Dictée élève.txt", "Élève modèle.pdf"}) && !slices.Equal(n, []string{"Élève modèle.pdf", "Dictée élève.txt"}) {
		t.Fatalf("Léa's search of ELEVE = %v", n)
	}
	for _, f := range got.Items {
		switch f.Name {
		case "Élève modèle.pdf":
			if f.ID != model.ID || f.SpaceName != "6A" || !slices.Equal(f.Path, []string{"Séquence 1"}) || f.ParentName != "Séquence 1" || f.Role != "author" {
				t.Errorf("the class's model = %+v", f)
			}
		case "Dictée élève.txt":
			// Shared with her: no space name, nothing named above the shared folder.
			if f.SpaceName != "" || !slices.Equal(f.Path, []string{"Ressources Léa"}) || f.Role != "viewer" {
				t.Errorf("the shared file = %+v", f)
			}
		}
	}
	for _, q := range []string{"secrete", "evaluation", "confidentielles", "brouillon"} {
		if n := foundNames(lea.findItems(q)); len(n) != 0 {
			t.Errorf("Léa's search of %q found %v", q, n)
		}
	}

	// Each pupil finds their own copy, never the other's.
	if n := foundNames(lea.findItems("fiche")); !slices.Contains(n, "Fiche.odt") || !slices.ContainsFunc(n, func(s string) bool { return strings.Contains(s, "Léa") }) ||
		slices.ContainsFunc(n, func(s string) bool { return strings.Contains(s, "Hugo") }) {
		t.Errorf("Léa's search of fiche = %v", n)
	}
	if n := foundNames(hugo.findItems("fiche")); slices.ContainsFunc(n, func(s string) bool { return strings.Contains(s, "Léa") }) {
		t.Errorf("Hugo's search of fiche finds Léa's copy: %v", n)
	}
	if n := foundNames(hugo.findItems("lea")); len(n) != 0 {
		t.Errorf("Hugo's search of lea = %v", n)
	}

	// A parent and a pupil of 5B find nothing of 6A nor of the teacher.
	for _, u := range []*user{parent, other} {
		for _, q := range []string{"eleve", "fiche", "secrete", "sequence"} {
			if n := foundNames(u.findItems(q)); len(n) != 0 {
				t.Errorf("%s's search of %q found %v", u.id, q, n)
			}
		}
	}

	// The teacher finds their own secret and every pupil's copy.
	if n := foundNames(prof.findItems("secrete")); !slices.Equal(n, []string{"Évaluation secrète élève.odt"}) {
		t.Errorf("the teacher's search of secrete = %v", n)
	}
	if n := foundNames(prof.findItems("fiche")); !slices.ContainsFunc(n, func(s string) bool { return strings.Contains(s, "Léa") }) ||
		!slices.ContainsFunc(n, func(s string) bool { return strings.Contains(s, "Hugo") }) {
		t.Errorf("the teacher's search of fiche = %v", n)
	}
}

// TestSearchOrderFiltersAndPages: exact names first, then word prefixes, then
// substrings, newest first within each; the type, space and date filters; a cursor
// walks the same order and serves no other search; bad parameters name their field.
func TestSearchOrderFiltersAndPages(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home, class := prof.home(), prof.space("group", "6A")
	prof.mustUpload(class, "Surexposées.txt", []byte("3"))
	prof.mustUpload(home, "Mon exposé oral.odt", []byte("2"))
	prof.mustUpload(home, "Exposé.odt", []byte("1"))
	prof.mustUpload(home, "exposé ancien.pdf", []byte("%PDF-1.4"))
	prof.mkdir(home, "Exposés")
	prof.mustUpload(home, "exposé récent.pdf", []byte("%PDF-1.4"))

	all := foundNames(prof.findItems("EXPOSE"))
	want := []string{"Exposé.odt", "exposé récent.pdf", "Exposés", "exposé ancien.pdf", "Mon exposé oral.odt", "Surexposées.txt"}
	if !slices.Equal(all, want) {
		t.Fatalf("search of EXPOSE = %v, want %v", all, want)
	}

	// Page by page, the same order.
	var walked []string
	page := prof.findItems("EXPOSE", "limit", "2")
	for {
		walked = append(walked, foundNames(page)...)
		if page.NextCursor == "" {
			break
		}
		page = prof.findItems("EXPOSE", "limit", "2", "cursor", page.NextCursor)
	}
	if !slices.Equal(walked, want) {
		t.Errorf("paged search = %v, want %v", walked, want)
	}
	first := prof.findItems("EXPOSE", "limit", "2")
	wantSearchField(t, prof.findItemsRaw("oral", "cursor", first.NextCursor), "cursor", "a cursor of another search")
	wantSearchField(t, prof.findItemsRaw("EXPOSE", "type", "pdf", "cursor", first.NextCursor), "cursor", "a cursor of another filter")

	if n := foundNames(prof.findItems("expose", "type", "pdf")); !slices.Equal(n, []string{"exposé récent.pdf", "exposé ancien.pdf"}) {
		t.Errorf("type=pdf: %v", n)
	}
	if n := foundNames(prof.findItems("expose", "type", "folders")); !slices.Equal(n, []string{"Exposés"}) {
		t.Errorf("type=folders: %v", n)
	}
	if n := foundNames(prof.findItems("expose", "type", "documents")); len(n) != 5 || slices.Contains(n, "Exposés") {
		t.Errorf("type=documents: %v", n)
	}
	if n := foundNames(prof.findItems("expo", "space", prof.spaceID("group", "6A"))); !slices.Equal(n, []string{"Surexposées.txt"}) {
		t.Errorf("space=6A: %v", n)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if n := foundNames(prof.findItems("expose", "modified_after", future)); len(n) != 0 {
		t.Errorf("modified_after an hour from now: %v", n)
	}
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if n := foundNames(prof.findItems("expose", "modified_after", past)); len(n) != len(want) {
		t.Errorf("modified_after an hour ago: %v", n)
	}

	wantSearchField(t, prof.findItemsRaw("e"), "q", "a one-letter query")
	wantSearchField(t, prof.findItemsRaw("--"), "q", "a query of punctuation")
	wantSearchField(t, prof.findItemsRaw("expose", "type", "music"), "type", "an unknown type")
	wantSearchField(t, prof.findItemsRaw("expose", "space", "6A"), "space", "a space that is not an id")
	wantSearchField(t, prof.findItemsRaw("expose", "modified_after", "hier"), "modified_after", "a date that is not one")
	wantSearchField(t, prof.findItemsRaw("expose", "limit", "0"), "limit", "a zero limit")
	wantStatus(t, in.do(http.MethodGet, "/api/v1/search?q=expose", "", nil, nil), http.StatusUnauthorized, "an anonymous search")
}
