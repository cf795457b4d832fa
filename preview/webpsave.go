package preview

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// metadata reports whether an image field is metadata a rendition must not
// carry: EXIF (with the orientation, which would have a viewer turn pixels
// already upright), XMP, IPTC and the ICC profile (the pixels are sRGB already).
// A TIFF base keeps its source's: bimg's TIFF save cannot strip it.
static gboolean metadata(const char *field) {
	return g_str_has_prefix(field, "exif-") || g_str_has_prefix(field, "xmp-") ||
		g_str_has_prefix(field, "iptc-") || g_str_equal(field, VIPS_META_ICC_NAME) ||
		g_str_equal(field, VIPS_META_ORIENTATION);
}

// webp_save encodes an image held in memory (in any format libvips reads: here
// the uncompressed TIFF a rendition is resized to) as a lossy WebP of quality q
// at the given effort, without metadata. It ends the thread's libvips state, as
// bimg does after each call: the next call may run on another thread.
static int webp_save(void *in, size_t in_len, int q, int effort, void **out, size_t *out_len) {
	int failed = -1;
	VipsImage *image = vips_image_new_from_buffer(in, in_len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	VipsImage *bare = NULL;
	if (image != NULL && vips_copy(image, &bare, NULL) == 0) {
		gchar **fields = vips_image_get_fields(bare);
		for (int i = 0; fields[i] != NULL; i++)
			if (metadata(fields[i]))
				vips_image_remove(bare, fields[i]);
		g_strfreev(fields);
		failed = vips_webpsave_buffer(bare, out, out_len, "Q", q, "effort", effort, "strip", TRUE, NULL);
	}
	if (bare != NULL)
		g_object_unref(bare);
	if (image != NULL)
		g_object_unref(image);
	vips_thread_shutdown();
	return failed;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// webpEffort is libwebp's effort (its "method", 0 to 6) for the WebP renditions.
// bimg always takes libvips' default, 4. At 2 the large rendition of a 12 MP
// photo encodes in 29 ms against 96 (BenchmarkWebPEffort, the 2-core AMD EPYC of
// 2026-12-05): the WebP encode had been the largest part of a photo's render. The
// public sample collection's 87 JPEGs took 2 to 3 % more bytes in WebP for it.
// libvips knows "effort" from 8.12 on (TestEncodeWebP fails on an older one).
const webpEffort = 2

// encodeWebP encodes an image libvips reads, held in memory, as a WebP rendition
// without metadata. It is bimg's WebP save with webpEffort, which bimg does not
// expose, and every WebP rendition is made by it.
func encodeWebP(src []byte, quality int) ([]byte, error) {
	if len(src) == 0 {
		return nil, fmt.Errorf("webpsave: no image")
	}
	// A copy in C's memory, freed when the call returns: libvips keeps nothing of
	// it once the image is unreferenced, its operation cache being off (see
	// NewRenderer).
	in := C.CBytes(src)
	defer C.free(in)
	var out unsafe.Pointer
	var n C.size_t
	if C.webp_save(in, C.size_t(len(src)), C.int(quality), C.int(webpEffort), &out, &n) != 0 {
		return nil, fmt.Errorf("webpsave: %s", vipsError())
	}
	defer C.g_free(C.gpointer(out))
	return stripWebPMetadata(C.GoBytes(out, C.int(n))), nil
}
