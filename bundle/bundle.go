// Package bundle writes folders and selections of files as one zip, streamed as it
// is read: no temporary file, no size cap, memory flat whatever the size.
//
// A zip is written entry by entry with data descriptors (the sizes follow each
// entry's bytes), so nothing needs to be known before a file's bytes flow. Go's
// archive/zip switches to ZIP64 records by itself past 4 GiB and past 65,535
// entries, and marks names as UTF-8 (general purpose flag bit 11) whenever they are
// not plain ASCII, which every current unzip tool, the Windows Explorer and macOS's
// Archive Utility honour.
//
// Names in the zip are made safe for every system a pupil or a teacher unzips on
// (Paths): the characters Windows refuses become "_", and two names that one system
// would take for the same (a selection from two folders, or names differing only by
// case) are told apart as "name (2).ext", the way uploads resolve a clash.
package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Entry is one folder or file of a zip, in the order it is written: a folder
// before what it holds.
type Entry struct {
	// Path is the entry's place in the zip, "/"-separated, made safe by Paths.
	Path     string
	Folder   bool
	Size     int64
	Modified time.Time
	// MimeType says whether compressing is worth it: JPEG, video, zips (office
	// files are zips) and PDFs are stored as they are.
	MimeType string
	// Open reads the file's bytes; called once, when the entry is written.
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// Write streams the entries to w as a zip. It stops at the first error, the
// context's included (a dropped connection): what was written is then a truncated
// zip that no unzip tool takes for a whole one.
func Write(ctx context.Context, w io.Writer, entries []Entry) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the reads ahead when the zip ends early
	ahead := readAhead(ctx, entries)
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, fastDeflate)
	buf := make([]byte, 256<<10)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		open := e.Open
		if isSmall(e) {
			open = (<-ahead).open
		}
		if err := writeEntry(ctx, zw, e, open, buf); err != nil {
			return fmt.Errorf("zip %s: %w", e.Path, err)
		}
	}
	return zw.Close()
}

// Small files are read ahead of the writer, several at once: a class folder is
// thousands of photos and documents, and one object store round trip after
// another would set the pace. At most aheadFiles of at most smallFile bytes are
// held (8 MiB), so memory stays flat; large files are streamed in place.
const (
	smallFile  = 1 << 20
	aheadFiles = 8
)

func isSmall(e Entry) bool { return !e.Folder && e.Size <= smallFile }

// prefetched is a small file being read ahead: open waits for its bytes.
type prefetched struct {
	done chan struct{}
	data []byte
	err  error
}

func (p *prefetched) open(ctx context.Context) (io.ReadCloser, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.err != nil {
		return nil, p.err
	}
	return io.NopCloser(bytes.NewReader(p.data)), nil
}

// readAhead starts reading the small files of entries in their order, and hands
// them over in that order; it never runs more than aheadFiles ahead of the writer.
func readAhead(ctx context.Context, entries []Entry) <-chan *prefetched {
	queue := make(chan *prefetched, aheadFiles-1) // plus the one waiting to be queued
	go func() {
		for _, e := range entries {
			if !isSmall(e) {
				continue
			}
			p := &prefetched{done: make(chan struct{})}
			select {
			case queue <- p:
			case <-ctx.Done():
				return
			}
			go p.read(ctx, e)
		}
	}()
	return queue
}

func (p *prefetched) read(ctx context.Context, e Entry) {
	defer close(p.done)
	in, err := e.Open(ctx)
	if err != nil {
		p.err = err
		return
	}
	defer in.Close()
	p.data = make([]byte, 0, e.Size)
	buf := bytes.NewBuffer(p.data)
	_, p.err = io.Copy(buf, io.LimitReader(in, smallFile+1))
	p.data = buf.Bytes()
}

func writeEntry(ctx context.Context, zw *zip.Writer, e Entry, open func(context.Context) (io.ReadCloser, error), buf []byte) error {
	h := &zip.FileHeader{Name: e.Path, Modified: e.Modified.UTC(), Method: zip.Store}
	if e.Folder {
		h.Name += "/"
		_, err := zw.CreateHeader(h)
		return err
	}
	if e.Size >= minCompressed && worthCompressing(e.MimeType) {
		h.Method = zip.Deflate
	}
	h.SetMode(0o644)
	out, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	in, err := open(ctx)
	if err != nil {
		return err
	}
	defer in.Close()
	n, err := io.CopyBuffer(out, in, buf)
	if err != nil {
		return err
	}
	if n != e.Size {
		return fmt.Errorf("read %d bytes, the file has %d", n, e.Size)
	}
	return nil
}

// minCompressed is the smallest file deflated: below it the saving is a few
// hundred bytes, not worth the CPU.
const minCompressed = 4 << 10

// deflaters are reused: a flate writer is a megabyte of tables, and a class's
// zip is thousands of files.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the default level costs twice the CPU for a few percent
	return w
}}

// fastDeflate compresses one entry with a pooled writer, given back on Close.
func fastDeflate(out io.Writer) (io.WriteCloser, error) {
	fw := deflaters.Get().(*flate.Writer)
	fw.Reset(out)
	return &pooledDeflater{fw}, nil
}

type pooledDeflater struct{ *flate.Writer }

func (d *pooledDeflater) Close() error {
	err := d.Writer.Close()
	deflaters.Put(d.Writer)
	return err
}

// worthCompressing says whether deflating a type saves anything: text, office
// files of the old binary formats, SVG, CSV; not images, sound, video, PDFs (their
// streams are compressed already) nor zips (docx, odt, epub...).
func worthCompressing(mimeType string) bool {
	mt, _, _ := strings.Cut(mimeType, ";")
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+xml"), strings.HasSuffix(mt, "/xml"),
		strings.HasSuffix(mt, "/json"), mt == "application/msword", mt == "application/vnd.ms-excel",
		mt == "application/vnd.ms-powerpoint", mt == "application/rtf", mt == "image/bmp", mt == "image/tiff":
		return true
	}
	return false
}

// Paths makes the entries' paths safe and unique, case-insensitively, within each
// folder of the zip. Add a folder before what it holds.
type Paths struct {
	taken map[string]bool // lower-cased full paths
}

// NewPaths starts the paths of one zip.
func NewPaths() *Paths {
	return &Paths{taken: map[string]bool{}}
}

// Add gives the path of name in the folder whose own Add answered dir ("" for the
// zip's top).
func (p *Paths) Add(dir, name string, folder bool) string {
	name = safeName(name)
	stem, ext := name, ""
	if !folder {
		ext = path.Ext(name)
		if ext == name {
			ext = ""
		}
		stem = strings.TrimSuffix(name, ext)
	}
	full := path.Join(dir, name)
	for n := 2; p.taken[strings.ToLower(full)]; n++ {
		full = path.Join(dir, fmt.Sprintf("%s (%d)%s", stem, n, ext))
	}
	p.taken[strings.ToLower(full)] = true
	return full
}

// windowsRefuses are the characters Windows does not take in a file name.
const windowsRefuses = `<>:"|?*\/`

// safeName turns a name into one every system extracts as it is.
func safeName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(windowsRefuses, r) || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimRight(strings.TrimSpace(name), ".")
	if name == "" {
		name = "_"
	}
	if ReservedOnWindows(name) {
		name = "_" + name
	}
	return name
}

// ReservedOnWindows reports whether Windows refuses the name as a file's: CON,
// PRN, AUX, NUL, COM1–9 and LPT1–9, in any case, with any extension.
func ReservedOnWindows(name string) bool {
	stem, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch stem {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '1' && stem[3] <= '9'
}
