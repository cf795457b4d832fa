package preview

import (
	"image"
	"image/color"
	"os"
	"testing"

	"cartable/previewtest"
)

func TestDecodedInGo(t *testing.T) {
	// A picture half red, half blue (left, right), in colour and in grey.
	halves := func(w, h int, gray bool) image.Image {
		var img interface {
			image.Image
			Set(x, y int, c color.Color)
		}
		if gray {
			img = image.NewGray(image.Rect(0, 0, w, h))
		} else {
			img = image.NewRGBA(image.Rect(0, 0, w, h))
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.Color(color.RGBA{200, 30, 30, 255})
				if x >= w/2 {
					c = color.RGBA{30, 30, 200, 255}
				}
				img.Set(x, y, c)
			}
		}
		return img
	}
	cmyk, err := os.ReadFile("testdata/cmyk.jpg")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		data       []byte
		limits     Limits
		wantReason string
		wantW      int
		wantH      int
	}{
		{name: "colour photo", data: jpegOf(t, halves(1600, 1200, false)), wantW: 1600, wantH: 1200},
		{name: "grey photo", data: jpegOf(t, halves(1200, 1600, true)), wantW: 1200, wantH: 1600},
		{name: "small photo, no shrinking", data: jpegOf(t, halves(100, 80, false)), wantW: 100, wantH: 80},
		{name: "CMYK left to libvips", data: cmyk, wantReason: EmbeddedCorrupt},
		{name: "more pixels than allowed", data: jpegOf(t, halves(400, 300, false)), limits: Limits{MaxPixels: 100_000}, wantReason: EmbeddedTooLarge},
		{name: "not a JPEG", data: []byte("GIF89a not a jpeg at all"), wantReason: EmbeddedCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := decodedInGo(tt.data, tt.limits)
			if tt.wantReason != "" {
				if got := EmbeddedReason(err); got != tt.wantReason {
					t.Fatalf("reason %q (%v), want %q", got, err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Width != tt.wantW || e.Height != tt.wantH {
				t.Errorf("frame %d × %d, want %d × %d", e.Width, e.Height, tt.wantW, tt.wantH)
			}
			if !e.Decoded {
				t.Error("not marked decoded: its thumbnail would be compared as a picture the file carries")
			}
			b := e.Image.Bounds()
			if side := min(b.Dx(), b.Dy()); side < 2*Sizes[0].Box && side != min(tt.wantW, tt.wantH) {
				t.Errorf("shrunk to %v: too few pixels for the small size", b)
			}
			// The halves keep their tone: left darker in grey / redder in colour.
			left := e.Image.At(b.Min.X+b.Dx()/4, b.Min.Y+b.Dy()/2)
			right := e.Image.At(b.Min.X+3*b.Dx()/4, b.Min.Y+b.Dy()/2)
			lr, _, lb, _ := left.RGBA()
			rr, _, rb, _ := right.RGBA()
			if tt.name == "grey photo" {
				if lr == rr {
					t.Errorf("grey halves alike: %v %v", left, right)
				}
			} else if lr <= lb || rb <= rr {
				t.Errorf("left %v should be red, right %v blue", left, right)
			}
		})
	}
}

// TestDecodedInGoTurnsUpright: a phone photo without a thumbnail (an older
// phone, a messaging app's copy), decoded whole by Go while its scan runs, is
// turned by its EXIF orientation as libvips turns the real small thumbnail, for
// each of the 8. (Seen on real files: the orientation was read with the
// thumbnail's directory, so a photo without one stayed as stored.)
func TestDecodedInGoTurnsUpright(t *testing.T) {
	r := NewRenderer(Limits{})
	for orientation := 1; orientation <= 8; orientation++ {
		data := previewtest.CameraPhoto(with(camera(800, 600), func(o *previewtest.CameraOptions) {
			o.Orientation, o.Seed, o.NoThumbnail = orientation, uint64(20+orientation), true
		}))
		e, err := decodedInGo(data, Limits{})
		if err != nil {
			t.Fatalf("orientation %d: %v", orientation, err)
		}
		if e.Orientation != orientation {
			t.Errorf("orientation %d read as %d", orientation, e.Orientation)
		}
		if wantW, wantH := uprightSize(800, 600, orientation); e.Width != wantW || e.Height != wantH {
			t.Errorf("orientation %d: frame %d × %d, want %d × %d upright", orientation, e.Width, e.Height, wantW, wantH)
		}
		if small := smallOf(t, r, data, "image/jpeg"); !looksAlike(e.Image, small) {
			t.Errorf("orientation %d: Go's provisional thumbnail does not look like libvips' (%s)", orientation, distance(e.Image, small))
		}
	}
}

// BenchmarkDecodedInGo is the provisional small thumbnail of a 12 MP photo without
// a trusted embedded preview, while its scan runs: the frame decoded by Go.
func BenchmarkDecodedInGo(b *testing.B) {
	data := photo12MP()
	for b.Loop() {
		if _, err := decodedInGo(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
