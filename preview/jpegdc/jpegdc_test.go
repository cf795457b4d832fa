package jpegdc

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"testing"
)

// The pictures in testdata are one 333 × 249 scene with sharp edges (odd sizes,
// so the last blocks and MCUs are partial), saved by libvips 8.14's jpegsave:
// s444.jpg (--Q 85 --subsample-mode off), s420-restart.jpg (--subsample-mode on
// --restart-interval 3), progressive.jpg (--interlace) and grey.jpg (after
// colourspace b-w); and by libjpeg-turbo 2.1.5's cjpeg: s422.jpg, s440.jpg and
// s411.jpg (-quality 85 -sample 2x1, 1x2, 4x1), q30.jpg (-quality 30: more
// clipping at the edges) and progressive-restart.jpg (-progressive -restart 2).
// Each X.luma8.pgm is libjpeg's own eighth of X's luminance: djpeg -scale 1/8
// -grayscale -pnm X.jpg.
var fixtures = []struct {
	name string
	// wholeRefused: image/jpeg refuses the file. Go reads no restart marker in
	// a scan of one component, which a progressive JPEG's AC scans are: jpegdc,
	// which skips those, decodes it as libjpeg does.
	wholeRefused bool
}{
	{name: "s444.jpg"}, {name: "s420-restart.jpg"}, {name: "s422.jpg"}, {name: "s440.jpg"}, {name: "s411.jpg"},
	{name: "progressive.jpg"}, {name: "progressive-restart.jpg", wholeRefused: true}, {name: "grey.jpg"}, {name: "q30.jpg"},
}

// TestDecodeIsLibjpegsEighth: the luminance of the eighth is libjpeg's scale 1/8,
// sample for sample, and each sample of every plane is the mean of its 8×8 block
// in image/jpeg's whole decode, for every subsampling, restart markers, and
// progressive scans (whose AC scans are skipped).
func TestDecodeIsLibjpegsEighth(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			data := fixture(t, f.name)
			if f.wholeRefused {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err == nil {
					t.Fatal("image/jpeg decodes it now: compare the eighth with it")
				}
				eighth, err := Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				checkLuma(t, eighth, f.name)
				return
			}
			checkEighth(t, data, f.name)
		})
	}
	// An extended sequential frame (SOF1) is decoded as a baseline one.
	t.Run("SOF1", func(t *testing.T) {
		data := fixture(t, "s422.jpg")
		sof1 := bytes.Replace(data, []byte{0xff, 0xc0}, []byte{0xff, 0xc1}, 1)
		if bytes.Equal(sof1, data) {
			t.Fatal("no SOF0 to change")
		}
		checkEighth(t, sof1, "s422.jpg")
	})
}

// checkEighth decodes data at an eighth and compares it with libjpeg's eighth of
// the luminance of the fixture named golden, and with image/jpeg's whole decode.
func checkEighth(t *testing.T, data []byte, golden string) {
	t.Helper()
	whole, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	eighth, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := eighth.Bounds(), image.Rect(0, 0, (333+7)/8, (249+7)/8); got != want {
		t.Fatalf("bounds %v, want %v", got, want)
	}
	switch w := whole.(type) {
	case *image.YCbCr:
		e, ok := eighth.(*image.YCbCr)
		if !ok || e.SubsampleRatio != w.SubsampleRatio {
			t.Fatalf("decoded as %T, want a %v YCbCr", eighth, w.SubsampleRatio)
		}
		last := e.COffset(e.Rect.Max.X-1, e.Rect.Max.Y-1) // the chroma planes' last sample
		cw, ch := last%e.CStride+1, last/e.CStride+1
		checkMeans(t, "Y", w.Y, w.YStride, e.Y, e.YStride, e.Rect.Dx(), e.Rect.Dy())
		checkMeans(t, "Cb", w.Cb, w.CStride, e.Cb, e.CStride, cw, ch)
		checkMeans(t, "Cr", w.Cr, w.CStride, e.Cr, e.CStride, cw, ch)
	case *image.Gray:
		e, ok := eighth.(*image.Gray)
		if !ok {
			t.Fatalf("decoded as %T, want Gray", eighth)
		}
		checkMeans(t, "grey", w.Pix, w.Stride, e.Pix, e.Stride, e.Rect.Dx(), e.Rect.Dy())
	default:
		t.Fatalf("image/jpeg decoded a %T", whole)
	}
	checkLuma(t, eighth, golden)
}

// checkLuma compares the luminance of an eighth with libjpeg's eighth of the
// fixture named golden.
func checkLuma(t *testing.T, eighth image.Image, golden string) {
	t.Helper()
	var luma []byte
	var lumaStride int
	switch e := eighth.(type) {
	case *image.YCbCr:
		luma, lumaStride = e.Y, e.YStride
	case *image.Gray:
		luma, lumaStride = e.Pix, e.Stride
	default:
		t.Fatalf("decoded a %T", eighth)
	}
	want := libjpegEighth(t, golden)
	b := eighth.Bounds()
	for y := 0; y < b.Dy(); y++ {
		if got := luma[y*lumaStride:][:b.Dx()]; !bytes.Equal(got, want[y*b.Dx():][:b.Dx()]) {
			t.Fatalf("row %d of the luminance differs from libjpeg's eighth:\n got %v\nwant %v", y, got, want[y*b.Dx():][:b.Dx()])
		}
	}
}

// libjpegEighth is the samples of the luma8.pgm beside the fixture named name.
func libjpegEighth(t *testing.T, name string) []byte {
	t.Helper()
	pgm := fixture(t, strings.TrimSuffix(name, ".jpg")+".luma8.pgm")
	// A binary PGM: "P5", width, height, maxval, each followed by one whitespace,
	// then the samples.
	fields := bytes.Fields(pgm[:min(len(pgm), 20)])
	header := len(bytes.Join(fields[:4], []byte(" "))) + 1
	if string(fields[0]) != "P5" || string(fields[1]) != "42" || string(fields[2]) != "32" {
		t.Fatalf("%s: the PGM's header is %q", name, fields[:4])
	}
	return pgm[header:]
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkMeans compares the w × h samples of an eighth plane with the means of
// the 8×8 blocks of the whole plane (MCU-aligned, so every block is whole). A
// mean and its sample differ by the rounding of the inverse DCT's 64 outputs,
// and by the clipping of those beyond 0 or 255 at sharp edges.
func checkMeans(t *testing.T, plane string, whole []byte, wholeStride int, eighth []byte, eighthStride, w, h int) {
	t.Helper()
	worst, total := 0, 0
	for by := 0; by < h; by++ {
		for bx := 0; bx < w; bx++ {
			sum := 0
			for y := 0; y < 8; y++ {
				for _, v := range whole[(8*by+y)*wholeStride+8*bx:][:8] {
					sum += int(v)
				}
			}
			d := int(eighth[by*eighthStride+bx]) - (sum+32)/64
			worst, total = max(worst, d, -d), total+max(d, -d)
		}
	}
	if mean := float64(total) / float64(w*h); worst > 2 || mean > 0.25 {
		t.Errorf("%s: the eighth differs from the blocks' means by %.2f on average, %d at worst", plane, mean, worst)
	}
	t.Logf("%s: %d × %d samples, mean difference %.2f, worst %d", plane, w, h, float64(total)/float64(w*h), worst)
}

func TestDecodeRefuses(t *testing.T) {
	cmyk, err := os.ReadFile("../testdata/cmyk.jpg")
	if err != nil {
		t.Fatal(err)
	}
	grey := fixture(t, "grey.jpg")
	tests := []struct {
		name string
		data []byte
	}{
		{"CMYK, left to libvips", cmyk},
		{"not a JPEG", []byte("GIF89a not a jpeg")},
		{"cut in its scan", grey[:len(grey)/2]},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Decode(bytes.NewReader(tt.data))
			if err == nil {
				t.Fatalf("decoded a %v picture", img.Bounds())
			}
			var unsupported UnsupportedError
			if tt.name == "CMYK, left to libvips" && !errors.As(err, &unsupported) {
				t.Errorf("CMYK refused with %v, want an UnsupportedError", err)
			}
		})
	}
}

// FuzzDecode: whatever the bytes, Decode returns a picture or an error, never a
// panic, and never more samples than an eighth of the frame it read.
func FuzzDecode(f *testing.F) {
	for _, fx := range fixtures {
		data, err := os.ReadFile("testdata/" + fx.name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return
		}
		if got, want := img.Bounds(), image.Rect(0, 0, (cfg.Width+7)/8, (cfg.Height+7)/8); got != want {
			t.Errorf("bounds %v for a %d × %d frame, want %v", got, cfg.Width, cfg.Height, want)
		}
	})
}
