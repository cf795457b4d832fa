package preview

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// webp_save encodes an image held in memory (in any format libvips reads: here
// the uncompressed TIFF a rendition is resized to) as a lossy WebP of quality q
// at the given effort, without metadata.
static int webp_save(void *in, size_t in_len, int q, int effort, void **out, size_t *out_len) {
	VipsImage *image = vips_image_new_from_buffer(in, in_len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (image == NULL)
		return -1;
	int failed = vips_webpsave_buffer(image, out, out_len, "Q", q, "effort", effort, "strip", TRUE, NULL);
	g_object_unref(image);
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
const webpEffort = 2

// encodeWebP encodes an image libvips reads, held in memory, as a WebP rendition.
// It is bimg's WebP save with webpEffort, which bimg does not expose.
func encodeWebP(src []byte, quality int) ([]byte, error) {
	if len(src) == 0 {
		return nil, fmt.Errorf("webpsave: no image")
	}
	// As bimg does after each call: the next one may run on another thread.
	defer C.vips_thread_shutdown()
	in := C.CBytes(src) // a copy in C's memory, which libvips may read from its own threads
	defer C.free(in)
	var out unsafe.Pointer
	var n C.size_t
	if C.webp_save(in, C.size_t(len(src)), C.int(quality), C.int(webpEffort), &out, &n) != 0 {
		return nil, fmt.Errorf("webpsave: %s", vipsError())
	}
	defer C.g_free(C.gpointer(out))
	return C.GoBytes(out, C.int(n)), nil
}
