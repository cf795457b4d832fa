package previewtest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"time"

	"golang.org/x/image/draw"
)

// CameraOptions describe a phone photo for CameraPhoto. The zero value of every
// field but Width, Height and Seed gives what a phone writes: an untouched photo
// with a 160 × 120 EXIF thumbnail of itself.
type CameraOptions struct {
	// Width and Height are the stored frame's size (before any EXIF turn).
	Width, Height int
	// Seed picks the scene: two seeds give pictures that do not look alike.
	Seed uint64
	// Orientation is the EXIF Orientation tag (1 when zero). The thumbnail is
	// stored as the frame is, not turned, as phones do.
	Orientation int
	// ThumbWidth and ThumbHeight are the thumbnail's size (160 × 120 when zero, or
	// 120 × 160 for a portrait frame).
	ThumbWidth, ThumbHeight int
	// BigEndian writes the TIFF structure in Motorola byte order ("MM").
	BigEndian bool

	// NoThumbnail leaves IFD1 out.
	NoThumbnail bool
	// ThumbnailOfOther makes the thumbnail show another picture: the privacy trap
	// of an edited photo that kept its old EXIF thumbnail.
	ThumbnailOfOther bool
	// Letterbox draws the frame inside the thumbnail with black bars, as phones do
	// for a 16:9 photo in a 160 × 120 thumbnail.
	Letterbox bool
	// Cropped stores only the central three quarters of the frame's width while
	// PixelXDimension, PixelYDimension and the thumbnail still describe the whole:
	// an editor that cropped and kept the EXIF.
	Cropped bool
	// Edited sets DateTime a day after DateTimeOriginal, as an editor that saves
	// the file again does.
	Edited bool
	// NoPixelDimensions leaves PixelXDimension and PixelYDimension out.
	NoPixelDimensions bool
	// NoMakeModel leaves Make and Model out.
	NoMakeModel bool
	// ThumbnailClaims patches the thumbnail's own frame header to claim this size
	// (a bomb: the bytes are small, the claimed pixels many).
	ThumbnailClaims image.Point
	// ThumbnailLengthClaims overrides JPEGInterchangeFormatLength.
	ThumbnailLengthClaims uint32
	// BadThumbnailOffset points JPEGInterchangeFormat past the end of the segment.
	BadThumbnailOffset bool
	// Loop points IFD0's next-IFD link back at IFD0 itself.
	Loop bool
	// Grain adds a sensor's noise to the picture: the file then weighs what a
	// phone's does (a 12 MP photo, some 5 MB), and decodes as slowly.
	Grain bool
	// OwnTables quantizes the thumbnail and the frame with tables of the
	// camera's own, as iPhones do, instead of libjpeg's standard tables scaled to
	// a quality (which Go's encoder writes): their AC entries are raised by one.
	OwnTables bool
	// Reencoded, with OwnTables, leaves the frame in libjpeg's standard tables: the
	// photo saved again by software built on libjpeg (libvips, ImageMagick) that
	// kept the Exif segment as it was, thumbnail and dates included.
	Reencoded bool
	// ThumbnailTablesLate writes the thumbnail's quantization tables after its
	// frame header, as Apple's encoder does.
	ThumbnailTablesLate bool
}

// CameraPhoto returns a JPEG as a phone writes it: an APP1 Exif segment with IFD0
// (Make, Model, Orientation, DateTime), the Exif sub-IFD (DateTimeOriginal,
// PixelXDimension, PixelYDimension) and IFD1 holding a JPEG thumbnail, then the
// frame. The options make the lies and accidents a preview must not trust.
func CameraPhoto(opts CameraOptions) []byte {
	scene := Scene(opts.Width, opts.Height, opts.Seed)
	if opts.Grain {
		addGrain(scene, opts.Seed)
	}
	frame := image.Image(scene)
	if opts.Cropped {
		cut := opts.Width / 8
		frame = scene.SubImage(image.Rect(cut, 0, opts.Width-cut, opts.Height))
	}
	quality := 85
	if opts.Grain {
		quality = 93 // a phone's own setting: the grain kept, the file as heavy
	}
	main := encodeJPEG(frame, quality)
	if opts.OwnTables && !opts.Reencoded {
		ownTables(main)
	}
	exif := exifSegment(opts, thumbnailOf(opts, scene))
	out := append([]byte{}, main[:2]...)
	out = append(out, exif...)
	return append(out, main[2:]...)
}

// Scene returns a w × h picture of random shapes on a gradient, different for
// every seed, with detail at every scale so that two seeds never look alike.
func Scene(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 11))
	c0 := randomColor(rng)
	c1 := randomColor(rng)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := float64(x+y) / float64(w+h)
			img.SetRGBA(x, y, color.RGBA{R: mix(c0.R, c1.R, t), G: mix(c0.G, c1.G, t), B: mix(c0.B, c1.B, t), A: 255})
		}
	}
	for i := 0; i < 24; i++ {
		r := image.Rect(rng.IntN(w), rng.IntN(h), 0, 0)
		r.Max = r.Min.Add(image.Pt(w/16+rng.IntN(w/3+1), h/16+rng.IntN(h/3+1)))
		draw.Draw(img, r, image.NewUniform(randomColor(rng)), image.Point{}, draw.Src)
	}
	return img
}

// addGrain adds noise to every pixel, as a phone's sensor leaves.
func addGrain(img *image.RGBA, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 13))
	for i := 0; i+3 < len(img.Pix); i += 4 {
		img.Pix[i] = sat(img.Pix[i], uint8(rng.IntN(40)))
		img.Pix[i+1] = sat(img.Pix[i+1], uint8(rng.IntN(40)))
		img.Pix[i+2] = sat(img.Pix[i+2], uint8(rng.IntN(40)))
	}
}

func sat(v, add uint8) uint8 { return uint8(min(255, int(v)+int(add))) }

func randomColor(rng *rand.Rand) color.RGBA {
	return color.RGBA{R: uint8(rng.IntN(256)), G: uint8(rng.IntN(256)), B: uint8(rng.IntN(256)), A: 255}
}

func mix(a, b uint8, t float64) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t) }

func encodeJPEG(img image.Image, quality int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// thumbnailOf returns the thumbnail's JPEG bytes, or nil for none.
func thumbnailOf(opts CameraOptions, scene *image.RGBA) []byte {
	if opts.NoThumbnail {
		return nil
	}
	tw, th := opts.ThumbWidth, opts.ThumbHeight
	if tw == 0 || th == 0 {
		tw, th = 160, 120
		if opts.Height > opts.Width {
			tw, th = th, tw
		}
	}
	src := image.Image(scene)
	if opts.ThumbnailOfOther {
		src = Scene(opts.Width, opts.Height, opts.Seed+1000)
	}
	thumb := image.NewRGBA(image.Rect(0, 0, tw, th))
	target := thumb.Bounds()
	if opts.Letterbox {
		draw.Draw(thumb, target, image.NewUniform(color.Black), image.Point{}, draw.Src)
		sb := src.Bounds()
		if sb.Dx()*th > sb.Dy()*tw { // wider than the thumbnail: bars above and below
			bh := sb.Dy() * tw / sb.Dx()
			target = image.Rect(0, (th-bh)/2, tw, (th-bh)/2+bh)
		} else {
			bw := sb.Dx() * th / sb.Dy()
			target = image.Rect((tw-bw)/2, 0, (tw-bw)/2+bw, th)
		}
	}
	draw.ApproxBiLinear.Scale(thumb, target, src, src.Bounds(), draw.Src, nil)
	data := encodeJPEG(thumb, 80)
	if opts.OwnTables {
		ownTables(data)
	}
	if opts.ThumbnailTablesLate {
		data = TablesAfterFrame(data)
	}
	if opts.ThumbnailClaims != (image.Point{}) {
		claimSize(data, opts.ThumbnailClaims)
	}
	return data
}

// ownTables raises by one the AC entries (all but the first) of every 8-bit
// quantization table of a baseline JPEG, in place: tables no quality of libjpeg's
// gives. Each block's mean (its DC coefficient) is kept, and the picture changes
// only in its fine detail.
func ownTables(data []byte) {
	for at := 2; at+4 <= len(data) && data[at] == 0xFF && data[at+1] != 0xDA; {
		n := int(binary.BigEndian.Uint16(data[at+2:]))
		if data[at+1] == 0xDB {
			for t := at + 4; t+65 <= at+2+n; t += 65 {
				for i := t + 2; i < t+65; i++ {
					data[i] = byte(min(int(data[i])+1, 255))
				}
			}
		}
		at += 2 + n
	}
}

// TablesAfterFrame moves a JPEG's quantization tables (its DQT segments) from
// before its frame header to right after it, where Apple's encoder writes them.
// The bytes keep their length.
func TablesAfterFrame(data []byte) []byte {
	var tables, frame, others []byte
	at := 2
	for at+4 <= len(data) && data[at] == 0xFF && data[at+1] != 0xDA {
		end := at + 2 + int(binary.BigEndian.Uint16(data[at+2:]))
		switch seg := data[at:end]; {
		case seg[1] == 0xDB:
			tables = append(tables, seg...)
		case seg[1] == 0xC0 || seg[1] == 0xC2:
			frame = append(frame, seg...)
		default:
			others = append(others, seg...)
		}
		at = end
	}
	out := append([]byte{}, data[:2]...)
	out = append(out, others...)
	out = append(out, frame...)
	out = append(out, tables...)
	return append(out, data[at:]...)
}

// claimSize rewrites the size in a JPEG's baseline frame header.
func claimSize(data []byte, size image.Point) {
	if i := bytes.Index(data, []byte{0xFF, 0xC0}); i >= 0 && i+9 <= len(data) {
		binary.BigEndian.PutUint16(data[i+5:], uint16(size.Y))
		binary.BigEndian.PutUint16(data[i+7:], uint16(size.X))
	}
}

// tiffEntry is one IFD entry before layout: its value is inline or, when longer
// than four bytes, placed after the directory.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

// exifSegment returns the APP1 segment, marker included.
func exifSegment(opts CameraOptions, thumbnail []byte) []byte {
	var order binary.ByteOrder = binary.LittleEndian
	header := []byte("II*\x00\x08\x00\x00\x00")
	if opts.BigEndian {
		order = binary.BigEndian
		header = []byte("MM\x00*\x00\x00\x00\x08")
	}
	taken := time.Date(2026, 9, 14, 10, 31, 7, 0, time.UTC)
	changed := taken
	if opts.Edited {
		changed = taken.Add(24 * time.Hour)
	}
	orientation := opts.Orientation
	if orientation == 0 {
		orientation = 1
	}
	short := func(tag uint16, v int) tiffEntry {
		b := make([]byte, 2)
		order.PutUint16(b, uint16(v))
		return tiffEntry{tag: tag, typ: 3, count: 1, value: b}
	}
	long := func(tag uint16, v uint32) tiffEntry {
		b := make([]byte, 4)
		order.PutUint32(b, v)
		return tiffEntry{tag: tag, typ: 4, count: 1, value: b}
	}
	ascii := func(tag uint16, s string) tiffEntry {
		return tiffEntry{tag: tag, typ: 2, count: uint32(len(s) + 1), value: append([]byte(s), 0)}
	}
	const stamp = "2006:01:02 15:04:05"

	var ifd0 []tiffEntry
	if !opts.NoMakeModel {
		ifd0 = append(ifd0, ascii(0x010F, "Cartaphone"), ascii(0x0110, "CP-12 Pro"))
	}
	ifd0 = append(ifd0, short(0x0112, orientation), ascii(0x0132, changed.Format(stamp)), long(0x8769, 0))
	exifIFD := []tiffEntry{ascii(0x9003, taken.Format(stamp))}
	if !opts.NoPixelDimensions {
		exifIFD = append(exifIFD, long(0xA002, uint32(opts.Width)), long(0xA003, uint32(opts.Height)))
	}

	// Layout: header, IFD0 and its data, the Exif IFD and its data, IFD1, the thumbnail.
	var tiff bytes.Buffer
	tiff.Write(header)
	ifd0At := tiff.Len()
	ifd0Size := ifdSize(ifd0)
	exifAt := ifd0At + ifd0Size
	ifd1At := exifAt + ifdSize(exifIFD)
	ifd0[len(ifd0)-1].value = u32(order, uint32(exifAt))
	next := uint32(0)
	if !opts.NoThumbnail {
		next = uint32(ifd1At)
	}
	if opts.Loop {
		next = uint32(ifd0At)
	}
	writeIFD(&tiff, order, ifd0, next)
	writeIFD(&tiff, order, exifIFD, 0)
	if !opts.NoThumbnail {
		ifd1 := []tiffEntry{short(0x0103, 6), long(0x0201, 0), long(0x0202, uint32(len(thumbnail)))}
		thumbAt := ifd1At + ifdSize(ifd1)
		ifd1[1].value = u32(order, uint32(thumbAt))
		if opts.BadThumbnailOffset {
			ifd1[1].value = u32(order, uint32(thumbAt+len(thumbnail)+100))
		}
		if opts.ThumbnailLengthClaims != 0 {
			ifd1[2].value = u32(order, opts.ThumbnailLengthClaims)
		}
		writeIFD(&tiff, order, ifd1, 0)
		tiff.Write(thumbnail)
	}
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	if len(payload)+2 > 0xFFFF {
		panic("previewtest: the EXIF segment does not fit in an APP1 segment")
	}
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

func u32(order binary.ByteOrder, v uint32) []byte {
	b := make([]byte, 4)
	order.PutUint32(b, v)
	return b
}

// ifdSize is the bytes an IFD takes with the values that do not fit inline.
func ifdSize(entries []tiffEntry) int {
	n := 2 + 12*len(entries) + 4
	for _, e := range entries {
		if len(e.value) > 4 {
			n += len(e.value) + len(e.value)&1
		}
	}
	return n
}

// writeIFD writes an IFD at the buffer's end, its long values right after it.
func writeIFD(buf *bytes.Buffer, order binary.ByteOrder, entries []tiffEntry, next uint32) {
	dataAt := buf.Len() + 2 + 12*len(entries) + 4
	var data bytes.Buffer
	b2, b4 := make([]byte, 2), make([]byte, 4)
	order.PutUint16(b2, uint16(len(entries)))
	buf.Write(b2)
	for _, e := range entries {
		order.PutUint16(b2, e.tag)
		buf.Write(b2)
		order.PutUint16(b2, e.typ)
		buf.Write(b2)
		order.PutUint32(b4, e.count)
		buf.Write(b4)
		if len(e.value) <= 4 {
			inline := make([]byte, 4)
			copy(inline, e.value)
			buf.Write(inline)
			continue
		}
		order.PutUint32(b4, uint32(dataAt+data.Len()))
		buf.Write(b4)
		data.Write(e.value)
		if len(e.value)&1 == 1 {
			data.WriteByte(0)
		}
	}
	order.PutUint32(b4, next)
	buf.Write(b4)
	buf.Write(data.Bytes())
}
