package main

import (
	"bytes"
	"image/jpeg"
	"math"
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
