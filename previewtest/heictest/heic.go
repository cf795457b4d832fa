// Package heictest writes HEIC files with a thumbnail item, as phones do, through
// libheif (cgo). It is apart from previewtest so that only the tests that need
// libheif's headers and its HEVC encoder build against them.
package heictest

/*
#cgo pkg-config: libheif
#include <stdlib.h>
#include <string.h>
#include <libheif/heif.h>

// heic_write encodes w × h interleaved RGB pixels as a HEIC file at path, with a
// thumbnail item at most thumb px a side when thumb > 0, as phones write them.
static const char *heic_write(const unsigned char *rgb, int w, int h, int thumb, const char *path) {
	struct heif_context *ctx = heif_context_alloc();
	struct heif_encoder *enc = NULL;
	struct heif_image *img = NULL;
	struct heif_image_handle *handle = NULL, *thumb_handle = NULL;
	struct heif_error err = heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc);
	if (err.code) goto done;
	heif_encoder_set_lossy_quality(enc, 60);
	err = heif_image_create(w, h, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img);
	if (err.code) goto done;
	err = heif_image_add_plane(img, heif_channel_interleaved, w, h, 8);
	if (err.code) goto done;
	int stride;
	uint8_t *plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
	for (int y = 0; y < h; y++)
		memcpy(plane + y * stride, rgb + y * w * 3, w * 3);
	err = heif_context_encode_image(ctx, img, enc, NULL, &handle);
	if (err.code) goto done;
	if (thumb > 0) {
		err = heif_context_encode_thumbnail(ctx, img, handle, enc, NULL, thumb, &thumb_handle);
		if (err.code) goto done;
	}
	err = heif_context_write_to_file(ctx, path);
done:
	if (thumb_handle) heif_image_handle_release(thumb_handle);
	if (handle) heif_image_handle_release(handle);
	if (img) heif_image_release(img);
	if (enc) heif_encoder_release(enc);
	heif_context_free(ctx);
	return err.code ? err.message : NULL;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"cartable/previewtest"
)

// HEIC returns a w × h HEIC of previewtest.Scene(w, h, seed) with, when thumb >
// 0, a thumbnail item at most thumb px a side, as phones store one. It fails where
// libheif has no HEVC encoder.
func HEIC(w, h, thumb int, seed uint64) ([]byte, error) {
	scene := previewtest.Scene(w, h, seed)
	rgb := make([]byte, 0, w*h*3)
	for i := 0; i < len(scene.Pix); i += 4 {
		rgb = append(rgb, scene.Pix[i], scene.Pix[i+1], scene.Pix[i+2])
	}
	dir, err := os.MkdirTemp("", "previewtest-heic-")
	if err != nil {
		return nil, fmt.Errorf("heic: %w", err)
	}
	defer os.RemoveAll(dir)
	path := C.CString(filepath.Join(dir, "photo.heic"))
	defer C.free(unsafe.Pointer(path))
	crgb := C.CBytes(rgb)
	defer C.free(crgb)
	if msg := C.heic_write((*C.uchar)(crgb), C.int(w), C.int(h), C.int(thumb), path); msg != nil {
		return nil, errors.New("heic: " + C.GoString(msg))
	}
	return os.ReadFile(C.GoString(path))
}
