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
	bw, bh := base.width, base.height
	sw, sh := upright(w, h, meta.Orientation)
	out := make([]Rendition, 0, len(sizes)*len(Formats))
	for _, size := range sizes {
		tw, th := fit(bw, bh, size.Box)
		if size.Crop {
			side := min(size.Box, bw, bh)
			tw, th = side, side
		}
		for _, format := range Formats {
			data, err := r.encode(base.data, size, format, tw, th)
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
		need := s.Box
		if s.Crop && min(w, h) > 0 {
			need = (s.Box*max(w, h) + min(w, h) - 1) / min(w, h)
		}
		box = max(box, need)
	}
	return box
}

// base decodes the source into an upright sRGB image that fits box. It is a
// high-quality JPEG, or a PNG when the source has transparency to keep.
func (r *Renderer) base(src []byte, meta bimg.ImageMetadata, box int) (baseImage, error) {
	w, h := fit(meta.Size.Width, meta.Size.Height, box)
	opts := bimg.Options{
		Width: w, Height: h, Force: true,
		NoAutoRotate:   true, // rotated below, on the small image: bimg would re-encode the full-size one
		Interpretation: bimg.InterpretationSRGB,
		StripMetadata:  true,
		Type:           bimg.JPEG, Quality: 95,
	}
	if meta.Alpha {
		opts.Type, opts.Compression = bimg.PNG, 1
	}
	data, err := bimg.NewImage(src).Process(opts)
	if err != nil {
		return baseImage{}, fail(FailCorrupt, "the image cannot be decoded: %v", err)
	}
	angle, flip := orientation(meta.Orientation)
	if angle != bimg.D0 || flip {
		if data, err = bimg.NewImage(data).Process(bimg.Options{Rotate: angle, Flip: flip, NoAutoRotate: true,
			Type: opts.Type, Quality: opts.Quality, Compression: opts.Compression}); err != nil {
			return baseImage{}, fail(FailCorrupt, "the image cannot be turned upright: %v", err)
		}
		if angle == bimg.D90 || angle == bimg.D270 {
			w, h = h, w
		}
	}
	return baseImage{data: data, width: w, height: h}, nil
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
	}
	data, err := bimg.NewImage(base).Process(opts)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if format == WebP {
		data = stripWebPMetadata(data)
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
