package preview

import (
	"encoding/base64"
	"regexp"
	"strings"

	"github.com/h2non/bimg"
)

// embeddedImage finds the images an SVG carries inline, as data: URIs. librsvg
// decodes them itself, beyond the reach of the pixel check on the SVG's own size;
// references to anything else it refuses to load.
var embeddedImage = regexp.MustCompile(`data:image/[a-zA-Z0-9.+-]+;base64,([A-Za-z0-9+/=\s]+)`)

// maxSVGDepth bounds SVGs embedded in SVGs embedded in SVGs.
const maxSVGDepth = 3

// checkSVG applies the pixel limit to the images embedded in an SVG, at any depth:
// a few kilobytes of SVG can carry a PNG that decodes to gigabytes.
func (r *Renderer) checkSVG(svg []byte, depth int) error {
	if depth > maxSVGDepth {
		return fail(FailCorrupt, "the SVG nests images deeper than %d levels", maxSVGDepth)
	}
	for _, m := range embeddedImage.FindAllSubmatch(svg, -1) {
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(m[1])), ""))
		if err != nil {
			continue // librsvg will not draw it either
		}
		size, err := bimg.Size(data)
		if err != nil {
			continue
		}
		if int64(size.Width)*int64(size.Height) > r.Limits.MaxPixels {
			return fail(FailTooManyPixels, "the SVG embeds an image of %d × %d pixels, more than the %d allowed",
				size.Width, size.Height, r.Limits.MaxPixels)
		}
		if bimg.DetermineImageType(data) == bimg.SVG {
			if err := r.checkSVG(data, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
