package preview

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"

	"cartable/preview/jpegdc"
)

// goDecodeMaxPixels bounds the photos decoded in Go for the time their
// entropy-coded data takes to read, which no scale shortens: a 12 MP photo with
// a sensor's grain takes some 80 ms, and 50 MP about four times as long.
const goDecodeMaxPixels = 50_000_000

// goDecodeMaxBytes bounds the memory a decode in Go takes beside the file
// (goDecodeBytes): Go holds the whole picture it outputs, where libvips'
// shrink-on-load streams. A photo that would take more waits for the real
// render.
const goDecodeMaxBytes = 64 << 20

// goDecodeBytes is the most a decode of frame takes in Go, with three components
// at full resolution (4:4:4): a byte per sample it outputs, and for a progressive
// JPEG 4 bytes more per coefficient Go keeps until its last scan (every one when
// decoded whole, one per block at an eighth). Whole, a baseline photo of 22 MP
// and a progressive one of 4 MP fit in goDecodeMaxBytes; at an eighth, anything
// under goDecodeMaxPixels does.
func goDecodeBytes(frame jpegFrame) int64 {
	w, h := int64(frame.width), int64(frame.height)
	if atAnEighth(frame) {
		w, h = (w+7)/8, (h+7)/8
	}
	samples := 3 * w * h
	if frame.progressive {
		return 5 * samples
	}
	return samples
}

// decodedInGo decodes a JPEG's frame in Go and shrinks it for a provisional small
// thumbnail: for a phone photo whose embedded preview is missing or not trusted
// (an edited photo's stale one). Go's decoders are memory-safe, so like the
// embedded preview this runs before the antivirus verdict. The real small
// thumbnail replaces it at the medium stage (Go ignores ICC profiles, so a
// wide-gamut photo's colours are a little off until then). The result is an
// Embedded with the frame's own pixels.
func decodedInGo(data []byte, limits Limits) (Embedded, error) {
	limits = limits.withDefaults()
	frame, err := scanJPEG(data[:min(len(data), EmbeddedHeadBytes)])
	if err != nil {
		return Embedded{}, err
	}
	if pixels := int64(frame.width) * int64(frame.height); pixels > min(limits.MaxPixels, goDecodeMaxPixels) {
		return Embedded{}, refuse(EmbeddedTooLarge, "the frame is %d × %d pixels, more than Go decodes", frame.width, frame.height)
	}
	if n := goDecodeBytes(frame); n > goDecodeMaxBytes {
		return Embedded{}, refuse(EmbeddedTooLarge, "the %d × %d frame would take %d MiB in Go", frame.width, frame.height, n>>20)
	}
	orientation := 1
	if frame.exif != nil {
		// Read apart from the thumbnail: it is missing or refused when Go decodes.
		if o, err := exifOrientation(frame.exif); err == nil {
			orientation = o
		}
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != frame.width || cfg.Height != frame.height {
		return Embedded{}, refuse(EmbeddedCorrupt, "the frame header cannot be read again the same (%v)", err)
	}
	if cfg.ColorModel == color.CMYKModel || cfg.ColorModel == color.RGBAModel {
		// Refused before the decode it would waste: shrinkBox takes only YCbCr
		// and grey, what cameras write.
		return Embedded{}, refuse(EmbeddedCorrupt, "a CMYK or RGB JPEG is left to libvips")
	}
	img, err := decodeForSmall(data, frame)
	if err != nil {
		return Embedded{}, refuse(EmbeddedCorrupt, "Go cannot decode the photo: %v", err)
	}
	// A box average down to twice the small size's side at least, where there
	// are more pixels: the resampler that makes the square then has enough, and
	// no aliasing. (The eighth of a photo of 1536 to 2047 px, 192 to 255 px on
	// its short side, goes to the resampler as it is.)
	decoded := img.Bounds()
	small, ok := shrinkBox(img, max(1, min(decoded.Dx(), decoded.Dy())/(2*Sizes[0].Box)))
	if !ok {
		return Embedded{}, refuse(EmbeddedCorrupt, "a %T photo is left to libvips", img)
	}
	fw, fh := uprightSize(frame.width, frame.height, orientation)
	return Embedded{Image: orient(small, orientation), Width: fw, Height: fh, Orientation: orientation, Decoded: true}, nil
}

// decodeForSmall decodes a JPEG's frame with enough pixels for the small size:
// an eighth of it, its blocks' means (jpegdc), when that still leaves one and a
// half times the small size's side; the whole frame (image/jpeg) for smaller
// photos. The eighth skips the inverse DCTs and the values of the other
// coefficients: a 12 MP photo with a sensor's grain costs less than half the
// whole decode, a plain picture a tenth (BenchmarkDecodedInGo).
func decodeForSmall(data []byte, frame jpegFrame) (image.Image, error) {
	if atAnEighth(frame) {
		return jpegdc.Decode(bytes.NewReader(data))
	}
	return jpeg.Decode(bytes.NewReader(data))
}

// atAnEighth reports whether decodeForSmall decodes frame at an eighth: from
// 1536 px on its short side, whose eighth (192 px) the small square is then
// resampled from. A phone's 20:9 photo of 4608 × 1976 (a Nokia 8.3's) is one:
// at an eighth it took 35 ms and 0.8 MB, whole 97 ms and 14 MB.
func atAnEighth(frame jpegFrame) bool {
	return min(frame.width, frame.height)/8 >= 3*Sizes[0].Box/2
}

// shrinkBox averages factor × factor blocks of a decoded JPEG (luminance averaged,
// chroma taken at the block's centre, where it is smooth), for the colour and
// grey pictures Go's decoder returns; false for others.
func shrinkBox(img image.Image, factor int) (*image.RGBA, bool) {
	var pixel func(x0, y0 int) color.RGBA
	switch src := img.(type) {
	case *image.YCbCr:
		pixel = func(x0, y0 int) color.RGBA {
			luma := blockMean(src.Y, src.YOffset(x0, y0), src.YStride, factor)
			c := src.COffset(x0+factor/2, y0+factor/2)
			r, g, b := color.YCbCrToRGB(luma, src.Cb[c], src.Cr[c])
			return color.RGBA{R: r, G: g, B: b, A: 255}
		}
	case *image.Gray:
		pixel = func(x0, y0 int) color.RGBA {
			v := blockMean(src.Pix, src.PixOffset(x0, y0), src.Stride, factor)
			return color.RGBA{R: v, G: v, B: v, A: 255}
		}
	default:
		return nil, false
	}
	b := img.Bounds()
	w, h := b.Dx()/factor, b.Dy()/factor
	if w == 0 || h == 0 {
		return nil, false
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for oy := 0; oy < h; oy++ {
		for ox := 0; ox < w; ox++ {
			out.SetRGBA(ox, oy, pixel(b.Min.X+ox*factor, b.Min.Y+oy*factor))
		}
	}
	return out, true
}

// blockMean is the mean of the factor × factor block of an 8-bit plane whose
// top-left sample is at start, its rows stride apart.
func blockMean(plane []uint8, start, stride, factor int) uint8 {
	sum := 0
	for y := 0; y < factor; y++ {
		for _, v := range plane[start+y*stride:][:factor] {
			sum += int(v)
		}
	}
	return uint8(sum / (factor * factor))
}
