package main

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cartable/audit"
)

// auditEntryWire is an entry of the audit log as the API gives it.
type auditEntryWire struct {
	ID          int64          `json:"id"`
	At          time.Time      `json:"at"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"`
	ItemID      string         `json:"item_id"`
	ItemName    string         `json:"item_name"`
	StructureID string         `json:"structure_id"`
	Address     string         `json:"address"`
	Details     map[string]any `json:"details"`
}

// auditPage reads one page of an audit route.
func (u *user) auditPage(path string) ([]auditEntryWire, string) {
	u.t.Helper()
	r := u.get(path)
	wantStatus(u.t, r, http.StatusOK, "audit log "+path)
	var page struct {
		Items      []auditEntryWire `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	r.json(u.t, &page)
	return page.Items, page.NextCursor
}

// steps names entries as "action by actor", in the log's order.
func steps(entries []auditEntryWire) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Action + " by " + e.Actor
	}
	return out
}

// TestAuditLogOfAShare: a teacher shares a folder with 6A, a pupil downloads a file
// of it (through a trusted proxy that names her address), the teacher trashes and
// purges the folder. The collège's local admin sees the four, newest first, with the
// right actors and addresses; the region too; the admin of another structure sees
// none of it; teachers and pupils are refused.
func TestAuditLogOfAShare(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.TrustedProxies = "127.0.0.1" })
	svc := in.as("service.provisioning")
	// Another establishment, with its own local admin.
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/structures/0600002B", map[string]any{"uai": "0600002B", "name": "Collège Victor Hugo"}, nil), http.StatusOK, "another structure")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/admin.hugo", map[string]any{
		"display_name": "Marc Petit", "profile": "Personnel",
		"structures": []map[string]any{{"structure_id": "0600002B", "local_admin": true}},
	}, nil), http.StatusOK, "the other structure's admin")

	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.01")
	folder := prof.mkdir(prof.home(), "Séquence 3")
	file := prof.mustUpload(folder.ID, "fiche.txt", []byte("fiche de la séquence 3"))
	wantStatus(t, prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "viewer", nil),
		http.StatusCreated, "share with 6A")
	r := pupil.do(http.MethodGet, itemPath(file.ID, "/content"), nil, map[string]string{"X-Forwarded-For": "198.51.100.23"})
	wantStatus(t, r, http.StatusOK, "the pupil downloads the file")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID), nil, nil), http.StatusNoContent, "trash")
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/trash/"+folder.ID, nil, nil), http.StatusNoContent, "purge")

	want := []string{"purge by prof.martin", "trash by prof.martin", "download by eleve.6a.01", "share by prof.martin"}
	admin := in.as("admin.college")
	entries, _ := admin.auditPage("/api/v1/admin/structures/0600001A/audit")
	if got := steps(entries); !slices.Equal(got, want) {
		t.Fatalf("the collège's audit log = %v, want %v", got, want)
	}
	purge, trash, download, share := entries[0], entries[1], entries[2], entries[3]
	if download.Address != "198.51.100.23" || download.ItemID != file.ID || download.ItemName != "fiche.txt" {
		t.Errorf("download entry = %+v, want fiche.txt from 198.51.100.23", download)
	}
	if share.Address != "127.0.0.1" || share.ItemID != folder.ID || share.Details["grantee_id"] != "0600001A-6A" || share.Details["role"] != "viewer" {
		t.Errorf("share entry = %+v", share)
	}
	for _, e := range entries {
		if e.StructureID != "0600001A" {
			t.Errorf("%s entry charged to %q", e.Action, e.StructureID)
		}
	}
	if purge.ItemName != "Séquence 3" || trash.ItemID != folder.ID || !purge.At.After(share.At) {
		t.Errorf("purge %+v, trash %+v", purge, trash)
	}

	// Keyset pages, filters and the CSV export.
	first, cursor := admin.auditPage("/api/v1/admin/structures/0600001A/audit?limit=3")
	rest, end := admin.auditPage("/api/v1/admin/structures/0600001A/audit?limit=3&cursor=" + cursor)
	if got := steps(append(first, rest...)); !slices.Equal(got, want) || cursor == "" || end != "" {
		t.Errorf("pages of 3 = %v (cursor %q, then %q), want %v", got, cursor, end, want)
	}
	if got, _ := admin.auditPage("/api/v1/admin/structures/0600001A/audit?action=download&actor=eleve.6a.01&item=" + file.ID); len(got) != 1 {
		t.Errorf("filtered on the download: %v", steps(got))
	}
	if got, _ := admin.auditPage("/api/v1/admin/structures/0600001A/audit?to=" + share.At.Format(time.RFC3339Nano)); len(got) != 0 {
		t.Errorf("before the share: %v", steps(got))
	}
	wantProblem(t, admin.get("/api/v1/admin/structures/0600001A/audit?action=peek"), http.StatusBadRequest, "invalid_request", "unknown action")
	r = admin.get("/api/v1/admin/structures/0600001A/audit.csv")
	wantStatus(t, r, http.StatusOK, "CSV export")
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) != 5 || rows[3][2] != "download" || rows[3][7] != "198.51.100.23" {
		t.Errorf("CSV = %q (%v)", rows, err)
	}

	// The region sees it, in its structure's log and in the whole log.
	if got, _ := svc.auditPage("/api/v1/admin/structures/0600001A/audit"); !slices.Equal(steps(got), want) {
		t.Errorf("the region's view of the collège = %v", steps(got))
	}
	if got, _ := svc.auditPage("/api/v1/admin/audit?item=" + file.ID); !slices.Equal(steps(got), []string{"download by eleve.6a.01"}) {
		t.Errorf("the region's whole log for the file = %v", steps(got))
	}

	// The other structure's admin sees none of it, and not the collège's log.
	other := in.as("admin.hugo")
	if got, _ := other.auditPage("/api/v1/admin/structures/0600002B/audit"); len(got) != 0 {
		t.Errorf("the other structure's log = %v, want nothing", steps(got))
	}
	wantProblem(t, other.get("/api/v1/admin/structures/0600001A/audit"), http.StatusNotFound, "not_found", "another structure's admin")
	wantProblem(t, other.get("/api/v1/admin/structures/0600001A/audit.csv"), http.StatusNotFound, "not_found", "another structure's admin, CSV")
	wantProblem(t, admin.get("/api/v1/admin/audit"), http.StatusForbidden, "forbidden", "a local admin reads the whole log")
	// Teachers and pupils are refused.
	for _, u := range []*user{prof, pupil} {
		wantProblem(t, u.get("/api/v1/admin/structures/0600001A/audit"), http.StatusNotFound, "not_found", u.id+" reads the collège's log")
		wantProblem(t, u.get("/api/v1/admin/audit"), http.StatusForbidden, "forbidden", u.id+" reads the whole log")
	}
}

// TestAuditRetention: the retention job deletes the entries older than the
// retention, by its own clock, and nothing else.
func TestAuditRetention(t *testing.T) {
	in := start(t)
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, age := range []time.Duration{300 * 24 * time.Hour, 200 * 24 * time.Hour, time.Hour} {
		if _, err := in.app.pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action, item_name, structure_id) VALUES ($1, 'prof.martin', 'download', $2, '0600001A')`,
			now.Add(-age), age.String()); err != nil {
			t.Fatal(err)
		}
	}
	kept := func() []string {
		rows, err := in.app.pool.Query(ctx, `SELECT item_name FROM audit_log ORDER BY at`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	job := &audit.PurgeWorker{DB: in.app.pool, Retention: audit.DefaultRetention, Now: func() time.Time { return now }}
	if n, err := job.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("purge with 9 months' retention deleted %d (%v), want 1", n, err)
	}
	if got := kept(); !slices.Equal(got, []string{"4800h0m0s", "1h0m0s"}) {
		t.Errorf("kept %v, want the 200-day-old and the hour-old entries", got)
	}
	// A hundred days later, the 200-day-old entry is past nine months too.
	now = now.Add(100 * 24 * time.Hour)
	if n, err := job.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("purge 100 days later deleted %d (%v), want 1", n, err)
	}
	if got := kept(); !slices.Equal(got, []string{"1h0m0s"}) {
		t.Errorf("kept %v, want the hour-old entry", got)
	}
}

// TestAuditLogOfLinksEmbedsAndMoves: a link's visitor and an embed's readers are
// named as such, a zip is logged as a download of the folder zipped; making and revoking a link, a move, a rename, a restore and a
// version restore are logged in the class's structure.
func TestAuditLogOfLinksEmbedsAndMoves(t *testing.T) {
	in := start(t)
	prof, admin := in.as("prof.martin"), in.as("admin.college")
	class := prof.space("group", "6A")
	from, to := prof.mkdir(class, "Brouillons"), prof.mkdir(class, "Sortie au musée")
	film := prof.mustUpload(from.ID, "film.mp4", clip(1))
	wantStatus(t, prof.uploadWith(from.ID, "film.mp4", clip(2), "?conflict=replace", nil), http.StatusOK, "a second version")

	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	r := prof.sendJSON(http.MethodPost, itemPath(from.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires}, nil)
	wantStatus(t, r, http.StatusCreated, "a view link")
	var link struct{ ID, Token string }
	r.json(t, &link)
	wantStatus(t, in.visit("/api/v1/links/"+link.Token+"/items/"+film.ID+"/content", "", nil, nil), http.StatusOK, "a visitor downloads")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(from.ID, "/links/"+link.ID), nil, nil), http.StatusNoContent, "revoke the link")

	e := prof.embedOf(film.ID)
	wantStatus(t, in.read(http.MethodGet, e.URL, nil), http.StatusOK, "a blog's reader")
	wantStatus(t, in.read(http.MethodHead, e.URL, nil), http.StatusOK, "a HEAD reads no byte, and is not logged")

	wantStatus(t, prof.sendJSON(http.MethodPatch, itemPath(film.ID), map[string]any{"parent_id": to.ID, "name": "film de la sortie.mp4"}, nil), http.StatusOK, "move and rename")
	var versions struct{ Items []struct{ ID string } }
	prof.get(itemPath(film.ID, "/versions")).json(t, &versions)
	wantStatus(t, prof.do(http.MethodPost, itemPath(film.ID, "/versions/"+versions.Items[len(versions.Items)-1].ID+"/restore"), nil, nil), http.StatusOK, "version restore")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(from.ID), nil, nil), http.StatusNoContent, "trash")
	wantStatus(t, prof.do(http.MethodPost, itemPath(from.ID, "/restore"), nil, nil), http.StatusOK, "restore")
	pupil := in.as("eleve.6a.01")
	fetchZip(t, in, pupil.askZip(to.ID))

	entries, _ := admin.auditPage("/api/v1/admin/structures/0600001A/audit")
	want := []string{"download by eleve.6a.01", "restore by prof.martin", "trash by prof.martin", "version_restore by prof.martin",
		"rename by prof.martin", "move by prof.martin", "download by embed:" + e.ID,
		"link_revoke by prof.martin", "download by link:" + link.ID, "link_create by prof.martin"}
	if got := steps(entries); !slices.Equal(got, want) {
		t.Fatalf("the collège's audit log = %v, want %v", got, want)
	}
	if zip := entries[0]; zip.ItemID != to.ID || zip.Details["zip_id"] == nil {
		t.Errorf("the zip's line = %+v, want the folder with the zip's id", zip)
	}
	move, rename := entries[5], entries[4]
	if move.Details["from_folder"] != from.ID || move.Details["to_folder"] != to.ID || rename.Details["to_name"] != "film de la sortie.mp4" || rename.Details["from_name"] != "film.mp4" {
		t.Errorf("move %v, rename %v", move.Details, rename.Details)
	}
}

// TestAuditLogOfAShareAcrossStructures: a teacher of two collèges shares a folder
// of their personal space (charged to their first collège) with a class of the
// second: both collèges' admins see the share, the second's admin nothing else.
func TestAuditLogOfAShareAcrossStructures(t *testing.T) {
	in := start(t)
	secondCollege(t, in)
	svc := in.as("service.provisioning")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/prof.deux", map[string]any{
		"display_name": "Anne Deux", "profile": "Teacher", "primary_structure_id": "0600001A",
		"structures": []map[string]any{{"structure_id": "0600001A"}, {"structure_id": "0600002B"}},
	}, nil), http.StatusOK, "a teacher of both collèges")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/admin.hugo", map[string]any{
		"display_name": "Marc Petit", "profile": "Personnel",
		"structures": []map[string]any{{"structure_id": "0600002B", "local_admin": true}},
	}, nil), http.StatusOK, "the second collège's admin")
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/0600002B-6A", map[string]any{"structure_id": "0600002B", "kind": "class", "name": "6A",
		"members": []map[string]any{{"user_id": "prof.hugo", "profile": "Teacher"}, {"user_id": "eleve.hugo", "profile": "Student"}, {"user_id": "prof.deux", "profile": "Teacher"}}},
		nil), http.StatusOK, "prof.deux teaches the second collège's 6A")

	prof := in.as("prof.deux")
	folder := prof.mkdir(prof.home(), "Cours partagés")
	doc := prof.mustUpload(folder.ID, "cours.txt", []byte("cours"))
	wantStatus(t, prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600002B-6A", "profile": "Student"}, "viewer", nil),
		http.StatusCreated, "share with the second collège's 6A")
	wantStatus(t, prof.get(itemPath(doc.ID, "/content")), http.StatusOK, "the teacher reads her own file")

	first, _ := in.as("admin.college").auditPage("/api/v1/admin/structures/0600001A/audit")
	if got := steps(first); !slices.Equal(got, []string{"download by prof.deux", "share by prof.deux"}) {
		t.Errorf("the first collège's log = %v", got)
	}
	second, _ := in.as("admin.hugo").auditPage("/api/v1/admin/structures/0600002B/audit")
	if got := steps(second); !slices.Equal(got, []string{"share by prof.deux"}) || second[0].ItemID != folder.ID || second[0].StructureID != "0600002B" {
		t.Errorf("the second collège's log = %v (%+v)", got, second)
	}
}
