package preview

import (
	"bytes"
	"testing"

	"github.com/h2non/bimg"
	"golang.org/x/image/webp"

	"cartable/previewtest"
)

func TestEncodeWebP(t *testing.T) {
	NewRenderer(Limits{}) // libvips' settings, as every render has them
	// A TIFF keeps its source's EXIF, here an orientation that would have a
	// viewer turn the picture.
	tiff, err := bimg.NewImage(previewtest.Photo(800, 600, 6, 1)).Process(bimg.Options{Type: bimg.TIFF, NoAutoRotate: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := encodeWebP(tiff, 80)
	if err != nil {
		t.Fatal(err)
	}
	// libvips 8.14 writes an EXIF chunk of its own whatever it is told, which
	// encodeWebP drops (stripWebPMetadata): nothing may say how to turn the picture.
	if meta, err := bimg.Metadata(data); err != nil || meta.Orientation > 1 {
		t.Errorf("the WebP's orientation is %d (%v), want none", meta.Orientation, err)
	}
	for _, chunk := range []string{"EXIF", "XMP ", "ICCP"} {
		if bytes.Contains(data, []byte(chunk)) {
			t.Errorf("the WebP carries a %q chunk", chunk)
		}
	}
	img, err := webp.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a WebP: %v", err)
	}
	if got := img.Bounds().Size(); got.X != 800 || got.Y != 600 {
		t.Errorf("the WebP is %v, want 800 × 600", got)
	}
	if _, err := encodeWebP([]byte("not an image"), 80); err == nil {
		t.Error("bytes that are no image were encoded")
	}
}

// BenchmarkWebPEffort encodes the large rendition of a 12 MP photo with a
// sensor's grain as bimg does (libvips' default effort, 4) and as encodeWebP does
// (webpEffort), and reports the bytes of each.
func BenchmarkWebPEffort(b *testing.B) {
	NewRenderer(Limits{})
	large, err := bimg.NewImage(grainyPhoto12MP()).Process(bimg.Options{Width: 1600, Height: 1200, Force: true, Type: bimg.TIFF})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		encode func() ([]byte, error)
	}{
		{"bimg", func() ([]byte, error) {
			return bimg.NewImage(large).Process(bimg.Options{Type: bimg.WEBP, Quality: 80, StripMetadata: true})
		}},
		{"encodeWebP", func() ([]byte, error) { return encodeWebP(large, 80) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				data, err := c.encode()
				if err != nil {
					b.Fatal(err)
				}
				n = len(data)
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}
