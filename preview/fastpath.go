package preview

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// renderEmbedded is the embedded stage: a small thumbnail from the preview a
// camera left in a JPEG, read from the file's first bytes alone and decoded in Go
// (memory-safe, so it may run before the antivirus' verdict; see embedded.go for
// when the preview is trusted). When there is none to trust, a chained job hands
// over to the small stage.
func (w *Worker) renderEmbedded(ctx context.Context, args RenderArgs, src source) error {
	if len(src.renditions) > 0 {
		// A render got there first (a scan quicker than this job, a job run
		// twice): hand over to what comes after it.
		if args.Chain {
			return w.next(ctx, args)
		}
		return nil
	}
	renditions, why, err := w.embeddedSmall(ctx, src)
	if err != nil {
		return err
	}
	if why != "" {
		w.Metrics.embeddedResult(why)
		w.Log.Debug("no embedded preview", "blob", args.BlobID, "why", why)
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
	if err == nil {
		w.Metrics.embeddedResult("served")
	}
	return w.settle(err, stored, nil)
}

// embeddedSmall reads the head of a JPEG and makes the small renditions of its
// embedded preview, or says why not.
func (w *Worker) embeddedSmall(ctx context.Context, src source) ([]Rendition, string, error) {
	body, err := w.Store.Open(ctx, src.key, 0, min(src.size, EmbeddedHeadBytes))
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", src.key, err)
	}
	defer body.Close()
	head, err := io.ReadAll(io.LimitReader(body, EmbeddedHeadBytes))
	if err != nil {
		return nil, "", fmt.Errorf("read the head of %s: %w", src.key, err)
	}
	e, err := embeddedPreview(head, w.Renderer.Limits)
	if why := EmbeddedReason(err); why != "" {
		return nil, why, nil
	}
	if err != nil {
		return nil, "", err
	}
	renditions, err := w.Renderer.smallFromEmbedded(e)
	if err != nil {
		// Pixels Go decoded and encoded, that libvips would not take back as WebP:
		// the real small thumbnail will do.
		return nil, EmbeddedCorrupt, nil
	}
	for i := range renditions {
		renditions[i].Embedded = true
	}
	return renditions, "", nil
}

// compareEmbedded checks the real small thumbnail against the embedded one it
// replaced. They should show the same picture: the checks that let the embedded
// preview through (embedded.go) read the file's metadata, not its pixels, and a
// disagreement says a kind of edit they missed. It is logged and counted; the
// real thumbnail is already in place.
func (w *Worker) compareEmbedded(ctx context.Context, blobID uuid.UUID, src source, stored []Stored) {
	old, ok := findRendition(src.renditions, Sizes[0].Name, JPEG)
	fresh, freshOK := findRendition(stored, Sizes[0].Name, JPEG)
	if !ok || !freshOK || !old.Embedded {
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
