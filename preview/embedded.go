package preview

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"strings"
	"time"
)

// The EXIF thumbnail fast path (issue 17): a phone JPEG carries a small JPEG of
// itself in its EXIF segment (IFD1, usually 160 × 120). Reading and decoding it
// takes under a millisecond where libvips takes some 40 ms for the small
// thumbnail of a 12 MP photo (BENCHMARKS.md), so the worker can serve a small
// thumbnail from it at once and replace it with the real rendition later.
//
// Its pixels are not trusted blindly. An editor that crops or retouches a photo
// may keep the old EXIF thumbnail, which then shows what the owner removed (a
// known privacy trap). Comparing it with the real picture would cost as much as
// rendering the real thumbnail, so the thumbnail is used only when the file's own
// metadata says it is untouched since capture (see trust), and checked again
// against the real small rendition once that exists (looksAlike).
//
// Everything here is pure Go and bounds-checked: it reads files libvips has not
// parsed yet.

const (
	// EmbeddedHeadBytes is how much of a file embeddedPreview reads: the EXIF
	// segment is at most 64 KiB and comes before the frame header.
	EmbeddedHeadBytes = 256 << 10
	// embeddedMaxBytes and embeddedMaxSide bound the thumbnail decoded: an APP1
	// segment cannot hold more than 64 KiB anyway, and a claim of more pixels than
	// 1024 × 1024 in so few bytes is a bomb, not a thumbnail.
	embeddedMaxBytes = 64 << 10
	embeddedMaxSide  = 1024
	// embeddedMinSide: the thumbnail's short side must fill most of the 128 px
	// small square (96 px is three quarters of it; a 160 × 120 thumbnail gives a
	// 120 px square, which a browser scales up by 7 % without visible loss).
	embeddedMinSide = 96
	// embeddedAspectTolerance: the thumbnail's shape must be the frame's within
	// 2 %; its sides are rounded to whole pixels (1 px in 96 is 1 %), a crop or a
	// letterbox changes the shape by far more.
	embeddedAspectTolerance = 0.02
	// embeddedClockSlack: DateTime and DateTimeOriginal of an untouched photo are
	// written in the same second, or the next when the save straddles it.
	embeddedClockSlack = 2 * time.Second
)

// Embedded is an EXIF thumbnail found trustworthy.
type Embedded struct {
	// Image is the thumbnail, upright.
	Image image.Image
	// Width and Height are the frame's size, upright: the source size of the
	// renditions made from Image.
	Width, Height int
	// Orientation is the EXIF orientation (1 to 8) applied to Image.
	Orientation int
	// MakeModel reports whether IFD0 names the camera (reported, not required).
	MakeModel bool
	// Decoded: Image is the frame's own pixels, decoded by Go (decodedInGo), not a
	// picture the file carries of itself; it has nothing to be checked against.
	Decoded bool
}

// Reasons an embedded thumbnail is refused. Stable: the worker logs and counts them.
const (
	EmbeddedNoExif             = "no_exif"
	EmbeddedNoThumbnail        = "no_thumbnail"
	EmbeddedTooSmall           = "too_small"
	EmbeddedTooLarge           = "too_large"
	EmbeddedShapeMismatch      = "shape_mismatch"
	EmbeddedDimensionsMismatch = "dimensions_mismatch"
	EmbeddedEdited             = "edited"
	EmbeddedCorrupt            = "corrupt"
)

// EmbeddedRefusal says why a file's embedded thumbnail is not used: the file
// takes the normal path. It is not a failure of the file.
type EmbeddedRefusal struct {
	Reason string
	Detail string
}

func (e *EmbeddedRefusal) Error() string { return "embedded thumbnail " + e.Reason + ": " + e.Detail }

func refuse(reason, format string, args ...any) error {
	return &EmbeddedRefusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// EmbeddedReason returns the reason of a refusal, or "" for another error.
func EmbeddedReason(err error) string {
	var r *EmbeddedRefusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// EmbeddedRefused is why the worker would not make a JPEG's provisional small
// thumbnail from its EXIF thumbnail, "" when it would. The rush bench sorts real
// photos with it by the way their small thumbnail comes.
func EmbeddedRefused(photo []byte) string {
	_, err := embeddedPreview(photo, Limits{})
	if err == nil {
		return ""
	}
	return cmp.Or(EmbeddedReason(err), err.Error())
}

// embeddedPreview returns the EXIF thumbnail of a JPEG, upright, from the first
// bytes of the file (at most EmbeddedHeadBytes are read), or an *EmbeddedRefusal.
func embeddedPreview(head []byte, limits Limits) (Embedded, error) {
	limits = limits.withDefaults()
	head = head[:min(len(head), EmbeddedHeadBytes)]
	frame, err := scanJPEG(head)
	if err != nil {
		return Embedded{}, err
	}
	if int64(frame.width)*int64(frame.height) > limits.MaxPixels {
		return Embedded{}, refuse(EmbeddedTooLarge, "the frame is %d × %d pixels, more than the %d allowed", frame.width, frame.height, limits.MaxPixels)
	}
	if frame.exif == nil {
		return Embedded{}, refuse(EmbeddedNoExif, "no Exif segment before the frame header")
	}
	meta, err := parseExif(frame.exif)
	if err != nil {
		return Embedded{}, err
	}
	cfg, err := thumbnailConfig(meta.thumbnail)
	if err != nil {
		return Embedded{}, err
	}
	// Whose tables the thumbnail is in (see trust). image/jpeg decodes some
	// thumbnails scanJPEG refuses (a stray byte between segments): theirs are
	// then unknown, and the decode below is the judge, as before.
	thumb, _ := scanJPEG(meta.thumbnail)
	fw, fh := uprightSize(frame.width, frame.height, meta.orientation)
	tw, th := uprightSize(cfg.Width, cfg.Height, meta.orientation)
	if err := trust(meta, frame, thumb, fw, fh, tw, th); err != nil {
		return Embedded{}, err
	}
	img, err := jpeg.Decode(bytes.NewReader(meta.thumbnail))
	if err != nil {
		return Embedded{}, refuse(EmbeddedCorrupt, "the thumbnail cannot be decoded: %v", err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Embedded{}, refuse(EmbeddedCorrupt, "the thumbnail decoded to %v, its header said %d × %d", b, cfg.Width, cfg.Height)
	}
	return Embedded{Image: orient(img, meta.orientation), Width: fw, Height: fh, Orientation: meta.orientation, MakeModel: meta.makeModel}, nil
}

// thumbnailConfig reads the thumbnail's header, within the limits, before any
// pixel is decoded.
func thumbnailConfig(data []byte) (image.Config, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return image.Config{}, refuse(EmbeddedCorrupt, "the thumbnail's header cannot be read: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return image.Config{}, refuse(EmbeddedCorrupt, "the thumbnail has no pixels")
	}
	if cfg.Width > embeddedMaxSide || cfg.Height > embeddedMaxSide {
		return image.Config{}, refuse(EmbeddedTooLarge, "the thumbnail claims %d × %d pixels, more than %d a side", cfg.Width, cfg.Height, embeddedMaxSide)
	}
	return cfg, nil
}

// trust applies the rules that make an embedded thumbnail a faithful picture of
// the frame, from metadata alone; thumb is what the thumbnail's own markers say,
// fw × fh and tw × th are the frame's and the thumbnail's upright sizes.
func trust(meta exifMeta, frame, thumb jpegFrame, fw, fh, tw, th int) error {
	// Too small a thumbnail would be a blurry square until the real one comes:
	// worse than waiting 40 ms more.
	if min(tw, th) < embeddedMinSide {
		return refuse(EmbeddedTooSmall, "the thumbnail is %d × %d, less than %d px a side", tw, th, embeddedMinSide)
	}
	// Pixel dimensions are written at capture: an editor that cropped but kept
	// the EXIF leaves the old ones, and the thumbnail of the old frame with them.
	// Either order: some cameras write them for the stored frame, some upright.
	if meta.hasPixelSize {
		px, py := meta.pixelX, meta.pixelY
		if !(px == frame.width && py == frame.height) && !(px == frame.height && py == frame.width) {
			return refuse(EmbeddedDimensionsMismatch, "EXIF says %d × %d, the frame is %d × %d", px, py, frame.width, frame.height)
		}
	}
	// A thumbnail of another shape is a crop of the frame (or the frame a crop of
	// it) or a letterbox: either way not what the small square would show.
	frameAspect, thumbAspect := float64(fw)/float64(fh), float64(tw)/float64(th)
	if math.Abs(thumbAspect-frameAspect) > embeddedAspectTolerance*frameAspect {
		return refuse(EmbeddedShapeMismatch, "the thumbnail is %d × %d, the frame %d × %d", tw, th, fw, fh)
	}
	// Software that wrote the file again may have cropped it and updated the
	// pixel dimensions while keeping the old thumbnail: seen in a public sample
	// (a photo cut to 2164 × 1626, its dates untouched, whose thumbnail still
	// shows the neighbouring cars). Of 86 real camera and phone files, every one
	// whose thumbnail was served and matched its photo had Exif first.
	if frame.rewritten {
		return refuse(EmbeddedEdited, "a JFIF segment comes before the Exif one: written again by software")
	}
	// EXIF's DateTime is "changed when the file is changed": an editor that
	// re-encodes sets it, and its old thumbnail may show what it removed. Without
	// both dates nothing says the file is untouched.
	if meta.dateTime.IsZero() || meta.dateTimeOriginal.IsZero() {
		return refuse(EmbeddedEdited, "DateTime or DateTimeOriginal is missing")
	}
	if d := meta.dateTime.Sub(meta.dateTimeOriginal); d > embeddedClockSlack || d < -embeddedClockSlack {
		return refuse(EmbeddedEdited, "changed %s after it was taken", d)
	}
	// A camera encodes the thumbnail and the frame when it takes the photo. A
	// frame in libjpeg's standard tables under a thumbnail in tables of the
	// camera's own was encoded again afterwards, by software built on libjpeg
	// (libvips, ImageMagick, Pillow) that kept the Exif segment, dates and
	// all. Seen with an iPhone photo retouched with libvips, a black box drawn
	// over part of it: every rule above let through its thumbnail, which shows
	// what the box hides. (A camera that uses libjpeg's tables for both is not
	// told apart from such an edit of its photos: the real small thumbnail's
	// comparison, looksAlike, is what is left for those.)
	if frame.tables == tablesLibjpeg && thumb.tables == tablesOwn {
		return refuse(EmbeddedEdited, "the frame is in libjpeg's standard quantization tables, the thumbnail in the camera's own: encoded again by software")
	}
	return nil
}

// uprightSize is the size of a w × h image once turned by an EXIF orientation.
func uprightSize(w, h, orientation int) (int, int) {
	if orientation >= 5 {
		return h, w
	}
	return w, h
}

// jpegFrame is what the markers before a JPEG's first scan say.
type jpegFrame struct {
	width, height int
	exif          []byte // the TIFF structure of the first APP1 Exif segment
	// rewritten: a JFIF segment comes before the Exif one. The Exif standard puts
	// APP1 right after the start of image and cameras mostly do; a file that
	// starts with JFIF was most likely written again by software.
	rewritten bool
	// progressive: the frame is coded in successive scans (SOF2, or another
	// progressive SOF Go refuses anyway).
	progressive bool
	// tables says whose quantization tables the frame is in.
	tables quantTables
}

// quantTables says whose quantization tables a JPEG is in, from its luminance
// table (the first table 0 of its DQT segments).
type quantTables int

const (
	tablesUnknown quantTables = iota // no 8-bit table 0 before the first scan
	tablesLibjpeg                    // libjpeg's standard table scaled to a quality (jpeg_set_quality)
	tablesOwn                        // any other: an encoder's own, as cameras' often are
)

// libjpegLuminance is the luminance table of the JPEG standard's Annex K, in
// zigzag order, which libjpeg scales to a quality and most software writes.
var libjpegLuminance = [64]int{
	16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
	26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
	56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
	95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
}

// luminanceTables reads whose tables a DQT segment's table 0 is: tablesUnknown
// when the segment holds no 8-bit table 0.
func luminanceTables(seg []byte) quantTables {
	for len(seg) > 0 {
		precision, id := seg[0]>>4, seg[0]&0x0F
		size := 64 * int(1+precision)
		if precision > 1 || len(seg) < 1+size {
			return tablesUnknown
		}
		if id == 0 && precision == 0 {
			if isLibjpegLuminance(seg[1 : 1+size]) {
				return tablesLibjpeg
			}
			return tablesOwn
		}
		seg = seg[1+size:]
	}
	return tablesUnknown
}

// isLibjpegLuminance reports whether an 8-bit table in zigzag order is Annex K's
// luminance table scaled as libjpeg's jpeg_set_quality scales it, at a quality
// from 1 to 100.
func isLibjpegLuminance(table []byte) bool {
	for quality := 1; quality <= 100; quality++ {
		scale := 200 - 2*quality
		if quality < 50 {
			scale = 5000 / quality
		}
		same := true
		for i, base := range libjpegLuminance {
			if int(table[i]) != min(max((base*scale+50)/100, 1), 255) {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// scanJPEG walks a JPEG's segments up to its frame header, and on to its first
// scan for the quantization tables an encoder may write after the frame header
// (Apple's thumbnails do).
func scanJPEG(b []byte) (jpegFrame, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return jpegFrame{}, refuse(EmbeddedCorrupt, "not a JPEG")
	}
	var f jpegFrame
	framed := false // the frame header is read: what follows is only looked at for tables
	noFrame := func(format string, args ...any) (jpegFrame, error) {
		if framed {
			return f, nil
		}
		return jpegFrame{}, refuse(EmbeddedCorrupt, format, args...)
	}
	for at := 2; ; {
		if at >= len(b) || b[at] != 0xFF {
			return noFrame("no frame header in the first %d bytes", len(b))
		}
		for at < len(b) && b[at] == 0xFF { // fill bytes
			at++
		}
		if at >= len(b) {
			return noFrame("no frame header in the first %d bytes", len(b))
		}
		marker := b[at]
		at++
		if marker == 0x01 || marker >= 0xD0 && marker <= 0xD7 { // no length
			continue
		}
		if marker == 0x00 || marker == 0xD8 || marker == 0xD9 || marker == 0xDA {
			return noFrame("marker %#x before the frame header", marker)
		}
		if at+2 > len(b) {
			return noFrame("no frame header in the first %d bytes", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[at:]))
		if n < 2 || at+n > len(b) {
			return noFrame("segment %#x of %d bytes at %d overruns the %d read", marker, n, at, len(b))
		}
		seg := b[at+2 : at+n]
		at += n
		switch {
		case marker == 0xE1 && f.exif == nil && !framed && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			f.exif = seg[6:]
		case marker == 0xE0 && f.exif == nil && !framed && bytes.HasPrefix(seg, []byte("JFIF\x00")):
			f.rewritten = true
		case marker == 0xDB && f.tables == tablesUnknown:
			f.tables = luminanceTables(seg)
		case isFrameHeader(marker) && !framed:
			if len(seg) < 6 {
				return jpegFrame{}, refuse(EmbeddedCorrupt, "short frame header")
			}
			f.height, f.width = int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
			if f.width == 0 || f.height == 0 {
				return jpegFrame{}, refuse(EmbeddedCorrupt, "the frame is %d × %d", f.width, f.height)
			}
			f.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
			framed = true
		}
		if framed && f.tables != tablesUnknown {
			return f, nil
		}
	}
}

// isFrameHeader reports whether a marker is a start of frame (SOF0 to SOF15 but
// DHT, JPG and DAC, which share the range).
func isFrameHeader(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// exifMeta is what the EXIF structure says that the trust rules need.
type exifMeta struct {
	orientation                int
	makeModel                  bool
	dateTime, dateTimeOriginal time.Time
	hasPixelSize               bool
	pixelX, pixelY             int
	thumbnail                  []byte
}

// EXIF and TIFF tags read.
const (
	tagMake             = 0x010F
	tagModel            = 0x0110
	tagOrientation      = 0x0112
	tagDateTime         = 0x0132
	tagExifIFD          = 0x8769
	tagDateTimeOriginal = 0x9003
	tagPixelX           = 0xA002
	tagPixelY           = 0xA003
	tagThumbnailOffset  = 0x0201
	tagThumbnailLength  = 0x0202
)

// parseExif reads IFD0, its Exif sub-IFD and IFD1 (the thumbnail's). These three
// are all it follows: no recursion, and a link back to one already read is a loop.
func parseExif(tiff []byte) (exifMeta, error) {
	t, ifd0At, err := newTIFF(tiff)
	if err != nil {
		return exifMeta{}, err
	}
	seen := map[uint32]bool{}
	ifd0, ifd1At, err := t.ifd(ifd0At, seen)
	if err != nil {
		return exifMeta{}, err
	}
	var meta exifMeta
	if meta.orientation, err = t.orientation(ifd0); err != nil {
		return exifMeta{}, err
	}
	_, hasMake := ifd0[tagMake]
	_, hasModel := ifd0[tagModel]
	meta.makeModel = hasMake && hasModel
	meta.dateTime = t.date(ifd0, tagDateTime)
	if exifAt, ok := t.uint(ifd0, tagExifIFD); ok {
		exif, _, err := t.ifd(exifAt, seen)
		if err != nil {
			return exifMeta{}, err
		}
		meta.dateTimeOriginal = t.date(exif, tagDateTimeOriginal)
		px, okX := t.uint(exif, tagPixelX)
		py, okY := t.uint(exif, tagPixelY)
		meta.hasPixelSize = okX && okY
		meta.pixelX, meta.pixelY = int(min(px, math.MaxInt32)), int(min(py, math.MaxInt32))
	}
	if ifd1At == 0 {
		return exifMeta{}, refuse(EmbeddedNoThumbnail, "no IFD1")
	}
	ifd1, _, err := t.ifd(ifd1At, seen)
	if err != nil {
		return exifMeta{}, err
	}
	if meta.thumbnail, err = t.thumbnail(ifd1); err != nil {
		return exifMeta{}, err
	}
	return meta, nil
}

// exifOrientation reads IFD0's orientation alone (1 when absent): a photo without
// a thumbnail, decoded in Go, still has to be turned upright.
func exifOrientation(tiff []byte) (int, error) {
	t, ifd0At, err := newTIFF(tiff)
	if err != nil {
		return 1, err
	}
	ifd0, _, err := t.ifd(ifd0At, map[uint32]bool{})
	if err != nil {
		return 1, err
	}
	return t.orientation(ifd0)
}

// tiffData is a TIFF structure and its byte order.
type tiffData struct {
	b     []byte
	order binary.ByteOrder
}

// ifdEntry is one directory entry, its value not yet read.
type ifdEntry struct {
	typ   uint16
	count uint32
	field []byte // the 4-byte value or offset field
}

func newTIFF(b []byte) (tiffData, uint32, error) {
	if len(b) < 8 {
		return tiffData{}, 0, refuse(EmbeddedCorrupt, "short TIFF header")
	}
	t := tiffData{b: b}
	switch string(b[:4]) {
	case "II*\x00":
		t.order = binary.LittleEndian
	case "MM\x00*":
		t.order = binary.BigEndian
	default:
		return tiffData{}, 0, refuse(EmbeddedCorrupt, "bad TIFF header %q", b[:4])
	}
	return t, t.order.Uint32(b[4:]), nil
}

// maxIFDEntries bounds a directory: real ones have a few dozen entries.
const maxIFDEntries = 1000

// ifd reads the directory at off and the offset of the next one (0: none). seen
// holds the directories already read: one read twice is a loop.
func (t tiffData) ifd(off uint32, seen map[uint32]bool) (map[uint16]ifdEntry, uint32, error) {
	if seen[off] {
		return nil, 0, refuse(EmbeddedCorrupt, "IFD at %d linked twice (a loop)", off)
	}
	seen[off] = true
	if off < 8 || uint64(off)+2 > uint64(len(t.b)) {
		return nil, 0, refuse(EmbeddedCorrupt, "IFD offset %d outside the %d-byte segment", off, len(t.b))
	}
	n := int(t.order.Uint16(t.b[off:]))
	end := uint64(off) + 2 + 12*uint64(n) + 4
	if n > maxIFDEntries || end > uint64(len(t.b)) {
		return nil, 0, refuse(EmbeddedCorrupt, "IFD at %d with %d entries overruns the segment", off, n)
	}
	entries := make(map[uint16]ifdEntry, n)
	for i := 0; i < n; i++ {
		e := t.b[int(off)+2+12*i:][:12]
		entries[t.order.Uint16(e)] = ifdEntry{typ: t.order.Uint16(e[2:]), count: t.order.Uint32(e[4:]), field: e[8:12]}
	}
	return entries, t.order.Uint32(t.b[end-4:]), nil
}

// typeSizes are the byte sizes of the TIFF field types read here.
var typeSizes = map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 7: 1, 9: 4}

// value returns an entry's bytes, inline or at its offset, bounds-checked.
func (t tiffData) value(e ifdEntry) ([]byte, bool) {
	size := typeSizes[e.typ] * uint64(e.count)
	switch {
	case size == 0:
		return nil, false
	case size <= 4:
		return e.field[:size], true
	}
	off := uint64(t.order.Uint32(e.field))
	if off+size > uint64(len(t.b)) {
		return nil, false
	}
	return t.b[off : off+size], true
}

// uint returns the first value of a SHORT or LONG entry.
func (t tiffData) uint(entries map[uint16]ifdEntry, tag uint16) (uint32, bool) {
	e, ok := entries[tag]
	if !ok || e.count == 0 {
		return 0, false
	}
	switch e.typ {
	case 3:
		return uint32(t.order.Uint16(e.field)), true
	case 4:
		return t.order.Uint32(e.field), true
	}
	return 0, false
}

// date returns an ASCII "YYYY:MM:DD HH:MM:SS" entry, or the zero time.
func (t tiffData) date(entries map[uint16]ifdEntry, tag uint16) time.Time {
	e, ok := entries[tag]
	if !ok || e.typ != 2 || e.count > 64 {
		return time.Time{}
	}
	raw, ok := t.value(e)
	if !ok {
		return time.Time{}
	}
	s, _, _ := strings.Cut(string(raw), "\x00")
	d, err := time.Parse("2006:01:02 15:04:05", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return d
}

// orientation returns the Orientation tag, 1 when absent. A value outside 1–8
// is refused: libvips would read it as 1, but such a file is not one to trust.
func (t tiffData) orientation(ifd0 map[uint16]ifdEntry) (int, error) {
	if _, ok := ifd0[tagOrientation]; !ok {
		return 1, nil
	}
	v, ok := t.uint(ifd0, tagOrientation)
	if !ok || v < 1 || v > 8 {
		return 0, refuse(EmbeddedCorrupt, "orientation %d", v)
	}
	return int(v), nil
}

// thumbnail returns the bytes IFD1 points at.
func (t tiffData) thumbnail(ifd1 map[uint16]ifdEntry) ([]byte, error) {
	off, okOff := t.uint(ifd1, tagThumbnailOffset)
	n, okLen := t.uint(ifd1, tagThumbnailLength)
	if !okOff || !okLen || n == 0 {
		return nil, refuse(EmbeddedNoThumbnail, "IFD1 points at no JPEG thumbnail")
	}
	if n > embeddedMaxBytes {
		return nil, refuse(EmbeddedTooLarge, "the thumbnail is %d bytes, more than %d", n, embeddedMaxBytes)
	}
	if uint64(off)+uint64(n) > uint64(len(t.b)) {
		return nil, refuse(EmbeddedCorrupt, "the thumbnail at %d (%d bytes) overruns the %d-byte segment", off, n, len(t.b))
	}
	return t.b[off : off+n], nil
}
