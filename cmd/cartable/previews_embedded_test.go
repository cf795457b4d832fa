package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/h2non/bimg"

	"cartable/antivirus"
	"cartable/previewtest"
	"cartable/previewtest/heictest"
)

// TestEmbeddedPreviewBeforeTheScan: clamd is down (fail closed), and a pupil posts
// a phone photo. Its small thumbnail comes at once from the photo's own EXIF
// preview (read in Go, never by libvips, before the verdict), for her and for her
// teacher, who still may not download the file. A photo whose EXIF says it was
// edited after it was taken, its old thumbnail showing another picture (the
// privacy trap), gets no thumbnail from it: Go decodes the photo itself for its
// provisional one, as for a tiny photo whose EXIF preview is too small. Once
// clamd is back, the real small thumbnail replaces the embedded one under a new
// URL, and the larger sizes follow. Only a picture the file carries of itself is
// compared with the real thumbnail: the photo's own pixels decoded by Go are no
// privacy trap, and at 100 × 75 their square differs from libvips' by more than
// the comparison allows (7 real camera files did): no false "mismatch".
func TestEmbeddedPreviewBeforeTheScan(t *testing.T) {
	in, clamd := startScanning(t, nil)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	class := prof.space("group", "6A")
	clamd.Stop()

	phone := lea.mustUpload(class, "IMG_2041.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 1600, Height: 1200, Seed: 11, Orientation: 6}))
	edited := lea.mustUpload(class, "IMG_2042.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 1600, Height: 1200, Seed: 12,
		ThumbnailOfOther: true, Edited: true}))
	tiny := lea.mustUpload(class, "IMG_2043.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 100, Height: 75, Seed: 5, NoThumbnail: true}))

	first := waitForThumbnail(t, prof, phone.ID, "small")
	if first.Scan != antivirus.Pending {
		t.Fatalf("the embedded thumbnail came with scan %q, want it before the verdict", first.Scan)
	}
	if first.RefreshAfter <= 0 {
		t.Errorf("the item with its embedded thumbnail says refresh_after %d, want when to look again", first.RefreshAfter)
	}
	if th := first.Thumbnails["small"]; th.Width != 120 || th.Height != 120 {
		t.Errorf("the embedded small thumbnail is %d × %d, want the 160 × 120 EXIF preview's 120 px square", th.Width, th.Height)
	}
	small := prof.get(in.local(first.Thumbnails["small"].URL))
	wantStatus(t, small, http.StatusOK, "the teacher's small thumbnail before the verdict")
	wantProblem(t, prof.get(itemPath(phone.ID, "/content")), http.StatusConflict, "scan_pending", "the teacher downloads the pending file")
	embedded := decodeJPEG(t, prof.do(http.MethodGet, in.local(first.Thumbnails["small"].URL), nil, map[string]string{"Accept": "image/jpeg"}).body)
	if embedded.Bounds().Dx() != 120 {
		t.Errorf("the embedded JPEG is %v", embedded.Bounds())
	}

	// The edited photo's stale EXIF preview is refused: its provisional small
	// thumbnail is its own picture, decoded whole by Go (128 px: the frame's
	// pixels, not the 160 × 120 preview's).
	editedFirst := waitForThumbnail(t, prof, edited.ID, "small")
	if th := editedFirst.Thumbnails["small"]; th.Width != 128 {
		t.Errorf("the edited photo's provisional small thumbnail is %d px wide, want 128 (made from the frame)", th.Width)
	}
	provisional := decodeJPEG(t, prof.do(http.MethodGet, in.local(editedFirst.Thumbnails["small"].URL), nil, map[string]string{"Accept": "image/jpeg"}).body)
	if tinyFirst := waitForThumbnail(t, prof, tiny.ID, "small"); tinyFirst.Scan != antivirus.Pending {
		t.Errorf("the tiny photo's provisional thumbnail came with scan %q, want it before the verdict", tinyFirst.Scan)
	}

	clamd.Restart()
	waitForScan(t, lea, phone.ID, "")
	waitForPreview(t, prof, phone.ID)
	waitForPreview(t, prof, edited.ID)
	waitForPreview(t, prof, tiny.ID)
	var done previewItem
	prof.get(itemPath(phone.ID)).json(t, &done)
	if done.Thumbnails["small"].URL == first.Thumbnails["small"].URL || done.Thumbnails["small"].Width != 128 {
		t.Errorf("the real small thumbnail %+v did not replace the embedded one %+v under a new URL", done.Thumbnails["small"], first.Thumbnails["small"])
	}
	if len(done.Thumbnails) != 3 {
		t.Errorf("in the end the photo has %v", done.Thumbnails)
	}
	// Its verdict went on from the medium stage: the embedded preview read while
	// the scan ran is not read again.
	if n := in.count(t, `SELECT count(*) FROM river_job j JOIN versions v ON j.args->>'blob_id' = v.blob_id::text
		JOIN items i ON i.current_version_id = v.id WHERE i.id = '`+phone.ID+`' AND j.args->>'stage' = 'embedded'`); n != 1 {
		t.Errorf("the photo's embedded preview was read in %d jobs, want 1 (before the verdict only)", n)
	}
	// The real small thumbnail of the edited photo shows what the Go one showed.
	var editedDone previewItem
	prof.get(itemPath(edited.ID)).json(t, &editedDone)
	real := decodeJPEG(t, prof.do(http.MethodGet, in.local(editedDone.Thumbnails["small"].URL), nil, map[string]string{"Accept": "image/jpeg"}).body)
	if d := meanLumaDifference(provisional, real); d > 8 {
		t.Errorf("the edited photo's provisional thumbnail differs from its real one by %.1f levels on average", d)
	}
	metrics := string(in.do(http.MethodGet, "/metrics", "", nil, nil).body)
	for _, want := range []string{`cartable_preview_embedded_total{result="served"} 1`, `cartable_preview_embedded_total{result="edited"} 1`,
		`cartable_preview_embedded_total{result="decoded"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(metrics, `result="mismatch"`) {
		t.Errorf("the real small thumbnail disagreed with an honest photo's EXIF preview or a photo decoded by Go: %s", grepLines(metrics, "cartable_preview_embedded_total"))
	}
}

// TestEmbeddedPreviewCheckedAfterwards: a photo whose EXIF thumbnail shows another
// picture while its metadata say nothing was changed (a thumbnail transplanted by
// a tool that keeps the dates) passes the metadata checks, and is served until the
// real small thumbnail exists; then the two are compared, the disagreement is
// counted and logged, and the real one is what remains. This is the limit of
// trusting metadata: the window is the time to the medium stage.
func TestEmbeddedPreviewCheckedAfterwards(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	trap := prof.mustUpload(prof.home(), "montage.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 1600, Height: 1200, Seed: 21,
		ThumbnailOfOther: true}))
	waitForPreview(t, prof, trap.ID)
	metrics := string(in.do(http.MethodGet, "/metrics", "", nil, nil).body)
	if !strings.Contains(metrics, `cartable_preview_embedded_total{result="mismatch"} 1`) {
		t.Errorf("the transplanted thumbnail was not found out: %s", grepLines(metrics, "cartable_preview_embedded_total"))
	}
	var it previewItem
	prof.get(itemPath(trap.ID)).json(t, &it)
	if it.Thumbnails["small"].Width != 128 {
		t.Errorf("the small thumbnail left is %+v, want the real 128 px one", it.Thumbnails["small"])
	}
}

// meanLumaDifference compares two thumbnails of the same size on an 8 × 8 grid of
// mean luminance (0–255 levels).
func meanLumaDifference(a, b image.Image) float64 {
	grid := func(img image.Image) (g [64]float64) {
		bo := img.Bounds()
		var n [64]float64
		for y := bo.Min.Y; y < bo.Max.Y; y++ {
			for x := bo.Min.X; x < bo.Max.X; x++ {
				r, gr, bl, _ := img.At(x, y).RGBA()
				cell := (y-bo.Min.Y)*8/bo.Dy()*8 + (x-bo.Min.X)*8/bo.Dx()
				g[cell] += (0.299*float64(r) + 0.587*float64(gr) + 0.114*float64(bl)) / 257
				n[cell]++
			}
		}
		for i := range g {
			g[i] /= max(1, n[i])
		}
		return g
	}
	ga, gb := grid(a), grid(b)
	sum := 0.0
	for i := range ga {
		sum += math.Abs(ga[i] - gb[i])
	}
	return sum / 64
}

func decodeJPEG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode a JPEG thumbnail: %v", err)
	}
	return img
}

// waitForThumbnail waits until the item has a thumbnail of size, as u sees it.
func waitForThumbnail(t *testing.T, u *user, id, size string) scanPreviewItem {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var it scanPreviewItem
		u.get(itemPath(id)).json(t, &it)
		if it.Thumbnails[size].URL != "" {
			return it
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s thumbnail for %s after 2 minutes", size, id)
		}
	}
}

type scanPreviewItem struct {
	previewItem
	Scan string `json:"scan"`
}

func grepLines(s, word string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, word) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestAFailedStageKeepsTheThumbnail: a phone photo cut short in its transfer
// (its end-of-image marker missing) still has its camera's preview in its first
// bytes, which gives it a small thumbnail; the medium stage then finds the
// photo truncated. The failure does not take the small thumbnail away: the
// preview stays ready and is complete with what it has (nothing more to wait
// for), and the sizes it lacks answer not_found, not "being made".
func TestAFailedStageKeepsTheThumbnail(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	photo := previewtest.CameraPhoto(previewtest.CameraOptions{Width: 1600, Height: 1200, Seed: 31})
	cut := prof.mustUpload(prof.home(), "IMG_3001.jpg", photo[:len(photo)*3/4])
	waitForPreview(t, prof, cut.ID)

	var it previewItem
	prof.get(itemPath(cut.ID)).json(t, &it)
	if it.Preview != "ready" || it.RefreshAfter != 0 {
		t.Errorf("the cut photo's preview is %q, refresh_after %d; want ready and nothing more to wait for", it.Preview, it.RefreshAfter)
	}
	if th := it.Thumbnails["small"]; th.Width != 120 || len(it.Thumbnails) != 1 {
		t.Errorf("the cut photo has %+v; want only the camera's 120 px small thumbnail", it.Thumbnails)
	}
	wantStatus(t, prof.get(in.local(it.Thumbnails["small"].URL)), http.StatusOK, "the small thumbnail")
	wantProblem(t, prof.get(itemPath(cut.ID, "/thumbnails/medium")), http.StatusNotFound, "not_found", "the medium size the render could not make")
}

// TestHEICSmallFromItsThumbnailItem: an iPhone's HEIC carries a small picture of
// itself beside its primary image, and HEIF has no shrink-on-load. Its small
// thumbnail is made from that item, provisionally; the medium stage then renders
// the real one from the primary image, finds it agrees, and every size follows.
func TestHEICSmallFromItsThumbnailItem(t *testing.T) {
	if !bimg.IsTypeSupported(bimg.HEIF) {
		t.Skip("libvips has no HEIF support here")
	}
	photo, err := heictest.HEIC(1600, 1200, 320, 7)
	if err != nil {
		t.Skipf("no HEIC writer here: %v", err)
	}
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	it := prof.mustUpload(prof.home(), "IMG_0042.HEIC", photo)
	waitForPreview(t, prof, it.ID)
	var done previewItem
	prof.get(itemPath(it.ID)).json(t, &done)
	if done.Preview != "ready" || len(done.Thumbnails) != 3 {
		t.Fatalf("the HEIC's preview is %q with %+v; want ready with its 3 sizes", done.Preview, done.Thumbnails)
	}
	// The comparison runs at the end of the medium stage's job, which the large
	// one may outrun.
	waitFor(t, "the medium stage's job", func() bool {
		return in.count(t, `SELECT count(*) FROM river_job j JOIN versions v ON j.args->>'blob_id' = v.blob_id::text
			JOIN items i ON i.current_version_id = v.id WHERE i.id = '`+it.ID+`' AND j.args->>'stage' = 'medium' AND j.state = 'completed'`) == 1
	})
	metrics := string(in.do(http.MethodGet, "/metrics", "", nil, nil).body)
	if !strings.Contains(metrics, `cartable_preview_embedded_total{result="heif_served"} 1`) {
		t.Errorf("the small thumbnail did not come from the thumbnail item: %s", grepLines(metrics, "cartable_preview_embedded_total"))
	}
	if strings.Contains(metrics, `result="mismatch"`) {
		t.Error("the real small thumbnail disagreed with the thumbnail item's")
	}
}
