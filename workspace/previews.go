package workspace

import (
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/preview"
)

// pendingRetryAfter is the Retry-After, in seconds, of a thumbnail still rendering:
// most previews take under a second once their job starts.
const pendingRetryAfter = 2

// Preview is what an item shows of its thumbnails: the state of its current
// version's preview, and the renditions when it is ready.
type Preview struct {
	State string
	// Token changes with every render: thumbnail URLs carry it, so that a client
	// can cache them for good.
	Token      string
	Renditions []preview.Stored
}

// Thumbnail is one rendition ready to be served.
type Thumbnail struct {
	Item   Item
	Stored preview.Stored
	ETag   string
	Token  string
	blobs  BlobStore
}

// Open reads the thumbnail's bytes.
func (t Thumbnail) Open(ctx context.Context) (io.ReadCloser, error) {
	return t.blobs.Open(ctx, t.Stored.Key, 0, -1)
}

// Thumbnail returns the rendition of a file's current version in a size and
// format, for any caller who may view the file. A preview still rendering is a
// preview_pending error with a retry delay; a file that cannot have one is
// preview_failed with the reason, or not_found when its type has none.
func (s *Service) Thumbnail(ctx context.Context, c *cartable.Caller, id uuid.UUID, size string, format preview.Format) (Thumbnail, error) {
	if _, ok := preview.SizeNamed(size); !ok {
		return Thumbnail{}, cartable.Errorf(cartable.EInvalid, "unknown thumbnail size %q: small, medium or large", size)
	}
	it, err := access(ctx, s.db, c, id, cartable.Viewer, noLock)
	if err != nil {
		return Thumbnail{}, err
	}
	if it.IsFolder() {
		return Thumbnail{}, cartable.Errorf(cartable.ENotFound, "item %s is a folder; folders have no thumbnail", id)
	}
	previews, err := s.previewsOf(ctx, []Item{it})
	if err != nil {
		return Thumbnail{}, err
	}
	p, ok := previews[it.ID]
	switch {
	case !ok:
		return Thumbnail{}, cartable.Errorf(cartable.ENotFound, "files of type %s have no thumbnail", it.MimeType)
	case p.State == preview.Pending:
		return Thumbnail{}, cartable.Errorf(cartable.EPreviewPending, "the thumbnail of %s is being made", id).
			With("retry_after", pendingRetryAfter)
	case p.State == preview.Failed:
		return Thumbnail{}, cartable.Errorf(cartable.EPreviewFailed, "no thumbnail can be made of %s", id).
			With("reason", p.failure)
	}
	stored, ok := p.rec.Find(size, format)
	if !ok {
		return Thumbnail{}, cartable.Errorf(cartable.ENotFound, "the thumbnail of %s has no %s %s rendition", id, size, format)
	}
	return Thumbnail{
		Item: it, Stored: stored, Token: p.Token, blobs: s.blobs,
		ETag: fmt.Sprintf(`"t%s-%s-%s"`, p.Token, size, format),
	}, nil
}

// itemPreview is a preview with what the thumbnail route needs besides.
type itemPreview struct {
	Preview
	rec     preview.Record
	failure string
}

// previewsOf returns the previews of the current versions of files, by item id.
// Files whose type has no preview are absent.
func (s *Service) previewsOf(ctx context.Context, items []Item) (map[uuid.UUID]itemPreview, error) {
	var versionIDs []uuid.UUID
	for _, it := range items {
		if !it.IsFolder() && it.CurrentVersionID != nil {
			versionIDs = append(versionIDs, *it.CurrentVersionID)
		}
	}
	if len(versionIDs) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT item_id, blob_id FROM versions WHERE id = ANY($1)`, versionIDs)
	if err != nil {
		return nil, fmt.Errorf("find blobs of versions: %w", err)
	}
	blobOf := map[uuid.UUID]uuid.UUID{}
	var blobIDs []uuid.UUID
	var itemID, blobID uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&itemID, &blobID}, func() error {
		blobOf[itemID] = blobID
		blobIDs = append(blobIDs, blobID)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("scan blobs of versions: %w", err)
	}
	recs, err := preview.LookupMany(ctx, s.db, blobIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]itemPreview, len(recs))
	for item, blob := range blobOf {
		rec, ok := recs[blob]
		if !ok {
			continue
		}
		p := itemPreview{Preview: Preview{State: rec.State}, rec: rec, failure: rec.FailureCode}
		if rec.State == preview.Ready || rec.Generation > 0 {
			// A preview rendering again keeps serving its last generation.
			p.State, p.Renditions = preview.Ready, rec.Renditions
			p.Token = rec.Token()
		}
		out[item] = p
	}
	return out, nil
}

// withPreviews fills the previews of listed files.
func (s *Service) withPreviews(ctx context.Context, items []Item) error {
	previews, err := s.previewsOf(ctx, items)
	if err != nil {
		return err
	}
	for i := range items {
		if p, ok := previews[items[i].ID]; ok {
			items[i].Preview = &p.Preview
		}
	}
	return nil
}
