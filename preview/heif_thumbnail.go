package preview

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// heif_load opens a HEIF held in memory: its primary image, or its thumbnail
// item when thumbnail is set (libvips then falls back to the primary image when
// the file has none). Only the header is read here; pixels are decoded later.
static int heif_load(void *buf, size_t len, int thumbnail, VipsImage **out) {
	return vips_heifload_buffer(buf, len, out, "thumbnail", thumbnail, NULL);
}

// heif_srgb8 turns an image into 8-bit sRGB (HEIC is often 16-bit) with 3 bands.
static int heif_srgb8(VipsImage *in, VipsImage **out) {
	VipsImage *srgb, *flat;
	if (vips_colourspace(in, &srgb, VIPS_INTERPRETATION_sRGB, NULL))
		return -1;
	if (vips_image_hasalpha(srgb)) {
		double white[3] = {255, 255, 255};
		VipsArrayDouble *bg = vips_array_double_new(white, 3);
		int failed = vips_flatten(srgb, &flat, "background", bg, NULL);
		vips_area_unref(VIPS_AREA(bg));
		g_object_unref(srgb);
		if (failed)
			return -1;
		srgb = flat;
	}
	int failed = vips_cast_uchar(srgb, out, NULL);
	g_object_unref(srgb);
	return failed;
}

static char *heif_error(void) {
	char *msg = g_strdup(vips_error_buffer());
	vips_error_clear();
	return msg;
}
*/
import "C"

import (
	"context"
	"fmt"
	"image"
	"math"
	"unsafe"
)

// heifThumbnail returns the thumbnail item of a HEIC (phones store one, typically
// 320 × 240, beside the 12 MP primary image), decoded by libvips' heifload with its
// "thumbnail" option, which bimg does not expose. A file without a thumbnail item
// is refused with no_thumbnail rather than decoded whole; so is an item larger
// than 1024 px a side (too_large), before any pixel is decoded.
//
// Unlike embeddedPreview this is not memory-safe Go: libheif parses the file. It
// is the parser the normal path uses on the same file anyway.
//
// The result is an Embedded: the thumbnail, upright as libheif turns it, and the
// primary image's upright size, within limits' pixels.
func heifThumbnail(src []byte, limits Limits) (Embedded, error) {
	limits = limits.withDefaults()
	buf := C.CBytes(src) // libvips keeps reading the buffer after the call returns
	defer C.free(buf)
	primary, err := heifLoad(buf, len(src), false)
	if err != nil {
		return Embedded{}, err
	}
	pw, ph := int(C.vips_image_get_width(primary)), int(C.vips_image_get_height(primary))
	C.g_object_unref(C.gpointer(primary))
	if int64(pw)*int64(ph) > limits.MaxPixels {
		return Embedded{}, refuse(EmbeddedTooLarge, "the primary image is %d × %d pixels, more than the %d allowed", pw, ph, limits.MaxPixels)
	}
	thumb, err := heifLoad(buf, len(src), true)
	if err != nil {
		return Embedded{}, err
	}
	defer C.g_object_unref(C.gpointer(thumb))
	tw, th := int(C.vips_image_get_width(thumb)), int(C.vips_image_get_height(thumb))
	if tw == pw && th == ph {
		return Embedded{}, refuse(EmbeddedNoThumbnail, "the HEIF has no thumbnail item (primary %d × %d)", pw, ph)
	}
	if tw <= 0 || th <= 0 || tw > embeddedMaxSide || th > embeddedMaxSide {
		return Embedded{}, refuse(EmbeddedTooLarge, "the HEIF thumbnail is %d × %d", tw, th)
	}
	if min(tw, th) < embeddedMinSide {
		return Embedded{}, refuse(EmbeddedTooSmall, "the HEIF thumbnail is %d × %d, less than %d px a side", tw, th, embeddedMinSide)
	}
	// Of another shape, it is a crop of the primary image, or the primary a crop
	// of it: not what the small square shows (as for a JPEG's, see trust).
	if primaryAspect := float64(pw) / float64(ph); math.Abs(float64(tw)/float64(th)-primaryAspect) > embeddedAspectTolerance*primaryAspect {
		return Embedded{}, refuse(EmbeddedShapeMismatch, "the HEIF thumbnail is %d × %d, the primary image %d × %d", tw, th, pw, ph)
	}
	img, err := heifPixels(thumb)
	if err != nil {
		return Embedded{}, err
	}
	return Embedded{Image: img, Width: pw, Height: ph, Orientation: 1}, nil
}

func heifLoad(buf unsafe.Pointer, n int, thumbnail bool) (*C.VipsImage, error) {
	var out *C.VipsImage
	flag := C.int(0)
	if thumbnail {
		flag = 1
	}
	if C.heif_load(buf, C.size_t(n), flag, &out) != 0 {
		return nil, refuse(EmbeddedCorrupt, "heifload: %s", vipsError())
	}
	return out, nil
}

// heifPixels decodes an image into 8-bit sRGB pixels.
func heifPixels(in *C.VipsImage) (image.Image, error) {
	var rgb *C.VipsImage
	if C.heif_srgb8(in, &rgb) != 0 {
		return nil, refuse(EmbeddedCorrupt, "the HEIF thumbnail cannot be converted: %s", vipsError())
	}
	defer C.g_object_unref(C.gpointer(rgb))
	w, h, bands := int(C.vips_image_get_width(rgb)), int(C.vips_image_get_height(rgb)), int(C.vips_image_get_bands(rgb))
	var size C.size_t
	mem := C.vips_image_write_to_memory(rgb, &size)
	if mem == nil {
		return nil, refuse(EmbeddedCorrupt, "the HEIF thumbnail cannot be decoded: %s", vipsError())
	}
	defer C.g_free(C.gpointer(mem))
	if bands != 3 || int(size) != w*h*3 {
		return nil, fmt.Errorf("heif thumbnail: %d bands, %d bytes for %d × %d", bands, size, w, h)
	}
	raw := unsafe.Slice((*byte)(mem), int(size))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; i < len(raw); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = raw[i], raw[i+1], raw[i+2], 255
	}
	return img, nil
}

func vipsError() string {
	msg := C.heif_error()
	defer C.g_free(C.gpointer(msg))
	return C.GoString(msg)
}

// smallFromHEIFThumbnail renders a HEIC's small size from its thumbnail item,
// with the safeguards of every render: the header checks, a render slot, the
// time limit, and a panic made a failure.
func (r *Renderer) smallFromHEIFThumbnail(ctx context.Context, src []byte, t sourceType) ([]Rendition, error) {
	if err := r.checkImage(src, t); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.Limits.Timeout)
	defer cancel()
	return r.inBackground(ctx, func() ([]Rendition, error) {
		e, err := heifThumbnail(src, r.Limits)
		if err != nil {
			return nil, err
		}
		return r.smallFromEmbedded(e)
	})
}
