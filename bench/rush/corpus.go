package main

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/h2non/bimg"

	"cartable/preview"
	"cartable/previewtest"
)

// file is one file a pupil sends.
type file struct {
	Name string
	Mime string
	Data []byte
	Kind string // which way its small thumbnail comes (see the kinds below)
}

// The kinds of file of the burst, by the way their small thumbnail comes: a
// photo's from its camera thumbnail at once; a photo without one it may trust,
// from the frame Go decodes; a PDF's, only after its scan.
const (
	kindCameraThumb = "photo with its camera thumbnail"
	kindNoThumb     = "photo without a trusted thumbnail"
	kindPDF         = "PDF"
)

// photo is one distinct photo of the burst; its uploads are copies of it made
// unique.
type photo struct {
	Data  []byte
	Kind  string
	About string // a real photo's camera, size and weight ("" when generated)
}

// phonePhoto makes the bytes of the n-th distinct phone photo: a 12 MP (4000 ×
// 3000) JPEG with a sensor's grain and a camera's EXIF (previewtest.CameraPhoto):
// most carry a 160 × 120 thumbnail of themselves; every fourth is a portrait shot
// stored sideways (EXIF orientation 6, the thumbnail unturned, as phones do);
// every tenth has no thumbnail, and one in ten was edited after it was taken and
// kept its old thumbnail of another picture (the privacy trap: the embedded
// preview must be refused).
func phonePhoto(n int) photo {
	opts := previewtest.CameraOptions{Width: 4000, Height: 3000, Seed: uint64(1700 + n), Grain: true}
	kind := kindCameraThumb
	switch {
	case n%10 == 9:
		opts.NoThumbnail = true // an older phone, or a photo sent through a messaging app
		kind = kindNoThumb
	case n%10 == 7:
		opts.ThumbnailOfOther, opts.Edited = true, true // edited after it was taken: the stale EXIF thumbnail
		kind = kindNoThumb
	case n%4 == 1:
		opts.Orientation = 6 // held upright: stored sideways, turned by its EXIF
	}
	return photo{Data: previewtest.CameraPhoto(opts), Kind: kind}
}

// generatedPhotos makes n distinct phone photos (a 12 MP photo takes most of a
// second to make).
func generatedPhotos(n int) []photo {
	photos := make([]photo, n)
	parallel(n, runtime.NumCPU(), func(i int) { photos[i] = phonePhoto(i) })
	return photos
}

// photosIn reads the JPEG photos of dir (-photos-from), in the order of their names,
// for a burst of real photos: each is sorted by what the worker makes of its
// EXIF thumbnail, the way preview.EmbeddedRefused decides.
func photosIn(dir string) ([]photo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("-photos-from: %w", err)
	}
	var photos []photo
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".jpg" && ext != ".jpeg") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("-photos-from: %w", err)
		}
		meta, err := bimg.Metadata(data)
		if err != nil || bimg.DetermineImageType(data) != bimg.JPEG {
			return nil, fmt.Errorf("-photos-from: %s is not a JPEG libvips reads", e.Name())
		}
		p := photo{Data: data, Kind: kindCameraThumb}
		refused := preview.EmbeddedRefused(data)
		if refused != "" {
			p.Kind = kindNoThumb
		}
		p.About = fmt.Sprintf("%s (%s, %d × %d, %.1f MiB, orientation %d, EXIF thumbnail: %s)", e.Name(),
			cmp.Or(strings.TrimSpace(meta.EXIF.Make+" "+meta.EXIF.Model), "no camera named"),
			meta.Size.Width, meta.Size.Height, float64(len(data))/(1<<20), max(meta.Orientation, 1), cmp.Or(refused, "served"))
		photos = append(photos, p)
	}
	if len(photos) == 0 {
		return nil, fmt.Errorf("-photos-from: no .jpg or .jpeg file in %s", dir)
	}
	return photos, nil
}

// corpus is the class's files, in the order they are dealt to the pupils: photos
// and PDFs mixed (a fixed shuffle). The photos are the distinct ones in turn, each
// upload made unique by a comment segment, so that no two files of the burst
// have the same bytes.
func corpus(distinct []photo, photos, pdfs int) []file {
	var files []file
	for i := range photos {
		p := distinct[i%len(distinct)]
		files = append(files, file{Name: fmt.Sprintf("IMG_%04d.jpg", 2031+i), Mime: "image/jpeg",
			Data: withComment(p.Data, fmt.Sprintf("rush photo %d", i)), Kind: p.Kind})
	}
	for i := range pdfs {
		// 1 to 10 pages: each PDF is distinct as it is.
		files = append(files, file{Name: fmt.Sprintf("Exposé %02d.pdf", i+1), Mime: "application/pdf",
			Data: previewtest.PDF(1 + i%10), Kind: kindPDF})
	}
	rng := rand.New(rand.NewPCG(8, 0))
	rng.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	return files
}

// withComment inserts a JPEG comment segment (COM) after the application segments
// that follow the start of image (EXIF stays where readers look for it).
func withComment(jpg []byte, text string) []byte {
	at := 2
	for at+4 <= len(jpg) && jpg[at] == 0xFF && jpg[at+1] >= 0xE0 && jpg[at+1] <= 0xEF {
		at += 2 + int(binary.BigEndian.Uint16(jpg[at+2:]))
	}
	seg := []byte{0xFF, 0xFE, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(text)+2))
	out := make([]byte, 0, len(jpg)+len(seg)+len(text))
	out = append(out, jpg[:at]...)
	out = append(out, seg...)
	out = append(out, text...)
	return append(out, jpg[at:]...)
}

// parallel runs fn(0..n-1) with at most workers at once.
func parallel(n, workers int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
