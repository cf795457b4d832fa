package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"cartable/preview"
	"cartable/previewtest"
)

// previewItem is an item as listings give it, with its thumbnails.
type previewItem struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Preview      string `json:"preview"`
	RefreshAfter int    `json:"refresh_after"`
	Thumbnails   map[string]struct {
		URL    string `json:"url"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"thumbnails"`
}

// TestPreviewsOfAMixedFolder uploads what a class folder holds, lets the jobs run,
// and checks through the API that every supported file gets its three thumbnails,
// that bombs and liars get recorded failures, that the SVG fetched nothing and that
// no original changed.
func TestPreviewsOfAMixedFolder(t *testing.T) {
	var fetched atomic.Int32
	trap := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { fetched.Add(1) }))
	defer trap.Close()
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Sortie au musée")

	docx, err := os.ReadFile("../../preview/testdata/sample.docx")
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name   string
		data   []byte
		want   string // ready, failed, or "" for no preview
		reason string
		needs  bool // needs a tool this machine may lack
	}{
		{"photo-telephone.jpg", previewtest.Photo(1200, 900, 6, 1), "ready", "", false},
		{"affiche-cmjn.jpg", mustRead(t, "../../preview/testdata/cmyk.jpg"), "ready", "", false},
		{"logo-transparent.png", previewtest.PNG16Alpha(400, 200), "ready", "", false},
		{"animation.gif", previewtest.AnimatedGIF(200), "ready", "", false},
		{"schema.svg", previewtest.HostileSVG(trap.URL + "/x.png"), "ready", "", false},
		{"cours.pdf", previewtest.PDF(20), "ready", "", false},
		{"devoir.docx", docx, "ready", "", preview.FindTools().Soffice == ""},
		{"immense.png", previewtest.BombPNG(20_000, 20_000), "failed", preview.FailTooManyPixels, false},
		{"coupee.jpg", previewtest.Truncated(previewtest.Photo(800, 600, 0, 2)), "failed", preview.FailTruncated, false},
		{"jeu.jpg", previewtest.EXE(), "failed", preview.FailUnsupported, false},
		{"notes.txt", []byte("à rendre lundi"), "", "", false},
	}
	ids := map[string]string{}
	for _, f := range files {
		ids[f.name] = prof.mustUpload(folder.ID, f.name, f.data).ID
	}

	listed := waitForPreviews(t, prof, folder.ID)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			if f.needs {
				t.Skip("LibreOffice is not installed here (CI installs it)")
			}
			it := listed[f.name]
			if it.Preview != f.want {
				t.Fatalf("preview %q, want %q", it.Preview, f.want)
			}
			switch f.want {
			case "ready":
				checkThumbnails(t, prof, it)
			case "failed":
				r := prof.get(itemPath(it.ID, "/thumbnails/small"))
				wantProblem(t, r, http.StatusNotFound, "preview_failed", "thumbnail of a failed preview")
				var p struct {
					Fields map[string]string `json:"fields"`
				}
				r.json(t, &p)
				if p.Fields["reason"] != f.reason {
					t.Errorf("reason %q, want %q", p.Fields["reason"], f.reason)
				}
			default:
				wantProblem(t, prof.get(itemPath(it.ID, "/thumbnails/small")), http.StatusNotFound, "not_found", "thumbnail of a text file")
			}
			// The original is untouched.
			if got := prof.get(itemPath(it.ID, "/content")); !bytes.Equal(got.body, f.data) {
				t.Errorf("the original changed: %d bytes, uploaded %d", len(got.body), len(f.data))
			}
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Errorf("rendering the SVG fetched its references %d times", n)
	}

	// The operator sees the outcomes, and which types this node previews.
	metrics := in.do(http.MethodGet, "/metrics", "", nil, nil)
	for _, want := range []string{`cartable_previews_total{outcome="ready"}`, `cartable_previews_total{outcome="too_many_pixels"} 1`,
		`cartable_preview_render_seconds_count{kind="image",stage="small"}`} {
		if !bytes.Contains(metrics.body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	var ready struct {
		Previews preview.Capabilities `json:"previews"`
	}
	in.do(http.MethodGet, "/readyz", "", nil, nil).json(t, &ready)
	if !slices.Contains(ready.Previews.On, "image/jpeg") || !slices.Contains(ready.Previews.On, "application/pdf") {
		t.Errorf("/readyz previews = %+v", ready.Previews)
	}

	// A pupil trying the teacher's ids sees nothing, not even that a preview exists.
	pupil := in.as("eleve.6a.01")
	wantProblem(t, pupil.get(itemPath(ids["cours.pdf"], "/thumbnails/small")), http.StatusNotFound, "not_found", "pupil on the teacher's thumbnail")
	wantProblem(t, prof.get(itemPath(ids["cours.pdf"], "/thumbnails/huge")), http.StatusBadRequest, "invalid_request", "unknown size")

	// Re-enqueue: the structure's local admin may, a pupil may not know the route.
	wantStatus(t, pupil.do(http.MethodPost, "/api/v1/admin/structures/0600001A/previews", nil, nil), http.StatusNotFound, "pupil re-enqueues")
	r := in.as("admin.college").do(http.MethodPost, "/api/v1/admin/structures/0600001A/previews", nil, nil)
	wantStatus(t, r, http.StatusAccepted, "local admin re-enqueues")
	var requeued struct {
		Enqueued int `json:"enqueued"`
	}
	r.json(t, &requeued)
	if requeued.Enqueued != 3 { // the three failures
		t.Errorf("re-enqueued %d previews, want the 3 failed ones", requeued.Enqueued)
	}
	listed = waitForPreviews(t, prof, folder.ID)
	if got := listed["coupee.jpg"].Preview; got != "failed" {
		t.Errorf("after re-enqueue the truncated JPEG is %q, want failed again", got)
	}

	// Through a view link, a visitor gets signed thumbnail URLs, and a whole class
	// behind one address loading the grid is never rate limited.
	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	r = prof.sendJSON(http.MethodPost, itemPath(folder.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires}, nil)
	wantStatus(t, r, http.StatusCreated, "create a view link")
	var l struct{ Token string }
	r.json(t, &l)
	var viaLink struct{ Items []previewItem }
	in.visit("/api/v1/links/"+l.Token+"/items/"+folder.ID+"/children", "", nil, nil).json(t, &viaLink)
	var urls []string
	for _, it := range viaLink.Items {
		for _, th := range it.Thumbnails {
			if !strings.HasPrefix(th.URL, in.url+"/api/v1/signed/items/") {
				t.Errorf("thumbnail through a link at %s", th.URL)
			}
			urls = append(urls, in.local(th.URL))
		}
	}
	if len(urls) < 15 {
		t.Fatalf("%d thumbnails through the link", len(urls))
	}
	for i := range 150 {
		if r := in.visit(urls[i%len(urls)], "", nil, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("thumbnail %d through the link: %d %s", i, r.StatusCode, r.body)
		}
	}

	// Rendering everything again (after a renderer upgrade) replaces each preview:
	// new URLs, and the old render's objects deleted.
	before := previewKeys(t, in, ids["affiche-cmjn.jpg"])
	oldURL := listed["affiche-cmjn.jpg"].Thumbnails["small"].URL
	r = in.as("service.provisioning").do(http.MethodPost, "/api/v1/admin/structures/0600001A/previews?all=true", nil, nil)
	wantStatus(t, r, http.StatusAccepted, "region re-renders everything")
	deadline := time.Now().Add(2 * time.Minute)
	for renderToken(waitForPreviews(t, prof, folder.ID)["affiche-cmjn.jpg"].Thumbnails["small"].URL) == renderToken(oldURL) {
		if time.Now().After(deadline) {
			t.Fatal("the re-render never replaced the thumbnails")
		}
		time.Sleep(200 * time.Millisecond)
	}
	wantStatus(t, in.fetch(oldURL, nil), http.StatusOK, "an old URL still answers, with the current thumbnail")
	for _, key := range before {
		if ok, err := in.app.store.Exists(context.Background(), key); err != nil || ok {
			t.Errorf("old render's %s still there after the re-render (err %v)", key, err)
		}
	}
	for _, key := range previewKeys(t, in, ids["affiche-cmjn.jpg"]) {
		if ok, err := in.app.store.Exists(context.Background(), key); err != nil || !ok {
			t.Errorf("new render's %s missing (err %v)", key, err)
		}
	}

	// Purging a file deletes its thumbnails' objects with its bytes.
	keys := previewKeys(t, in, ids["photo-telephone.jpg"])
	if len(keys) != len(preview.Sizes)*len(preview.Formats) {
		t.Fatalf("%d preview objects recorded, want %d", len(keys), len(preview.Sizes)*len(preview.Formats))
	}
	wantStatus(t, prof.do(http.MethodDelete, itemPath(ids["photo-telephone.jpg"]), nil, nil), http.StatusNoContent, "trash")
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/trash/"+ids["photo-telephone.jpg"], nil, nil), http.StatusNoContent, "purge")
	for _, key := range keys {
		if ok, err := in.app.store.Exists(context.Background(), key); err != nil || ok {
			t.Errorf("preview object %s still there after purge (err %v)", key, err)
		}
	}
}

// waitForPreviews lists a folder until no preview is pending, and returns its
// items by name.
func waitForPreviews(t *testing.T, u *user, folderID string) map[string]previewItem {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var page struct {
			Items []previewItem `json:"items"`
		}
		r := u.get(itemPath(folderID, "/children?limit=200"))
		wantStatus(t, r, http.StatusOK, "list")
		r.json(t, &page)
		byName, pending := map[string]previewItem{}, 0
		for _, it := range page.Items {
			byName[it.Name] = it
			if it.Preview == "pending" || it.RefreshAfter > 0 { // a new file's larger sizes come after
				pending++
			}
		}
		if pending == 0 {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d previews still pending after 3 minutes", pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkThumbnails fetches every size the way a browser and an old client would.
func checkThumbnails(t *testing.T, u *user, it previewItem) {
	t.Helper()
	for _, size := range preview.Sizes {
		th, ok := it.Thumbnails[size.Name]
		if !ok {
			t.Fatalf("no %s thumbnail listed: %+v", size.Name, it.Thumbnails)
		}
		if th.Width > size.Box || th.Height > size.Box || th.Width == 0 {
			t.Errorf("%s is %d × %d", size.Name, th.Width, th.Height)
		}
		webp := u.fetch(th.URL, map[string]string{"Accept": "image/avif,image/webp,*/*"})
		wantStatus(t, webp, http.StatusOK, "webp thumbnail")
		if ct := webp.Header.Get("Content-Type"); ct != "image/webp" || !bytes.HasPrefix(webp.body, []byte("RIFF")) {
			t.Errorf("%s: %s, %q...", size.Name, ct, webp.body[:min(4, len(webp.body))])
		}
		wantSignedHeaders(t, webp, size.Name)
		jpg := u.fetch(th.URL, map[string]string{"Accept": "image/jpeg"})
		wantStatus(t, jpg, http.StatusOK, "jpeg thumbnail")
		if ct := jpg.Header.Get("Content-Type"); ct != "image/jpeg" || !bytes.HasPrefix(jpg.body, []byte{0xFF, 0xD8}) {
			t.Errorf("%s: %s for a client without WebP", size.Name, ct)
		}
		again := u.fetch(th.URL, map[string]string{"Accept": "image/webp", "If-None-Match": webp.Header.Get("ETag")})
		wantStatus(t, again, http.StatusNotModified, "revalidation")
		// The route that takes the header: with the render's ?v=, cacheable for good.
		byHeader := u.get(itemPath(it.ID, "/thumbnails/", size.Name, "?v=", renderToken(th.URL)))
		if cc := byHeader.Header.Get("Cache-Control"); byHeader.StatusCode != http.StatusOK || cc != "private, max-age=31536000, immutable" {
			t.Errorf("%s with the header and the render's token: %d, Cache-Control %q", size.Name, byHeader.StatusCode, cc)
		}
	}
}

// TestThumbnailWhilePending: before its job runs, a thumbnail is 404
// preview_pending with Retry-After, and the listing says pending.
func TestThumbnailWhilePending(t *testing.T) {
	in := start(t) // jobs off: the preview stays pending
	prof := in.as("prof.martin")
	it := prof.mustUpload(prof.home(), "photo.jpg", previewtest.Photo(300, 200, 0, 3))
	r := prof.get(itemPath(it.ID, "/thumbnails/medium"))
	wantProblem(t, r, http.StatusNotFound, "preview_pending", "thumbnail before its job")
	if ra := r.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2", ra)
	}
	var got previewItem
	if err := json.Unmarshal(prof.get(itemPath(it.ID)).body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Preview != "pending" || got.Thumbnails != nil {
		t.Errorf("item says preview %q with %d thumbnails, want pending and none", got.Preview, len(got.Thumbnails))
	}

	// The sweep leaves a preview whose job is alive alone...
	if n, err := preview.SweepStale(t.Context(), in.app.pool, 0); err != nil || n != 0 {
		t.Fatalf("swept %d with the job alive (%v)", n, err)
	}
	// ...and ends one whose job died without a word.
	if _, err := in.app.pool.Exec(t.Context(), `UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE kind = 'preview.render'`); err != nil {
		t.Fatal(err)
	}
	if n, err := preview.SweepStale(t.Context(), in.app.pool, 0); err != nil || n != 1 {
		t.Fatalf("swept %d after the job died (%v), want 1", n, err)
	}
	wantProblem(t, prof.get(itemPath(it.ID, "/thumbnails/medium")), http.StatusNotFound, "preview_failed", "thumbnail after the sweep")
}

// previewKeys are the object keys of an item's current preview.
func previewKeys(t *testing.T, in *instance, itemID string) []string {
	t.Helper()
	var keys []string
	err := in.app.pool.QueryRow(context.Background(), `
		SELECT coalesce(array_agg(r->>'key'), '{}') FROM items i JOIN versions v ON v.id = i.current_version_id
		JOIN previews p ON p.blob_id = v.blob_id, jsonb_array_elements(p.renditions) r WHERE i.id = $1`, itemID).Scan(&keys)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPreviewRacesPurge renders previews while their files are purged: whichever
// wins, no preview object and no record outlives the blob.
func TestPreviewRacesPurge(t *testing.T) {
	in := start(t) // jobs off: the test runs the worker itself
	prof := in.as("prof.martin")
	worker := &preview.Worker{DB: in.app.pool, Store: in.app.store, Renderer: in.app.renderer, Log: in.app.log}
	photo := previewtest.Photo(1600, 1200, 0, 9)
	for round := range 8 {
		it := prof.mustUpload(prof.home(), fmt.Sprintf("photo-%d.jpg", round), photo)
		var blobID uuid.UUID
		var blobKey string
		err := in.app.pool.QueryRow(t.Context(), `
			SELECT b.id, b.key FROM items i JOIN versions v ON v.id = i.current_version_id JOIN blobs b ON b.id = v.blob_id
			WHERE i.id = $1`, it.ID).Scan(&blobID, &blobKey)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, prof.do(http.MethodDelete, itemPath(it.ID), nil, nil), http.StatusNoContent, "trash")
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			job := &river.Job[preview.RenderArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: preview.RenderArgs{BlobID: blobID}}
			if err := worker.Work(context.Background(), job); err != nil {
				t.Errorf("round %d: render: %v", round, err)
			}
		}()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(round) * 80 * time.Millisecond) // purge at a different point each round: before, during, after
			r := prof.do(http.MethodDelete, "/api/v1/trash/"+it.ID, nil, nil)
			if r.StatusCode != http.StatusNoContent {
				t.Errorf("round %d: purge: %d %s", round, r.StatusCode, r.body)
			}
		}()
		wg.Wait()
		// The periodic collection finishes what an interrupted purge left.
		if _, err := in.app.workspace.CollectBlobs(t.Context()); err != nil {
			t.Fatal(err)
		}
		for obj, err := range in.app.store.List(t.Context(), "previews/"+blobKey) {
			if err != nil {
				t.Fatal(err)
			}
			t.Errorf("round %d: preview object %s outlived its blob", round, obj.Key)
		}
		if n := in.count(t, fmt.Sprintf(`SELECT count(*) FROM previews WHERE blob_id = '%s'`, blobID)); n != 0 {
			t.Errorf("round %d: the preview record outlived its blob", round)
		}
	}
}
