package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

func randomData(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTeacherJourney walks what a teacher does in a day, through the HTTP API.
func TestTeacherJourney(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()

	folder := prof.mkdir(home, "Séquence 1")
	data := randomData(t, 12<<20+123)
	file := prof.mustUpload(folder.ID, "Cours été.bin", data)
	if file.Size != int64(len(data)) || file.Kind != "file" || *file.ParentID != folder.ID {
		t.Fatalf("uploaded = %+v", file)
	}

	// Whole download, conditional download, ranges.
	r := prof.get(itemPath(file.ID, "/content"))
	wantStatus(t, r, http.StatusOK, "download")
	if !bytes.Equal(r.body, data) {
		t.Fatal("downloaded bytes differ")
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("ETag") != file.ETag {
		t.Errorf("download headers: %v", r.Header)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''Cours%20%C3%A9t%C3%A9.bin") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	r = prof.do(http.MethodGet, itemPath(file.ID, "/content"), nil, map[string]string{"If-None-Match": file.ETag})
	wantStatus(t, r, http.StatusNotModified, "conditional download")
	for _, rg := range []struct {
		header     string
		start, end int
	}{{"bytes=0-99", 0, 99}, {"bytes=1000000-", 1000000, len(data) - 1}, {"bytes=-500", len(data) - 500, len(data) - 1}} {
		r = prof.do(http.MethodGet, itemPath(file.ID, "/content"), nil, map[string]string{"Range": rg.header})
		wantStatus(t, r, http.StatusPartialContent, rg.header)
		if !bytes.Equal(r.body, data[rg.start:rg.end+1]) {
			t.Errorf("%s: wrong bytes", rg.header)
		}
		if want := fmt.Sprintf("bytes %d-%d/%d", rg.start, rg.end, len(data)); r.Header.Get("Content-Range") != want {
			t.Errorf("%s: Content-Range %q, want %q", rg.header, r.Header.Get("Content-Range"), want)
		}
	}
	r = prof.do(http.MethodGet, itemPath(file.ID, "/content"), nil, map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data))})
	wantProblem(t, r, http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable", "range past the end")

	// Rename with If-Match, then a stale If-Match is refused.
	r = prof.sendJSON(http.MethodPatch, itemPath(file.ID), map[string]any{"name": "Cours.bin"}, map[string]string{"If-Match": file.ETag})
	wantStatus(t, r, http.StatusOK, "rename")
	renamed := r.item(t)
	r = prof.sendJSON(http.MethodPatch, itemPath(file.ID), map[string]any{"name": "X.bin"}, map[string]string{"If-Match": file.ETag})
	wantProblem(t, r, http.StatusPreconditionFailed, "precondition_failed", "stale If-Match")

	// Move, copy (no byte copied), new version, restore the old one.
	archive := prof.mkdir(home, "Archives")
	r = prof.sendJSON(http.MethodPatch, itemPath(file.ID), map[string]any{"parent_id": archive.ID}, map[string]string{"If-Match": renamed.ETag})
	wantStatus(t, r, http.StatusOK, "move")
	r = prof.sendJSON(http.MethodPost, itemPath(file.ID, "/copy"), map[string]any{"parent_id": folder.ID}, nil)
	wantStatus(t, r, http.StatusCreated, "copy")
	cp := r.item(t)
	if blobs := in.count(t, `SELECT count(*) FROM blobs`); blobs != 1 {
		t.Errorf("%d blobs after copy, want 1", blobs)
	}
	v2 := []byte("version deux")
	r = prof.do(http.MethodPut, itemPath(cp.ID, "/content"), bytes.NewReader(v2), map[string]string{"If-Match": cp.ETag})
	wantStatus(t, r, http.StatusOK, "new version")
	var versions struct {
		Items []struct {
			ID      string `json:"id"`
			Number  int    `json:"number"`
			Current bool   `json:"current"`
		} `json:"items"`
	}
	prof.get(itemPath(cp.ID, "/versions")).json(t, &versions)
	if len(versions.Items) != 2 || versions.Items[0].Number != 2 {
		t.Fatalf("versions = %+v", versions)
	}
	old := versions.Items[1].ID
	r = prof.get(itemPath(cp.ID, "/versions/", old, "/content"))
	if !bytes.Equal(r.body, data) {
		t.Error("old version's bytes differ")
	}
	r = prof.do(http.MethodPost, itemPath(cp.ID, "/versions/", old, "/restore"), nil, nil)
	wantStatus(t, r, http.StatusOK, "restore version")
	if !bytes.Equal(prof.get(itemPath(cp.ID, "/content")).body, data) {
		t.Error("restored version's bytes differ")
	}

	// Trash the folder with the copy, restore it, trash again and purge.
	r = prof.do(http.MethodDelete, itemPath(folder.ID), nil, nil)
	wantStatus(t, r, http.StatusNoContent, "trash")
	wantProblem(t, prof.get(itemPath(cp.ID)), http.StatusNotFound, "not_found", "item in trash")
	var trash struct {
		Items []apiItem `json:"items"`
	}
	prof.get("/api/v1/trash").json(t, &trash)
	if len(trash.Items) != 1 || trash.Items[0].ID != folder.ID {
		t.Fatalf("trash = %+v", trash.Items)
	}
	wantStatus(t, prof.do(http.MethodPost, itemPath(folder.ID, "/restore"), nil, nil), http.StatusOK, "restore")
	wantStatus(t, prof.get(itemPath(cp.ID)), http.StatusOK, "restored child")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID), nil, nil), http.StatusNoContent, "trash again")
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/trash/"+folder.ID, nil, nil), http.StatusNoContent, "purge")
	wantProblem(t, prof.do(http.MethodPost, itemPath(folder.ID, "/restore"), nil, nil), http.StatusNotFound, "not_found", "restore purged")
	// The original file still reads: its blob was shared, not purged.
	if !bytes.Equal(prof.get(itemPath(file.ID, "/content")).body, data) {
		t.Error("purging the copy damaged the original")
	}
	if blobs := in.count(t, `SELECT count(*) FROM blobs`); blobs != 1 {
		t.Errorf("%d blobs after purge, want 1 (version 2's blob is gone)", blobs)
	}
}

// TestPupilCannotReachTeacherItems walks every item route with a pupil's token on a
// teacher's ids, and on another pupil's: every answer is a 404, and nothing changes.
func TestPupilCannotReachTeacherItems(t *testing.T) {
	for _, owner := range []string{"prof.martin", "eleve.6a.02"} {
		t.Run(owner, func(t *testing.T) { walkForeignIDs(t, owner) })
	}
}

func walkForeignIDs(t *testing.T, owner string) {
	in := start(t)
	prof, pupil := in.as(owner), in.as("eleve.6a.01")
	folder := prof.mkdir(prof.home(), "Corrections")
	file := prof.mustUpload(folder.ID, "corrigé.txt", []byte("réponses"))
	trashed := prof.mustUpload(folder.ID, "brouillon.txt", []byte("brouillon"))
	wantStatus(t, prof.do(http.MethodDelete, itemPath(trashed.ID), nil, nil), http.StatusNoContent, "trash")
	var versions struct {
		Items []struct{ ID string } `json:"items"`
	}
	prof.get(itemPath(file.ID, "/versions")).json(t, &versions)
	version := versions.Items[0].ID
	pupilHome := pupil.home()
	own := pupil.mustUpload(pupilHome, "mon-fichier.txt", []byte("à moi"))
	before := in.count(t, `SELECT sum(revision) FROM items`)

	routes := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, itemPath(file.ID), nil},
		{http.MethodGet, itemPath(folder.ID), nil},
		{http.MethodPatch, itemPath(file.ID), map[string]any{"name": "pris.txt"}},
		{http.MethodPatch, itemPath(file.ID), map[string]any{"parent_id": pupilHome}},
		{http.MethodDelete, itemPath(file.ID), nil},
		{http.MethodGet, itemPath(folder.ID, "/children"), nil},
		{http.MethodPost, itemPath(folder.ID, "/children"), map[string]any{"name": "intrus", "folder": map[string]any{}}},
		{http.MethodGet, itemPath(file.ID, "/content"), nil},
		{http.MethodHead, itemPath(file.ID, "/content"), nil},
		{http.MethodPut, itemPath(file.ID, "/content"), "raw"},
		{http.MethodPost, itemPath(file.ID, "/copy"), map[string]any{"parent_id": pupilHome}},
		{http.MethodPost, itemPath(own.ID, "/copy"), map[string]any{"parent_id": folder.ID}},
		{http.MethodPatch, itemPath(own.ID), map[string]any{"parent_id": folder.ID}},
		{http.MethodPost, itemPath(trashed.ID, "/restore"), nil},
		{http.MethodGet, itemPath(file.ID, "/versions"), nil},
		{http.MethodGet, itemPath(file.ID, "/versions/", version, "/content"), nil},
		{http.MethodPost, itemPath(file.ID, "/versions/", version, "/restore"), nil},
		{http.MethodDelete, "/api/v1/trash/" + trashed.ID, nil},
		{http.MethodGet, itemPath(folder.ID, "/permissions"), nil},
		{http.MethodPost, itemPath(folder.ID, "/permissions"), map[string]any{"grantee": map[string]any{"kind": "user", "id": "eleve.6a.01"}, "role": "manager"}},
		{http.MethodPatch, itemPath(folder.ID, "/permissions/0190b0b0-0000-7000-8000-000000000000"), map[string]any{"role": "manager"}},
		{http.MethodDelete, itemPath(folder.ID, "/permissions/0190b0b0-0000-7000-8000-000000000000"), nil},
		{http.MethodGet, itemPath(folder.ID, "/links"), nil},
		{http.MethodPost, itemPath(folder.ID, "/links"), map[string]any{"kind": "view", "expires_at": "2027-01-01T00:00:00Z"}},
		{http.MethodDelete, itemPath(folder.ID, "/links/0190b0b0-0000-7000-8000-000000000000"), nil},
	}
	for _, rt := range routes {
		var r response
		switch body := rt.body.(type) {
		case nil:
			r = pupil.do(rt.method, rt.path, nil, nil)
		case string:
			r = pupil.do(rt.method, rt.path, strings.NewReader(body), nil)
		default:
			r = pupil.sendJSON(rt.method, rt.path, body, nil)
		}
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s as a pupil: %d, want 404: %s", rt.method, rt.path, r.StatusCode, r.body)
		}
	}
	// A multipart upload into the teacher's folder is a 404 too.
	wantStatus(t, pupil.upload(folder.ID, "intrus.txt", []byte("x"), ""), http.StatusNotFound, "pupil upload")
	if after := in.count(t, `SELECT sum(revision) FROM items`); after != before {
		t.Errorf("items changed under a pupil's requests (revisions %d → %d)", before, after)
	}
	var trash struct {
		Items []apiItem `json:"items"`
	}
	pupil.get("/api/v1/trash").json(t, &trash)
	if len(trash.Items) != 0 {
		t.Errorf("the pupil's trash lists %d of the teacher's items", len(trash.Items))
	}
}

// TestClassSpaces: a 6A pupil works in 6A's space and cannot touch 5B's; a parent of
// 6A has no class space.
func TestClassSpaces(t *testing.T) {
	in := start(t)
	pupil, prof := in.as("eleve.6a.01"), in.as("prof.martin")
	class6A := pupil.space("group", "6A")
	class5B := prof.space("group", "5B")
	hw := pupil.mustUpload(class6A, "exposé.txt", []byte("les volcans"))
	classmate := in.as("eleve.6a.02")
	if got := classmate.get(itemPath(hw.ID, "/content")); !bytes.Equal(got.body, []byte("les volcans")) {
		t.Errorf("a classmate cannot read the class file: %d", got.StatusCode)
	}
	wantStatus(t, pupil.upload(class5B, "x.txt", []byte("x"), ""), http.StatusNotFound, "upload to 5B")
	wantStatus(t, pupil.get(itemPath(class5B, "/children")), http.StatusNotFound, "list 5B")
	var spaces struct {
		Spaces []struct{ Kind string } `json:"spaces"`
	}
	in.as("parent.6a.01").get("/api/v1/spaces").json(t, &spaces)
	for _, sp := range spaces.Spaces {
		if sp.Kind != "personal" {
			t.Errorf("a parent sees a %s space", sp.Kind)
		}
	}
}

// TestBadInputChangesNothing sends what a careless or hostile client would.
func TestBadInputChangesNothing(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()
	prof.mkdir(home, "Existant")
	before := in.count(t, `SELECT count(*) FROM items`)
	json := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name         string
		method, path string
		body         string
		header       map[string]string
		status       int
		code         string
	}{
		{"slash in name", http.MethodPost, itemPath(home, "/children"), `{"name":"a/b","folder":{}}`, json, 400, "invalid_name"},
		{"empty name", http.MethodPost, itemPath(home, "/children"), `{"name":"","folder":{}}`, json, 400, "invalid_name"},
		{"control char", http.MethodPost, itemPath(home, "/children"), `{"name":"a\u0007b","folder":{}}`, json, 400, "invalid_name"},
		{"too long", http.MethodPost, itemPath(home, "/children"), `{"name":"` + strings.Repeat("é", 200) + `","folder":{}}`, json, 400, "invalid_name"},
		{"name clash", http.MethodPost, itemPath(home, "/children"), `{"name":"EXISTANT","folder":{}}`, json, 409, "name_conflict"},
		{"garbage body", http.MethodPost, itemPath(home, "/children"), `{"name": oops`, json, 400, "invalid_request"},
		{"unknown field", http.MethodPost, itemPath(home, "/children"), `{"name":"x","folder":{},"admin":true}`, json, 400, "invalid_request"},
		{"no folder facet", http.MethodPost, itemPath(home, "/children"), `{"name":"x"}`, json, 400, "invalid_request"},
		{"bad id", http.MethodGet, "/api/v1/items/not-an-id", "", nil, 404, "not_found"},
		{"unknown id", http.MethodGet, "/api/v1/items/0190b0b0-0000-7000-8000-000000000000", "", nil, 404, "not_found"},
		{"wrong If-Match", http.MethodPatch, itemPath(home), `{"name":"x"}`, map[string]string{"Content-Type": "application/json", "If-Match": `"999"`}, 412, "precondition_failed"},
		{"bad conflict option", http.MethodPost, itemPath(home, "/children?conflict=maybe"), `{"name":"y","folder":{}}`, json, 400, "invalid_request"},
		{"bad sort", http.MethodGet, itemPath(home, "/children?sort=colour"), "", nil, 400, "invalid_request"},
		{"bad limit", http.MethodGet, itemPath(home, "/children?limit=0x10"), "", nil, 400, "invalid_request"},
		{"bad cursor", http.MethodGet, itemPath(home, "/children?cursor=garbage"), "", nil, 400, "invalid_request"},
		{"multipart without file", http.MethodPost, itemPath(home, "/children"), "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n", map[string]string{"Content-Type": "multipart/form-data; boundary=b"}, 400, "invalid_request"},
		{"unknown route", http.MethodGet, "/api/v1/nope", "", nil, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var r response
			if body == nil {
				r = prof.do(tc.method, tc.path, nil, tc.header)
			} else {
				r = prof.do(tc.method, tc.path, body, tc.header)
			}
			wantProblem(t, r, tc.status, tc.code, tc.name)
		})
	}
	if after := in.count(t, `SELECT count(*) FROM items`); after != before {
		t.Errorf("%d items before, %d after the bad requests", before, after)
	}
}

// TestAuthentication: no token, a forged one, a stranger's: 401 problems.
func TestAuthentication(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	forged := prof.token[:len(prof.token)-4] + "AAAA"
	for name, token := range map[string]string{"missing": "", "garbage": "abc.def.ghi", "forged signature": forged} {
		r := in.do(http.MethodGet, "/api/v1/spaces", token, nil, nil)
		wantProblem(t, r, http.StatusUnauthorized, "unauthorized", name)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate header", name)
		}
	}
	wantProblem(t, in.do(http.MethodGet, "/dev/token?user=nobody", "", nil, nil), http.StatusNotFound, "not_found", "token for unknown user")
	// Provisioning needs the admin scope: a teacher's token is refused.
	wantProblem(t, prof.sendJSON(http.MethodPut, "/api/v1/admin/structures/0600002B", map[string]any{"uai": "0600002B", "name": "X"}, nil), http.StatusForbidden, "forbidden", "teacher provisioning")
}

// TestProvisioning: the ENT directory pushes a new pupil with a service token; the
// pupil can then use the class space at once.
func TestProvisioning(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	r := svc.sendJSON(http.MethodPut, "/api/v1/admin/users/eleve.6a.26", map[string]any{
		"display_name": "Nouvel Élève", "profile": "Student",
		"structures": []map[string]any{{"structure_id": "0600001A"}},
	}, nil)
	wantStatus(t, r, http.StatusOK, "upsert user")
	r = svc.get("/api/v1/admin/groups/0600001A-6A")
	wantStatus(t, r, http.StatusOK, "get group")
	var group map[string]any
	r.json(t, &group)
	group["members"] = append(group["members"].([]any), map[string]any{"user_id": "eleve.6a.26", "profile": "Student"})
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/0600001A-6A", group, nil), http.StatusOK, "upsert group")
	// Idempotent: the same upsert again is fine.
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/0600001A-6A", group, nil), http.StatusOK, "upsert group again")
	newcomer := in.as("eleve.6a.26")
	newcomer.mustUpload(newcomer.space("group", "6A"), "bonjour.txt", []byte("bonjour"))
	wantProblem(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/structures/bad", map[string]any{"uai": "nope", "name": "X"}, nil), http.StatusBadRequest, "invalid_request", "bad UAI")
	// A user with no structure yet: the answer says [] (the contract check refuses null).
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/invite.1", map[string]any{"display_name": "Invité", "profile": "Guest"}, nil), http.StatusOK, "user without structures")
}

// TestOperations: health, readiness, metrics and the served contract.
func TestOperations(t *testing.T) {
	in := start(t)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.yaml"} {
		wantStatus(t, in.do(http.MethodGet, path, "", nil, nil), http.StatusOK, path)
	}
	in.as("prof.martin").get("/api/v1/spaces")
	r := in.do(http.MethodGet, "/metrics", "", nil, nil)
	if !bytes.Contains(r.body, []byte(`cartable_http_requests_total{method="GET",route="/api/v1/spaces",status="200"}`)) {
		t.Errorf("metrics lack the request counter:\n%.2000s", r.body)
	}
	if r := in.do(http.MethodGet, "/api/v1/spaces", "", nil, nil); r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on an answer")
	}
}

func (in *instance) count(t *testing.T, sql string) int64 {
	t.Helper()
	var n int64
	if err := in.app.pool.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestSecurityHeaders: JSON answers, problems included, are never sniffed or framed.
func TestSecurityHeaders(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	for _, r := range []response{prof.get("/api/v1/spaces"), prof.get(itemPath("01a2358d-5016-70eb-9934-bc0360814a05"))} {
		h := r.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%d answer's headers: %v", r.StatusCode, h)
		}
	}
}

// TestMetricsAreForTheScraper: /metrics answers the scraper's token, or without one
// a scraper on this machine; not a client from elsewhere.
func TestMetricsAreForTheScraper(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		in := startWith(t, func(cfg *Config) { cfg.MetricsToken = "s3cret-scraper" })
		wantStatus(t, in.do(http.MethodGet, "/metrics", "", nil, nil), http.StatusNotFound, "no token")
		wantStatus(t, in.do(http.MethodGet, "/metrics", "wrong", nil, nil), http.StatusNotFound, "wrong token")
		wantStatus(t, in.do(http.MethodGet, "/metrics", "s3cret-scraper", nil, nil), http.StatusOK, "the scraper's token")
	})
	t.Run("from elsewhere", func(t *testing.T) {
		in := startWith(t, func(cfg *Config) { cfg.TrustedProxies = "127.0.0.1" })
		wantStatus(t, in.do(http.MethodGet, "/metrics", "", nil, map[string]string{"X-Forwarded-For": "203.0.113.9"}), http.StatusNotFound, "a client through the proxy")
		wantStatus(t, in.do(http.MethodGet, "/metrics", "", nil, nil), http.StatusOK, "a scraper on this machine")
	})
}

// TestReadyzReportsADeadIdentityProvider: the identity provider's outage is reported
// on /readyz without taking the node out (tokens already keyed still verify).
func TestReadyzReportsADeadIdentityProvider(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	in := startWith(t, func(cfg *Config) { cfg.OIDCIssuer, cfg.OIDCAudience = "http://"+dead.Addr().String(), "cartable" })
	r := in.do(http.MethodGet, "/readyz", "", nil, nil)
	if r.StatusCode != http.StatusOK || !bytes.Contains(r.body, []byte(`"identity_provider":"unreachable"`)) {
		t.Errorf("/readyz with the identity provider down: %d %s", r.StatusCode, r.body)
	}
}
