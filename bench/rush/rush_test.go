package main

import (
	"bytes"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cartable/previewtest"
)

// TestTrackerSmallBeforeTheRest: a renderer that makes the small thumbnails of
// the whole queue first shows a file with thumbnails.small alone, and later with
// every size; the tracker keeps both moments apart.
func TestTrackerSmallBeforeTheRest(t *testing.T) {
	tr := newTracker(1)
	end := time.Now()
	tr.uploaded(Sent{ID: "a", End: end})
	tr.saw(itemView{ID: "a", Preview: "pending"}, end.Add(100*time.Millisecond))
	tr.saw(itemView{ID: "a", Preview: "pending", Thumbnails: map[string]any{"small": 1}}, end.Add(time.Second))
	if tr.finished() {
		t.Fatal("finished with the small thumbnail only")
	}
	tr.saw(itemView{ID: "a", Preview: "ready", Thumbnails: map[string]any{"small": 1, "medium": 1, "large": 1}}, end.Add(3*time.Second))
	if !tr.finished() {
		t.Fatal("not finished with every size")
	}
	var s Scenario
	s.summarize(tr, end.Add(-time.Second))
	if s.Small.P95 != 1 || s.All.P95 != 3 || s.SmallFirst != 1 || s.Complete != 1 || s.RenderedSeconds != 4 {
		t.Fatalf("small %v, all %v, small first %d, complete %d, rendered in %v s", s.Small, s.All, s.SmallFirst, s.Complete, s.RenderedSeconds)
	}
}

// TestTrackerFailedPreview: a failed preview ends its file's wait.
func TestTrackerFailedPreview(t *testing.T) {
	tr := newTracker(2)
	tr.uploaded(Sent{ID: "a", End: time.Now()})
	tr.uploaded(Sent{Name: "b", Err: bytes.ErrTooLarge})
	tr.saw(itemView{ID: "a", Preview: "failed"}, time.Now())
	if !tr.finished() {
		t.Fatal("a failed preview is still awaited")
	}
	var s Scenario
	s.summarize(tr, time.Now())
	if s.Failed != 1 || s.Errors != 1 || s.Complete != 0 {
		t.Fatalf("failed %d, errors %d, complete %d", s.Failed, s.Errors, s.Complete)
	}
}

// TestWithComment: the comment goes after the EXIF segment, and the photo still
// decodes.
func TestWithComment(t *testing.T) {
	photo := previewtest.PhotoWithThumbnail(64, 48, 1)
	out := withComment(photo, "rush photo 7")
	if !bytes.Equal(out[:4], []byte{0xFF, 0xD8, 0xFF, 0xE1}) {
		t.Fatalf("EXIF is no longer first: % x", out[:4])
	}
	if !bytes.Contains(out, append([]byte{0xFF, 0xFE, 0, 14}, "rush photo 7"...)) {
		t.Fatal("no comment segment")
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("does not decode: %v", err)
	}
}

func TestStats(t *testing.T) {
	s := stats([]float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	if s.P50 != 10 || s.P95 != 19 || s.Max != 20 || s.N != 20 {
		t.Fatalf("%+v", s)
	}
}

func TestAfterUploadsPerSec(t *testing.T) {
	tests := []struct {
		name string
		s    Scenario
		want float64
	}{
		{"the issue's own figure: 60 photos, the last 29 s after the uploads", Scenario{Complete: 60, BurstSeconds: 2.8, RenderedSeconds: 31.8}, 60.0 / 29},
		{"nothing complete", Scenario{Complete: 0, BurstSeconds: 2, RenderedSeconds: 10}, 0},
		{"no render after the uploads (a clock gone wrong)", Scenario{Complete: 5, BurstSeconds: 3, RenderedSeconds: 3}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.AfterUploadsPerSec(); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("AfterUploadsPerSec() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPhotosIn: a folder of real photos gives its JPEGs in name order, each
// sorted by what the worker makes of its EXIF thumbnail (a stale one of another
// picture, or none, is no camera thumbnail), and ignores the other files; the
// burst then sends them in turn, every upload unique.
func TestPhotosIn(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 640, Height: 480, Seed: 1}))
	write("b.JPEG", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 640, Height: 480, Seed: 2, NoThumbnail: true}))
	write("c.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 640, Height: 480, Seed: 3, ThumbnailOfOther: true, Edited: true}))
	write("notes.txt", []byte("not a photo"))
	photos, err := photosIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	var kinds, abouts []string
	for _, p := range photos {
		kinds = append(kinds, p.Kind)
		abouts = append(abouts, p.About)
	}
	want := []string{kindCameraThumb, kindNoThumb, kindNoThumb}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %q, want %q (%q)", kinds, want, abouts)
	}
	if !strings.HasPrefix(abouts[0], "a.jpg (") || !strings.Contains(abouts[0], "640 × 480") || !strings.Contains(abouts[0], "EXIF thumbnail: served") ||
		!strings.Contains(abouts[1], "EXIF thumbnail: no_thumbnail") {
		t.Fatalf("descriptions %q", abouts)
	}

	files := corpus(photos, 7, 0)
	seen := map[string]bool{}
	cameraThumbs := 0
	for _, f := range files {
		if seen[string(f.Data)] {
			t.Fatalf("%s has the bytes of another upload", f.Name)
		}
		seen[string(f.Data)] = true
		if f.Kind == kindCameraThumb {
			cameraThumbs++
		}
	}
	if len(files) != 7 || cameraThumbs != 3 { // a.jpg is the 1st, 4th and 7th upload
		t.Fatalf("%d files, %d with a camera thumbnail", len(files), cameraThumbs)
	}

	if _, err := photosIn(t.TempDir()); err == nil {
		t.Fatal("an empty folder gave photos")
	}
	write("d.jpg", []byte("not a JPEG"))
	if _, err := photosIn(dir); err == nil || !strings.Contains(err.Error(), "d.jpg") {
		t.Fatalf("a broken photo: %v", err)
	}
}
