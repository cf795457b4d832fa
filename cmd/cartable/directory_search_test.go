package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// candidate is one answer of the directory search.
type candidate struct {
	Grantee struct {
		Kind    string `json:"kind"`
		ID      string `json:"id"`
		Profile string `json:"profile"`
	} `json:"grantee"`
	Label  string `json:"label"`
	Detail string `json:"detail"`
}

func (u *user) search(q string, header map[string]string) []candidate {
	u.t.Helper()
	r := u.do(http.MethodGet, "/api/v1/directory/search?q="+url.QueryEscape(q), nil, header)
	wantStatus(u.t, r, http.StatusOK, u.id+" searches "+q)
	var out struct {
		Items []candidate `json:"items"`
	}
	r.json(u.t, &out)
	return out.Items
}

func labels(cs []candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label
	}
	return out
}

func ids(cs []candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Grantee.ID
	}
	return out
}

// secondCollege provisions another establishment with its own 6A, a teacher named
// Martin and a pupil: nobody of the first may find them, nor they anyone of it.
func secondCollege(t *testing.T, in *instance) {
	t.Helper()
	svc := in.as("service.provisioning")
	put := func(path string, body map[string]any) {
		t.Helper()
		wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/"+path, body, nil), http.StatusOK, "provision "+path)
	}
	put("structures/0600002B", map[string]any{"uai": "0600002B", "name": "Collège Victor Hugo"})
	put("users/prof.hugo", map[string]any{"display_name": "Marc Martin", "profile": "Teacher", "structures": []map[string]any{{"structure_id": "0600002B"}}})
	put("users/eleve.hugo", map[string]any{"display_name": "Martine Élise", "profile": "Student", "structures": []map[string]any{{"structure_id": "0600002B"}}})
	put("groups/0600002B-6A", map[string]any{"structure_id": "0600002B", "kind": "class", "name": "6A",
		"members": []map[string]any{{"user_id": "prof.hugo", "profile": "Teacher"}, {"user_id": "eleve.hugo", "profile": "Student"}}})
	// A group of the first college whose name has accents.
	put("groups/0600001A-DELEG", map[string]any{"structure_id": "0600001A", "kind": "manual", "name": "Élèves délégués",
		"members": []map[string]any{{"user_id": "eleve.6a.01", "profile": "Student"}, {"user_id": "eleve.5b.01", "profile": "Student"}}})
}

// TestDirectorySearchFindsWhomToShareWith: a teacher types a class's name or the
// first letters of a name and gets the class (whole and narrowed to its pupils,
// parents and teachers), and the people of their establishment, ready to share with.
func TestDirectorySearchFindsWhomToShareWith(t *testing.T) {
	in := start(t)
	secondCollege(t, in)
	prof := in.as("prof.bernard")

	found := prof.search("6A", nil)
	want := []string{"6A", "6A — élèves", "6A — parents", "6A — enseignants"}
	if !slices.Equal(labels(found), want) {
		t.Fatalf("6A: %v, want %v", labels(found), want)
	}
	for i, p := range []string{"", "Student", "Relative", "Teacher"} {
		g := found[i].Grantee
		if g.Kind != "group" || g.ID != "0600001A-6A" || g.Profile != p || found[i].Detail != "Classe · Collège Jean Moulin" {
			t.Errorf("6A candidate %d = %+v", i, found[i])
		}
	}
	// Accents and case do not matter; a name's prefix comes before a later word's.
	if got := labels(prof.search("mart", nil)); !slices.Equal(got, []string{"Martin Meunier", "Claire Martin"}) {
		t.Errorf("mart: %v, want Martin Meunier then Claire Martin (and no one of the other college)", got)
	}
	// (All its members are pupils: no narrowing is offered, it would be the same people.)
	if got := labels(prof.search("ELEVE", nil)); !slices.Equal(got, []string{"Élèves délégués"}) {
		t.Errorf("ELEVE: %v, want the group Élèves délégués", got)
	}
	if got := labels(prof.search("stéph lef", nil)); !slices.Equal(got, []string{"Stéphane Lefebvre", "Stéphane Lefèvre"}) {
		t.Errorf("stéph lef: %v", got)
	}
	if got := prof.search("lefevre", nil); len(got) != 2 || got[0].Detail != "Parent" || got[1].Detail != "Élève" {
		t.Errorf("lefevre: %+v, want Stéphane (parent) then Théo (pupil) Lefèvre", got)
	}
	// The establishment itself, narrowed to a profile.
	if got := prof.search("collège jean", nil); len(got) != 5 || got[0].Label != "Collège Jean Moulin — enseignants" || got[0].Grantee.Kind != "structure" || got[0].Grantee.Profile != "Teacher" {
		t.Errorf("collège jean: %+v", got)
	}
	// In English.
	en := prof.search("6a", map[string]string{"Accept-Language": "en"})
	if len(en) < 2 || en[1].Label != "6A — pupils" || en[1].Detail != "Class · Collège Jean Moulin" {
		t.Errorf("6a in English: %+v", en)
	}
	// Never oneself.
	if got := labels(prof.search("bernard", nil)); len(got) != 0 {
		t.Errorf("bernard (the searcher's own name): %v", got)
	}
	// Limits and bad queries.
	if got := prof.search("m", nil); len(got) != 20 {
		t.Errorf("m: %d candidates, want the default limit, 20", len(got))
	}
	// The list shape: a page and the cursor of the next one, bound to the search.
	r := prof.get("/api/v1/directory/search?q=m&limit=3")
	wantStatus(t, r, http.StatusOK, "limit 3")
	var page struct {
		Items      []candidate `json:"items"`
		NextCursor string      `json:"next_cursor"`
	}
	r.json(t, &page)
	if len(page.Items) != 3 || page.NextCursor == "" {
		t.Fatalf("limit=3 gave %d, cursor %q", len(page.Items), page.NextCursor)
	}
	r = prof.get("/api/v1/directory/search?q=m&limit=3&cursor=" + page.NextCursor)
	wantStatus(t, r, http.StatusOK, "next page")
	var next struct{ Items []candidate }
	r.json(t, &next)
	if all := prof.search("m", nil); len(next.Items) != 3 || !slices.Equal(labels(next.Items), labels(all[3:6])) {
		t.Errorf("the second page %v is not the 4th to 6th of %v", labels(next.Items), labels(all))
	}
	wantProblem(t, prof.get("/api/v1/directory/search?q=ma&cursor="+page.NextCursor), http.StatusBadRequest, "invalid_request", "another search's cursor")
	wantProblem(t, prof.get("/api/v1/directory/search?q=m&limit=1001"), http.StatusBadRequest, "invalid_request", "limit 1001")
	wantProblem(t, prof.get("/api/v1/directory/search"), http.StatusBadRequest, "invalid_request", "no q")
	if got := prof.search("— ’ -", nil); len(got) != 0 {
		t.Errorf("a query without a word found %v", labels(got))
	}
}

// TestDirectorySearchVisibility: pupils and parents find their own groups and their
// members, teachers their establishments', nobody across establishments; and every
// candidate offered is a grantee the caller may share with.
func TestDirectorySearchVisibility(t *testing.T) {
	in := start(t)
	secondCollege(t, in)
	tests := []struct {
		who, q       string
		want, absent []string // ids
	}{
		{"eleve.6a.01", "6", []string{"0600001A-6A"}, []string{"0600001A-5B", "0600002B-6A"}},
		{"eleve.6a.01", "ma", []string{"eleve.6a.05", "eleve.6a.13", "parent.6a.13", "prof.martin"},
			[]string{"eleve.5b.03", "eleve.5b.09", "eleve.5b.25", "prof.hugo", "eleve.hugo", "eleve.6a.01"}},
		{"eleve.6a.01", "dupont", []string{"parent.6a.01"}, nil},
		// Léa is in the delegates' group with a 5B pupil: that pupil is hers to find,
		// not the 5B pupils who are not in it.
		{"eleve.6a.01", "ethan", []string{"eleve.5b.01"}, nil},
		{"eleve.6a.01", "louise", nil, []string{"eleve.5b.02"}},
		{"eleve.6a.01", "deleg", []string{"0600001A-DELEG"}, nil},
		{"parent.6a.13", "sarah", []string{"eleve.6a.13"}, nil},
		{"parent.6a.13", "5b", nil, []string{"0600001A-5B"}},
		{"eleve.5b.25", "mart", []string{"prof.martin"}, []string{"eleve.5b.25", "prof.hugo"}},
		{"prof.martin", "6a", []string{"0600001A-6A"}, []string{"0600002B-6A"}},
		{"prof.martin", "5b", []string{"0600001A-5B"}, nil},
		{"prof.martin", "mart", []string{"eleve.5b.25"}, []string{"prof.hugo", "eleve.hugo", "prof.martin"}},
		{"prof.hugo", "6a", []string{"0600002B-6A"}, []string{"0600001A-6A"}},
		{"prof.hugo", "mart", []string{"eleve.hugo"}, []string{"prof.martin", "eleve.5b.25"}},
		{"prof.hugo", "coll", []string{"0600002B"}, []string{"0600001A"}},
		{"eleve.hugo", "coll", nil, []string{"0600002B", "0600001A"}},
		{"admin.college", "lemoine", nil, []string{"admin.college"}},
		{"admin.college", "bernard", []string{"prof.bernard"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.q, func(t *testing.T) {
			u := in.as(tt.who)
			found := u.search(tt.q, nil)
			got := ids(found)
			for _, id := range tt.want {
				if !slices.Contains(got, id) {
					t.Errorf("%s does not find %s with %q in %v", tt.who, id, tt.q, got)
				}
			}
			for _, id := range tt.absent {
				if slices.Contains(got, id) {
					t.Errorf("%s finds %s with %q", tt.who, id, tt.q)
				}
			}
			// What the search offers is shareable: each candidate, as is, in a grant.
			folder := u.mkdir(u.home(), "Partage "+strings.ReplaceAll(tt.q, "/", "-"))
			for _, c := range found {
				grantee := map[string]any{"kind": c.Grantee.Kind, "id": c.Grantee.ID}
				if c.Grantee.Profile != "" {
					grantee["profile"] = c.Grantee.Profile
				}
				wantStatus(t, u.shareWith(folder.ID, grantee, "viewer", nil), http.StatusCreated, tt.who+" shares with "+c.Label)
			}
		})
	}
}

// TestShareWithANameSaysHowToFindTheID: "6A" is a class's name, not its id: the 400
// says so and where to look it up.
func TestShareWithANameSaysHowToFindTheID(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Cours")
	r := prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "6A", "profile": "Student"}, "viewer", nil)
	wantProblem(t, r, http.StatusBadRequest, "invalid_request", "share with a group's name")
	var p struct {
		Title  string         `json:"title"`
		Detail string         `json:"detail"`
		Fields map[string]any `json:"fields"`
	}
	r.json(t, &p)
	if !strings.Contains(p.Detail, "/api/v1/directory/search?q=6A") || p.Fields["search"] != "/api/v1/directory/search?q=6A" ||
		p.Fields["field"] != "grantee.id" || !strings.Contains(p.Title, "« 6A »") {
		t.Errorf("problem = %+v", p)
	}
	// The search it names gives the id that works.
	found := prof.search("6A", nil)
	if len(found) < 2 || found[1].Grantee.Profile != "Student" {
		t.Fatalf("search 6A: %+v", found)
	}
	g := found[1].Grantee
	wantStatus(t, prof.shareWith(folder.ID, map[string]any{"kind": g.Kind, "id": g.ID, "profile": g.Profile}, "viewer", nil), http.StatusCreated, "share with the id found")
}
