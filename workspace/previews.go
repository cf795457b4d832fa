package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/antivirus"
	"cartable/preview"
)

// pendingRetryAfter is the Retry-After, in seconds, of a thumbnail still rendering:
// most previews take under a second once their job starts.
const pendingRetryAfter = 2

// Preview is what an item shows of its thumbnails: the state of its current
// version's preview, and the renditions of its last render. A ready preview stays
// ready, serving its last render, while it is rendered again.
type Preview struct {
	State string
	// Token names the render: thumbnail URLs carry it, so that a client can cache
	// them for good.
	Token      string
	Renditions []preview.Stored
	// Failure is the stable reason of a failed preview.
	Failure string
	// Complete: every size is there. A first render comes in stages (the small
	// thumbnails of a whole queue first): a ready preview may have more to come.
	Complete bool
}

// TokenOf is the token of a rendition's URL: the render that wrote it, so that
// a rendition replaced (a stage's real small thumbnail over a camera's embedded
// one) gets a new URL that no cache holds.
func (p *Preview) TokenOf(r preview.Stored) string {
	if r.Render != "" {
		return r.Render
	}
	return p.Token
}

// MoreToCome reports whether the preview is still being made, in part or whole:
// a client looks again (see RefreshAfter).
func (p *Preview) MoreToCome() bool {
	return p.State == preview.Pending || p.State == preview.Ready && !p.Complete
}

// SourceSize is the size of the image the preview was rendered from (an image's
// own, upright; a video's frame), when its render recorded it.
func (p *Preview) SourceSize() (width, height int, ok bool) {
	for _, r := range p.Renditions {
		if r.SourceWidth > 0 && r.SourceHeight > 0 {
			return r.SourceWidth, r.SourceHeight, true
		}
	}
	return 0, 0, false
}

// RefreshAfter is how many seconds a client should wait before asking for a file
// again, when something is on its way (its antivirus verdict, its thumbnails or
// their larger sizes); 0 when nothing is.
func (it Item) RefreshAfter() int {
	switch {
	case it.Scan == antivirus.Pending:
		return scanPendingRetryAfter
	case it.Preview != nil && it.Preview.MoreToCome():
		return pendingRetryAfter
	}
	return 0
}

// rendition returns the rendition of a size and format.
func (p *Preview) rendition(size string, format preview.Format) (preview.Stored, bool) {
	for _, r := range p.Renditions {
		if r.Size == size && r.Format == format {
			return r, true
		}
	}
	return preview.Stored{}, false
}

// Thumbnail is one rendition ready to be served.
type Thumbnail struct {
	Stored preview.Stored
	ETag   string
	Token  string
	blobs  BlobStore
}

// Open reads the thumbnail's bytes.
func (t Thumbnail) Open(ctx context.Context) (io.ReadCloser, error) {
	return t.blobs.Open(ctx, t.Stored.Key, 0, -1)
}

// Thumbnail returns the rendition of a file's version (nil: the current one) in a
// size and format, for any caller who may view the file. A preview still rendering
// is a preview_pending error with a retry delay; a file that cannot have one is
// preview_failed with the reason, or not_found when its type has none.
func (s *Service) Thumbnail(ctx context.Context, c *cartable.Caller, id uuid.UUID, versionID *uuid.UUID, size string, format preview.Format) (Thumbnail, error) {
	if _, ok := preview.SizeNamed(size); !ok {
		return Thumbnail{}, cartable.Errorf(cartable.EInvalid, "unknown thumbnail size %q: small, medium or large", size)
	}
	it, err := s.Item(ctx, c, id)
	if err != nil {
		return Thumbnail{}, err
	}
	p := it.Preview
	if versionID != nil && !it.IsFolder() && *versionID != *it.CurrentVersionID {
		if p, err = s.versionPreview(ctx, id, *versionID); err != nil {
			return Thumbnail{}, err
		}
	}
	switch {
	case it.IsFolder():
		return Thumbnail{}, cartable.Errorf(cartable.ENotFound, "item %s is a folder; folders have no thumbnail", id)
	case p == nil:
		return Thumbnail{}, cartable.Errorf(cartable.ENotFound, "files of type %s have no thumbnail", it.MimeType)
	case p.State == preview.Pending:
		return Thumbnail{}, cartable.Errorf(cartable.EPreviewPending, "the thumbnail of %s is being made", id).
			With("retry_after", pendingRetryAfter)
	case p.State == preview.Failed:
		return Thumbnail{}, cartable.Errorf(cartable.EPreviewFailed, "no thumbnail can be made of %s", id).
			With("reason", p.Failure)
	}
	stored, ok := p.rendition(size, format)
	switch {
	case !ok && !p.Complete:
		return Thumbnail{}, cartable.Errorf(cartable.EPreviewPending, "the %s thumbnail of %s is being made", size, id).
			With("retry_after", pendingRetryAfter)
	case !ok:
		return Thumbnail{}, cartable.Errorf(cartable.ENotFound, "the thumbnail of %s has no %s %s rendition", id, size, format)
	}
	token := p.TokenOf(stored)
	return Thumbnail{
		Stored: stored, Token: token, blobs: s.blobs,
		ETag: fmt.Sprintf(`"t%s-%s-%s"`, token, size, format),
	}, nil
}

// versionPreview is the preview of one of a file's versions.
func (s *Service) versionPreview(ctx context.Context, itemID, versionID uuid.UUID) (*Preview, error) {
	var p Preview
	err := s.db.QueryRow(ctx, `
		SELECT p.state, p.render, p.renditions, coalesce(p.failure_code, ''), p.complete
		FROM versions v JOIN previews p ON p.blob_id = v.blob_id
		WHERE v.item_id = $1 AND v.id = $2`, itemID, versionID).Scan(&p.State, &p.Token, &p.Renditions, &p.Failure, &p.Complete)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, cartable.Errorf(cartable.ENotFound, "version %s of %s has no thumbnail", versionID, itemID)
	}
	if err != nil {
		return nil, fmt.Errorf("find the preview of version %s: %w", versionID, err)
	}
	return &p, nil
}

// withPreviews fills the previews of the current versions of listed files, and
// their antivirus verdicts when they are news (pending, infected, unscanned), in
// one query. Files whose type has no preview keep none.
func (s *Service) withPreviews(ctx context.Context, items []Item) error {
	versions := map[uuid.UUID]int{} // current version → index in items
	for i, it := range items {
		if !it.IsFolder() && it.CurrentVersionID != nil {
			versions[*it.CurrentVersionID] = i
		}
	}
	if len(versions) == 0 {
		return nil
	}
	rows, err := s.db.Query(ctx, `
		SELECT v.id, p.state IS NOT NULL, coalesce(p.state, ''), coalesce(p.render, ''), coalesce(p.renditions, '[]'),
			coalesce(p.failure_code, ''), coalesce(p.complete, true), coalesce(b.scan, '')
		FROM versions v JOIN blobs b ON b.id = v.blob_id LEFT JOIN previews p ON p.blob_id = v.blob_id
		WHERE v.id = ANY($1) AND (p.blob_id IS NOT NULL OR b.scan IN ('pending', 'infected', 'unscanned'))`,
		slices.Collect(maps.Keys(versions)))
	if err != nil {
		return fmt.Errorf("find previews: %w", err)
	}
	var versionID uuid.UUID
	var hasPreview bool
	var p Preview
	var scan string
	_, err = pgx.ForEachRow(rows, []any{&versionID, &hasPreview, &p.State, &p.Token, &p.Renditions, &p.Failure, &p.Complete, &scan}, func() error {
		it := &items[versions[versionID]]
		if scan != antivirus.Clean {
			it.Scan = scan
		}
		if hasPreview {
			found := p
			it.Preview = &found
		}
		p.Renditions = nil // the next row decodes into a slice of its own
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan previews: %w", err)
	}
	return nil
}
