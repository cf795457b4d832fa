package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"

	"golang.org/x/image/draw"
)

// orient returns img turned upright as an EXIF orientation (1 to 8) says, the
// way libvips turns the frame itself.
func orient(img image.Image, orientation int) image.Image {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src) // fast paths for YCbCr and Gray
	ow, oh := uprightSize(w, h, orientation)
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			sx, sy := storedPixel(x, y, w, h, orientation)
			copy(out.Pix[out.PixOffset(x, y):][:4], src.Pix[src.PixOffset(sx, sy):][:4])
		}
	}
	return out
}

// storedPixel is the pixel of the stored w × h image shown at (x, y) once upright.
func storedPixel(x, y, w, h, orientation int) (int, int) {
	switch orientation {
	case 2: // mirrored
		return w - 1 - x, y
	case 3: // upside down
		return w - 1 - x, h - 1 - y
	case 4: // flipped
		return x, h - 1 - y
	case 5: // transposed
		return y, x
	case 6: // stored turned a quarter left: turn it right
		return y, h - 1 - x
	case 7: // transversed
		return w - 1 - y, h - 1 - x
	case 8: // stored turned a quarter right: turn it left
		return w - 1 - y, x
	}
	return x, y
}

// alikeGrid is the side of the luminance grid looksAlike compares, and the two
// thresholds, in luminance levels (0–255), chosen in TestLooksAlike: there an
// embedded thumbnail and libvips' small rendition of the same photo differ by
// under 1 on average and under 10 in any cell; another picture by 22 or more on
// average; a face-sized region covered by a flat sticker by 31 or more in a cell
// (but only 2–4 on average). Real phone thumbnails are sharpened and toned by the
// phone, not by libvips: the cell threshold leaves them 2.4 times the margin seen.
const (
	alikeGrid    = 16
	alikeMeanMax = 6.0
	alikeCellMax = 24.0
)

// looksAlike reports whether two images show the same picture: the embedded
// thumbnail and the real small rendition once it exists. Both are center-cropped
// to the same shape (the one farther from square is cut to the other's shape, as
// the small square is cut from the frame), reduced to a 16 × 16 grid of mean
// luminance and compared cell by cell: the mean difference catches another
// picture, the largest catches a region replaced (a face covered by a sticker);
// a blur that keeps the region's mean tone passes (see TestLooksAlike).
func looksAlike(a, b image.Image) bool {
	mean, most := alikeDistance(a, b)
	return mean <= alikeMeanMax && most <= alikeCellMax
}

// alikeDistance returns the mean and the largest difference of the two images'
// luminance grids.
func alikeDistance(a, b image.Image) (mean, most float64) {
	ra, rb := aspect(a.Bounds()), aspect(b.Bounds())
	ca, cb := a.Bounds(), b.Bounds()
	if math.Abs(math.Log(ra)) > math.Abs(math.Log(rb)) {
		ca = centerCrop(ca, rb)
	} else {
		cb = centerCrop(cb, ra)
	}
	return gridDistance(lumaGrid(a, ca), lumaGrid(b, cb))
}

func aspect(r image.Rectangle) float64 { return float64(r.Dx()) / float64(max(1, r.Dy())) }

// centerCrop is the largest rectangle of the given aspect centered in r.
func centerCrop(r image.Rectangle, aspect float64) image.Rectangle {
	w, h := r.Dx(), r.Dy()
	if float64(w) > aspect*float64(h) {
		cw := max(1, int(math.Round(aspect*float64(h))))
		x := r.Min.X + (w-cw)/2
		return image.Rect(x, r.Min.Y, x+cw, r.Max.Y)
	}
	ch := max(1, int(math.Round(float64(w)/aspect)))
	y := r.Min.Y + (h-ch)/2
	return image.Rect(r.Min.X, y, r.Max.X, y+ch)
}

// lumaGrid is the mean luminance (0–255) of each cell of r cut in a grid.
func lumaGrid(img image.Image, r image.Rectangle) [alikeGrid * alikeGrid]float64 {
	var sum [alikeGrid * alikeGrid]float64
	var count [alikeGrid * alikeGrid]int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		gy := (y - r.Min.Y) * alikeGrid / r.Dy()
		for x := r.Min.X; x < r.Max.X; x++ {
			gx := (x - r.Min.X) * alikeGrid / r.Dx()
			cr, cg, cb, _ := img.At(x, y).RGBA()
			sum[gy*alikeGrid+gx] += (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
			count[gy*alikeGrid+gx]++
		}
	}
	for i := range sum {
		sum[i] /= float64(max(1, count[i]))
	}
	return sum
}

// gridDistance returns the mean and the largest absolute difference of two grids.
func gridDistance(a, b [alikeGrid * alikeGrid]float64) (mean, most float64) {
	for i := range a {
		d := math.Abs(a[i] - b[i])
		mean += d
		most = max(most, d)
	}
	return mean / float64(len(a)), most
}

// smallFromEmbedded renders the small size, in every format, from a trusted
// embedded thumbnail; the renditions record the frame's size as their source,
// and are provisional: the medium stage renders the real ones over them.
func (r *Renderer) smallFromEmbedded(e Embedded) ([]Rendition, error) {
	size := Sizes[0]
	webp, jpg, side, err := encodeSmallFrom(e.Image, size.Box, r.Quality)
	if err != nil {
		return nil, err
	}
	out := make([]Rendition, 0, len(Formats))
	for _, format := range Formats {
		data := webp
		if format == JPEG {
			data = jpg
		}
		out = append(out, Rendition{Size: size.Name, Format: format, Width: side, Height: side, Bytes: len(data), Data: data,
			SourceWidth: e.Width, SourceHeight: e.Height, Provisional: true, Decoded: e.Decoded})
	}
	return out, nil
}

// encodeSmallFrom cuts the center square of img, box × box or its short side if
// smaller (never enlarged), and encodes it as WebP and JPEG. The pixels are
// resampled and the JPEG encoded in Go; libvips only encodes the WebP, from a PNG
// Go wrote (never from the file's own bytes). Transparent pixels, which a JPEG
// thumbnail never has anyway, become the background.
func encodeSmallFrom(img image.Image, box, quality int) (webp, jpg []byte, side int, err error) {
	b := img.Bounds()
	side = min(box, b.Dx(), b.Dy())
	if side <= 0 {
		return nil, nil, 0, fail(FailCorrupt, "the thumbnail has no pixels")
	}
	crop := centerCrop(b, 1)
	square := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(square, square.Bounds(), image.NewUniform(color.RGBA{R: background.R, G: background.G, B: background.B, A: 255}), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(square, square.Bounds(), img, crop, draw.Over, nil)
	var jbuf bytes.Buffer
	if err := jpeg.Encode(&jbuf, square, &jpeg.Options{Quality: quality}); err != nil {
		return nil, nil, 0, fmt.Errorf("encode the small JPEG: %w", err)
	}
	var pbuf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&pbuf, square); err != nil {
		return nil, nil, 0, fmt.Errorf("encode the small PNG: %w", err)
	}
	if webp, err = encodeWebP(pbuf.Bytes(), quality); err != nil {
		return nil, nil, 0, fmt.Errorf("encode the small WebP: %w", err)
	}
	return webp, jbuf.Bytes(), side, nil
}
