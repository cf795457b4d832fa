package main

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const mib = 1 << 20

// raceUploads has each user upload a 5 MiB file at once into the space root their
// space function picks, and returns how many succeeded and how many were refused
// for quota, failing on any other answer.
func raceUploads(t *testing.T, users []*user, root func(*user) string, wantLimit string) (ok, refused int) {
	t.Helper()
	data := bytes.Repeat([]byte("q"), 5*mib)
	var mu sync.Mutex
	var wg sync.WaitGroup
	roots := make([]string, len(users))
	for i, u := range users {
		roots[i] = root(u)
	}
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// As careful clients do: the body is sent only once the server has taken
			// the upload, so a refusal never races the body (no broken pipe).
			r := u.uploadExpecting(roots[i], fmt.Sprintf("devoir-%s-%d.bin", u.id, i), data)
			mu.Lock()
			defer mu.Unlock()
			switch r.StatusCode {
			case http.StatusCreated:
				ok++
			case http.StatusRequestEntityTooLarge:
				var p struct {
					Code   string         `json:"code"`
					Title  string         `json:"title"`
					Fields map[string]any `json:"fields"`
				}
				r.json(t, &p)
				if p.Code != "quota_exceeded" || p.Fields["limit"] != wantLimit || p.Title == "" {
					t.Errorf("refusal = %+v, want quota_exceeded on the %s limit", p, wantLimit)
				}
				refused++
			default:
				t.Errorf("upload by %s: %d %s", u.id, r.StatusCode, r.body)
			}
		}()
	}
	wg.Wait()
	return ok, refused
}

// checkBooks verifies that every account's usage equals the bytes its space really
// holds, that nothing stays reserved, and that a recomputation finds no drift.
func checkBooks(t *testing.T, in *instance, svc *user) {
	t.Helper()
	wrong := in.count(t, `
		SELECT count(*) FROM quota_accounts a
		WHERE a.kind <> 'structure' AND (a.reserved_bytes <> 0 OR a.used_bytes <> coalesce((
			SELECT sum(size) FROM (SELECT DISTINCT v.blob_id, v.size FROM versions v JOIN items i ON i.id = v.item_id
			WHERE i.space_id = a.space_id) d), 0))`)
	if wrong != 0 {
		t.Errorf("%d space accounts disagree with the files they hold", wrong)
	}
	wrongPools := in.count(t, `
		SELECT count(*) FROM quota_accounts s WHERE s.kind = 'structure' AND (s.reserved_bytes <> 0 OR s.used_bytes <> (
			SELECT coalesce(sum(used_bytes), 0) FROM quota_accounts a WHERE a.kind <> 'structure' AND a.structure_id = s.structure_id))`)
	if wrongPools != 0 {
		t.Errorf("%d structure pools disagree with their spaces", wrongPools)
	}
	r := svc.do(http.MethodPost, "/api/v1/admin/quota/structures/0600001A/recompute", nil, nil)
	wantStatus(t, r, http.StatusOK, "recompute")
	if !bytes.Contains(r.body, []byte(`"drift":[]`)) {
		t.Errorf("recompute found drift: %s", r.body)
	}
}

func setLimit(t *testing.T, svc *user, path string, limit int64) {
	t.Helper()
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/quota/"+path, map[string]any{"limit_bytes": limit}, nil), http.StatusNoContent, "set "+path)
}

func pupils(in *instance, class string, n int) []*user {
	var out []*user
	for i := 1; i <= n; i++ {
		out = append(out, in.as(fmt.Sprintf("eleve.%s.%02d", class, i)))
	}
	return out
}

// TestStructurePoolUnderRace: a 100 MiB pool, 50 pupils uploading 5 MiB at once:
// at most 20 succeed, the rest are told the school's storage is full.
func TestStructurePoolUnderRace(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	setLimit(t, svc, "structures/0600001A/pool", 100*mib)
	everyone := append(pupils(in, "6a", 25), pupils(in, "5b", 25)...)
	ok, refused := raceUploads(t, everyone, (*user).home, "structure")
	if ok > 20 || ok < 15 || ok+refused != 50 {
		t.Errorf("%d uploads succeeded and %d were refused; want at most 20 (and most of them)", ok, refused)
	}
	if used := in.count(t, `SELECT used_bytes FROM quota_accounts WHERE id = 'structure:0600001A'`); used != int64(ok)*5*mib {
		t.Errorf("pool usage %d, want %d", used, int64(ok)*5*mib)
	}
	checkBooks(t, in, svc)
}

// TestUserCapUnderRace: a pupil capped at 20 MiB starts ten 5 MiB uploads at once.
func TestUserCapUnderRace(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	setLimit(t, svc, "users/eleve.6a.07", 20*mib)
	pupil := in.as("eleve.6a.07")
	same := make([]*user, 10)
	for i := range same {
		same[i] = pupil
	}
	ok, _ := raceUploads(t, same, (*user).home, "user")
	if ok > 4 || ok < 3 {
		t.Errorf("%d uploads succeeded under a 20 MiB cap, want at most 4", ok)
	}
	var q struct {
		Spaces []struct {
			Kind  string `json:"kind"`
			Usage struct {
				Used    int64 `json:"used_bytes"`
				Limit   int64 `json:"limit_bytes"`
				Warning int   `json:"warning"`
			} `json:"usage"`
		} `json:"spaces"`
	}
	pupil.get("/api/v1/quota").json(t, &q)
	if len(q.Spaces) == 0 || q.Spaces[0].Kind != "personal" || q.Spaces[0].Usage.Limit != 20*mib ||
		q.Spaces[0].Usage.Used != int64(ok)*5*mib || (ok == 4) != (q.Spaces[0].Usage.Warning == 100) {
		t.Errorf("the pupil's quota view = %+v", q)
	}
	checkBooks(t, in, svc)
}

// TestClassSpaceCapUnderRace: the 6A space capped at 30 MiB, its 25 pupils upload
// 5 MiB each into it at once.
func TestClassSpaceCapUnderRace(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	class := pupils(in, "6a", 25)
	spaceID := ""
	var spaces struct {
		Spaces []struct{ ID, Kind, Name string } `json:"spaces"`
	}
	class[0].get("/api/v1/spaces").json(t, &spaces)
	for _, sp := range spaces.Spaces {
		if sp.Kind == "group" {
			spaceID = sp.ID
		}
	}
	setLimit(t, svc, "spaces/"+spaceID, 30*mib)
	ok, refused := raceUploads(t, class, func(u *user) string { return u.space("group", "6A") }, "group")
	if ok > 6 || ok < 4 || ok+refused != 25 {
		t.Errorf("%d uploads succeeded and %d were refused under a 30 MiB class cap; want at most 6", ok, refused)
	}
	checkBooks(t, in, svc)
}

// TestAbortedUploadGivesReservationBack cuts an upload's connection half-way: the
// reservation is released and nothing of the upload remains.
func TestAbortedUploadGivesReservationBack(t *testing.T) {
	in := start(t)
	pupil := in.as("eleve.5b.03")
	root := pupil.home()
	conn, err := net.Dial("tcp", in.url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("file", "coupé.bin")
	part.Write(bytes.Repeat([]byte("z"), 8*mib))
	mw.Close()
	fmt.Fprintf(conn, "POST /api/v1/items/%s/children HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		root, pupil.token, mw.FormDataContentType(), body.Len())
	conn.Write(body.Bytes()[:3*mib])
	deadline := time.Now().Add(10 * time.Second)
	for in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if in.count(t, `SELECT count(*) FROM quota_reservations`) != 1 {
		t.Fatal("the upload reserved nothing before its bytes arrived")
	}
	conn.Close()
	for in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes + used_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still held after the upload was cut", n)
	}
	if n := in.count(t, `SELECT count(*) FROM quota_reservations`) + in.count(t, `SELECT count(*) FROM blobs`) + in.count(t, `SELECT count(*) FROM items WHERE kind = 'file'`); n != 0 {
		t.Errorf("%d reservations, blobs or files left by the cut upload", n)
	}
}

// TestQuotaAdmin: reports, CSV, and who may do what.
func TestQuotaAdmin(t *testing.T) {
	in := start(t)
	svc, admin, prof := in.as("service.provisioning"), in.as("admin.college"), in.as("prof.martin")
	prof.mustUpload(prof.home(), "cours.bin", bytes.Repeat([]byte("c"), 3*mib))

	r := admin.get("/api/v1/admin/quota/structures/0600001A")
	wantStatus(t, r, http.StatusOK, "local admin report")
	var report struct {
		Pool struct {
			Used int64 `json:"used_bytes"`
		} `json:"pool"`
		Defaults  map[string]int64 `json:"defaults"`
		ByProfile []struct {
			Key  string `json:"key"`
			Used int64  `json:"used_bytes"`
		} `json:"by_profile"`
		Top []struct {
			Owner string `json:"owner"`
		} `json:"top_spaces"`
	}
	r.json(t, &report)
	if report.Pool.Used != 3*mib || report.Defaults["Student"] != 500*mib || len(report.Top) == 0 || report.Top[0].Owner != "prof.martin" {
		t.Errorf("report = %+v", report)
	}
	// A local admin sets the pupils' default, not the pool.
	wantStatus(t, admin.sendJSON(http.MethodPut, "/api/v1/admin/quota/structures/0600001A/defaults/Student", map[string]any{"limit_bytes": 200 * mib}, nil), http.StatusNoContent, "set default")
	wantProblem(t, admin.sendJSON(http.MethodPut, "/api/v1/admin/quota/structures/0600001A/pool", map[string]any{"limit_bytes": 1}, nil), http.StatusForbidden, "forbidden", "local admin sets pool")
	wantProblem(t, admin.get("/api/v1/admin/quota/structures/0599999Z"), http.StatusNotFound, "not_found", "another structure")
	// Teachers and pupils are not admins.
	wantProblem(t, prof.get("/api/v1/admin/quota/structures/0600001A"), http.StatusNotFound, "not_found", "teacher report")
	wantProblem(t, in.as("eleve.6a.01").sendJSON(http.MethodPut, "/api/v1/admin/quota/users/eleve.6a.01", map[string]any{"limit_bytes": 1 << 40}, nil), http.StatusNotFound, "not_found", "pupil raises own cap")
	// The new default reaches the pupils' spaces.
	pupil := in.as("eleve.6a.02")
	var q struct {
		Spaces []struct {
			Usage struct {
				Limit int64 `json:"limit_bytes"`
			} `json:"usage"`
		} `json:"spaces"`
	}
	pupil.get("/api/v1/quota").json(t, &q)
	if len(q.Spaces) == 0 || q.Spaces[0].Usage.Limit != 200*mib {
		t.Errorf("the pupil's cap after the new default = %+v", q)
	}
	r = svc.get("/api/v1/admin/quota/structures/0600001A/usage.csv")
	wantStatus(t, r, http.StatusOK, "csv")
	if !bytes.HasPrefix(r.body, []byte("space_id,name,kind,owner,profile,used_bytes")) || !bytes.Contains(r.body, []byte("prof.martin,Teacher,3145728")) {
		t.Errorf("csv = %s", r.body)
	}
	metrics := in.do(http.MethodGet, "/metrics", "", nil, nil)
	if !bytes.Contains(metrics.body, []byte(`cartable_quota_structure_used_bytes{structure="0600001A"} 3.145728e+06`)) {
		t.Errorf("no pool gauge in the metrics")
	}
	wantProblem(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/quota/structures/0600001A/defaults/Wizard", map[string]any{"limit_bytes": 1}, nil), http.StatusBadRequest, "invalid_request", "bad subject")
	wantProblem(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/quota/users/eleve.6a.01", map[string]any{"limit_bytes": -5}, nil), http.StatusBadRequest, "invalid_request", "negative limit")
}

// TestQuotaDriftIsDetectedAndFixed corrupts the books, then recomputes them.
func TestQuotaDriftIsDetectedAndFixed(t *testing.T) {
	in := start(t)
	svc, prof := in.as("service.provisioning"), in.as("prof.martin")
	prof.mustUpload(prof.home(), "a.bin", bytes.Repeat([]byte("a"), mib))
	if _, err := in.app.pool.Exec(t.Context(), `UPDATE quota_accounts SET used_bytes = used_bytes + 12345 WHERE owner_id = 'prof.martin'`); err != nil {
		t.Fatal(err)
	}
	r := svc.do(http.MethodPost, "/api/v1/admin/quota/structures/0600001A/recompute", nil, nil)
	wantStatus(t, r, http.StatusOK, "recompute")
	if !bytes.Contains(r.body, []byte(`"field":"used_bytes","recorded":1060921,"actual":1048576`)) {
		t.Errorf("recompute did not report the drift: %s", r.body)
	}
	checkBooks(t, in, svc)
}

// TestFileBiggerThanTheWholeSpace: a file larger than a pupil's whole cap is told
// it can never fit there, with both sizes, in French and in English; a file that
// merely does not fit in what is left is told the space is full. Both are
// quota_exceeded.
func TestFileBiggerThanTheWholeSpace(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	setLimit(t, svc, "users/eleve.6a.05", 1*mib)
	pupil := in.as("eleve.6a.05")
	root := pupil.home()
	title := func(r response) (string, map[string]any) {
		t.Helper()
		wantProblem(t, r, http.StatusRequestEntityTooLarge, "quota_exceeded", "upload over the cap")
		var p struct {
			Title  string         `json:"title"`
			Fields map[string]any `json:"fields"`
		}
		r.json(t, &p)
		return p.Title, p.Fields
	}
	big := bytes.Repeat([]byte("b"), 2*mib)
	fr, fields := title(pupil.uploadExpecting(root, "film.mp4", big))
	for _, want := range []string{"trop volumineux pour votre espace personnel", "2,0 Mo", "1,0 Mo"} {
		if !strings.Contains(fr, want) {
			t.Errorf("French title %q lacks %q", fr, want)
		}
	}
	if strings.Contains(fr, "plein") || fields["larger_than_limit"] != true || fields["limit"] != "user" {
		t.Errorf("a file bigger than the whole space: title %q, fields %v", fr, fields)
	}
	en, _ := title(pupil.uploadWith(root, "film.mp4", big, "", map[string]string{"Expect": "100-continue", "Accept-Language": "en"}))
	if !strings.Contains(en, "too big for your personal space") || !strings.Contains(en, "1.0 MB") {
		t.Errorf("English title %q", en)
	}
	// Half the space used: another 600 KiB does not fit in what is left.
	pupil.mustUpload(root, "a.bin", bytes.Repeat([]byte("a"), 600<<10))
	full, fields := title(pupil.uploadExpecting(root, "b.bin", bytes.Repeat([]byte("b"), 600<<10)))
	if !strings.Contains(full, "Votre espace personnel est plein") || fields["larger_than_limit"] != nil {
		t.Errorf("a file that does not fit in what is left: title %q, fields %v", full, fields)
	}
}

// TestMeNamesTheStructuresTheCallerAdministers: the web app shows a school's pool
// to its local admins, and finds out whom to show it to from /me.
func TestMeNamesTheStructuresTheCallerAdministers(t *testing.T) {
	in := start(t)
	for _, tc := range []struct {
		user string
		want []string
	}{
		{"admin.college", []string{"0600001A"}},
		{"prof.martin", []string{}},
		{"eleve.6a.01", []string{}},
	} {
		var me struct {
			Administers []string `json:"administers"`
		}
		u := in.as(tc.user)
		u.get("/api/v1/me").json(t, &me)
		if !slices.Equal(me.Administers, tc.want) {
			t.Errorf("%s administers %v, want %v", tc.user, me.Administers, tc.want)
		}
		r := u.get("/api/v1/admin/quota/structures/0600001A")
		if wantReport := len(tc.want) > 0; (r.StatusCode == http.StatusOK) != wantReport {
			t.Errorf("%s: the structure's report answers %d", tc.user, r.StatusCode)
		}
		if r.StatusCode != http.StatusOK {
			continue
		}
		// The first report opens the pool's account: it gets the default limit, not
		// none (which would leave the school without a pool).
		var report struct {
			Pool struct {
				Limit *int64 `json:"limit_bytes"`
			} `json:"pool"`
			Defaults map[string]int64 `json:"defaults"`
		}
		r.json(t, &report)
		if want := report.Defaults["structure_pool"]; report.Pool.Limit == nil || *report.Pool.Limit != want {
			t.Errorf("the pool opened by the report has limit %v, want the default %d", report.Pool.Limit, want)
		}
	}
}
