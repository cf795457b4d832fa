package api

import (
	"time"

	"github.com/labstack/echo/v4"

	"cartable/preview"
	"cartable/workspace"
)

// itemJSON is an item on the wire.
type itemJSON struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Kind             string  `json:"kind"`
	Size             int64   `json:"size"`
	MimeType         string  `json:"mime_type,omitempty"`
	ParentID         *string `json:"parent_id"`
	SpaceID          string  `json:"space_id"`
	ETag             string  `json:"etag"`
	CurrentVersionID *string `json:"current_version_id,omitempty"`
	Role             string  `json:"role"`
	// What the caller may do with this item, for clients to offer only that.
	CanAdd   bool `json:"can_add"`
	CanEdit  bool `json:"can_edit"`
	CanMove  bool `json:"can_move"`
	CanTrash bool `json:"can_trash"`
	CanShare bool `json:"can_share"`
	// A folder's own mode (absent: it follows its parent) and the one in effect.
	Mode          string     `json:"mode,omitempty"`
	EffectiveMode string     `json:"effective_mode,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by,omitempty"`
	ModifiedAt    time.Time  `json:"modified_at"`
	ModifiedBy    string     `json:"modified_by,omitempty"`
	TrashedAt     *time.Time `json:"trashed_at,omitempty"`
	TrashedBy     string     `json:"trashed_by,omitempty"`
	// ChildCount is a folder's number of live children (absent for files and
	// trashed folders).
	ChildCount *int64 `json:"child_count,omitempty"`
	// DownloadURL fetches the current version without an Authorization header, for
	// a few minutes (see presign).
	DownloadURL string `json:"download_url,omitempty"`
	// Preview is "ready", "pending" or "failed" for a file whose type has
	// thumbnails; Thumbnails lists them by size once ready.
	Preview    string                   `json:"preview,omitempty"`
	Thumbnails map[string]thumbnailJSON `json:"thumbnails,omitempty"`
	// Lock says that the file is open in an office editor or a WebDAV client, by
	// whom and until when: writes without it are refused (423 locked).
	Lock *lockJSON `json:"lock,omitempty"`
	// Favorite: the caller starred the item (absent: not starred, or a list that
	// does not say).
	Favorite bool `json:"favorite,omitempty"`
	// Scan is the antivirus verdict on the current version when it is news:
	// "pending" (only its uploader may download it yet), "infected" (quarantined:
	// nobody may) or "unscanned" (clamd was down; served, scanned later). Absent:
	// clean, or no antivirus.
	Scan string `json:"scan,omitempty"`
	// RefreshAfter is how many seconds to wait before asking for the item again
	// when its antivirus verdict or thumbnails (or their larger sizes) are on
	// their way; absent when nothing is.
	RefreshAfter int `json:"refresh_after,omitempty"`
}

// lockJSON is an item's live lock as clients see it: never its token.
type lockJSON struct {
	By        string    `json:"by"`
	ByName    string    `json:"by_name,omitempty"`
	With      string    `json:"with"`
	App       string    `json:"app,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// thumbnailJSON is one thumbnail size of a file: its signed URL (see presign) and
// its dimensions.
type thumbnailJSON struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// toItemJSON puts an item on the wire, with its URLs made by base (see apiBase).
func toItemJSON(it workspace.Item, base urlBase) itemJSON {
	out := itemJSON{
		ID: it.ID.String(), Name: it.Name, Kind: it.Kind, Size: it.Size, MimeType: it.MimeType,
		SpaceID: it.SpaceID.String(), ETag: it.ETag(), Role: it.Role.String(),
		CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy, ModifiedAt: it.ModifiedAt, ModifiedBy: it.ModifiedBy,
		TrashedAt: it.TrashedAt, TrashedBy: it.TrashedBy,
		CanAdd: it.Rights.Add, CanEdit: it.Rights.Edit, CanMove: it.Rights.Move, CanTrash: it.Rights.Trash,
		CanShare: it.Rights.Share, ChildCount: it.ChildCount, Favorite: it.Favorite, Scan: it.Scan,
		RefreshAfter: it.RefreshAfter(),
	}
	if l := it.Lock; l != nil {
		out.Lock = &lockJSON{By: l.OwnerID, ByName: l.OwnerName, With: string(l.Protocol), App: l.App, ExpiresAt: l.ExpiresAt}
	}
	if it.IsFolder() {
		out.Mode, out.EffectiveMode = string(it.Mode), string(it.EffectiveMode())
	}
	if it.ParentID != nil {
		p := it.ParentID.String()
		out.ParentID = &p
	}
	if it.CurrentVersionID != nil {
		v := it.CurrentVersionID.String()
		out.CurrentVersionID = &v
		if it.TrashedAt == nil {
			out.DownloadURL = base.content(it.ID, *it.CurrentVersionID)
		}
	}
	if it.Preview != nil {
		out.Preview = it.Preview.State
		out.Thumbnails = thumbnailsJSON(it, base)
	}
	return out
}

// thumbnailsJSON lists the ready thumbnails of a file, with URLs made by base.
func thumbnailsJSON(it workspace.Item, base urlBase) map[string]thumbnailJSON {
	p := it.Preview
	if p.State != preview.Ready {
		return nil
	}
	out := map[string]thumbnailJSON{}
	for _, r := range p.Renditions {
		if r.Format != preview.WebP {
			continue // one entry per size; the route picks the format from Accept
		}
		out[r.Size] = thumbnailJSON{
			URL:   base.thumbnail(it.ID, *it.CurrentVersionID, r.Size, p.TokenOf(r)),
			Width: r.Width, Height: r.Height,
		}
	}
	return out
}

// itemsJSON puts the items of a list on the wire, with thumbnail URLs for the
// request's base (see apiBase).
func itemsJSON(c echo.Context) func(workspace.Item) itemJSON {
	base := apiBase(c)
	return func(it workspace.Item) itemJSON { return toItemJSON(it, base) }
}

// spaceJSON is a space on the wire.
type spaceJSON struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	RootID      string `json:"root_id"`
	Role        string `json:"role"`
	StructureID string `json:"structure_id,omitempty"`
	GroupID     string `json:"group_id,omitempty"`
	OwnerID     string `json:"owner_id,omitempty"`
	// An archived class space (last year's): read-only, trashed after PurgeAfter.
	ArchivedAt    *time.Time `json:"archived_at,omitempty"`
	ArchivedLabel string     `json:"archived_label,omitempty"`
	PurgeAfter    *time.Time `json:"purge_after,omitempty"`
}

func toSpaceJSON(sp workspace.Space) spaceJSON {
	out := spaceJSON{ID: sp.ID.String(), Kind: sp.Kind, Name: sp.Name, RootID: sp.RootID.String(), Role: sp.Role.String(),
		StructureID: sp.StructureID, GroupID: sp.GroupID, OwnerID: sp.OwnerID, ArchivedAt: sp.ArchivedAt}
	if sp.Archive != nil {
		out.ArchivedLabel = sp.Archive.Label
		out.PurgeAfter = &sp.Archive.PurgeAfter
	}
	return out
}

// versionJSON is a file version on the wire.
type versionJSON struct {
	ID            string    `json:"id"`
	Number        int       `json:"number"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	MimeType      string    `json:"mime_type"`
	CreatedBy     string    `json:"created_by,omitempty"`
	CreatedByName string    `json:"created_by_name,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	Current       bool      `json:"current"`
	// DownloadURL fetches this version without an Authorization header, for a
	// few minutes (see presign), as an item's download_url does its current one.
	DownloadURL string `json:"download_url,omitempty"`
	// Scan and ScanSignature: the antivirus verdict on this version's bytes (see
	// itemJSON.Scan; "clean" too), and what it found in an infected one.
	Scan          string `json:"scan,omitempty"`
	ScanSignature string `json:"scan_signature,omitempty"`
}

// versionsJSON puts the versions of a list on the wire, with download URLs for
// the request's base (see apiBase).
func versionsJSON(c echo.Context) func(workspace.Version) versionJSON {
	base := apiBase(c)
	return func(v workspace.Version) versionJSON {
		return versionJSON{ID: v.ID.String(), Number: v.Number, Size: v.Size, SHA256: hexString(v.SHA256),
			MimeType: v.MimeType, CreatedBy: v.CreatedBy, CreatedByName: v.CreatedByName, CreatedAt: v.CreatedAt,
			Current: v.Current, DownloadURL: base.content(v.ItemID, v.ID), Scan: v.Scan, ScanSignature: v.ScanSignature}
	}
}
