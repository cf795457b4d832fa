package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable/antivirus"
	"cartable/antivirus/clamdtest"
	"cartable/previewtest"
)

// scanItem is what the antivirus tests read of an item.
type scanItem struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Scan    string `json:"scan"`
	Preview string `json:"preview"`
}

// startScanning starts an instance with jobs and the antivirus on, over a private
// clamd with the test signatures; configure tunes the rest.
func startScanning(t *testing.T, configure func(*Config)) (*instance, *clamdtest.Daemon) {
	t.Helper()
	d := clamdtest.Start(t)
	in := startWith(t, func(cfg *Config) {
		cfg.Jobs, cfg.Clamd = true, d.Address
		if configure != nil {
			configure(cfg)
		}
	})
	return in, d
}

// waitForScan waits until the item's scan state, as u sees it, is want ("" for
// clean), and returns the item.
func waitForScan(t *testing.T, u *user, id, want string) scanItem {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var it scanItem
		r := u.get(itemPath(id))
		wantStatus(t, r, http.StatusOK, "item")
		r.json(t, &it)
		if it.Scan == want {
			return it
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: scan %q after 2 minutes, want %q", it.Name, it.Scan, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEICARQuarantinedThroughEveryDoor: the EICAR file, named as a photo so that it
// would get a thumbnail, is sent by a pupil through every way in — a multipart
// upload, a new version over a clean file, tus, a drop box, WebDAV, and an office
// editor's save. Each is quarantined: nobody downloads it (its uploader neither),
// it gets no thumbnail, the teacher's zip of the folder leaves it out and says so,
// and the uploader and the collège's admins are told on the events feed and in the
// audit log. The clean file sent alongside goes through.
func TestEICARQuarantinedThroughEveryDoor(t *testing.T) {
	o := newOfficeServer(t, false)
	in, _ := startScanning(t, func(cfg *Config) { cfg.WOPIDiscoveryURL = o.discoveryURL() })
	prof, lea, admin := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("admin.college")
	folder := prof.mkdir(prof.space("group", "6A"), "Exposés")
	wantStatus(t, prof.setMode(folder.ID, "collaborative"), http.StatusOK, "collaborative folder")
	clean := previewtest.Photo(320, 240, 0, 3)
	waitForScan(t, prof, prof.mustUpload(folder.ID, "consigne.txt", []byte("Lisez le chapitre 3.")).ID, "")

	infected := map[string]string{} // door → item id
	infected["multipart"] = lea.mustUpload(folder.ID, "photo.jpg", clamdtest.EICAR).ID

	version := lea.mustUpload(folder.ID, "dessin.jpg", clean)
	waitForScan(t, lea, version.ID, "")
	wantStatus(t, lea.do(http.MethodPut, itemPath(version.ID, "/content"), bytes.NewReader(clamdtest.EICAR), nil), http.StatusOK, "new version")
	infected["new version"] = version.ID

	tus := lea.tus()
	path, r := tus.create(len(clamdtest.EICAR), metadata("filename", "tus.jpg", "parent", folder.ID))
	if path == "" {
		t.Fatalf("tus create: %d %s", r.StatusCode, r.body)
	}
	infected["tus"] = tus.send(path, clamdtest.EICAR, 0, len(clamdtest.EICAR)).Header.Get("Cartable-Item-Id")

	box := prof.mkdir(prof.space("group", "6A"), "Dépôt")
	r = prof.sendJSON(http.MethodPost, itemPath(box.ID, "/links"), map[string]any{"kind": "upload",
		"expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, nil)
	wantStatus(t, r, http.StatusCreated, "drop box")
	var link struct{ Token string }
	r.json(t, &link)
	var body bytes.Buffer
	ct := multipartFile(t, &body, "depot.jpg", clamdtest.EICAR)
	r = in.visit("/api/v1/links/"+link.Token+"/upload", "", &body, map[string]string{"Content-Type": ct})
	wantStatus(t, r, http.StatusCreated, "drop the EICAR file")
	infected["drop box"] = prof.childID(box.ID, "depot.jpg")

	login, password := lea.appPassword("antivirus")
	dav := &user{instance: in, id: lea.id}
	auth := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+password))}
	davPath := "/dav/" + url.PathEscape("6A") + "/" + url.PathEscape("Exposés") + "/dav.jpg"
	wantStatus(t, dav.davDo(http.MethodPut, davPath, clamdtest.EICAR, auth), http.StatusCreated, "WebDAV PUT")
	infected["WebDAV"] = prof.childID(folder.ID, "dav.jpg")

	office := lea.mustUpload(folder.ID, "Exposé.odt", []byte("a clean document"))
	waitForScan(t, lea, office.ID, "")
	session := lea.mustOpen(o, office.ID)
	wantStatus(t, session.lock("L1"), http.StatusOK, "WOPI lock")
	wantStatus(t, session.putFile("L1", clamdtest.EICAR), http.StatusOK, "WOPI PutFile")
	wantStatus(t, session.op("UNLOCK", map[string]string{"X-WOPI-Lock": "L1"}), http.StatusOK, "WOPI unlock")
	infected["WOPI save"] = office.ID

	for door, id := range infected {
		if id == "" {
			t.Fatalf("%s: no item id", door)
		}
		it := waitForScan(t, lea, id, antivirus.Infected)
		if it.Preview == "ready" || it.Preview == "pending" {
			t.Errorf("%s: preview %q, want none or failed", door, it.Preview)
		}
		for _, u := range []*user{lea, prof} {
			r := u.get(itemPath(id, "/content"))
			wantProblem(t, r, http.StatusForbidden, "infected", door+": download by "+u.id)
			var p struct{ Fields map[string]any }
			r.json(t, &p)
			if p.Fields["signature"] != clamdtest.EICARSignature {
				t.Errorf("%s: fields %v, want the signature", door, p.Fields)
			}
			wantStatus(t, u.get(itemPath(id, "/thumbnails/small")), http.StatusNotFound, door+": thumbnail")
		}
	}
	// The other doors out say so in their own words, not with a 500.
	wantStatus(t, session.getFile(), http.StatusNotFound, "the office editor's GetFile of the quarantined file")
	wantStatus(t, dav.davDo(http.MethodGet, davPath, nil, auth), http.StatusForbidden, "WebDAV GET of the quarantined file")
	if n := in.count(t, `SELECT count(*) FROM previews p JOIN blobs b ON b.id = p.blob_id
		WHERE b.scan = 'infected' AND (p.state <> 'failed' OR p.render <> '')`); n != 0 {
		t.Errorf("%d infected files have a thumbnail or one on its way", n)
	}
	// The clean version before the infected one is still there, and still served.
	versions := lea.versionsOf(version.ID)
	if len(versions) != 2 {
		t.Fatalf("%d versions, want 2", len(versions))
	}
	wantStatus(t, prof.get(itemPath(version.ID, "/versions/"+versions[1].ID+"/content")), http.StatusOK, "the clean version")

	// The teacher's zip of the folder: the clean files, and a note naming the rest.
	names, files, _ := fetchZip(t, in, prof.askZip(folder.ID))
	slices.Sort(names)
	want := []string{"Exposés/", "Exposés/consigne.txt", "Fichiers non inclus.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("zip entries %v, want %v", names, want)
	}
	for _, name := range []string{"photo.jpg", "tus.jpg", "dav.jpg", "dessin.jpg", "Exposé.odt"} {
		if !bytes.Contains(files["Fichiers non inclus.txt"], []byte("Exposés/"+name+" : bloqué")) {
			t.Errorf("the note does not name %s: %s", name, files["Fichiers non inclus.txt"])
		}
	}

	// Told: one event for the uploader (the drop box's: the structure only, its
	// visitor has no account) and one for the structure per file, and the audit log.
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'infected' AND recipient_kind = 'structure' AND recipient_id = '0600001A'`); n != int64(len(infected)) {
		t.Errorf("%d infected events for the structure, want %d", n, len(infected))
	}
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'infected' AND recipient_kind = 'user' AND recipient_id = 'eleve.6a.01'`); n != int64(len(infected)-1) {
		t.Errorf("%d infected events for the pupil, want %d", n, len(infected)-1)
	}
	entries, _ := admin.auditPage("/api/v1/admin/structures/0600001A/audit?action=quarantine")
	if len(entries) != len(infected) {
		t.Errorf("%d quarantine entries in the collège's audit log, want %d: %v", len(entries), len(infected), steps(entries))
	}
	for _, e := range entries {
		if e.Actor != antivirus.Actor || e.Details["signature"] != clamdtest.EICARSignature {
			t.Errorf("audit entry %+v", e)
		}
	}
}

// TestScanPendingFailsClosed: while clamd is down (the default setting, fail
// closed), a pupil's new photo waits: she may open it, her teacher is asked to come
// back (409 scan_pending with Retry-After), and its thumbnail is not made. Once
// clamd is back the scan runs by itself, the teacher opens it and the thumbnail
// follows.
func TestScanPendingFailsClosed(t *testing.T) {
	in, clamd := startScanning(t, nil)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	class := prof.space("group", "6A")
	clamd.Stop()
	photo := previewtest.Photo(320, 240, 0, 5)
	it := lea.mustUpload(class, "sortie.jpg", photo)
	waitForScan(t, lea, it.ID, antivirus.Pending)
	// The JPEG decoded by Go alone (memory-safe) gives a provisional small
	// thumbnail before the verdict; nothing else is rendered.
	got := waitForThumbnail(t, prof, it.ID, "small")
	if got.Preview != "ready" || got.Scan != antivirus.Pending || len(got.Thumbnails) != 1 {
		t.Errorf("while the scan waits: preview %q, scan %q, thumbnails %v; want the small one alone", got.Preview, got.Scan, got.Thumbnails)
	}
	r := lea.get(itemPath(it.ID, "/content"))
	wantStatus(t, r, http.StatusOK, "the uploader opens her pending file")
	if !bytes.Equal(r.body, photo) {
		t.Error("the uploader's bytes differ")
	}
	r = prof.get(itemPath(it.ID, "/content"))
	wantProblem(t, r, http.StatusConflict, "scan_pending", "the teacher opens the pending file")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After on scan_pending")
	}
	// A classmate's copy shares the bytes, not the right to read them early.
	hugo := in.as("eleve.6a.02")
	r = hugo.sendJSON(http.MethodPost, itemPath(it.ID, "/copy"), map[string]any{"parent_id": hugo.home()}, nil)
	wantStatus(t, r, http.StatusCreated, "a classmate copies the pending photo")
	wantProblem(t, hugo.get(itemPath(r.item(t).ID, "/content")), http.StatusConflict, "scan_pending", "the classmate opens his copy")
	// Several scan attempts fail meanwhile; none makes a thumbnail.
	waitFor(t, "a scan attempt while clamd is down", func() bool {
		return in.count(t, `SELECT count(*) FROM river_job WHERE kind = 'antivirus.scan' AND state = 'scheduled'`) > 0
	})
	// (Only the provisional small thumbnail is made before the scan, in Go.)
	if n := in.count(t, `SELECT count(*) FROM river_job WHERE kind = 'preview.render' AND args->>'stage' IS DISTINCT FROM 'embedded'`); n != 0 {
		t.Errorf("%d render jobs before the scan", n)
	}

	clamd.Restart()
	// The snoozed scan comes back within its retry delay (10 s).
	waitForScan(t, lea, it.ID, "")
	wantStatus(t, prof.get(itemPath(it.ID, "/content")), http.StatusOK, "the teacher opens the clean file")
	waitForPreviews(t, prof, class)
	wantStatus(t, prof.get(itemPath(it.ID, "/thumbnails/small")), http.StatusOK, "thumbnail after the scan")
}

// TestScanFailsOpen: with CARTABLE_ANTIVIRUS_FAILURE=open, a file sent while clamd
// is down is served unscanned (said so), and scanned once clamd is back: the EICAR
// file let through is then quarantined.
func TestScanFailsOpen(t *testing.T) {
	in, clamd := startScanning(t, func(cfg *Config) { cfg.AntivirusFailure = "open" })
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	class := prof.space("group", "6A")
	clamd.Stop()
	it := lea.mustUpload(class, "photo.jpg", clamdtest.EICAR)
	waitForScan(t, lea, it.ID, antivirus.Unscanned)
	wantStatus(t, prof.get(itemPath(it.ID, "/content")), http.StatusOK, "an unscanned file is served (fail open)")

	clamd.Restart()
	// The periodic catch-up runs every five minutes; run it now, once the first
	// scan's job is recorded as done (river records it a moment after).
	waitFor(t, "the first scan's job done", func() bool {
		return in.count(t, `SELECT count(*) FROM river_job WHERE kind = 'antivirus.scan' AND state <> 'completed'`) == 0
	})
	n, err := antivirus.CatchUp(t.Context(), in.app.pool, in.app.river, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("catch-up enqueued %d scans (%v), want 1", n, err)
	}
	waitForScan(t, lea, it.ID, antivirus.Infected)
	wantProblem(t, prof.get(itemPath(it.ID, "/content")), http.StatusForbidden, "infected", "once scanned")
}

// TestLargeFileScannedWhole: a 48 MiB file sent with tus, the marker in its last
// bytes, is streamed to clamd whole and quarantined; its twin without the marker
// is clean.
func TestLargeFileScannedWhole(t *testing.T) {
	in, _ := startScanning(t, nil)
	prof := in.as("prof.martin")
	data := randomData(t, 48<<20)
	marked := append(append([]byte{}, data[:len(data)-100]...), clamdtest.Marker...)
	ids := map[string]string{}
	for name, b := range map[string][]byte{"clean.bin": data, "marked.bin": marked} {
		tus := prof.tus()
		path, r := tus.create(len(b), metadata("filename", name, "parent", prof.home()))
		if path == "" {
			t.Fatalf("tus create: %d %s", r.StatusCode, r.body)
		}
		ids[name] = tus.send(path, b, 0, 16<<20).Header.Get("Cartable-Item-Id")
	}
	waitForScan(t, prof, ids["clean.bin"], "")
	waitForScan(t, prof, ids["marked.bin"], antivirus.Infected)
	var signature string
	if err := in.app.pool.QueryRow(t.Context(), `SELECT b.scan_signature FROM items i JOIN versions v ON v.id = i.current_version_id
		JOIN blobs b ON b.id = v.blob_id WHERE i.id = $1`, ids["marked.bin"]).Scan(&signature); err != nil || signature != clamdtest.MarkerSignature {
		t.Errorf("signature %q (%v), want %s", signature, err, clamdtest.MarkerSignature)
	}
}

// TestSmallerFilesScannedFirst: at the bell a teacher's one-page PDF must not wait
// behind a class's photos for its scan. Each upload's scan is queued with its
// size's priority (river runs the lower first): the blob's size is known when the
// scan is enqueued, before its version row records it.
func TestSmallerFilesScannedFirst(t *testing.T) {
	in, _ := startScanning(t, nil)
	prof := in.as("prof.martin")
	for _, tt := range []struct {
		name string
		size int
		want int
	}{
		{"exposé.pdf", 200 << 10, 1},
		{"photo.jpg", 5 << 20, 2},
		{"film.mp4", 20 << 20, 3},
	} {
		it := prof.mustUpload(prof.home(), tt.name, randomData(t, tt.size))
		var priority int
		if err := in.app.pool.QueryRow(t.Context(), `SELECT j.priority FROM river_job j
			JOIN versions v ON j.args->>'blob_id' = v.blob_id::text JOIN items i ON i.current_version_id = v.id
			WHERE j.kind = 'antivirus.scan' AND i.id = $1`, it.ID).Scan(&priority); err != nil {
			t.Fatalf("%s: its scan job: %v", tt.name, err)
		}
		if priority != tt.want {
			t.Errorf("%s (%d bytes): scan priority %d, want %d", tt.name, tt.size, priority, tt.want)
		}
	}
}

// TestScanWithAClamdTakingShortStreams: a clamd configured to take at most 8 MiB
// (as shipped it takes 100 MiB; uploads reach 10 GiB) refuses a 30 MiB stream;
// the scan is made again on fewer bytes until clamd takes it, instead of waiting
// for ever: the marker 3 MiB in is found, the clean twin is clean.
func TestScanWithAClamdTakingShortStreams(t *testing.T) {
	d := clamdtest.StartWith(t, "8M")
	in := startWith(t, func(cfg *Config) { cfg.Jobs, cfg.Clamd = true, d.Address })
	prof := in.as("prof.martin")
	data := randomData(t, 30<<20)
	marked := append(append(append([]byte{}, data[:3<<20]...), clamdtest.Marker...), data[3<<20:]...)
	clean := prof.mustUpload(prof.home(), "clean.bin", data)
	infected := prof.mustUpload(prof.home(), "marked.bin", marked)
	waitForScan(t, prof, clean.ID, "")
	waitForScan(t, prof, infected.ID, antivirus.Infected)
}

// waitFor polls cond until it holds, for at most two minutes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 2 minutes", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestScanWaitingOnANodeWithoutClamd: a file left waiting for its scan when the
// antivirus is turned off (or set on some nodes only) is released, served
// unscanned with its preview, not left pending for good.
func TestScanWaitingOnANodeWithoutClamd(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	class := prof.space("group", "6A")
	it := prof.mustUpload(class, "photo.jpg", previewtest.Photo(320, 240, 0, 9))
	waitForPreviews(t, prof, class)
	var blobID uuid.UUID
	if err := in.app.pool.QueryRow(t.Context(), `UPDATE blobs SET scan = 'pending' WHERE id =
		(SELECT v.blob_id FROM items i JOIN versions v ON v.id = i.current_version_id WHERE i.id = $1) RETURNING id`, it.ID).Scan(&blobID); err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.river.Insert(t.Context(), antivirus.ScanArgs{BlobID: blobID, MimeType: "image/jpeg", Name: "photo.jpg"}, nil); err != nil {
		t.Fatal(err)
	}
	waitForScan(t, prof, it.ID, antivirus.Unscanned)
	wantStatus(t, in.as("eleve.6a.01").get(itemPath(it.ID, "/content")), http.StatusOK, "a pupil of the class reads the released file")
}
