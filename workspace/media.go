package workspace

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"cartable"
)

// Media lists, for a picker (the portal's blog and wiki editors), the images and
// videos the caller may read across everything a search reaches: their spaces but
// the other members' private folders, and what is shared with them with everything
// below. Newest first, a page at a time; each file carries its preview, whose
// renditions say the source's size when the worker recorded it.
//
// It is the search's listing (reachOf, scope, placeFound) with the media types for
// a condition instead of a name: the same rule decides what a picker and a search
// show, and a new way to reach an item changes both at once.

// Media types: which files a media listing keeps.
const (
	MediaImages = "images"
	MediaVideo  = "video"
	MediaAll    = "all"
)

// mediaTypes maps a media type to its condition beyond being a medium, with %s for
// the items' alias.
var mediaTypes = map[string]string{
	MediaImages: ` AND %s.mime_type LIKE 'image/%%'`,
	MediaVideo:  ` AND %s.mime_type LIKE 'video/%%'`,
	MediaAll:    ``,
}

// MediaOptions select a page of media.
type MediaOptions struct {
	Type    string     // one of the Media constants; empty for all
	SpaceID *uuid.UUID // only this space
	cartable.PageRequest
}

// Media answers a page of the images and videos the caller may read, newest first.
func (s *Service) Media(ctx context.Context, c *cartable.Caller, opts MediaOptions) (cartable.Page[Found], error) {
	if opts.Type == "" {
		opts.Type = MediaAll
	}
	if _, ok := mediaTypes[opts.Type]; !ok {
		return cartable.Page[Found]{}, cartable.Errorf(cartable.EInvalid, "unknown type %q (images, video, all)", opts.Type).With("field", "type")
	}
	var after searchKey
	size, resumed, err := opts.Keyset(opts.list(), &after)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	r, err := s.reachOf(ctx, c)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	var from *searchKey
	if resumed {
		from = &after
	}
	found, err := s.queryReach(ctx, c, r, opts.matcher(), from, size+1)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	page := cartable.CutPage(found, size, func(last Found) string {
		return cartable.EncodeCursor(opts.list(), searchKey{Rank: last.rank, Modified: last.ModifiedAt, ID: last.ID})
	})
	if page.Items, err = s.placeFound(ctx, c, page.Items); err != nil {
		return cartable.Page[Found]{}, err
	}
	return page, nil
}

// list names a media listing in its cursors, with its filters.
func (opts MediaOptions) list() string {
	b, _ := json.Marshal(struct {
		Type  string     `json:"t"`
		Space *uuid.UUID `json:"s,omitempty"`
	}{opts.Type, opts.SpaceID})
	return "media:" + string(b)
}

// matcher keeps the files of the media types, all of rank 0 (newest first). The
// condition names only what items_space_media holds, in its predicate's own words,
// so that the caller's spaces are read from that index alone.
func (opts MediaOptions) matcher() matcher {
	return matcher{
		cond: func(b *searchSQL, alias string, _ bool) string {
			cond := alias + `.kind = 'file' AND (` + alias + `.mime_type LIKE 'image/%' OR ` + alias + `.mime_type LIKE 'video/%')` +
				sprintfAlias(mediaTypes[opts.Type], alias)
			if opts.SpaceID != nil {
				cond += ` AND ` + alias + `.space_id = ` + b.arg(*opts.SpaceID)
			}
			return cond
		},
		rank: func(*searchSQL, string) string { return `0` },
	}
}

// sprintfAlias puts the alias in a condition of mediaTypes.
func sprintfAlias(cond, alias string) string {
	if cond == "" {
		return ""
	}
	return fmt.Sprintf(cond, alias)
}
