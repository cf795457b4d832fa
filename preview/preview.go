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

// sourceType is what the renderer knows of a file type it previews.
type sourceType struct {
	kind Kind
	// extensions are the names that claim the type. The first is also what
	// LibreOffice needs to pick its import filter.
	extensions []string
	// loader is an image's libvips loader, as bimg names it: the bytes must be
	// what libvips detects them as (its ImageMagick loader, which reads about
	// anything, is never used).
	loader bimg.ImageType
	// pdfFilter is an office document's PDF export filter in LibreOffice.
	pdfFilter string
	// demuxer is the only ffmpeg demuxer a video is opened with: ffmpeg left to
	// guess could take a crafted file for a playlist and fetch what it names.
	demuxer string
}

// converted reports whether the type goes through a converter (PDF, office,
// video) before libvips; images and SVG go straight to it.
func (t sourceType) converted() bool { return t.kind != KindImage && t.kind != KindSVG }

// sourceTypes are the types that get previews, by sniffed media type. HEIC and AVIF
// are images only where libvips was built with libheif (see Capabilities).
var sourceTypes = map[string]sourceType{
	"image/jpeg":    {kind: KindImage, loader: bimg.JPEG, extensions: []string{".jpg", ".jpeg"}},
	"image/png":     {kind: KindImage, loader: bimg.PNG, extensions: []string{".png"}},
	"image/gif":     {kind: KindImage, loader: bimg.GIF, extensions: []string{".gif"}},
	"image/webp":    {kind: KindImage, loader: bimg.WEBP, extensions: []string{".webp"}},
	"image/tiff":    {kind: KindImage, loader: bimg.TIFF, extensions: []string{".tif", ".tiff"}},
	"image/heic":    {kind: KindImage, loader: bimg.HEIF, extensions: []string{".heic"}},
	"image/heif":    {kind: KindImage, loader: bimg.HEIF, extensions: []string{".heif"}},
	"image/avif":    {kind: KindImage, loader: bimg.AVIF, extensions: []string{".avif"}},
	"image/svg+xml": {kind: KindSVG, loader: bimg.SVG, extensions: []string{".svg"}},

	"application/pdf": {kind: KindPDF, extensions: []string{".pdf"}},

	"application/vnd.oasis.opendocument.text":                                   {kind: KindOffice, extensions: []string{".odt"}, pdfFilter: "writer_pdf_Export"},
	"application/vnd.oasis.opendocument.spreadsheet":                            {kind: KindOffice, extensions: []string{".ods"}, pdfFilter: "calc_pdf_Export"},
	"application/vnd.oasis.opendocument.presentation":                           {kind: KindOffice, extensions: []string{".odp"}, pdfFilter: "impress_pdf_Export"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {kind: KindOffice, extensions: []string{".docx"}, pdfFilter: "writer_pdf_Export"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {kind: KindOffice, extensions: []string{".xlsx"}, pdfFilter: "calc_pdf_Export"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {kind: KindOffice, extensions: []string{".pptx"}, pdfFilter: "impress_pdf_Export"},

	"video/mp4":       {kind: KindVideo, extensions: []string{".mp4"}, demuxer: "mov"},
	"video/quicktime": {kind: KindVideo, extensions: []string{".mov"}, demuxer: "mov"},
	"video/webm":      {kind: KindVideo, extensions: []string{".webm"}, demuxer: "matroska"},
}

// claimedExtensions are the names that promise a previewable file.
var claimedExtensions = func() map[string]bool {
	claimed := map[string]bool{}
	for _, t := range sourceTypes {
		for _, ext := range t.extensions {
			claimed[ext] = true
		}
	}
	return claimed
}()

// supported returns what the renderer knows of a sniffed media type (parameters
// such as "; charset=utf-8" are ignored), or an unsupported_type failure. The name
// is never trusted for this.
func supported(mimeType string) (sourceType, error) {
	base, _, _ := strings.Cut(mimeType, ";")
	t, ok := sourceTypes[strings.TrimSpace(strings.ToLower(base))]
	if !ok {
		return sourceType{}, fail(FailUnsupported, "the content is %s, which has no preview", mimeType)
	}
	return t, nil
}

// KindOf returns the kind of a file from its sniffed media type.
func KindOf(mimeType string) Kind {
	t, _ := supported(mimeType)
	return t.kind
}

// Wanted reports whether a new blob deserves a preview job: its content is of a
// previewable kind, or its name says it is (a liar then gets a recorded failure the
// user can see, rather than a silent absence).
func Wanted(mimeType, name string) bool {
	return KindOf(mimeType) != KindNone || claimedExtensions[strings.ToLower(path.Ext(name))]
}
