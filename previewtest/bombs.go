package previewtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
)

// Bombs for the converters: files of a few hundred kilobytes that LibreOffice or
// poppler would need gigabytes to open. They are generated in well under a second
// each, and the same arguments always give the same bytes.

// DocxBomb returns a .docx whose word/document.xml is about xmlBytes of empty
// paragraphs (<w:p/>, 6 bytes each), DEFLATE-compressed: DocxBomb(200 << 20) is
// about 300 KB on disk for 35 million paragraphs. LibreOffice builds a node for
// every paragraph before it lays out the first page; without a limit, its memory
// grows for as long as it is let run (LibreOffice 7.4 alone here: 3 GB after 26 s
// of CPU, 14 GB after two minutes).
func DocxBomb(xmlBytes int) []byte {
	const paragraph = "<w:p/>"
	block := strings.Repeat(paragraph, (1<<20)/len(paragraph))
	return docx(nil, func(w io.Writer) {
		for left := xmlBytes / len(paragraph) * len(paragraph); left > 0; left -= len(block) {
			io.WriteString(w, block[:min(left, len(block))])
		}
	})
}

// DocxImageBomb returns a .docx whose only paragraph shows a w × h RGBA PNG of
// zeros (word/media/image1.png). The PNG compresses to a few kilobytes inside the
// zip, and LibreOffice decodes it whole to export the page: 18,000 × 18,000 took
// LibreOffice 7.4 to 1.5 GB here (20,000 × 20,000 is past what it loads at all:
// it exports the page without the image).
func DocxImageBomb(w, h int) []byte {
	// 5,000,000 EMU: a 13.9 cm square on the page.
	const drawing = `<w:p><w:r><w:drawing><wp:inline><wp:extent cx="5000000" cy="5000000"/><wp:docPr id="1" name="bomb"/>` +
		`<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>` +
		`<pic:nvPicPr><pic:cNvPr id="1" name="bomb.png"/><pic:cNvPicPr/></pic:nvPicPr>` +
		`<pic:blipFill><a:blip r:embed="rIdBomb"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>` +
		`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5000000" cy="5000000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>` +
		`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`
	return docx(zeroPNG(w, h, 6, 4), func(w io.Writer) { io.WriteString(w, drawing) })
}

// docx packs a WordprocessingML document whose body body writes, with png as its
// image rIdBomb when there is one. The entries carry no time: the bytes depend on
// the arguments only.
func docx(png []byte, body func(io.Writer)) []byte {
	const (
		xmlHead      = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
		contentTypes = xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
		rels = xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
		documentRels = xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rIdBomb" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>`
		documentHead = xmlHead + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"` +
			` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"` +
			` xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"` +
			` xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"` +
			` xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>`
		documentTail = `</w:body></w:document>`
	)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	entry := func(name string, write func(io.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			panic(err)
		}
		write(w)
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	// [Content_Types].xml first and word/ early: how type sniffers recognise a docx.
	entry("[Content_Types].xml", text(contentTypes))
	entry("_rels/.rels", text(rels))
	entry("word/document.xml", func(w io.Writer) {
		io.WriteString(w, documentHead)
		body(w)
		io.WriteString(w, documentTail)
	})
	if png != nil {
		entry("word/_rels/document.xml.rels", text(documentRels))
		entry("word/media/image1.png", func(w io.Writer) { w.Write(png) })
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PDFBomb returns a one-page A4 PDF whose page is covered by one w × h image of
// 8-bit RGB zeros (black), Flate-compressed: PDFBomb(20_000, 20_000) is 1.2 GB
// of samples in a 1.4 MB file. pdftoppm (poppler 22.12) streams the image while it
// scales it down: 22 MB and 6 s of CPU here; a renderer that decodes it whole
// needs the 1.2 GB.
func PDFBomb(w, h int) []byte {
	var samples bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&samples, zlib.BestSpeed)
	row := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()

	var buf bytes.Buffer
	offsets := []int{0}
	obj := func(header string, stream []byte) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\n", len(offsets)-1, header)
		if stream != nil {
			buf.WriteString("stream\n")
			buf.Write(stream)
			buf.WriteString("\nendstream\n")
		}
		buf.WriteString("endobj\n")
	}
	buf.WriteString("%PDF-1.4\n")
	content := []byte("q 595 0 0 842 0 0 cm /Bomb Do Q")
	// 1: catalog, 2: pages, 3: the page, 4: its content, 5: the image.
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj("<< /Type /Pages /Count 1 /Kids [3 0 R] >>", nil)
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Bomb 5 0 R >> >> >>", nil)
	obj(fmt.Sprintf("<< /Length %d >>", len(content)), content)
	obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "+
		"/Filter /FlateDecode /Length %d >>", w, h, samples.Len()), samples.Bytes())
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets))
	for _, off := range offsets[1:] {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets), xref)
	return buf.Bytes()
}
