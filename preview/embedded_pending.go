package preview

import "image"

// TEMPORARY until embedded.go lands.
func (r *Renderer) smallFromEmbedded(head []byte) ([]Rendition, string) { return nil, "no_exif" }
func looksAlike(a, b image.Image) bool                                  { return true }
