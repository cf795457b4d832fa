package jpegdc

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"testing"
)

// The pictures in testdata are one 333 × 249 scene (odd sizes, so the last
// blocks and MCUs are partial) saved by libvips 8.14's jpegsave:
// s444.jpg (--Q 85 --subsample-mode off), s420-restart.jpg (--subsample-mode on
// --restart-interval 3), progressive.jpg (--interlace), and grey.jpg (after
// colourspace b-w).

// TestDecodeIsTheBlocksMeans: each sample of the eighth is the mean of its 8×8
// block in image/jpeg's whole decode, in every plane, for the JPEGs phones and
// editors write.
func TestDecodeIsTheBlocksMeans(t *testing.T) {
	for _, name := range []string{"s444.jpg", "s420-restart.jpg", "progressive.jpg", "grey.jpg"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
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
		})
	}
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
	if mean := float64(total) / float64(w*h); worst > 2 || mean > 0.1 {
		t.Errorf("%s: the eighth differs from the blocks' means by %.2f on average, %d at worst", plane, mean, worst)
	}
	t.Logf("%s: %d × %d samples, mean difference %.2f, worst %d", plane, w, h, float64(total)/float64(w*h), worst)
}

func TestDecodeRefuses(t *testing.T) {
	cmyk, err := os.ReadFile("../testdata/cmyk.jpg")
	if err != nil {
		t.Fatal(err)
	}
	grey, err := os.ReadFile("testdata/grey.jpg")
	if err != nil {
		t.Fatal(err)
	}
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
	for _, name := range []string{"s444.jpg", "s420-restart.jpg", "progressive.jpg", "grey.jpg"} {
		data, err := os.ReadFile("testdata/" + name)
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
