package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"cartable/previewtest"
)

// TestSmallThumbnailsOfAWholeBurstFirst: a class's files wait in the queue (the
// jobs start after the uploads); every small thumbnail is started before any
// medium or large one, a file is ready (with its small thumbnail) before its
// larger sizes exist and says when to look again, and in the end every size is
// there and the item says nothing more is coming.
func TestSmallThumbnailsOfAWholeBurstFirst(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.PreviewWorkers = 1 })
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Sortie")
	// Phone photos (their provisional small thumbnails come from their EXIF
	// previews, on a queue of their own), a photo without one (no verdict to wait
	// for here: its embedded stage hands it to libvips' small stage rather than
	// have Go decode it), screenshots and a PDF (their small thumbnails from
	// libvips and poppler, on the previews queue with every larger size).
	const photos, plainPhotos, screenshots = 2, 1, 3
	for i := range photos {
		prof.mustUpload(folder.ID, fmt.Sprintf("photo-%d.jpg", i), previewtest.CameraPhoto(previewtest.CameraOptions{Width: 2400, Height: 1800, Seed: uint64(40 + i)}))
	}
	plain := prof.mustUpload(folder.ID, "photo-sans-vignette.jpg", previewtest.Photo(2400, 1800, 0, 43))
	for i := range screenshots {
		prof.mustUpload(folder.ID, fmt.Sprintf("capture-%d.png", i), previewtest.Gradient(2400+i, 1800))
	}
	prof.mustUpload(folder.ID, "cours.pdf", previewtest.PDF(3))
	if err := in.app.startJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopJobs(in.app.river.Stop, in.app.log) })

	// The first answer with a thumbnail has the small one, and says more is coming.
	// One render at a time: the large renditions alone take seconds, and the
	// listing is read in the meantime.
	deadline := time.Now().Add(3 * time.Minute)
	var partial previewItem
	for partial.ID == "" {
		for _, it := range listPreviews(t, prof, folder.ID) {
			if it.Thumbnails["small"].URL != "" && it.Thumbnails["large"].URL == "" {
				partial = it
			}
		}
		if partial.ID == "" && time.Now().After(deadline) {
			t.Fatal("no file was ever seen with its small thumbnail alone")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if partial.Preview != "ready" || partial.RefreshAfter <= 0 {
		t.Errorf("a file with its small thumbnail alone says preview %q, refresh_after %d: want ready, and when to look again", partial.Preview, partial.RefreshAfter)
	}
	r := prof.get(itemPath(partial.ID, "/thumbnails/large"))
	if r.StatusCode == http.StatusNotFound {
		wantProblem(t, r, http.StatusNotFound, "preview_pending", "the large thumbnail before its stage")
	}

	done := waitForPreviews(t, prof, folder.ID)
	for name, it := range done {
		if it.RefreshAfter != 0 || len(it.Thumbnails) != 3 {
			t.Errorf("%s in the end: refresh_after %d, thumbnails %v", name, it.RefreshAfter, it.Thumbnails)
		}
		checkThumbnails(t, prof, it)
	}

	// On the previews queue, every small stage started before any larger one
	// (or in the same fetch, which takes them by priority): river took the queue
	// by priority. The photos' provisional ones ran on their own queue, each
	// before its file's medium stage, which it enqueued; so did the plain
	// photo's embedded stage, which enqueued its small one only when it ran, and
	// that one may come after larger ones already started.
	var lastSmall, firstLater time.Time
	err := in.app.pool.QueryRow(t.Context(), `
		SELECT max(attempted_at) FILTER (WHERE args->>'stage' = 'small'
		           AND (args->>'blob_id')::uuid NOT IN (SELECT blob_id FROM versions WHERE item_id = $1)),
		       min(attempted_at) FILTER (WHERE args->>'stage' IN ('medium', 'large'))
		FROM river_job WHERE kind = 'preview.render' AND queue = 'previews'`, plain.ID).Scan(&lastSmall, &firstLater)
	if err != nil {
		t.Fatal(err)
	}
	if lastSmall.After(firstLater) {
		t.Errorf("the last small stage started at %s, after a larger one at %s", lastSmall.Format(time.StampMicro), firstLater.Format(time.StampMicro))
	}
	files := int64(photos + plainPhotos + screenshots + 1)
	for stage, want := range map[string]int64{"embedded": photos + plainPhotos, "small": plainPhotos + screenshots + 1, "medium": files, "large": files} {
		if n := in.count(t, `SELECT count(*) FROM river_job WHERE kind = 'preview.render' AND state = 'completed' AND args->>'stage' = '`+stage+`'`); n != want {
			t.Errorf("%d %s stages completed, want %d", n, stage, want)
		}
	}
}

// listPreviews lists a folder's files as previewItems.
func listPreviews(t *testing.T, u *user, folderID string) []previewItem {
	t.Helper()
	var page struct {
		Items []previewItem `json:"items"`
	}
	r := u.get(itemPath(folderID, "/children?limit=200"))
	wantStatus(t, r, http.StatusOK, "list")
	r.json(t, &page)
	return page.Items
}
