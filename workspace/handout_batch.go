package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

// PrivateFolder is one folder HandOutFolders makes: its name, the member it is
// kept for (who also creates its copies, so that they may change them), and the
// copies it holds.
type PrivateFolder struct {
	Name      string
	PrivateTo string
	// Mode is the folder's (none: standard, as any folder of the space); a
	// ReadOnly folder is one its member only reads, what a teacher returns.
	Mode   sharing.Mode
	Copies []HandOutCopy
}

// HandOutFolders creates, in tx, folders of a shared space each kept for one of its
// members (a pupil's work on an assignment), with their copies (as AddCopies does
// into an empty folder), and returns the folders' ids in order. A private folder
// hangs below no folder of the space, so no listing reaches it, and sharing.Decide
// gives the space's other members no role on it: only its member and the space's
// managers reach it, by its id. Its creator is by (the teacher), so that the member
// may add to it but not rename, move or trash it (it is a root). It runs three statements whatever the number of folders:
// handing out 3 templates to a class of 35 is 140 items, which one statement each
// would make 400 round trips. A folder being new, its copies' names clash only with
// each other: a name given twice gets a number ("Rédaction (2).odt").
func HandOutFolders(ctx context.Context, tx pgx.Tx, spaceID uuid.UUID, by string, folders []PrivateFolder) ([]uuid.UUID, error) {
	var f folderRows
	var c copyRows
	for _, pf := range folders {
		name, err := NormalizeName(pf.Name)
		if err != nil {
			return nil, err
		}
		id := f.add(name, pf.PrivateTo, string(pf.Mode))
		if err := c.add(id, pf.PrivateTo, pf.Copies); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by, private_to, mode)
		SELECT f.id, $1, NULL, '{}', 'folder', f.name, f.key, $2, $2, f.owner, nullif(f.mode, '')
		FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS f(id, name, key, owner, mode)`,
		spaceID, by, f.ids, f.names, f.keys, f.owners, f.modes); err != nil {
		return nil, fmt.Errorf("create %d private folders: %w", len(f.ids), err)
	}
	return f.ids, c.insert(ctx, tx, spaceID)
}

// folderRows are the columns of the private folders to insert.
type folderRows struct {
	ids                        []uuid.UUID
	names, keys, owners, modes []string
}

func (f *folderRows) add(name, owner, mode string) uuid.UUID {
	id := newID()
	f.ids, f.names, f.keys = append(f.ids, id), append(f.names, name), append(f.keys, NameKey(name))
	f.owners, f.modes = append(f.owners, owner), append(f.modes, mode)
	return id
}

// copyRows are the columns of the copies to insert, with the version each shares
// its blob with.
type copyRows struct {
	ids, folders, versions, sources []uuid.UUID
	names, keys, owners             []string
}

// add names one folder's copies, numbering a name given twice.
func (c *copyRows) add(folder uuid.UUID, owner string, copies []HandOutCopy) error {
	taken := map[string]bool{}
	for _, cp := range copies {
		base, err := NormalizeName(cp.Name)
		if err != nil {
			return err
		}
		name := base
		for n := 2; taken[NameKey(name)]; n++ {
			name = numberedName(base, n, false)
		}
		taken[NameKey(name)] = true
		c.ids, c.folders, c.versions, c.sources = append(c.ids, newID()), append(c.folders, folder), append(c.versions, newID()), append(c.sources, cp.VersionID)
		c.names, c.keys, c.owners = append(c.names, name), append(c.keys, NameKey(name)), append(c.owners, owner)
	}
	return nil
}

// copyColumns are the copies' rows ($1 to $7), with the version each copies.
const copyColumns = `unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[])
	AS c(id, folder, version, source, name, key, owner) JOIN versions v ON v.id = c.source`

// insert writes the copies and their first versions over their sources' blobs
// (the versions' trigger counts each blob once per space).
func (c *copyRows) insert(ctx context.Context, tx pgx.Tx, spaceID uuid.UUID) error {
	if len(c.ids) == 0 {
		return nil
	}
	cols := []any{c.ids, c.folders, c.versions, c.sources, c.names, c.keys, c.owners}
	tag, err := tx.Exec(ctx, `
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, size, mime_type,
			current_version_id, created_by, modified_by)
		SELECT c.id, $8, c.folder, ARRAY[c.folder], 'file', c.name, c.key, v.size, v.mime_type, c.version, c.owner, c.owner
		FROM `+copyColumns, append(cols, spaceID)...)
	if err != nil {
		return fmt.Errorf("copy %d files: %w", len(c.ids), err)
	}
	if tag.RowsAffected() != int64(len(c.ids)) {
		return cartable.Errorf(cartable.ENotFound, "a template's version is gone")
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
		SELECT c.version, c.id, 1, v.blob_id, v.size, v.sha256, v.mime_type, c.owner
		FROM `+copyColumns, cols...)
	if err != nil {
		return fmt.Errorf("copy %d versions: %w", len(c.ids), err)
	}
	return nil
}

// FilesBelowEach is FilesBelow for several folders in one query: a pupil's list of
// 30 assignments reads their 30 folders at once.
func FilesBelowEach(ctx context.Context, q db.DBTX, folderIDs []uuid.UUID) (map[uuid.UUID][]FileVersion, error) {
	out := make(map[uuid.UUID][]FileVersion, len(folderIDs))
	if len(folderIDs) == 0 {
		return out, nil
	}
	// One scan of the ancestors' index for all the folders; each file then goes to
	// the folders among its ancestors.
	rows, _ := q.Query(ctx, `
		SELECT f.folder, i.id, i.current_version_id, i.name, i.size, coalesce(i.mime_type, '')
		FROM items i CROSS JOIN LATERAL unnest(i.ancestors) AS f(folder)
		WHERE i.ancestors && $1::uuid[] AND f.folder = ANY($1::uuid[]) AND i.kind = 'file' AND i.trashed_at IS NULL
		ORDER BY f.folder, i.name_key, i.id`, folderIDs)
	var folder uuid.UUID
	var f FileVersion
	_, err := pgx.ForEachRow(rows, []any{&folder, &f.ItemID, &f.VersionID, &f.Name, &f.Size, &f.MimeType}, func() error {
		out[folder] = append(out[folder], f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read files below %d folders: %w", len(folderIDs), err)
	}
	return out, nil
}
