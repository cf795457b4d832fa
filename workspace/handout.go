package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// FileVersion is a file's version as an assignment hands it out or pins it.
type FileVersion struct {
	ItemID    uuid.UUID
	VersionID uuid.UUID
	Name      string
	Size      int64
	MimeType  string
}

// HandOutCopy is one template a pupil gets a copy of: the version the copy shares
// its blob with, and the copy's name.
type HandOutCopy struct {
	VersionID uuid.UUID
	Name      string
}

// AddCopies copies, in tx, each template's version into the folder as a new file
// created by owner (so that they may change it). A copy shares the version's blob:
// no byte is stored, and the space is charged nothing for a blob it already holds.
// A name taken in the folder gets a number ("Rédaction (2).odt").
func AddCopies(ctx context.Context, tx pgx.Tx, folderID uuid.UUID, owner string, copies []HandOutCopy) error {
	folder, err := loadItem(ctx, tx, folderID, forUpdate)
	if err != nil {
		return err
	}
	for _, cp := range copies {
		name, err := NormalizeName(cp.Name)
		if err != nil {
			return err
		}
		if name, err = pickName(ctx, tx, folder.ID, name, false, true); err != nil {
			return err
		}
		if err := insertCopy(ctx, tx, folder, cp.VersionID, name, owner); err != nil {
			return err
		}
	}
	return nil
}

// insertCopy inserts one file and its first version over the blob of versionID.
func insertCopy(ctx context.Context, tx pgx.Tx, folder Item, versionID uuid.UUID, name, owner string) error {
	id, v := newID(), newID()
	tag, err := tx.Exec(ctx, `
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, size, mime_type,
			current_version_id, created_by, modified_by)
		SELECT $1, $2, $3, $4, 'file', $5, $6, size, mime_type, $7, $8, $8 FROM versions WHERE id = $9`,
		id, folder.SpaceID, folder.ID, folder.childAncestors(), name, NameKey(name), v, owner, versionID)
	if err != nil {
		return fmt.Errorf("copy %s into %s: %w", versionID, folder.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return cartable.Errorf(cartable.ENotFound, "no version %s", versionID)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
		SELECT $1, $2, 1, blob_id, size, sha256, mime_type, $3 FROM versions WHERE id = $4`,
		v, id, owner, versionID)
	if err != nil {
		return fmt.Errorf("copy version %s: %w", versionID, err)
	}
	return nil
}

// CurrentFiles returns the current version of each live file among ids, in the
// order of ids; a folder, a file in the trash or a missing one is left out.
func CurrentFiles(ctx context.Context, q db.DBTX, ids []uuid.UUID) ([]FileVersion, error) {
	return readFiles(ctx, q, `
		SELECT i.id, i.current_version_id, i.name, i.size, coalesce(i.mime_type, '')
		FROM unnest($1::uuid[]) WITH ORDINALITY AS w(id, n) JOIN items i ON i.id = w.id
		WHERE i.kind = 'file' AND i.trashed_at IS NULL
		ORDER BY w.n`, ids)
}

// FilesBelow returns the current version of every live file below a folder, by
// name: what a hand-in pins.
func FilesBelow(ctx context.Context, q db.DBTX, folderID uuid.UUID) ([]FileVersion, error) {
	return readFiles(ctx, q, `
		SELECT i.id, i.current_version_id, i.name, i.size, coalesce(i.mime_type, '')
		FROM items i
		WHERE i.ancestors @> ARRAY[$1::uuid] AND i.kind = 'file' AND i.trashed_at IS NULL
		ORDER BY i.name_key, i.id`, folderID)
}

func readFiles(ctx context.Context, q db.DBTX, sql string, arg any) ([]FileVersion, error) {
	rows, _ := q.Query(ctx, sql, arg) // CollectRows reports the query's error
	files, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (FileVersion, error) {
		var f FileVersion
		err := row.Scan(&f.ItemID, &f.VersionID, &f.Name, &f.Size, &f.MimeType)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("read files: %w", err)
	}
	return files, nil
}

// ReadableFile returns a live file the caller may read: what a teacher attaches to
// an assignment.
func ReadableFile(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID) (Item, error) {
	it, err := access(ctx, q, c, id, cartable.Viewer, noLock)
	if err != nil {
		return Item{}, err
	}
	if it.IsFolder() {
		return Item{}, cartable.Errorf(cartable.EInvalid, "item %s is a folder; attach files", id).With("field", "item_id")
	}
	return it, nil
}
