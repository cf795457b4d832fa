package preview

import (
	"os"
	"sync"
	"testing"

	"github.com/h2non/bimg"

	"cartable/previewtest/heictest"
)

func needHEIF(tb testing.TB) {
	tb.Helper()
	if !bimg.IsTypeSupported(bimg.HEIF) {
		tb.Skip("libvips has no HEIF support here")
	}
}

// TestHEIFThumbnail: a phone HEIC's thumbnail item is read instead of its primary
// image and shows the same picture; a HEIC without one is refused, not decoded.
func TestHEIFThumbnail(t *testing.T) {
	needHEIF(t)
	r := NewRenderer(Limits{})
	data, err := heictest.HEIC(480, 360, 240, 3)
	if err != nil {
		t.Skipf("no HEIC writer here: %v", err)
	}
	e, err := heifThumbnail(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	img := e.Image
	if e.Width != 480 || e.Height != 360 {
		t.Errorf("the primary image is %d × %d, want 480 × 360", e.Width, e.Height)
	}
	if b := img.Bounds(); b.Dx() != 240 || b.Dy() != 180 {
		t.Fatalf("the thumbnail item is %v, want 240 × 180", b)
	}
	small := smallOf(t, r, data, "image/heic")
	if !looksAlike(img, small) {
		t.Errorf("the thumbnail item does not look like the rendition (%s)", distance(img, small))
	}
	// sample.heic has no thumbnail item.
	if _, err := heifThumbnail(readTestdata(t, "testdata/sample.heic"), Limits{}); EmbeddedReason(err) != EmbeddedNoThumbnail {
		t.Errorf("testdata/sample.heic: %v, want no_thumbnail", err)
	}
	if _, err := heifThumbnail([]byte("not a HEIF at all"), Limits{}); EmbeddedReason(err) != EmbeddedCorrupt {
		t.Errorf("garbage: %v, want corrupt", err)
	}
}

func readTestdata(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// heic12MP is a 4000 × 3000 phone HEIC with a 320 px thumbnail item; x265 takes
// seconds to encode it, so the benchmarks share one.
var heic12MP = sync.OnceValues(func() ([]byte, error) { return heictest.HEIC(4000, 3000, 320, 5) })

func heic12MPOrSkip(b *testing.B) []byte {
	needHEIF(b)
	data, err := heic12MP()
	if err != nil {
		b.Skipf("no HEIC writer here: %v", err)
	}
	b.ResetTimer()
	return data
}

// BenchmarkHEIFThumbnailItem: the thumbnail item of a 12 MP HEIC, decoded.
func BenchmarkHEIFThumbnailItem(b *testing.B) {
	data := heic12MPOrSkip(b)
	for b.Loop() {
		if _, err := heifThumbnail(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHEIFPrimarySmall: the small JPEG of the same HEIC the normal way,
// from the primary image (HEIF has no shrink-on-load: all 12 MP are decoded).
func BenchmarkHEIFPrimarySmall(b *testing.B) {
	data := heic12MPOrSkip(b)
	for b.Loop() {
		if _, err := bimg.NewImage(data).Process(bimg.Options{Width: 128, Height: 128, Crop: true, Gravity: bimg.GravityCentre,
			StripMetadata: true, Quality: 80, Type: bimg.JPEG}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHEIFSample: testdata/sample.heic (64 × 48, no thumbnail item): the
// refusal against the small JPEG the normal way.
func BenchmarkHEIFSample(b *testing.B) {
	needHEIF(b)
	data := readTestdata(b, "testdata/sample.heic")
	b.Run("thumbnail item", func(b *testing.B) {
		for b.Loop() {
			heifThumbnail(data, Limits{})
		}
	})
	b.Run("primary small", func(b *testing.B) {
		for b.Loop() {
			if _, err := bimg.NewImage(data).Process(bimg.Options{Width: 128, Height: 128, Crop: true, Type: bimg.JPEG}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
