package preview

import (
	"fmt"

	"github.com/h2non/bimg"
)

// background is what transparent pixels become in a JPEG, which cannot carry them:
// a white page, as documents and most icons expect.
var background = bimg.Color{R: 255, G: 255, B: 255}

// renderImage renders sizes, in every format, of an image libvips reads.
//
// The source is decoded once, with shrink-on-load where the format allows it, into
// a base no larger than the largest size asked for, in sRGB and upright. Every
// rendition is then cut from the base: six decodes of a small image instead of six
// of the original. A small thumbnail alone decodes a 12 MP JPEG at an eighth of
// its size, which is why the small thumbnails of a whole queue come first (see
// Stage).
//
// bimg keeps no image between two calls, so the base is handed from one to the
// next as an uncompressed TIFF: a copy of its pixels, where a JPEG base cost an
// encode, a decode per rendition and a generation of JPEG loss (a tenth of a 12 MP
// photo's render, a quarter with a sensor's grain; see BenchmarkStagesCPU). The
// sizes far below the base are cut from a second, smaller base made once from the
// first, so that a 128 px thumbnail does not resample the 2 MP of a 1600 px base
// for each format.
func (r *Renderer) renderImage(src []byte, sizes []Size) ([]Rendition, error) {
	meta, err := bimg.Metadata(src)
	if err != nil {
		return nil, fail(FailCorrupt, "the image header cannot be read: %v", err)
	}
	w, h := meta.Size.Width, meta.Size.Height
	if w <= 0 || h <= 0 {
		return nil, fail(FailCorrupt, "the image has no pixels")
	}
	if int64(w)*int64(h) > r.Limits.MaxPixels {
		return nil, fail(FailTooManyPixels, "the image is %d × %d pixels, more than the %d allowed", w, h, r.Limits.MaxPixels)
	}
	base, err := r.base(src, meta, baseBox(w, h, sizes))
	if err != nil {
		return nil, err
	}
	second, err := secondBase(base, sizes)
	if err != nil {
		return nil, err
	}
	bw, bh := base.width, base.height
	sw, sh := upright(w, h, meta.Orientation)
	out := make([]Rendition, 0, len(sizes)*len(Formats))
	for _, size := range sizes {
		// The rendition's size is reckoned from the first base, whichever it is
		// cut from, so that a second rounding never changes it.
		tw, th := fit(bw, bh, size.Box)
		if size.Crop {
			side := min(size.Box, bw, bh)
			tw, th = side, side
		}
		from := base
		if second.data != nil && farBelow(base, size) {
			from = second
		}
		for _, format := range Formats {
			data, err := r.encode(from.data, size, format, tw, th)
			if err != nil {
				return nil, fail(FailCorrupt, "render %s %s: %v", size.Name, format, err)
			}
			out = append(out, Rendition{Size: size.Name, Format: format, Width: tw, Height: th, Bytes: len(data), Data: data,
				SourceWidth: sw, SourceHeight: sh})
		}
	}
	return out, nil
}

type baseImage struct {
	data          []byte
	width, height int
}

// baseBox is the box the base must fill for sizes to be cut from it at their full
// size: the largest box, or for a square crop the box that leaves its short side
// as long as the crop's (a 4:3 photo's 128 px square needs a 171 × 128 base).
func baseBox(w, h int, sizes []Size) int {
	box := 0
	for _, s := range sizes {
		box = max(box, s.need(w, h))
	}
	return box
}

// need is the box an image of w × h must fill for s to be cut from it.
func (s Size) need(w, h int) int {
	if s.Crop && min(w, h) > 0 {
		return (s.Box*max(w, h) + min(w, h) - 1) / min(w, h)
	}
	return s.Box
}

// farBelow reports whether size needs at most half of base: cut from base, it
// would resample four times the pixels it keeps, or more.
func farBelow(base baseImage, size Size) bool {
	return 2*size.need(base.width, base.height) <= max(base.width, base.height)
}

// secondBase is base fitted to the sizes far below it, for them to be cut from;
// none when there is no such size.
func secondBase(base baseImage, sizes []Size) (baseImage, error) {
	var far []Size
	for _, size := range sizes {
		if farBelow(base, size) {
			far = append(far, size)
		}
	}
	if len(far) == 0 {
		return baseImage{}, nil
	}
	w, h := fit(base.width, base.height, baseBox(base.width, base.height, far))
	data, err := bimg.NewImage(base.data).Process(bimg.Options{Width: w, Height: h, Force: true, NoAutoRotate: true, Type: bimg.TIFF})
	if err != nil {
		return baseImage{}, fail(FailCorrupt, "the image cannot be reduced: %v", err)
	}
	return baseImage{data: data, width: w, height: h}, nil
}

// base decodes the source into an upright sRGB image that fits box, as an
// uncompressed TIFF (with its transparency, if any).
func (r *Renderer) base(src []byte, meta bimg.ImageMetadata, box int) (baseImage, error) {
	w, h := fit(meta.Size.Width, meta.Size.Height, box)
	opts := bimg.Options{
		Width: w, Height: h, Force: true,
		NoAutoRotate:   true, // rotated below, on the small image: bimg would re-encode the full-size one
		Interpretation: bimg.InterpretationSRGB,
		Type:           bimg.TIFF, // with the source's metadata (bimg's TIFF save keeps it): the renditions drop it
	}
	if decodedAtHalf(meta.Type, meta.Size.Width, meta.Size.Height, w, h) {
		opts.Interpolator = bimg.Bilinear // see decodedAtHalf
	}
	data, err := bimg.NewImage(src).Process(opts)
	if err != nil {
		return baseImage{}, fail(FailCorrupt, "the image cannot be decoded: %v", err)
	}
	angle, flip := orientation(meta.Orientation)
	if angle != bimg.D0 || flip {
		if data, err = bimg.NewImage(data).Process(bimg.Options{Rotate: angle, Flip: flip, NoAutoRotate: true, Type: bimg.TIFF}); err != nil {
			return baseImage{}, fail(FailCorrupt, "the image cannot be turned upright: %v", err)
		}
		if angle == bimg.D90 || angle == bimg.D270 {
			w, h = h, w
		}
	}
	return baseImage{data: data, width: w, height: h}, nil
}

// decodedAtHalf reports whether a JPEG or a WebP of sw × sh reduced to w × h is
// to be decoded at half its size, which bimg then asks of the decoder when its
// interpolator is bilinear. With its default (bicubic) bimg shrinks while
// decoding only when that leaves a quarter of the reduction to libvips: a 12 MP
// photo's 1600 px base was decoded whole, 12 MP, then reduced 2.5 times. At half
// size it decodes 3 MP, then reduces 1.25 times, for a large rendition that
// looks the same (TestRenderQuality) and a large stage that costs a quarter less.
// A half-size decode is libjpeg's scaled inverse DCT of each block's 4 × 4
// lowest frequencies; a quarter or an eighth is coarser (an eighth is each
// block's mean), so from four times on bimg's own rule stays, which leaves a
// third of the reduction or more to lanczos3. The reduction after the decode is
// lanczos3 either way: the interpolator only serves enlargements, which a base
// never is.
func decodedAtHalf(imageType string, sw, sh, w, h int) bool {
	if (imageType != "jpeg" && imageType != "webp") || w <= 0 || h <= 0 {
		return false
	}
	factor := max(float64(sw)/float64(w), float64(sh)/float64(h))
	return factor >= 2 && factor < 4
}

// encode cuts one rendition from the base.
func (r *Renderer) encode(base []byte, size Size, format Format, w, h int) ([]byte, error) {
	opts := bimg.Options{
		Width: w, Height: h, Force: !size.Crop, Crop: size.Crop, Gravity: bimg.GravityCentre,
		NoAutoRotate:   true,
		Interpretation: bimg.InterpretationSRGB,
		StripMetadata:  true,
		Quality:        r.Quality,
		Type:           bimg.WEBP,
	}
	if format == JPEG {
		opts.Type, opts.Background, opts.Interlace = bimg.JPEG, background, true
	} else {
		opts.Type = bimg.TIFF // resized here, encoded by encodeWebP
	}
	data, err := bimg.NewImage(base).Process(opts)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if format == WebP {
		if data, err = encodeWebP(data, r.Quality); err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
	}
	return data, nil
}

// fit scales w × h down to fit in a box × box square, keeping the aspect ratio;
// it never enlarges.
func fit(w, h, box int) (int, int) {
	if w <= box && h <= box {
		return w, h
	}
	if w >= h {
		return box, max(1, (h*box+w/2)/w)
	}
	return max(1, (w*box+h/2)/h), box
}

// upright is the size of a w × h image once turned as its EXIF orientation says.
func upright(w, h, orientationTag int) (int, int) {
	if angle, _ := orientation(orientationTag); angle == bimg.D90 || angle == bimg.D270 {
		return h, w
	}
	return w, h
}

// orientation is the turn and mirror that make an image with this EXIF orientation
// upright, the way bimg reads the tag.
func orientation(tag int) (bimg.Angle, bool) {
	switch tag {
	case 2:
		return bimg.D0, true
	case 3:
		return bimg.D180, false
	case 4:
		return bimg.D180, true
	case 5:
		return bimg.D90, true
	case 6:
		return bimg.D90, false
	case 7:
		return bimg.D270, true
	case 8:
		return bimg.D270, false
	}
	return bimg.D0, false
}
