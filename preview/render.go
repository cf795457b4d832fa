package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/h2non/bimg"
)

// Limits bound what one preview may cost. A file beyond them gets a recorded
// failure, never a worker that runs out of memory or hangs.
type Limits struct {
	// MaxPixels bounds the decoded size of an image (width × height), checked from
	// its header before any pixel is decoded: decompression bombs stop there.
	MaxPixels int64
	// MaxBytes bounds the size of a file the worker downloads to render.
	MaxBytes int64
	// Timeout bounds one render, converters included.
	Timeout time.Duration
	// Concurrency bounds the renders running at once in this process, counting
	// those whose job gave up waiting on them (libvips cannot be interrupted): with
	// MaxPixels it bounds the memory rendering takes.
	Concurrency int
	// ConverterMemory bounds the memory (data, in bytes) of each process of a
	// converter (LibreOffice, ffmpeg, pdftoppm): a zip bomb or a huge image in a
	// document fails with too_large instead of taking the machine's memory.
	ConverterMemory int64
}

// DefaultLimits are the limits used when a field is left zero.
var DefaultLimits = Limits{MaxPixels: 100_000_000, MaxBytes: 200 << 20, Timeout: 2 * time.Minute, ConverterMemory: 1 << 30}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.Concurrency <= 0 {
		l.Concurrency = runtime.NumCPU()
	}
	if l.ConverterMemory <= 0 {
		l.ConverterMemory = DefaultLimits.ConverterMemory
	}
	return l
}

// Failure is a permanent rendering failure: the file itself is the problem, and
// trying again will not help. Its code is stable and shown to users.
type Failure struct {
	Code   string
	Detail string
}

func (f *Failure) Error() string { return f.Code + ": " + f.Detail }

// Failure codes.
const (
	FailUnsupported   = "unsupported_type"
	FailTooManyPixels = "too_many_pixels"
	FailTooLarge      = "too_large"
	FailTruncated     = "truncated"
	FailCorrupt       = "corrupt"
	FailTimeout       = "timeout"
	FailConverter     = "converter_failed"
	// FailNoConverter: the node that ran the job lacks the converter the type
	// needs (LibreOffice, ffmpeg, poppler); install it and re-enqueue.
	FailNoConverter = "converter_missing"
	// FailInternal: the preview could not be made for a reason of the service's
	// own (storage down for longer than the retries, a job that died); an admin's
	// re-enqueue tries again.
	FailInternal = "internal"
	// FailInfected: the antivirus found something in the file; no thumbnail is
	// made of it, and one made before (a file served unscanned) is withdrawn.
	FailInfected = "infected"
)

func fail(code, format string, args ...any) error {
	return &Failure{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// IsFailure reports whether err is a permanent failure, and returns it.
func IsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}

// Rendition is one rendered thumbnail.
type Rendition struct {
	Size   string `json:"size"`
	Format Format `json:"format"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int    `json:"bytes"`
	// SourceWidth and SourceHeight are the size of the image rendered, upright: an
	// image's own, a video's frame, a document's first page as rasterized. Every
	// rendition carries them (the record has no other place for them); zero in the
	// renders made before they were recorded.
	SourceWidth  int `json:"source_width,omitempty"`
	SourceHeight int `json:"source_height,omitempty"`
	// Provisional: a small thumbnail made from a picture the file carries of
	// itself, or before the antivirus verdict by Go alone (a JPEG's EXIF preview,
	// the JPEG decoded by Go's own decoder, a HEIC's thumbnail item after the
	// verdict), until the medium stage's real rendition replaces it.
	Provisional bool `json:"provisional,omitempty"`
	// Decoded: a provisional thumbnail made from the frame's own pixels (a JPEG
	// decoded by Go), which cannot show another picture; the others are compared
	// with the real one when it comes.
	Decoded bool `json:"decoded,omitempty"`

	Data []byte `json:"-"`
}

// Renderer turns a file's bytes into thumbnails.
type Renderer struct {
	Limits Limits
	Tools  Tools
	// Quality is the WebP and JPEG quality of the thumbnails.
	Quality int

	slots chan struct{} // one per render allowed at once
}

// NewRenderer returns a renderer with the tools found on this machine. It turns
// off libvips' operation cache: every preview reads a different file, so the cache
// would only hold memory.
func NewRenderer(limits Limits) *Renderer {
	bimg.VipsCacheSetMax(0)
	bimg.VipsCacheSetMaxMem(0)
	limits = limits.withDefaults()
	return &Renderer{Limits: limits, Tools: FindTools(), Quality: 80, slots: make(chan struct{}, limits.Concurrency)}
}

// Render renders every size and format of a file, held in memory, whose sniffed
// type is mimeType. A file that cannot have a preview fails with a *Failure; any
// other error is transient.
func (r *Renderer) Render(ctx context.Context, src []byte, mimeType string) ([]Rendition, error) {
	return r.RenderBytes(ctx, src, mimeType, Sizes)
}

// RenderBytes is Render for some sizes only: a stage of a staged render.
func (r *Renderer) RenderBytes(ctx context.Context, src []byte, mimeType string, sizes []Size) ([]Rendition, error) {
	t, err := supported(mimeType)
	if err != nil {
		return nil, err
	}
	if int64(len(src)) > r.Limits.MaxBytes {
		return nil, fail(FailTooLarge, "the file is larger than %d bytes", r.Limits.MaxBytes)
	}
	if t.converted() {
		return inScratch(src, func(dir, path string) ([]Rendition, error) { return r.RenderSizes(ctx, dir, path, mimeType, sizes) })
	}
	return r.rasterize(ctx, sizes, func(context.Context) ([]byte, error) { return src, r.checkImage(src, t) })
}

// RenderFile renders a file stored at path inside dir, a scratch folder of the
// caller's that the converters may write in (and that is all they see of the
// host's files). The worker streams blobs there, so that a 200 MB video never sits
// in its memory; images are read into memory, which libvips needs anyway.
func (r *Renderer) RenderFile(ctx context.Context, dir, path, mimeType string) ([]Rendition, error) {
	return r.RenderSizes(ctx, dir, path, mimeType, Sizes)
}

// RenderSizes is RenderFile for some sizes only (a stage of a staged render):
// the image is decoded, or the document rasterized, no larger than they need.
func (r *Renderer) RenderSizes(ctx context.Context, dir, path, mimeType string, sizes []Size) ([]Rendition, error) {
	t, err := supported(mimeType)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("the source: %w", err)
	}
	if st.Size() > r.Limits.MaxBytes {
		return nil, fail(FailTooLarge, "the file is larger than %d bytes", r.Limits.MaxBytes)
	}
	if t.converted() {
		return r.rasterize(ctx, sizes, func(ctx context.Context) ([]byte, error) { return r.convert(ctx, dir, path, t, sizes) })
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the source: %w", err)
	}
	return r.rasterize(ctx, sizes, func(context.Context) ([]byte, error) { return src, r.checkImage(src, t) })
}

// rasterize renders sizes of the image that image gives, all within the time limit.
func (r *Renderer) rasterize(ctx context.Context, sizes []Size, image func(context.Context) ([]byte, error)) ([]Rendition, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Limits.Timeout)
	defer cancel()
	data, err := image(ctx)
	if err != nil {
		return nil, err
	}
	return r.inBackground(ctx, func() ([]Rendition, error) { return r.renderImage(data, sizes) })
}

// inScratch writes src into a scratch folder of its own for fn, and removes it.
func inScratch(src []byte, fn func(dir, path string) ([]Rendition, error)) ([]Rendition, error) {
	dir, err := os.MkdirTemp("", "cartable-preview-")
	if err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "source")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		return nil, fmt.Errorf("write the source: %w", err)
	}
	return fn(dir, path)
}

// convert turns a document or a video into the bytes of an image libvips reads,
// with its converter.
func (r *Renderer) convert(ctx context.Context, dir, path string, t sourceType, sizes []Size) ([]byte, error) {
	if why := r.missing(t); why != "" {
		return nil, fail(FailNoConverter, "%s on this server", why)
	}
	switch t.kind {
	case KindOffice:
		pdf, err := r.officeToPDF(ctx, dir, path, t)
		if err != nil {
			return nil, err
		}
		return r.pdfFirstPage(ctx, dir, pdf, sizes)
	case KindVideo:
		return r.videoFrame(ctx, dir, path, t)
	}
	return r.pdfFirstPage(ctx, dir, path, sizes)
}

// checkImage refuses images libvips cannot read here or would read as something
// else than what they were sniffed as, truncated JPEGs, which libvips would
// otherwise render half grey, and SVGs embedding images beyond the pixel limit.
func (r *Renderer) checkImage(src []byte, t sourceType) error {
	if bimg.DetermineImageType(src) != t.loader || !bimg.IsTypeSupported(t.loader) {
		return fail(FailUnsupported, "this libvips cannot read the file as %s", bimg.ImageTypeName(t.loader))
	}
	switch {
	case t.loader == bimg.JPEG && jpegTruncated(src):
		return fail(FailTruncated, "the JPEG ends before its last marker")
	case t.loader == bimg.SVG:
		return r.checkSVG(src, 0)
	}
	return nil
}

// jpegTruncated reports whether a JPEG lacks its end-of-image marker after the
// start of its scan data. The segments before the scan are skipped by their
// lengths: a phone photo's EXIF segment carries a whole JPEG thumbnail, with an
// end marker of its own. Entropy-coded data escapes 0xFF, so the marker cannot
// appear there by chance.
func jpegTruncated(src []byte) bool {
	for at := 2; at+4 <= len(src); { // after the start-of-image marker
		if src[at] != 0xFF {
			return true // no marker where the previous segment's length says one is
		}
		marker := src[at+1]
		switch {
		case marker == 0xFF: // fill byte
			at++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // markers without a length
			at += 2
			continue
		case marker == 0xD9: // end of image before any scan
			return true
		}
		length := int(src[at+2])<<8 | int(src[at+3])
		if marker == 0xDA { // start of scan: the image data follows
			return !bytes.Contains(src[min(at+2+length, len(src)):], []byte{0xFF, 0xD9})
		}
		at += 2 + length
	}
	return true
}

// inBackground runs a libvips render, which cannot be interrupted, and gives up
// waiting when ctx ends. The pixel limit bounds how long the abandoned render runs
// on; a panic in the binding becomes a failure instead of a dead worker.
func (r *Renderer) inBackground(ctx context.Context, render func() ([]Rendition, error)) ([]Rendition, error) {
	type result struct {
		out []Rendition
		err error
	}
	if err := r.acquireSlot(ctx); err != nil {
		return nil, err
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-r.slots }()
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fail(FailCorrupt, "the image could not be decoded (%v)\n%s", p, debug.Stack())}
			}
		}()
		out, err := render()
		done <- result{out, err}
	}()
	select {
	case res := <-done:
		return res.out, res.err
	case <-ctx.Done():
		return nil, r.ended(ctx)
	}
}

// acquireSlot waits for a render slot, taking a free one even when ctx has ended.
// Running out of time while waiting is not the file's fault: the job is retried.
func (r *Renderer) acquireSlot(ctx context.Context) error {
	select {
	case r.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case r.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no render slot came free (renders abandoned at their time limit hold them): %w", ctx.Err())
	}
}

// ended is the error of a render whose context ended: its time limit, or the job's
// cancellation.
func (r *Renderer) ended(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fail(FailTimeout, "rendering took longer than %s", r.Limits.Timeout)
	}
	return ctx.Err()
}
