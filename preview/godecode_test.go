package preview

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"strings"
	"sync"
	"testing"

	"cartable/previewtest"

	"github.com/h2non/bimg"
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
	progressive := interlaced(t, jpegOf(t, halves(400, 300, false)))
	rgb, err := os.ReadFile("testdata/rgb.jpg") // cjpeg -rgb: R, G and B components
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
		{name: "colour photo, at an eighth", data: jpegOf(t, halves(2400, 2048, false)), wantW: 2400, wantH: 2048},
		{name: "wide colour photo, at an eighth", data: jpegOf(t, halves(3400, 1540, false)), wantW: 3400, wantH: 1540},
		{name: "grey photo, at an eighth", data: jpegOf(t, halves(2048, 2400, true)), wantW: 2048, wantH: 2400},
		{name: "progressive photo", data: progressive, wantW: 400, wantH: 300},
		{name: "progressive photo, at an eighth", data: interlaced(t, jpegOf(t, halves(2400, 2048, false))), wantW: 2400, wantH: 2048},
		{name: "progressive photo too large to decode whole", data: withFrameSize(t, progressive, 1500, 3000), wantReason: EmbeddedTooLarge},
		{name: "CMYK left to libvips", data: cmyk, wantReason: EmbeddedCorrupt},
		{name: "RGB left to libvips", data: rgb, wantReason: EmbeddedCorrupt},
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
			if side := min(b.Dx(), b.Dy()); side < 3*Sizes[0].Box/2 && side != min(tt.wantW, tt.wantH) {
				t.Errorf("shrunk to %v: too few pixels for the small size", b)
			}
			// The halves keep their tone: left darker in grey / redder in colour.
			left := e.Image.At(b.Min.X+b.Dx()/4, b.Min.Y+b.Dy()/2)
			right := e.Image.At(b.Min.X+3*b.Dx()/4, b.Min.Y+b.Dy()/2)
			lr, _, lb, _ := left.RGBA()
			rr, _, rb, _ := right.RGBA()
			if strings.HasPrefix(tt.name, "grey photo") {
				if lr == rr {
					t.Errorf("grey halves alike: %v %v", left, right)
				}
			} else if lr <= lb || rb <= rr {
				t.Errorf("left %v should be red, right %v blue", left, right)
			}
		})
	}
}

// interlaced is a JPEG saved again as a progressive one, by libvips.
func interlaced(t *testing.T, data []byte) []byte {
	t.Helper()
	out, err := bimg.NewImage(data).Process(bimg.Options{Type: bimg.JPEG, Interlace: true, Quality: 90})
	if err != nil {
		t.Fatal(err)
	}
	if frame, err := scanJPEG(out); err != nil || !frame.progressive {
		t.Fatalf("not saved as a progressive JPEG (%v)", err)
	}
	return out
}

// withFrameSize is a JPEG whose frame header claims another size: what the
// checks before a decode read.
func withFrameSize(t *testing.T, data []byte, w, h int) []byte {
	t.Helper()
	out := bytes.Clone(data)
	for i := 2; i+9 <= len(out); i++ {
		if out[i] == 0xFF && isFrameHeader(out[i+1]) {
			binary.BigEndian.PutUint16(out[i+5:], uint16(h))
			binary.BigEndian.PutUint16(out[i+7:], uint16(w))
			return out
		}
	}
	t.Fatal("no frame header")
	return nil
}

// TestDecodedInGoTurnsUpright: a phone photo without a thumbnail (an older
// phone, a messaging app's copy), decoded by Go while its scan runs, whole or at
// an eighth, is turned by its EXIF orientation as libvips turns the real small
// thumbnail, for each of the 8 (at an eighth, for two), and looks like it, down
// to a wide photo whose eighth is 192 px high. (Seen on real files: the orientation was read
// with the thumbnail's directory, so a photo without one stayed as stored.)
func TestDecodedInGoTurnsUpright(t *testing.T) {
	r := NewRenderer(Limits{})
	for _, size := range []image.Point{{800, 600}, {2400, 2048}, {3400, 1540}} {
		for orientation := 1; orientation <= 8; orientation++ {
			if atAnEighth(jpegFrame{width: size.X, height: size.Y}) && orientation != 1 && orientation != 6 {
				// At an eighth, the upright photo and one turned: the turning is
				// the same code at any scale, and each photo costs seconds under
				// the race detector.
				continue
			}
			data := previewtest.CameraPhoto(with(camera(size.X, size.Y), func(o *previewtest.CameraOptions) {
				o.Orientation, o.Seed, o.NoThumbnail = orientation, uint64(20+orientation), true
			}))
			e, err := decodedInGo(data, Limits{})
			if err != nil {
				t.Fatalf("%v, orientation %d: %v", size, orientation, err)
			}
			if e.Orientation != orientation {
				t.Errorf("%v: orientation %d read as %d", size, orientation, e.Orientation)
			}
			if wantW, wantH := uprightSize(size.X, size.Y, orientation); e.Width != wantW || e.Height != wantH {
				t.Errorf("%v, orientation %d: frame %d × %d, want %d × %d upright", size, orientation, e.Width, e.Height, wantW, wantH)
			}
			if small := smallOf(t, r, data, "image/jpeg"); !looksAlike(e.Image, small) {
				t.Errorf("%v, orientation %d: Go's provisional thumbnail does not look like libvips' (%s)", size, orientation, distance(e.Image, small))
			}
		}
	}
}

// TestGoDecodeBytes: the memory bound of a decode in Go, by its scale and its
// scans.
func TestGoDecodeBytes(t *testing.T) {
	tests := []struct {
		w, h        int
		progressive bool
		want        int64
	}{
		{w: 4000, h: 3000, want: 3 * 500 * 375},                        // at an eighth
		{w: 4000, h: 3000, progressive: true, want: 5 * 3 * 500 * 375}, // and its DC coefficients
		{w: 4001, h: 3001, want: 3 * 501 * 376},                        // partial blocks
		{w: 1500, h: 3000, want: 3 * 1500 * 3000},                      // whole
		{w: 1500, h: 3000, progressive: true, want: 5 * 3 * 1500 * 3000},
	}
	for _, tt := range tests {
		if got := goDecodeBytes(jpegFrame{width: tt.w, height: tt.h, progressive: tt.progressive}); got != tt.want {
			t.Errorf("%d × %d, progressive %v: %d bytes, want %d", tt.w, tt.h, tt.progressive, got, tt.want)
		}
	}
	if goDecodeBytes(jpegFrame{width: 1500, height: 3000, progressive: true}) <= goDecodeMaxBytes {
		t.Error("a progressive 4.5 MP photo decoded whole fits the bound: the test above of its refusal proves nothing")
	}
}

// TestAtAnEighth: a photo is decoded at an eighth when that leaves one and a half
// times the small size's side (192 pixels) on its shorter side, whole otherwise.
func TestAtAnEighth(t *testing.T) {
	tests := []struct {
		w, h int
		want bool
	}{
		{w: 4000, h: 3000, want: true},
		{w: 4608, h: 1976, want: true}, // a phone's 20:9 photo
		{w: 1536, h: 2049, want: true},
		{w: 3000, h: 1535, want: false},
		{w: 640, h: 480, want: false},
	}
	for _, tt := range tests {
		if got := atAnEighth(jpegFrame{width: tt.w, height: tt.h}); got != tt.want {
			t.Errorf("%d × %d: at an eighth %v, want %v", tt.w, tt.h, got, tt.want)
		}
	}
}

// BenchmarkDecodedInGo is the provisional small thumbnail of a 12 MP photo without
// a trusted embedded preview, while its scan runs: decodedInGo (its eighth) beside
// image/jpeg's whole decode, shrunk the same way, which it used before. A phone's
// photo has a sensor's grain, and weighs some 5 MB: its entropy decoding, which
// both do, costs more than a plain picture's.
func BenchmarkDecodedInGo(b *testing.B) {
	for _, photo := range []struct {
		name string
		data []byte
	}{{"plain", photo12MP()}, {"grain", grainyPhoto12MP()}} {
		b.Run(photo.name+"/eighth", func(b *testing.B) {
			for b.Loop() {
				if _, err := decodedInGo(photo.data, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(photo.name+"/whole", func(b *testing.B) {
			for b.Loop() {
				img, err := jpeg.Decode(bytes.NewReader(photo.data))
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := shrinkBox(img, 3000/(2*Sizes[0].Box)); !ok {
					b.Fatal("not shrunk")
				}
			}
		})
	}
}

// grainyPhoto12MP is a 4000 × 3000 camera photo with a sensor's grain, made once
// for the benchmarks.
var grainyPhoto12MP = sync.OnceValue(func() []byte {
	return previewtest.CameraPhoto(with(camera(4000, 3000), func(o *previewtest.CameraOptions) { o.Grain = true }))
})
