// Package previewtest makes the sample files the preview tests and benchmarks
// render: photos with EXIF orientations, 16-bit PNGs with alpha, animated GIFs,
// hostile SVGs, multi-page PDFs, decompression bombs and liars. Everything is
// generated, so nothing large is committed.
package previewtest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
)

// Photo returns a w × h JPEG that compresses like a photo (smooth gradients with
// grain), with the left half reddish and the right half bluish so that a test can
// tell which way up it came out. A non-zero orientation adds an EXIF Orientation tag.
func Photo(w, h, orientation int, seed uint64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			wave := 40 * math.Sin(float64(x)/37+float64(y)/53)
			grain := rng.IntN(24)
			c := color.RGBA{R: 40, G: uint8(90 + wave), B: 220, A: 255}
			if x < w/2 {
				c = color.RGBA{R: 220, G: uint8(90 + wave), B: 40, A: 255}
			}
			c.R, c.B = c.R+uint8(grain), c.B+uint8(grain/2)
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	if orientation == 0 {
		return buf.Bytes()
	}
	return withOrientation(buf.Bytes(), orientation)
}

// PhotoWithThumbnail returns Photo with an EXIF segment that carries a small JPEG
// thumbnail of its own, as phone photos do.
func PhotoWithThumbnail(w, h int, seed uint64) []byte {
	return withExif(Photo(w, h, 0, seed), 1, Photo(160, 120, 0, seed+1))
}

// withOrientation inserts an APP1 Exif segment holding only an Orientation tag
// right after the JPEG's start marker.
func withOrientation(jpg []byte, orientation int) []byte {
	return withExif(jpg, orientation, nil)
}

// withExif inserts an APP1 Exif segment with an Orientation tag and, after its
// directory, the bytes of an embedded thumbnail.
func withExif(jpg []byte, orientation int, thumbnail []byte) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, binary.LittleEndian, uint32(8)) // first IFD
	binary.Write(&tiff, binary.LittleEndian, uint16(1)) // one entry
	binary.Write(&tiff, binary.LittleEndian, uint16(0x0112))
	binary.Write(&tiff, binary.LittleEndian, uint16(3)) // SHORT
	binary.Write(&tiff, binary.LittleEndian, uint32(1))
	binary.Write(&tiff, binary.LittleEndian, uint16(orientation))
	binary.Write(&tiff, binary.LittleEndian, uint16(0))
	binary.Write(&tiff, binary.LittleEndian, uint32(0)) // no next IFD
	tiff.Write(thumbnail)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// PNG16Alpha returns a 16-bit RGBA PNG whose left half is opaque green and right
// half fully transparent.
func PNG16Alpha(w, h int) []byte {
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < w/2 {
				img.SetNRGBA64(x, y, color.NRGBA64{R: 0x1000, G: 0xC000, B: 0x2000, A: 0xFFFF})
			}
		}
	}
	return encodePNG(img)
}

// Gradient returns a w × h 8-bit RGB PNG, like a screenshot or a scanned drawing.
func Gradient(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x ^ y) & 0xFF), A: 255})
		}
	}
	return encodePNG(img)
}

func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// AnimatedGIF returns a two-frame GIF: red, then blue.
func AnimatedGIF(side int) []byte {
	frame := func(c color.Color) *image.Paletted {
		img := image.NewPaletted(image.Rect(0, 0, side, side), palette.Plan9)
		for i := range img.Pix {
			img.Pix[i] = uint8(color.Palette(palette.Plan9).Index(c))
		}
		return img
	}
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{
		Image: []*image.Paletted{frame(color.RGBA{255, 0, 0, 255}), frame(color.RGBA{0, 0, 255, 255})},
		Delay: []int{50, 50},
	})
	if err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// HostileSVG returns an SVG with a script, an event handler, an external image
// at fetchURL and a local file reference: a renderer must draw the rectangle and
// run or fetch none of the rest.
func HostileSVG(fetchURL string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="300" height="200" onload="fetch('%[1]s?onload')">
  <script>fetch('%[1]s?script'); document.location = '%[1]s?redirect';</script>
  <rect width="300" height="200" fill="#ff0000"/>
  <image href="%[1]s?image" x="0" y="0" width="100" height="100"/>
  <image xlink:href="%[1]s?xlink" x="100" y="0" width="100" height="100"/>
  <image href="file:///etc/passwd" x="200" y="0" width="100" height="100"/>
</svg>`, fetchURL)
}

// SVGBomb returns a small SVG that embeds a w × h PNG (see BombPNG) as a data: URI.
func SVGBomb(w, h int) []byte {
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <image width="100" height="100" href="data:image/png;base64,%s"/>
</svg>`, base64.StdEncoding.EncodeToString(BombPNG(w, h)))
}

// PDF returns an A4 PDF of n pages, each with a black bar across its top third.
func PDF(pages int) []byte {
	var buf bytes.Buffer
	offsets := []int{0}
	obj := func(body string) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", len(offsets)-1, body)
	}
	buf.WriteString("%PDF-1.4\n")
	content := "0 0 0 rg 50 560 495 200 re f"
	// 1: catalog, 2: pages, 3: the shared content stream, 4...: the pages.
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := make([]byte, 0, pages*8)
	for i := 0; i < pages; i++ {
		kids = fmt.Appendf(kids, "%d 0 R ", 4+i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] >>", pages, kids))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	for i := 0; i < pages; i++ {
		obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>")
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets))
	for _, off := range offsets[1:] {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets), xref)
	return buf.Bytes()
}

// BombPNG returns a valid w × h greyscale PNG of zeros: a few hundred kilobytes
// that decode to w × h bytes (20000 × 20000: 400 MB of pixels, 1.6 GB as RGBA).
func BombPNG(w, h int) []byte { return zeroPNG(w, h, 0, 1) }

// zeroPNG returns a valid w × h PNG of zeros of an 8-bit colour type (0 grey, 2
// RGB, 6 RGBA) with that many channels.
func zeroPNG(w, h int, colorType byte, channels int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, colorType
	chunk(&out, "IHDR", ihdr)
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, w*channels+1) // filter byte + pixels, all zero
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

func chunk(out *bytes.Buffer, kind string, data []byte) {
	binary.Write(out, binary.BigEndian, uint32(len(data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	out.WriteString(kind)
	out.Write(data)
	binary.Write(out, binary.BigEndian, crc.Sum32())
}

// Truncated returns the first half of a file, as an interrupted copy leaves it.
func Truncated(data []byte) []byte { return data[:len(data)/2] }

// EXE returns the start of a Windows executable, for a file named .jpg that lies.
func EXE() []byte {
	b := make([]byte, 1024)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00\x4c\x01")
	return b
}
