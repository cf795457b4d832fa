package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBadTextIsRefusedAtTheEdge sends a NUL byte and invalid UTF-8 through every
// kind of text input of every route family — path and query parameters, text
// headers, JSON strings, multipart names, tus metadata — as a pupil, a teacher, a
// local admin, the provisioning service and a link's visitor. PostgreSQL refuses
// such text; each must be a 400 invalid_request naming the field, never a 500.
func TestBadTextIsRefusedAtTheEdge(t *testing.T) {
	in := start(t)
	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.01")
	svc, localAdmin := in.as("service.provisioning"), in.as("admin.college")
	home := prof.home()
	folder := prof.mkdir(home, "Textes")
	file := prof.mustUpload(folder.ID, "a.txt", []byte("a"))
	mine := pupil.mustUpload(pupil.home(), "devoir.txt", []byte("devoir"))
	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	var grant struct{ ID string }
	r := prof.sendJSON(http.MethodPost, itemPath(folder.ID, "/permissions"), map[string]any{"grantee": map[string]any{"kind": "user", "id": "prof.bernard"}, "role": "viewer"}, nil)
	wantStatus(t, r, http.StatusCreated, "share")
	r.json(t, &grant)
	view, drop := newLink(t, prof, folder.ID, "view", expires), newLink(t, prof, prof.mkdir(home, "Dépôt").ID, "upload", expires)

	jsonType := map[string]string{"Content-Type": "application/json"}
	tusHeader := func(meta string) map[string]string {
		return map[string]string{"Tus-Resumable": "1.0.0", "Upload-Length": "3", "Upload-Metadata": meta}
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name         string
		as           *user // nil: no token (a link's visitor)
		method, path string
		body         string
		header       map[string]string
		field        string
	}{
		// Path parameters.
		{"item id", prof, "GET", "/api/v1/items/%00", "", nil, "id"},
		{"children id", prof, "GET", "/api/v1/items/%FF/children", "", nil, "id"},
		{"version id", prof, "GET", itemPath(file.ID, "/versions/%00/content"), "", nil, "version"},
		{"permission id", prof, "PATCH", itemPath(folder.ID, "/permissions/%FF"), `{"role":"viewer"}`, jsonType, "permission"},
		{"link id", prof, "DELETE", itemPath(folder.ID, "/links/a%00"), "", nil, "link"},
		{"thumbnail size", prof, "GET", itemPath(file.ID, "/thumbnails/sm%00"), "", nil, "size"},
		{"trash id", prof, "DELETE", "/api/v1/trash/%FF", "", nil, "id"},
		{"space id", prof, "GET", "/api/v1/spaces/%00/shared", "", nil, "id"},
		{"link token", nil, "GET", "/api/v1/links/%00", "", nil, "token"},
		{"link token, children", nil, "GET", "/api/v1/links/x%FF/items/" + folder.ID + "/children", "", nil, "token"},
		{"structure id", svc, "GET", "/api/v1/admin/structures/%00", "", nil, "id"},
		{"user id", svc, "PUT", "/api/v1/admin/users/x%FF", `{"display_name":"X","profile":"Student"}`, jsonType, "id"},
		{"group id", svc, "DELETE", "/api/v1/admin/groups/%00", "", nil, "id"},
		{"quota user id, pupil", pupil, "PUT", "/api/v1/admin/quota/users/0600001A%00", `{"limit_bytes":1}`, jsonType, "id"},
		{"quota user id, local admin", localAdmin, "PUT", "/api/v1/admin/quota/users/0600001A%00", `{"limit_bytes":1}`, jsonType, "id"},
		{"quota structure id", svc, "GET", "/api/v1/admin/quota/structures/%FF", "", nil, "id"},
		{"quota csv id", localAdmin, "GET", "/api/v1/admin/quota/structures/%00/usage.csv", "", nil, "id"},
		{"quota subject", svc, "PUT", "/api/v1/admin/quota/structures/0600001A/defaults/Stu%00", `{"limit_bytes":1}`, jsonType, "subject"},
		{"previews structure", svc, "POST", "/api/v1/admin/structures/%00/previews", "", nil, "id"},
		{"upload id", prof, "HEAD", "/api/v1/uploads/%FF", "", map[string]string{"Tus-Resumable": "1.0.0"}, "id"},
		// Query parameters.
		{"cursor", prof, "GET", itemPath(folder.ID, "/children?cursor=%00"), "", nil, "cursor"},
		{"sort", prof, "GET", itemPath(folder.ID, "/children?sort=%FF"), "", nil, "sort"},
		{"space_id", prof, "GET", "/api/v1/trash?space_id=%00", "", nil, "space_id"},
		{"shared cursor", pupil, "GET", "/api/v1/shared?cursor=%FF", "", nil, "cursor"},
		{"events after", svc, "GET", "/api/v1/events?after=1%00", "", nil, "after"},
		{"dev token user", nil, "GET", "/dev/token?user=prof.martin%00", "", nil, "user"},
		{"download", prof, "GET", itemPath(file.ID, "/content?download=%FF"), "", nil, "download"},
		{"thumbnail token", prof, "GET", itemPath(file.ID, "/thumbnails/small?v=%00"), "", nil, "v"},
		{"previews all", localAdmin, "POST", "/api/v1/admin/structures/0600001A/previews?all=%FF", "", nil, "all"},
		{"query key", prof, "GET", "/api/v1/spaces?%00=1", "", nil, "\x00"},
		// Not text, but refused at the same edge: a page of 0 (or 1001) items.
		{"limit 0, children", prof, "GET", itemPath(folder.ID, "/children?limit=0"), "", nil, "limit"},
		{"limit 0, trash", prof, "GET", "/api/v1/trash?limit=0", "", nil, "limit"},
		{"limit 1001, shared", pupil, "GET", "/api/v1/shared?limit=1001", "", nil, "limit"},
		{"limit 0, events", svc, "GET", "/api/v1/events?limit=0", "", nil, "limit"},
		{"limit 0, link", nil, "GET", "/api/v1/links/" + view + "/items/" + folder.ID + "/children?limit=0", "", nil, "limit"},
		// Text headers (net/http sends no NUL in a header, but does send other bytes).
		{"If-Match", prof, "PATCH", itemPath(file.ID), `{"name":"b.txt"}`, map[string]string{"Content-Type": "application/json", "If-Match": "\"\xff\""}, "If-Match"},
		{"If-None-Match", prof, "GET", itemPath(file.ID), "", map[string]string{"If-None-Match": "\xff"}, "If-None-Match"},
		{"If-Match of a version", prof, "PUT", itemPath(file.ID, "/content"), "b", map[string]string{"If-Match": "\xfe"}, "If-Match"},
		{"link password", nil, "GET", "/api/v1/links/" + view, "", map[string]string{"Cartable-Link-Password": "mot\xff"}, "Cartable-Link-Password"},
		// JSON bodies, keys and values, NUL escaped or invalid UTF-8 raw.
		{"folder name NUL", prof, "POST", itemPath(home, "/children"), `{"name":"a\u0000b","folder":{}}`, jsonType, "name"},
		{"folder name UTF-8", prof, "POST", itemPath(home, "/children"), "{\"name\":\"a\xffb\",\"folder\":{}}", jsonType, "name"},
		{"rename", prof, "PATCH", itemPath(file.ID), "{\"name\":\"\xc3\"}", jsonType, "name"},
		{"mode", prof, "PATCH", itemPath(folder.ID), `{"mode":"read\u0000only"}`, jsonType, "mode"},
		{"copy name", prof, "POST", itemPath(file.ID, "/copy"), `{"parent_id":"` + home + `","name":"x\u0000"}`, jsonType, "name"},
		{"pupil shares with NUL", pupil, "POST", itemPath(mine.ID, "/permissions"), `{"grantee":{"kind":"user","id":"\u0000"},"role":"viewer"}`, jsonType, "grantee.id"},
		{"grantee profile", prof, "POST", itemPath(folder.ID, "/permissions"), "{\"grantee\":{\"kind\":\"group\",\"id\":\"0600001A-6A\",\"profile\":\"\xffStudent\"},\"role\":\"viewer\"}", jsonType, "grantee.profile"},
		{"permission role", prof, "PATCH", itemPath(folder.ID, "/permissions/"+grant.ID), `{"role":"viewer\u0000"}`, jsonType, "role"},
		{"link password body", prof, "POST", itemPath(folder.ID, "/links"), `{"kind":"view","expires_at":"` + expires + `","password":"\u0000abcd"}`, jsonType, "password"},
		{"structure name", svc, "PUT", "/api/v1/admin/structures/0600009Z", `{"uai":"0600009Z","name":"Coll\u0000ge"}`, jsonType, "name"},
		{"user structures", svc, "PUT", "/api/v1/admin/users/eleve.new", `{"display_name":"X","profile":"Student","structures":[{"structure_id":"0600001A\u0000"}]}`, jsonType, "structures[0].structure_id"},
		{"group members", svc, "PUT", "/api/v1/admin/groups/0600001A-6A", "{\"structure_id\":\"0600001A\",\"kind\":\"class\",\"name\":\"6A\",\"members\":[{\"user_id\":\"eleve.6a.01\",\"profile\":\"Student\"},{\"user_id\":\"\xff\",\"profile\":\"Student\"}]}", jsonType, "members[1].user_id"},
		{"import", svc, "POST", "/api/v1/admin/import", `{"users":[{"id":"x\u0000","display_name":"X","profile":"Student"}]}`, jsonType, "users[0].id"},
		{"quota body key", localAdmin, "PUT", "/api/v1/admin/quota/structures/0600001A/defaults/Student", `{"limit_bytes\u0000":1}`, jsonType, "limit_bytes\x00"},
		// Multipart names.
		{"multipart filename NUL", prof, "POST", itemPath(folder.ID, "/children"), multipartBody("file*", "a%00b.txt"), multipartType, "file"},
		{"multipart filename UTF-8", pupil, "POST", itemPath(pupil.home(), "/children"), multipartBody("file", "\xff.txt"), multipartType, "file"},
		{"multipart name field", prof, "POST", itemPath(folder.ID, "/children"), multipartBody("name", "c\xff.txt"), multipartType, "name"},
		{"drop box name field", nil, "POST", "/api/v1/links/" + drop + "/upload", multipartBody("name", "d\x00.txt"), multipartType, "name"},
		// tus metadata: the raw header, and decoded values.
		{"tus filename", prof, "POST", "/api/v1/uploads", "", tusHeader("filename " + b64("a\x00b.txt")), "Upload-Metadata.filename"},
		{"tus parent", pupil, "POST", "/api/v1/uploads", "", tusHeader("parent " + b64("\xff")), "Upload-Metadata.parent"},
		{"tus raw header", prof, "POST", "/api/v1/uploads", "", tusHeader("filen\xffame " + b64("a.txt")), "Upload-Metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token := ""
			if tc.as != nil {
				token = tc.as.token
			}
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var r response
			if body == nil {
				r = in.do(tc.method, tc.path, token, nil, tc.header)
			} else {
				r = in.do(tc.method, tc.path, token, body, tc.header)
			}
			wantField(t, r, tc.method, tc.field)
		})
	}
	if n := in.serverErrors(t); n != 0 {
		t.Errorf("%d answers were server errors", n)
	}
}

// multipartType is the Content-Type of multipartBody.
var multipartType = map[string]string{"Content-Type": "multipart/form-data; boundary=b"}

// multipartBody is an upload whose file part's filename, or whose name field (sent
// before the file part), is raw text; net/http's writer would escape it. A NUL
// cannot stand in a part's header, but an RFC 2231 filename* ("file*") brings one.
func multipartBody(which, text string) string {
	switch which {
	case "file*":
		return "--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''" + text + "\r\n\r\nxyz\r\n--b--\r\n"
	case "name":
		return "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n" + text + "\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\r\nxyz\r\n--b--\r\n"
	}
	return "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + text + "\"\r\n\r\nxyz\r\n--b--\r\n"
}

// newLink makes a link on the item and returns its token.
func newLink(t *testing.T, u *user, itemID, kind, expires string) string {
	t.Helper()
	r := u.sendJSON(http.MethodPost, itemPath(itemID, "/links"), map[string]any{"kind": kind, "expires_at": expires}, nil)
	wantStatus(t, r, http.StatusCreated, "create a "+kind+" link")
	var l struct{ Token string }
	r.json(t, &l)
	return l.Token
}

// wantField expects a 400 invalid_request whose fields.field names the input.
func wantField(t *testing.T, r response, method, field string) {
	t.Helper()
	if method == http.MethodHead {
		wantStatus(t, r, http.StatusBadRequest, "HEAD")
		return
	}
	wantProblem(t, r, http.StatusBadRequest, "invalid_request", "bad input")
	var p struct {
		Fields map[string]any `json:"fields"`
	}
	r.json(t, &p)
	if p.Fields["field"] != field {
		t.Errorf("fields = %v, want field %q: %s", p.Fields, field, r.body)
	}
}

// serverErrors counts the 5xx answers the instance gave so far, from its metrics.
func (in *instance) serverErrors(t *testing.T) int {
	t.Helper()
	r := in.do(http.MethodGet, "/metrics", "", nil, nil)
	wantStatus(t, r, http.StatusOK, "metrics")
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "cartable_http_requests_total{") && strings.Contains(line, `status="5`) {
			n++
			t.Log(line)
		}
	}
	return n
}
