package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestWebAppBesideTheAPI: the app's shell answers any app path, the API's paths
// stay the API's (an unknown one is still a problem, never the shell), and what
// the app needed from the API is there: the dev users to pick from, and who a
// grant names in words.
func TestWebAppBesideTheAPI(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.CORSOrigins = "https://ent.example.fr" })
	for _, path := range []string{"/", "/dossiers/0195b8f2-6c1e-7a40-9d1e-3f5a2b8c4d01", "/partages"} {
		res, err := in.http.Get(in.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `<script type="module" src="/assets/js/main.js">`) {
			t.Fatalf("%s: %d %.200s", path, res.StatusCode, body)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://ent.example.fr") {
			t.Errorf("%s: CSP %q: the portal (the CORS origin) may not frame the app", path, csp)
		}
	}
	wantProblem(t, in.do(http.MethodGet, "/api/v2/items", "", nil, nil), http.StatusNotFound, "not_found", "unknown API path")
	wantProblem(t, in.do(http.MethodGet, "/dev/nope", "", nil, nil), http.StatusNotFound, "not_found", "unknown dev path")

	// The dev sign-in's list: teachers first.
	r := in.do(http.MethodGet, "/dev/users", "", nil, nil)
	wantStatus(t, r, http.StatusOK, "dev users")
	var users struct {
		Users []struct{ ID, Profile string }
	}
	r.json(t, &users)
	if len(users.Users) < 100 || users.Users[0].Profile != "Teacher" {
		t.Fatalf("dev users: %d, first %+v", len(users.Users), users.Users[0])
	}

	// The list of an item's grants names the grantees as people say them.
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Sorties")
	for _, g := range []map[string]any{
		{"kind": "group", "id": "0600001A-6A", "profile": "Relative"},
		{"kind": "user", "id": "prof.bernard"},
		{"kind": "structure", "id": "0600001A", "profile": "Teacher"},
	} {
		wantStatus(t, prof.shareWith(folder.ID, g, "viewer", nil), http.StatusCreated, "share")
	}
	var grants struct {
		Items []struct{ Label string }
	}
	prof.get(itemPath(folder.ID, "/permissions")).json(t, &grants)
	var labels []string
	for _, g := range grants.Items {
		labels = append(labels, g.Label)
	}
	if got, want := strings.Join(labels, " | "), "6A — parents | Hugo Bernard | Collège Jean Moulin — enseignants"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
	prof.do(http.MethodGet, itemPath(folder.ID, "/permissions"), nil, map[string]string{"Accept-Language": "en"}).json(t, &grants)
	if grants.Items[0].Label != "6A — parents" || grants.Items[2].Label != "Collège Jean Moulin — teachers" {
		t.Errorf("English labels: %+v", grants.Items)
	}

	// "Shared with me" says who shared, by name.
	var shared struct {
		Items []struct {
			Name         string
			SharedBy     string `json:"shared_by"`
			SharedByName string `json:"shared_by_name"`
		}
	}
	colleague := in.as("prof.bernard")
	colleague.get("/api/v1/shared").json(t, &shared)
	if len(shared.Items) != 1 || shared.Items[0].SharedBy != "prof.martin" || shared.Items[0].SharedByName != "Claire Martin" {
		t.Errorf("shared with prof.bernard: %+v", shared.Items)
	}
}
