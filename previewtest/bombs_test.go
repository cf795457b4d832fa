package previewtest

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"fmt"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gabriel-vasile/mimetype"
)

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// skipFullSizeUnderRace skips the checks of a full-size bomb under the race
// detector (see raceEnabled).
func skipFullSizeUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("full-size bombs are checked without the race detector")
	}
}

func TestDocxBomb(t *testing.T) {
	skipFullSizeUnderRace(t)
	bomb := DocxBomb(200 << 20)
	if n := len(bomb); n < 200<<10 || n > 400<<10 {
		t.Errorf("200 MiB of paragraphs packed into %d KiB, want about 300", n>>10)
	}
	if got := mimetype.Detect(bomb); !got.Is(docxType) {
		t.Errorf("sniffed as %s, want a docx", got)
	}
	doc := zipEntry(t, bomb, "word/document.xml")
	if doc.UncompressedSize64 < 200<<20 {
		t.Errorf("word/document.xml declares %d bytes, want 200 MiB or more", doc.UncompressedSize64)
	}
	// A smaller one, read whole: well-formed paragraphs, and the same bytes twice.
	small := DocxBomb(1 << 20)
	if !bytes.Equal(small, DocxBomb(1<<20)) {
		t.Error("two calls gave different bytes")
	}
	xml := readEntry(t, zipEntry(t, small, "word/document.xml"))
	if n := strings.Count(xml, "<w:p/>"); n != (1<<20)/6 {
		t.Errorf("%d paragraphs, want %d", n, (1<<20)/6)
	}
	if !strings.HasSuffix(xml, "<w:p/></w:body></w:document>") {
		t.Errorf("the document ends with %q", xml[max(0, len(xml)-60):])
	}
}

func TestDocxImageBomb(t *testing.T) {
	skipFullSizeUnderRace(t)
	bomb := DocxImageBomb(18_000, 18_000)
	if len(bomb) > 64<<10 {
		t.Errorf("the docx is %d KiB, want a few", len(bomb)>>10)
	}
	if got := mimetype.Detect(bomb); !got.Is(docxType) {
		t.Errorf("sniffed as %s, want a docx", got)
	}
	small := DocxImageBomb(300, 200)
	if !bytes.Equal(small, DocxImageBomb(300, 200)) {
		t.Error("two calls gave different bytes")
	}
	if xml := readEntry(t, zipEntry(t, small, "word/document.xml")); !strings.Contains(xml, `r:embed="rIdBomb"`) {
		t.Error("the document does not show the image")
	}
	if rels := readEntry(t, zipEntry(t, small, "word/_rels/document.xml.rels")); !strings.Contains(rels, `Target="media/image1.png"`) {
		t.Error("the image's relationship is missing")
	}
	img, err := png.Decode(strings.NewReader(readEntry(t, zipEntry(t, small, "word/media/image1.png"))))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 200 {
		t.Errorf("the image is %v, want 300 × 200", b)
	}
}

func TestPDFBomb(t *testing.T) {
	skipFullSizeUnderRace(t)
	if n := len(PDFBomb(20_000, 20_000)); n > 2<<20 {
		t.Errorf("the 20,000 × 20,000 bomb is %d KiB, want under 2 MiB", n>>10)
	}
	pdf := PDFBomb(300, 200)
	if !bytes.Equal(pdf, PDFBomb(300, 200)) {
		t.Error("two calls gave different bytes")
	}
	if got := mimetype.Detect(pdf); !got.Is("application/pdf") {
		t.Errorf("sniffed as %s, want a PDF", got)
	}
	// Every offset of the cross-reference table points at its object.
	xrefAt := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)
	if xrefAt == nil {
		t.Fatal("no startxref")
	}
	at, _ := strconv.Atoi(string(xrefAt[1]))
	offsets := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[at:], -1)
	if len(offsets) != 5 {
		t.Fatalf("%d objects in the xref, want 5", len(offsets))
	}
	for i, m := range offsets {
		off, _ := strconv.Atoi(string(m[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d: the offset %d points at %q", i+1, off, pdf[off:min(len(pdf), off+12)])
		}
	}
	// The image's stream inflates to its samples.
	stream := regexp.MustCompile(`(?s)/Width 300 /Height 200 .*?/Length (\d+) >>\nstream\n`).FindSubmatchIndex(pdf)
	if stream == nil {
		t.Fatal("no 300 × 200 image")
	}
	length, _ := strconv.Atoi(string(pdf[stream[2]:stream[3]]))
	zr, err := zlib.NewReader(bytes.NewReader(pdf[stream[1] : stream[1]+length]))
	if err != nil {
		t.Fatal(err)
	}
	samples, err := io.ReadAll(zr)
	if err != nil || len(samples) != 300*200*3 {
		t.Errorf("the image inflates to %d bytes (%v), want %d", len(samples), err, 300*200*3)
	}
}

func zipEntry(t *testing.T, archive []byte, name string) *zip.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no %s in the archive", name)
	return nil
}

func readEntry(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
