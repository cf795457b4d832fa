package preview

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image/jpeg"
	"io"

	"github.com/google/uuid"
	"github.com/h2non/bimg"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// renderEmbedded is the embedded stage: a provisional small thumbnail of a JPEG
// from what Go alone reads of it (memory-safe, so it may run before the
// antivirus' verdict): the preview a camera left in the file, read from its
// first bytes (see embedded.go for when it is trusted), else, while the verdict
// is awaited, the photo decoded by Go (decodedInGo). When neither works, a
// chained job hands over to the small stage.
func (w *Worker) renderEmbedded(ctx context.Context, args RenderArgs, src source) error {
	if len(src.renditions) > 0 {
		// A render got there first (a scan quicker than this job, a job run
		// twice): hand over to what comes after it.
		if args.Chain {
			return w.next(ctx, args)
		}
		return nil
	}
	renditions, why, err := func() ([]Rendition, string, error) {
		defer w.urgency.begin()() // ended even if a decode panics (river recovers the job)
		return w.provisionalSmall(ctx, src)
	}()
	if err != nil {
		return err
	}
	if renditions == nil {
		w.Log.Debug("no provisional small thumbnail", "blob", args.BlobID, "why", why)
		if args.Chain {
			return db.Transact(ctx, w.DB, func(tx pgx.Tx) error { return enqueueStage(ctx, tx, StageSmall, args.BlobID) })
		}
		return nil
	}
	stored, err := w.put(ctx, src.key, newRenderName(), renditions)
	if err != nil {
		return err
	}
	err = db.Transact(ctx, w.DB, func(tx pgx.Tx) error {
		if _, err := saveStage(ctx, tx, args.BlobID, StageEmbedded, stored); err != nil {
			return err
		}
		if args.Chain {
			return w.enqueueNext(ctx, tx, args)
		}
		return nil
	})
	return w.settle(err, stored, nil)
}

// provisionalSmall makes the small renditions of a JPEG from what Go alone reads
// of it: its trusted embedded preview, from the file's first bytes; else (none,
// or one refused), while the antivirus' verdict is awaited, the whole photo
// decoded by Go's own decoder. Without either it returns no renditions and says
// why; the outcome is counted in cartable_preview_embedded_total.
func (w *Worker) provisionalSmall(ctx context.Context, src source) ([]Rendition, string, error) {
	head, err := w.read(ctx, src, min(src.size, EmbeddedHeadBytes))
	if err != nil {
		return nil, "", err
	}
	e, err := embeddedPreview(head, w.Renderer.Limits)
	why := EmbeddedReason(err)
	if err != nil && why == "" {
		return nil, "", err
	}
	result := "served"
	if why != "" {
		w.Metrics.embeddedResult(why)
		if src.scan != "pending" {
			// Nothing to wait for: libvips' shrink-on-load makes the real small
			// thumbnail for about the CPU Go's decode would take, and it is final.
			return nil, why + ", left to the small stage (no verdict to wait for)", nil
		}
		if src.size > w.Renderer.Limits.MaxBytes {
			return nil, why, nil
		}
		var decodeErr error
		if e, decodeErr, err = w.decodeInGo(ctx, src); err != nil {
			return nil, "", err
		}
		if decodeErr != nil {
			return nil, why + ", then " + EmbeddedReason(decodeErr), nil
		}
		result = "decoded"
	}
	renditions, err := w.Renderer.smallFromEmbedded(e)
	if err != nil {
		// Pixels Go decoded and encoded, that libvips would not take back as WebP:
		// the real small thumbnail will do.
		return nil, EmbeddedCorrupt, nil
	}
	w.Metrics.embeddedResult(result)
	return renditions, "", nil
}

// decodeInGo reads a photo whole and decodes it in Go (decodedInGo), once its
// turn comes among the decodes in Go (Worker.GoDecodes). err is a failure to
// read it (the job is tried again); decodeErr says why its pixels would not do.
func (w *Worker) decodeInGo(ctx context.Context, src source) (e Embedded, decodeErr, err error) {
	done, err := w.goDecodeTurn(ctx)
	if err != nil {
		return Embedded{}, nil, err
	}
	defer done() // the turn is given back even if the decode panics
	data, err := w.read(ctx, src, src.size)
	if err != nil {
		return Embedded{}, nil, err
	}
	e, decodeErr = decodedInGo(data, w.Renderer.Limits)
	return e, decodeErr, nil
}

// read reads the first n bytes of a blob into memory.
func (w *Worker) read(ctx context.Context, src source, n int64) ([]byte, error) {
	if n <= 0 {
		return nil, nil // an empty range is no request S3 takes
	}
	body, err := w.Store.Open(ctx, src.key, 0, n)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src.key, err)
	}
	defer body.Close()
	data, err := readAllSized(body, n, n)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src.key, err)
	}
	return data[:min(int64(len(data)), n)], nil
}

// compareEmbedded checks the real small thumbnail against the embedded one it
// replaced. They should show the same picture: the checks that let the embedded
// preview through (embedded.go) read the file's metadata, not its pixels, and a
// disagreement says a kind of edit they missed. It is logged and counted; the
// real thumbnail is already in place. A thumbnail Go made from the photo's own
// pixels is not compared: it cannot show another picture, and a tiny photo's (100
// × 75: 7 real camera files) differs from libvips' square by more than the
// comparison allows.
func (w *Worker) compareEmbedded(ctx context.Context, blobID uuid.UUID, src source, stored []Stored) {
	old, ok := findRendition(src.renditions, Sizes[0].Name, JPEG)
	fresh, freshOK := findRendition(stored, Sizes[0].Name, JPEG)
	if !ok || !freshOK || !old.Provisional || old.Decoded {
		return
	}
	body, err := w.Store.Open(ctx, old.Key, 0, -1)
	if err != nil {
		return // replaced and deleted meanwhile: nothing to compare
	}
	defer body.Close()
	embedded, err := jpeg.Decode(io.LimitReader(body, 1<<20))
	if err != nil {
		return
	}
	real, err := jpeg.Decode(bytes.NewReader(fresh.Data))
	if err != nil {
		return
	}
	if !looksAlike(embedded, real) {
		w.Metrics.embeddedResult("mismatch")
		w.Log.Warn("a file's embedded preview showed another picture than the file: its thumbnail was replaced", "blob", blobID)
	}
}

// smallFromHEIFThumbnail makes a HEIC's small thumbnail from the thumbnail item
// phones store beside the primary image (see heifThumbnail): HEIF has no
// shrink-on-load, so the small size made the normal way decodes all 12 MP of an
// iPhone photo. Like a JPEG's embedded preview it is provisional: the medium
// stage renders the real small thumbnail from the primary image and compares the
// two. It returns nil for any other file, or when the item is missing or refused
// (the normal render follows). libheif parses the file here as it would there:
// this runs after the antivirus' verdict, as every render does.
func (w *Worker) smallFromHEIFThumbnail(ctx context.Context, args RenderArgs, t sourceType, data []byte) []Rendition {
	if t.loader != bimg.HEIF || !bimg.IsTypeSupported(bimg.HEIF) {
		return nil
	}
	renditions, err := w.Renderer.smallFromHEIFThumbnail(ctx, data, t)
	if err != nil {
		w.Metrics.embeddedResult("heif_" + cmp.Or(EmbeddedReason(err), EmbeddedCorrupt))
		w.Log.Debug("no small thumbnail from the HEIF thumbnail item", "blob", args.BlobID, "err", err)
		return nil
	}
	w.Metrics.embeddedResult("heif_served")
	return renditions
}
