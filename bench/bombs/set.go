package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cartable/previewtest"
)

// bomb is one kind of hostile file of the set.
type bomb struct {
	Kind     string `json:"kind"` // also the files' name prefix
	Label    string `json:"label"`
	Mime     string `json:"mime"`
	Bytes    int    `json:"bytes"`
	ext      string
	generate func() []byte
}

// Sizes of the bombs (see previewtest for what each does to its converter).
type sizes struct {
	XMLMiB    int // word/document.xml of the docx zip bomb
	ImageSide int // the docx's embedded PNG, square
	PDFSide   int // the PDF's image, square
}

func bombs(s sizes) []bomb {
	const docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	return []bomb{
		{Kind: "docx-zip", ext: ".docx", Mime: docx,
			Label:    fmt.Sprintf("docx zip bomb: word/document.xml of %d MiB of empty paragraphs", s.XMLMiB),
			generate: func() []byte { return previewtest.DocxBomb(s.XMLMiB << 20) }},
		{Kind: "docx-image", ext: ".docx", Mime: docx,
			Label:    fmt.Sprintf("docx showing a %s × %s RGBA PNG of zeros", thousands(s.ImageSide), thousands(s.ImageSide)),
			generate: func() []byte { return previewtest.DocxImageBomb(s.ImageSide, s.ImageSide) }},
		{Kind: "pdf-image", ext: ".pdf", Mime: "application/pdf",
			Label:    fmt.Sprintf("PDF whose page draws one %s × %s RGB image (Flate)", thousands(s.PDFSide), thousands(s.PDFSide)),
			generate: func() []byte { return previewtest.PDFBomb(s.PDFSide, s.PDFSide) }},
	}
}

// write generates every bomb once and writes copies of it into dir: the files of
// kind k are dir/<k>-1<ext>, dir/<k>-2<ext>… The renderer reads every copy afresh.
func write(dir string, set []bomb, copies int) (map[string][]string, error) {
	paths := map[string][]string{}
	for i := range set {
		data := set[i].generate()
		set[i].Bytes = len(data)
		for n := 1; n <= copies; n++ {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d%s", set[i].Kind, n, set[i].ext))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return nil, err
			}
			paths[set[i].Kind] = append(paths[set[i].Kind], path)
		}
	}
	return paths, nil
}

// kindOf is the kind of a file of the set, from its name.
func kindOf(path string) string {
	name := filepath.Base(path)
	return name[:strings.LastIndexByte(name, '-')]
}

func mimeOf(path string) string {
	if filepath.Ext(path) == ".pdf" {
		return "application/pdf"
	}
	return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
}

func thousands(n int) string {
	if n < 10_000 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d,%03d", n/1000, n%1000)
}
