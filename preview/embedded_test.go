package preview

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/h2non/bimg"
	"golang.org/x/image/draw"

	"cartable/previewtest"
)

// TestEmbeddedPreview walks the trust rules with the files phones and editors write.
func TestEmbeddedPreview(t *testing.T) {
	tests := []struct {
		name       string
		opts       previewtest.CameraOptions
		limits     Limits
		jfifFirst  bool   // a JFIF segment put before the Exif one
		reason     string // "" when the thumbnail is trusted
		wantW      int    // the upright frame, when trusted
		wantH      int
		wantThumbW int
		wantThumbH int
	}{
		{name: "untouched phone photo", opts: camera(480, 360), wantW: 480, wantH: 360, wantThumbW: 160, wantThumbH: 120},
		{name: "Motorola byte order", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.BigEndian = true }),
			wantW: 480, wantH: 360, wantThumbW: 160, wantThumbH: 120},
		{name: "portrait held phone (orientation 6)", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Orientation = 6 }),
			wantW: 360, wantH: 480, wantThumbW: 120, wantThumbH: 160},
		{name: "no camera named", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.NoMakeModel = true }),
			wantW: 480, wantH: 360, wantThumbW: 160, wantThumbH: 120},
		{name: "no pixel dimensions", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.NoPixelDimensions = true }),
			wantW: 480, wantH: 360, wantThumbW: 160, wantThumbH: 120},
		{name: "larger thumbnail", opts: with(camera(640, 480), func(o *previewtest.CameraOptions) { o.ThumbWidth, o.ThumbHeight = 320, 240 }),
			wantW: 640, wantH: 480, wantThumbW: 320, wantThumbH: 240},

		{name: "no EXIF", opts: camera(480, 360), reason: EmbeddedNoExif}, // stripped below
		{name: "no thumbnail", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.NoThumbnail = true }), reason: EmbeddedNoThumbnail},
		{name: "tiny thumbnail", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.ThumbWidth, o.ThumbHeight = 80, 60 }), reason: EmbeddedTooSmall},
		{name: "16:9 letterboxed in 4:3", opts: with(camera(640, 360), func(o *previewtest.CameraOptions) { o.Letterbox = true }), reason: EmbeddedShapeMismatch},
		{name: "cropped, EXIF kept", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Cropped = true }), reason: EmbeddedDimensionsMismatch},
		{name: "cropped, no pixel dimensions", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Cropped, o.NoPixelDimensions = true, true }),
			reason: EmbeddedShapeMismatch},
		{name: "saved again by an editor", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Edited = true }), reason: EmbeddedEdited},
		{name: "thumbnail claims too many pixels", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.ThumbnailClaims = image.Pt(4000, 3000) }),
			reason: EmbeddedTooLarge},
		{name: "thumbnail length beyond the limit", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.ThumbnailLengthClaims = 70_000 }),
			reason: EmbeddedTooLarge},
		{name: "frame beyond the pixel limit", opts: camera(480, 360), limits: Limits{MaxPixels: 100_000}, reason: EmbeddedTooLarge},
		{name: "thumbnail offset past the segment", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.BadThumbnailOffset = true }),
			reason: EmbeddedCorrupt},
		{name: "IFD loop", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Loop = true }), reason: EmbeddedCorrupt},
		{name: "written again by software (JFIF before Exif)", opts: camera(480, 360), jfifFirst: true, reason: EmbeddedEdited},
		{name: "phone with quantization tables of its own", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.OwnTables = true }),
			wantW: 480, wantH: 360, wantThumbW: 160, wantThumbH: 120},
		{name: "encoded again in libjpeg's tables, Exif kept", opts: with(camera(480, 360), func(o *previewtest.CameraOptions) { o.OwnTables, o.Reencoded = true, true }),
			reason: EmbeddedEdited},
		{name: "iPhone: tables of its own, the thumbnail's after its frame header", opts: iPhoneLike(camera(480, 360)),
			wantW: 480, wantH: 360, wantThumbW: 160, wantThumbH: 120},
		{name: "iPhone photo encoded again in libjpeg's tables, Exif kept", opts: with(iPhoneLike(camera(480, 360)), func(o *previewtest.CameraOptions) { o.Reencoded = true }),
			reason: EmbeddedEdited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := previewtest.CameraPhoto(tt.opts)
			if tt.reason == EmbeddedNoExif {
				data = stripApp1(t, data)
			}
			if tt.jfifFirst {
				data = withJFIFFirst(data)
			}
			e, err := embeddedPreview(head(data), tt.limits)
			if got := EmbeddedReason(err); got != tt.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tt.reason)
			}
			if tt.reason != "" {
				return
			}
			if e.Width != tt.wantW || e.Height != tt.wantH {
				t.Errorf("frame %d × %d, want %d × %d", e.Width, e.Height, tt.wantW, tt.wantH)
			}
			if b := e.Image.Bounds(); b.Dx() != tt.wantThumbW || b.Dy() != tt.wantThumbH {
				t.Errorf("thumbnail %v, want %d × %d", b, tt.wantThumbW, tt.wantThumbH)
			}
			if e.MakeModel == tt.opts.NoMakeModel {
				t.Errorf("MakeModel %v with NoMakeModel %v", e.MakeModel, tt.opts.NoMakeModel)
			}
		})
	}
}

// iPhoneLike is a photo laid out as an iPhone's: the thumbnail and the frame in
// quantization tables of Apple's own, the thumbnail's written after its frame
// header.
func iPhoneLike(o previewtest.CameraOptions) previewtest.CameraOptions {
	o.OwnTables, o.ThumbnailTablesLate = true, true
	return o
}

// TestEmbeddedPreviewAfterLibvips: an iPhone photo blurred with libvips to hide
// faces and saved with its metadata keeps its Exif segment first, its dates and
// its thumbnail, which still shows the faces sharp; its thumbnail is refused, for
// its tables.
func TestEmbeddedPreviewAfterLibvips(t *testing.T) {
	photo := previewtest.CameraPhoto(iPhoneLike(previewtest.CameraOptions{Width: 640, Height: 480, Seed: 5}))
	if _, err := embeddedPreview(head(photo), Limits{}); err != nil {
		t.Fatalf("the untouched photo: %v", err)
	}
	blurred, err := bimg.NewImage(photo).Process(bimg.Options{Type: bimg.JPEG, Quality: 90, NoAutoRotate: true,
		GaussianBlur: bimg.GaussianBlur{Sigma: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if frame, err := scanJPEG(head(blurred)); err != nil || frame.exif == nil || frame.rewritten {
		t.Fatalf("libvips did not keep the Exif segment first (%v): the test no longer makes its case", err)
	}
	_, err = embeddedPreview(head(blurred), Limits{})
	if EmbeddedReason(err) != EmbeddedEdited || !strings.Contains(err.Error(), "quantization tables") {
		t.Fatalf("the retouched photo's thumbnail: %v, want refused as %s for its tables", err, EmbeddedEdited)
	}
}

// TestLuminanceTables: whose quantization tables a JPEG is in.
func TestLuminanceTables(t *testing.T) {
	goJPEG := func(quality int) []byte {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), &jpeg.Options{Quality: quality}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	libvips := func(quality int) []byte {
		out, err := bimg.NewImage(goJPEG(90)).Process(bimg.Options{Type: bimg.JPEG, Quality: quality})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	own := previewtest.CameraPhoto(previewtest.CameraOptions{Width: 64, Height: 48, Seed: 1, OwnTables: true})
	sixteenBit := append([]byte{0xFF, 0xD8, 0xFF, 0xDB, 0, 131, 0x10}, make([]byte, 128)...)
	sixteenBit = append(sixteenBit, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0)
	tests := []struct {
		name string
		data []byte
		want quantTables
	}{
		{"Go, quality 1", goJPEG(1), tablesLibjpeg},
		{"Go, quality 25", goJPEG(25), tablesLibjpeg},
		{"Go, quality 50", goJPEG(50), tablesLibjpeg},
		{"Go, quality 93", goJPEG(93), tablesLibjpeg},
		{"Go, quality 100", goJPEG(100), tablesLibjpeg},
		{"libvips, quality 75", libvips(75), tablesLibjpeg},
		{"libvips, quality 30", libvips(30), tablesLibjpeg},
		{"a camera's own", own, tablesOwn},
		{"Go, quality 75, tables after the frame header", previewtest.TablesAfterFrame(goJPEG(75)), tablesLibjpeg},
		{"a camera's own, after the frame header", previewtest.TablesAfterFrame(own), tablesOwn},
		{"16-bit table", sixteenBit, tablesUnknown},
		{"no table before the frame", []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0}, tablesUnknown},
	}
	for _, tt := range tests {
		frame, err := scanJPEG(tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if frame.tables != tt.want {
			t.Errorf("%s: tables %d, want %d", tt.name, frame.tables, tt.want)
		}
	}
}

// TestEmbeddedPreviewIsTheRendition: a trusted thumbnail, turned upright by each
// of the 8 orientations, looks like libvips' own small rendition of the frame; the
// privacy trap, which passes the metadata rules, does not.
func TestEmbeddedPreviewIsTheRendition(t *testing.T) {
	r := NewRenderer(Limits{})
	for orientation := 1; orientation <= 8; orientation++ {
		opts := with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Orientation, o.Seed = orientation, uint64(orientation) })
		e, small := embeddedAndSmall(t, r, opts)
		if e.Orientation != orientation {
			t.Errorf("orientation %d read as %d", orientation, e.Orientation)
		}
		if !looksAlike(e.Image, small) {
			t.Errorf("orientation %d: the upright thumbnail does not look like the rendition (%s)", orientation, distance(e.Image, small))
		}
		for other := 1; other <= 8; other++ {
			wrong := orient(orient(e.Image, inverse(orientation)), other)
			if other != orientation && looksAlike(wrong, small) {
				t.Errorf("orientation %d turned as %d still looks like the rendition (%s)", orientation, other, distance(wrong, small))
			}
		}
	}
	trap, small := embeddedAndSmall(t, r, with(camera(480, 360), func(o *previewtest.CameraOptions) { o.ThumbnailOfOther = true }))
	if looksAlike(trap.Image, small) {
		t.Errorf("the stale thumbnail of another picture looks like the rendition (%s)", distance(trap.Image, small))
	}
}

// TestLooksAlike measures the comparison on which its thresholds are chosen.
func TestLooksAlike(t *testing.T) {
	r := NewRenderer(Limits{})
	for seed := uint64(1); seed <= 4; seed++ {
		e, small := embeddedAndSmall(t, r, with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Seed = seed }))
		t.Logf("seed %d: own rendition %s", seed, distance(e.Image, small))
		if !looksAlike(e.Image, small) {
			t.Errorf("seed %d: a thumbnail does not look like its own rendition (%s)", seed, distance(e.Image, small))
		}
		_, other := embeddedAndSmall(t, r, with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Seed = seed + 100 }))
		t.Logf("seed %d: another picture %s", seed, distance(e.Image, other))
		if looksAlike(e.Image, other) {
			t.Errorf("seed %d: a thumbnail looks like another picture (%s)", seed, distance(e.Image, other))
		}
		// A face-sized region (a fifth of the frame's height, upper middle) covered
		// with a flat sticker, then blurred instead.
		scene := previewtest.Scene(480, 360, seed)
		face := image.Rect(200, 60, 272, 132)
		covered := previewtest.Scene(480, 360, seed)
		draw.Draw(covered, face, image.NewUniform(color.RGBA{R: 250, G: 210, B: 40, A: 255}), image.Point{}, draw.Src)
		blurred := previewtest.Scene(480, 360, seed)
		blur(blurred, scene, face)
		for _, edit := range []struct {
			name string
			img  image.Image
		}{{"sticker", covered}, {"blur", blurred}} {
			edited := smallOf(t, r, jpegOf(t, edit.img), "image/jpeg")
			alike := looksAlike(e.Image, edited)
			t.Logf("seed %d: face %s %s, alike %v", seed, edit.name, distance(e.Image, edited), alike)
			if edit.name == "sticker" && alike {
				t.Errorf("seed %d: a face covered by a sticker still looks alike (%s)", seed, distance(e.Image, edited))
			}
		}
	}
}

// TestEmbeddedPreviewRobust cuts a valid head at every length and mutates it at
// random: every answer is a refusal or a thumbnail within the limits, never a panic.
func TestEmbeddedPreviewRobust(t *testing.T) {
	valid := untilFrame(previewtest.CameraPhoto(with(camera(480, 360), func(o *previewtest.CameraOptions) { o.Orientation = 6 })))
	if _, err := embeddedPreview(valid, Limits{}); err != nil {
		t.Fatalf("the head before mutations: %v", err)
	}
	for n := 0; n <= len(valid); n++ {
		checkAnswer(t, valid[:n])
	}
	rng := rand.New(rand.NewPCG(17, 17))
	mutated := make([]byte, len(valid))
	for i := 0; i < 3000; i++ {
		copy(mutated, valid)
		// Half the mutations in the markers and the TIFF structure, where the
		// parsing decisions are; half anywhere, the thumbnail's bytes included.
		span := len(mutated)
		if i%2 == 0 {
			span = 600
		}
		for j := 0; j < 1+rng.IntN(8); j++ {
			mutated[rng.IntN(span)] = byte(rng.IntN(256))
		}
		checkAnswer(t, mutated)
	}
}

// FuzzEmbeddedPreview: go test -run '^$' -fuzz FuzzEmbeddedPreview -fuzzminimizetime 10s ./preview/
// (minimizing a 6 KB input takes minutes otherwise).
func FuzzEmbeddedPreview(f *testing.F) {
	f.Add(untilFrame(previewtest.CameraPhoto(camera(320, 240))))
	f.Add(untilFrame(previewtest.CameraPhoto(with(camera(320, 240), func(o *previewtest.CameraOptions) { o.BigEndian, o.Orientation = true, 8 }))))
	f.Add(untilFrame(previewtest.CameraPhoto(with(camera(320, 240), func(o *previewtest.CameraOptions) { o.Loop = true }))))
	f.Add(untilFrame(previewtest.CameraPhoto(iPhoneLike(camera(320, 240)))))
	f.Add(untilFrame(previewtest.CameraPhoto(with(iPhoneLike(camera(320, 240)), func(o *previewtest.CameraOptions) { o.Reencoded = true }))))
	f.Fuzz(func(t *testing.T, data []byte) { checkAnswer(t, data) })
}

func checkAnswer(t *testing.T, data []byte) {
	t.Helper()
	e, err := embeddedPreview(data, Limits{})
	if err != nil {
		if EmbeddedReason(err) == "" {
			t.Fatalf("an error that is no refusal: %v", err)
		}
		return
	}
	b := e.Image.Bounds()
	if b.Dx() < embeddedMinSide || b.Dy() < embeddedMinSide || b.Dx() > embeddedMaxSide || b.Dy() > embeddedMaxSide || e.Width <= 0 || e.Height <= 0 {
		t.Fatalf("trusted a %v thumbnail of a %d × %d frame", b, e.Width, e.Height)
	}
}

// TestOrient checks the 8 transforms on a 3 × 2 image against the EXIF drawings.
func TestOrient(t *testing.T) {
	// Stored pixels numbered 1 to 6, row by row; want is the upright image's rows.
	want := map[int][][]uint8{
		1: {{1, 2, 3}, {4, 5, 6}},
		2: {{3, 2, 1}, {6, 5, 4}},
		3: {{6, 5, 4}, {3, 2, 1}},
		4: {{4, 5, 6}, {1, 2, 3}},
		5: {{1, 4}, {2, 5}, {3, 6}},
		6: {{4, 1}, {5, 2}, {6, 3}},
		7: {{6, 3}, {5, 2}, {4, 1}},
		8: {{3, 6}, {2, 5}, {1, 4}},
	}
	src := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = uint8(i + 1)
	}
	for o, rows := range want {
		got := orient(src, o)
		if b := got.Bounds(); b.Dx() != len(rows[0]) || b.Dy() != len(rows) {
			t.Fatalf("orientation %d: %v", o, b)
		}
		for y, row := range rows {
			for x, v := range row {
				if g := color.GrayModel.Convert(got.At(x, y)).(color.Gray).Y; g != v {
					t.Errorf("orientation %d: (%d, %d) is %d, want %d", o, x, y, g, v)
				}
			}
		}
	}
}

func TestSmallFromEmbedded(t *testing.T) {
	r := NewRenderer(Limits{})
	data := previewtest.CameraPhoto(camera(480, 360))
	e, err := embeddedPreview(head(data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	libvips, err := r.Render(context.Background(), data, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.smallFromEmbedded(e)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("%d renditions", len(out))
	}
	for _, rd := range out {
		if rd.Size != "small" || rd.Width != 120 || rd.Height != 120 || rd.SourceWidth != 480 || rd.SourceHeight != 360 || rd.Bytes != len(rd.Data) {
			t.Errorf("%s: %+v", rd.Format, rd)
		}
		// Each format against libvips' own: x/image/webp converts VP8's
		// limited-range YCbCr as full range, 7 levels brighter on average.
		img, small := decode(t, rd), decode(t, rendition(t, libvips, "small", rd.Format))
		if !looksAlike(img, small) {
			t.Errorf("%s does not look like libvips' rendition (%s)", rd.Format, distance(img, small))
		}
		if rd.Format == WebP && (bytes.Contains(rd.Data, []byte("EXIF")) || bytes.Contains(rd.Data, []byte("XMP "))) {
			t.Errorf("the WebP carries metadata")
		}
	}
	_, jpg, side, err := encodeSmallFrom(e.Image, 64, 80)
	if err != nil || side != 64 {
		t.Fatalf("box 64: side %d, %v", side, err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg)); err != nil || cfg.Width != 64 || cfg.Height != 64 {
		t.Errorf("box 64: %+v %v", cfg, err)
	}
	if _, _, _, err := encodeSmallFrom(image.NewRGBA(image.Rect(0, 0, 0, 0)), 128, 80); err == nil {
		t.Errorf("an empty image encoded")
	}
}

// BenchmarkEmbeddedSmall is the fast path on a 12 MP phone photo: read the
// thumbnail from the head, render the small size from it.
func BenchmarkEmbeddedSmall(b *testing.B) {
	data := head(photo12MP())
	r := NewRenderer(Limits{})
	b.ResetTimer()
	for b.Loop() {
		e, err := embeddedPreview(data, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.smallFromEmbedded(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbeddedPreview is the thumbnail read alone.
func BenchmarkEmbeddedPreview(b *testing.B) {
	data := head(photo12MP())
	for b.Loop() {
		if _, err := embeddedPreview(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLibvipsSmall is the normal path for the small size of the same photo:
// libvips with shrink-on-load, WebP and JPEG; and of a photo with a sensor's
// grain, whose entropy-coded data, which no scale shortens, weighs 5 MB.
func BenchmarkLibvipsSmall(b *testing.B) {
	for _, photo := range []struct {
		name string
		data []byte
	}{{"plain", photo12MP()}, {"grain", grainyPhoto12MP()}} {
		b.Run(photo.name, func(b *testing.B) {
			for b.Loop() {
				for _, typ := range []bimg.ImageType{bimg.WEBP, bimg.JPEG} {
					if _, err := bimg.NewImage(photo.data).Process(bimg.Options{Width: 128, Height: 128, Crop: true, Gravity: bimg.GravityCentre,
						StripMetadata: true, Quality: 80, Type: typ}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// photo12MP is a 4000 × 3000 camera photo, made once for the benchmarks.
var photo12MP = sync.OnceValue(func() []byte { return previewtest.CameraPhoto(camera(4000, 3000)) })

func camera(w, h int) previewtest.CameraOptions {
	return previewtest.CameraOptions{Width: w, Height: h, Seed: 1}
}

func with(o previewtest.CameraOptions, change func(*previewtest.CameraOptions)) previewtest.CameraOptions {
	change(&o)
	return o
}

// untilFrame is a camera photo up to its frame header and a little more: all
// embeddedPreview reads.
func untilFrame(data []byte) []byte {
	app1End := 4 + int(data[4])<<8 | int(data[5])
	sof := app1End + bytes.Index(data[app1End:], []byte{0xFF, 0xC0}) // the frame's, not the thumbnail's
	return data[:sof+64]
}

// head is what the worker's ranged GET reads.
func head(data []byte) []byte { return data[:min(len(data), EmbeddedHeadBytes)] }

// embeddedAndSmall returns a camera photo's trusted thumbnail and libvips' small
// JPEG rendition of the whole file.
func embeddedAndSmall(t *testing.T, r *Renderer, opts previewtest.CameraOptions) (Embedded, image.Image) {
	t.Helper()
	data := previewtest.CameraPhoto(opts)
	e, err := embeddedPreview(head(data), Limits{})
	if err != nil {
		t.Fatalf("%+v: %v", opts, err)
	}
	return e, smallOf(t, r, data, "image/jpeg")
}

func smallOf(t *testing.T, r *Renderer, data []byte, mimeType string) image.Image {
	t.Helper()
	out, err := r.Render(context.Background(), data, mimeType)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, rendition(t, out, "small", JPEG))
}

func jpegOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withJFIFFirst puts a JFIF segment right after the start of image, before the
// Exif one, as software that writes a camera's photo again does.
func withJFIFFirst(data []byte) []byte {
	jfif := []byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00}
	return append(append(append([]byte{}, data[:2]...), jfif...), data[2:]...)
}

// stripApp1 removes the Exif segment CameraPhoto puts right after the start marker.
func stripApp1(t *testing.T, data []byte) []byte {
	t.Helper()
	if data[2] != 0xFF || data[3] != 0xE1 {
		t.Fatal("no APP1 after SOI")
	}
	n := int(data[4])<<8 | int(data[5])
	return append(append([]byte{}, data[:2]...), data[4+n:]...)
}

// blur replaces r in dst with a 15 × 15 box blur of src.
func blur(dst *image.RGBA, src *image.RGBA, r image.Rectangle) {
	const k = 7
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			var sr, sg, sb, n int
			for dy := -k; dy <= k; dy++ {
				for dx := -k; dx <= k; dx++ {
					c := src.RGBAAt(x+dx, y+dy)
					sr, sg, sb, n = sr+int(c.R), sg+int(c.G), sb+int(c.B), n+1
				}
			}
			dst.SetRGBA(x, y, color.RGBA{R: uint8(sr / n), G: uint8(sg / n), B: uint8(sb / n), A: 255})
		}
	}
}

// inverse is the orientation that undoes another: the turns of 6 and 8 swap.
func inverse(o int) int {
	switch o {
	case 6:
		return 8
	case 8:
		return 6
	}
	return o
}

func distance(a, b image.Image) string {
	mean, most := alikeDistance(a, b)
	return fmt.Sprintf("mean %.1f, cell max %.1f", mean, most)
}
