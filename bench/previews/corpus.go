package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"cartable/previewtest"
)

// The kinds of file in the set, in the order they are measured and reported.
const (
	kindJPEG = "JPEG"
	kindPNG  = "PNG"
	kindPDF  = "PDF"
)

var kinds = []string{kindJPEG, kindPNG, kindPDF}

// Source dimensions: a 12 MP photo, a 4000 px screenshot, an A4 page in points.
const (
	photoW, photoH = 4000, 3000
	pageW, pageH   = 595, 842
)

// sample is one file of the set, on disk: the CLIs read it from there, and
// Cartable's renderer reads its bytes as a worker holds a downloaded blob.
type sample struct {
	Kind string
	Name string
	Path string
	Mime string
	// W and H are the source's proportions, to check the thumbnails' shapes.
	W, H  int
	Bytes int64
}

// generate writes the set into dir. The JPEGs are generated in parallel with
// different seeds, so that no peer can profit from identical inputs; the PNGs and
// PDFs are each generated once and copied, which costs nothing and changes nothing
// for a renderer that reads every file afresh.
func generate(dir string, jpegs, pngs, pdfs, pages int) ([]sample, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	set := make([]sample, 0, jpegs+pngs+pdfs)
	add := func(kind, ext, mime string, i, w, h int) {
		name := fmt.Sprintf("%s-%02d", ext, i+1)
		set = append(set, sample{Kind: kind, Name: name, Path: filepath.Join(dir, name+"."+ext), Mime: mime, W: w, H: h})
	}
	for i := 0; i < jpegs; i++ {
		add(kindJPEG, "jpg", "image/jpeg", i, photoW, photoH)
	}
	for i := 0; i < pngs; i++ {
		add(kindPNG, "png", "image/png", i, photoW, photoH)
	}
	for i := 0; i < pdfs; i++ {
		add(kindPDF, "pdf", "application/pdf", i, pageW, pageH)
	}

	var (
		shared   sync.Once
		png, pdf []byte
	)
	content := func(i int) []byte {
		if set[i].Kind == kindJPEG {
			return previewtest.Photo(photoW, photoH, 0, uint64(i+1))
		}
		shared.Do(func() { png, pdf = previewtest.Gradient(photoW, photoH), previewtest.PDF(pages) })
		if set[i].Kind == kindPNG {
			return png
		}
		return pdf
	}
	errs := make([]error, len(set))
	parallel(len(set), runtime.NumCPU(), func(i int) {
		data := content(i)
		set[i].Bytes = int64(len(data))
		errs[i] = os.WriteFile(set[i].Path, data, 0o644)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return set, nil
}

// parallel calls fn(0) … fn(n-1) with at most workers calls at once.
func parallel(n, workers int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(max(1, workers), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ofKind returns the samples of one kind.
func ofKind(set []sample, kind string) []sample {
	var out []sample
	for _, s := range set {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// describeSet is the set as the report shows it.
func describeSet(set []sample, pages int) []SetEntry {
	labels := map[string]string{
		kindJPEG: fmt.Sprintf("12 MP JPEG (%d × %d, photo-like, q90)", photoW, photoH),
		kindPNG:  fmt.Sprintf("%d px PNG (%d × %d, 8-bit RGB gradient)", photoW, photoW, photoH),
		kindPDF:  fmt.Sprintf("%d-page PDF (A4)", pages),
	}
	var out []SetEntry
	for _, kind := range kinds {
		files := ofKind(set, kind)
		if len(files) == 0 {
			continue
		}
		var total int64
		for _, s := range files {
			total += s.Bytes
		}
		out = append(out, SetEntry{Kind: kind, Label: labels[kind], Files: len(files), AvgKiB: float64(total) / float64(len(files)) / 1024})
	}
	return out
}
