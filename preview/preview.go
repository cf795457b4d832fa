// Package preview owns thumbnails: which file types get one, rendering them from a
// file's bytes (images through libvips with bimg; PDF, office documents and video
// through poppler, LibreOffice and ffmpeg when installed), the jobs that render them
// after a version commits, and the records and objects that keep them.
//
// Previews belong to a blob, not to an item: copies share their blob, and so their
// thumbnails. Originals are only ever read.
package preview

import (
	"path"
	"strings"

	"github.com/h2non/bimg"
)

// Size is one thumbnail size: a square crop (the grid) or a fit inside a box.
type Size struct {
	Name string
	Box  int
	Crop bool
}

// Sizes are the sizes every preview is rendered in, smallest first.
var Sizes = []Size{
	{Name: "small", Box: 128, Crop: true},
	{Name: "medium", Box: 512},
	{Name: "large", Box: 1600},
}

// SizeNamed returns the size called name.
func SizeNamed(name string) (Size, bool) {
	for _, s := range Sizes {
		if s.Name == name {
			return s, true
		}
	}
	return Size{}, false
}

// Format is a thumbnail's encoding. WebP is served to clients that accept it, JPEG
// to the others.
type Format string

const (
	WebP Format = "webp"
	JPEG Format = "jpeg"
)

// Formats are the encodings every size is rendered in.
var Formats = []Format{WebP, JPEG}

// ContentType is the media type of the format.
func (f Format) ContentType() string { return "image/" + string(f) }

// Kind is the family of a source file: it decides how the file becomes pixels.
type Kind string

const (
	KindNone   Kind = ""
	KindImage  Kind = "image"
	KindSVG    Kind = "svg"
	KindPDF    Kind = "pdf"
	KindOffice Kind = "office"
	KindVideo  Kind = "video"
)

// kindsByType maps a sniffed media type to its kind. HEIC and AVIF are images
// only where libvips was built with libheif (see Capabilities).
var kindsByType = map[string]Kind{
	"image/jpeg":    KindImage,
	"image/png":     KindImage,
	"image/gif":     KindImage,
	"image/webp":    KindImage,
	"image/tiff":    KindImage,
	"image/heic":    KindImage,
	"image/heif":    KindImage,
	"image/avif":    KindImage,
	"image/svg+xml": KindSVG,

	"application/pdf": KindPDF,

	"application/vnd.oasis.opendocument.text":                                   KindOffice,
	"application/vnd.oasis.opendocument.spreadsheet":                            KindOffice,
	"application/vnd.oasis.opendocument.presentation":                           KindOffice,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   KindOffice,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         KindOffice,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": KindOffice,

	"video/mp4":       KindVideo,
	"video/webm":      KindVideo,
	"video/quicktime": KindVideo,
}

// imageTypes are the libvips loaders (as bimg names them) of the image types.
var imageTypes = map[string]bimg.ImageType{
	"image/jpeg": bimg.JPEG, "image/png": bimg.PNG, "image/gif": bimg.GIF, "image/webp": bimg.WEBP,
	"image/tiff": bimg.TIFF, "image/heic": bimg.HEIF, "image/heif": bimg.HEIF, "image/avif": bimg.AVIF,
	"image/svg+xml": bimg.SVG,
}

// officeFormats are, by base type, what LibreOffice needs: the extension that picks
// its import filter, and the PDF export filter of the application that opens it.
var officeFormats = map[string]struct{ ext, pdfFilter string }{
	"application/vnd.oasis.opendocument.text":                                   {".odt", "writer_pdf_Export"},
	"application/vnd.oasis.opendocument.spreadsheet":                            {".ods", "calc_pdf_Export"},
	"application/vnd.oasis.opendocument.presentation":                           {".odp", "impress_pdf_Export"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {".docx", "writer_pdf_Export"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {".xlsx", "calc_pdf_Export"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx", "impress_pdf_Export"},
}

// KindOf returns the kind of a file from its sniffed media type (parameters such as
// "; charset=utf-8" are ignored). The name is never trusted for this.
func KindOf(mimeType string) Kind {
	return kindsByType[baseType(mimeType)]
}

// baseType is a media type without its parameters, in lower case.
func baseType(mimeType string) string {
	base, _, _ := strings.Cut(mimeType, ";")
	return strings.TrimSpace(strings.ToLower(base))
}

// claimedExtensions are names that promise a previewable file.
var claimedExtensions = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".tif": true, ".tiff": true,
	".heic": true, ".heif": true, ".avif": true, ".svg": true, ".pdf": true,
	".odt": true, ".ods": true, ".odp": true, ".docx": true, ".xlsx": true, ".pptx": true,
	".mp4": true, ".webm": true, ".mov": true,
}

// Wanted reports whether a new blob deserves a preview job: its content is of a
// previewable kind, or its name says it is (a liar then gets a recorded failure the
// user can see, rather than a silent absence).
func Wanted(mimeType, name string) bool {
	return KindOf(mimeType) != KindNone || claimedExtensions[strings.ToLower(path.Ext(name))]
}
