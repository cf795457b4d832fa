package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/antivirus"
	"cartable/bundle"
)

// Limits of a zip download.
const (
	// MaxZipSelection is how many items one selection names (a folder counts once,
	// whatever it holds).
	MaxZipSelection = 1000
	// MaxZipEntries bounds the files and folders of one zip: their list is read
	// before the first byte is sent, so that no database connection is held while
	// a slow connection downloads for an hour. 200,000 entries is about 40 MB of
	// memory, and three times the largest class archives seen.
	MaxZipEntries = 200_000
)

// SelectForZip records the items a user (or a view link's visitor) asks to
// download as one zip, after checking they may read each; the answer names the
// selection for a signed URL that lives until expires.
func (s *Service) SelectForZip(ctx context.Context, c *cartable.Caller, ids []uuid.UUID, expires time.Time) (uuid.UUID, error) {
	if len(ids) == 0 || len(ids) > MaxZipSelection {
		return uuid.Nil, cartable.Errorf(cartable.EInvalid, "a zip names 1 to %d items", MaxZipSelection).With("max_items", MaxZipSelection)
	}
	seen := map[uuid.UUID]bool{}
	for _, id := range ids {
		if seen[id] {
			return uuid.Nil, cartable.Errorf(cartable.EInvalid, "item %s is named twice", id)
		}
		seen[id] = true
		if _, err := access(ctx, s.db, c, id, cartable.Viewer, noLock); err != nil {
			return uuid.Nil, err
		}
	}
	id := uuid.Must(uuid.NewV7())
	user, link := zipHolder(c)
	_, err := s.db.Exec(ctx, `
		WITH gone AS (DELETE FROM zip_selections WHERE expires_at < now() - interval '1 hour')
		INSERT INTO zip_selections (id, user_id, link_id, item_ids, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		id, user, link, ids, expires)
	if err != nil {
		return uuid.Nil, fmt.Errorf("record zip selection: %w", err)
	}
	return id, nil
}

// zipHolder is whom a selection is for: the user, or for a link's visitor the link
// (a revoked link takes its selections with it). The other one is NULL.
func zipHolder(c *cartable.Caller) (user *string, link *uuid.UUID) {
	if c.LinkID == "" {
		return &c.UserID, nil
	}
	id, err := uuid.Parse(c.LinkID)
	if err != nil {
		return nil, &uuid.Nil // matches no selection
	}
	return nil, &id
}

// Zip is what a zip download holds: its file name and its entries, read and
// checked, ready to stream.
type Zip struct {
	Name    string
	Entries []bundle.Entry
	// Withheld are the files left out by the antivirus: "path: reason" lines, told
	// in a text file at the zip's root (AddWithheldNote).
	Withheld []string
	// WithholdPending leaves out the files waiting for their scan even when the
	// caller sent them: for a zip someone else reads (an admin's GDPR export).
	WithholdPending bool
}

// readable applies the antivirus verdict to a file of the zip for the caller.
func (z *Zip) readable(v Version, c *cartable.Caller) error {
	if z.WithholdPending && v.Scan == antivirus.Pending {
		v.Uploader = ""
	}
	return v.ReadableBy(c)
}

// ZipOf reads what a selection holds for the caller who made it: each item still
// alive that they may still read (access is decided again: a share revoked since
// the URL was made takes its folder out), with everything live below the folders.
func (s *Service) ZipOf(ctx context.Context, c *cartable.Caller, selectionID uuid.UUID) (Zip, error) {
	var ids []uuid.UUID
	user, link := zipHolder(c)
	err := s.db.QueryRow(ctx, `
		SELECT item_ids FROM zip_selections
		WHERE id = $1 AND (user_id = $2 OR link_id = $3)`, selectionID, user, link).Scan(&ids)
	if errors.Is(err, pgx.ErrNoRows) {
		return Zip{}, errNotFound(selectionID)
	}
	if err != nil {
		return Zip{}, fmt.Errorf("read zip selection %s: %w", selectionID, err)
	}
	var tops []Item
	for _, id := range ids {
		it, err := access(ctx, s.db, c, id, cartable.Viewer, noLock)
		if cartable.IsCode(err, cartable.ENotFound) {
			continue // trashed or unshared since: the rest still downloads
		}
		if err != nil {
			return Zip{}, err
		}
		tops = append(tops, it)
	}
	if len(tops) == 0 {
		return Zip{}, errNotFound(selectionID)
	}
	z := Zip{Name: "Documents.zip"}
	if len(tops) == 1 {
		z.Name = tops[0].Name
		if tops[0].IsFolder() {
			z.Name += ".zip"
		}
	}
	paths := bundle.NewPaths()
	for _, top := range tops {
		if err := s.addToZip(ctx, c, &z, paths, top); err != nil {
			return Zip{}, err
		}
	}
	z.AddWithheldNote(paths)
	// One line per item selected (a folder stands for what lies below it), written
	// before the first byte of the zip, like a file's download.
	for _, top := range tops {
		s.auditRead(ctx, c.UserID, top, map[string]any{"zip_id": selectionID})
	}
	return z, nil
}

// zipRow is one live item of a subtree, with where its bytes are.
type zipRow struct {
	id, parentID uuid.UUID
	folder       bool
	name         string
	size         int64
	mimeType     string
	modifiedAt   time.Time
	blobKey      *string
	// version holds what the antivirus verdict is applied with.
	version Version
}

// addToZip adds an item and, for a folder, everything live below it, parents
// first, siblings by name.
func (s *Service) addToZip(ctx context.Context, c *cartable.Caller, z *Zip, paths *bundle.Paths, top Item) error {
	list, err := s.liveSubtree(ctx, top.ID, MaxZipEntries-len(z.Entries))
	if err != nil {
		return err
	}
	s.addRows(z, c, list, top.ID, "", false, paths)
	return nil
}

// liveSubtree reads an item and everything live below it, parents first, siblings
// by name; more than room rows is too_large.
func (s *Service) liveSubtree(ctx context.Context, topID uuid.UUID, room int) ([]zipRow, error) {
	rows, err := s.db.Query(ctx, `
		SELECT i.id, coalesce(i.parent_id, i.id), i.kind = 'folder', i.name, i.size, coalesce(i.mime_type, ''), i.modified_at, b.key,
			coalesce(b.scan, ''), coalesce(b.scan_signature, ''), coalesce(b.uploaded_by, '')
		FROM items i
		LEFT JOIN versions v ON v.id = i.current_version_id
		LEFT JOIN blobs b ON b.id = v.blob_id
		WHERE (i.id = $1 OR i.ancestors @> ARRAY[$1::uuid]) AND i.trashed_at IS NULL
		ORDER BY cardinality(i.ancestors), i.name_key
		LIMIT $2`, topID, room+1)
	if err != nil {
		return nil, fmt.Errorf("read the subtree of %s: %w", topID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (zipRow, error) {
		var r zipRow
		err := row.Scan(&r.id, &r.parentID, &r.folder, &r.name, &r.size, &r.mimeType, &r.modifiedAt, &r.blobKey,
			&r.version.Scan, &r.version.ScanSignature, &r.version.Uploader)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the subtree of %s: %w", topID, err)
	}
	if len(list) > room {
		return nil, errZipTooLarge()
	}
	return list, nil
}

func errZipTooLarge() error {
	return cartable.Errorf(cartable.ETooLarge, "a zip holds at most %d files and folders", MaxZipEntries).With("max_items", MaxZipEntries)
}

// addRows adds a subtree's rows to the zip below dir: the top item itself with its
// name, or with contentOnly what it holds straight in dir. A file the antivirus
// keeps from c is withheld.
func (s *Service) addRows(z *Zip, c *cartable.Caller, list []zipRow, topID uuid.UUID, dir string, contentOnly bool, paths *bundle.Paths) {
	dirs := map[uuid.UUID]string{topID: dir}
	for _, r := range list {
		if r.id == topID && contentOnly {
			continue
		}
		parent := dir
		if r.id != topID {
			parent = dirs[r.parentID]
		}
		if !r.folder && r.blobKey != nil {
			if err := z.readable(r.version, c); err != nil {
				z.Withhold(parent, r.name, err)
				continue
			}
		}
		p := paths.Add(parent, r.name, r.folder)
		e := bundle.Entry{Path: p, Folder: r.folder, Size: r.size, Modified: r.modifiedAt, MimeType: r.mimeType}
		if r.folder {
			dirs[r.id] = p
		} else if r.blobKey != nil {
			e.Open = s.opener(*r.blobKey)
		} else {
			continue // a file whose first version is not committed yet
		}
		z.Entries = append(z.Entries, e)
	}
}

// opener reads a blob whole, when its entry is written.
func (s *Service) opener(key string) func(ctx context.Context) (io.ReadCloser, error) {
	return func(ctx context.Context) (io.ReadCloser, error) { return s.blobs.Open(ctx, key, 0, -1) }
}

// Withhold notes a file the antivirus keeps out of the zip.
func (z *Zip) Withhold(dir, name string, why error) {
	reason := "en cours d'analyse par l'antivirus, réessayez dans un instant"
	if cartable.IsCode(why, cartable.EInfected) {
		reason = "bloqué : l'antivirus y a trouvé un virus"
	}
	z.Withheld = append(z.Withheld, path.Join(dir, name)+" : "+reason)
}

// AddWithheldNote adds, when files were left out, a text file at the zip's root
// that names them and says why: a zip that silently lacks a file would be taken
// for the whole folder.
func (z *Zip) AddWithheldNote(paths *bundle.Paths) {
	if len(z.Withheld) == 0 {
		return
	}
	text := "Ces fichiers ne sont pas dans ce zip :\r\n\r\n" + strings.Join(z.Withheld, "\r\n") + "\r\n"
	z.Entries = append(z.Entries, bundle.Entry{
		Path: paths.Add("", "Fichiers non inclus.txt", false), Size: int64(len(text)), Modified: time.Now(), MimeType: "text/plain",
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil },
	})
}
