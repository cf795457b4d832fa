package workspace

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/bundle"
)

// What a person's GDPR export (package export) reads of the workspace: their
// personal space, the files they made in other spaces, and the shares, links,
// favourites and recent files that are theirs. These reads take a user id, not a
// caller: the export decides who may ask (the person, an admin of their structure),
// and its subject may be a pupil who can no longer sign in. Trashed items are left
// out everywhere: they are on their way out (the trash retention purges them).

// ItemRef names an item in an export: its name and where it lives, as
// "space/folder/…/name" (the space's root is the space's name).
type ItemRef struct {
	ID     uuid.UUID
	Name   string
	Path   string
	Folder bool
}

// itemRefSQL reads an item i of space sp as ItemRef's columns.
const itemRefSQL = `i.id, i.name, sp.name || coalesce((SELECT string_agg('/' || a.name, '' ORDER BY x.n)
		FROM unnest(i.ancestors) WITH ORDINALITY AS x(id, n) JOIN items a ON a.id = x.id WHERE x.n > 1), '')
		|| CASE WHEN i.parent_id IS NULL THEN '' ELSE '/' || i.name END, i.kind = 'folder'`

// AddPersonalSpace adds the live content of the user's personal space to the zip
// below dir, folders kept, current versions: nothing when the space was never
// opened. The antivirus verdict is applied for the user (c).
func (s *Service) AddPersonalSpace(ctx context.Context, z *Zip, c *cartable.Caller, dir string, paths *bundle.Paths) error {
	var root uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT root_id FROM spaces WHERE owner_id = $1`, c.UserID).Scan(&root)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the personal space of %s: %w", c.UserID, err)
	}
	return s.AddFolderContent(ctx, z, c, root, dir, paths)
}

// PersonalSpaceID is the user's personal space, if it was ever opened.
func (s *Service) PersonalSpaceID(ctx context.Context, userID string) (uuid.UUID, bool, error) {
	var id uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT id FROM spaces WHERE owner_id = $1`, userID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("find the personal space of %s: %w", userID, err)
	}
	return id, true, nil
}

// AddFolderContent adds what lies live below a folder (not the folder itself) to
// the zip below dir, folders kept; too_large past MaxZipEntries. The antivirus
// verdict is applied for c.
func (s *Service) AddFolderContent(ctx context.Context, z *Zip, c *cartable.Caller, folderID uuid.UUID, dir string, paths *bundle.Paths) error {
	room := MaxZipEntries - len(z.Entries)
	if room < 0 {
		return errZipTooLarge()
	}
	list, err := s.liveSubtree(ctx, folderID, room+1) // the folder's own row comes too
	if err != nil {
		return err
	}
	s.addRows(z, c, list, folderID, dir, true, paths)
	return nil
}

// authoredRow is a live file a user created outside their personal space, with
// its space and the folders between the space's root and it.
type authoredRow struct {
	zipRow
	spaceID     uuid.UUID
	spaceName   string
	folderIDs   []uuid.UUID
	folderNames []string
}

// AddAuthored adds the live files the user (c) created in spaces other than their
// personal one (class, group and staff spaces, a colleague's shared folder),
// current versions, below dir/<space name>/<their folders>: theirs only, never a
// file someone else created beside them. Assignment folders (private trees) are
// left out: the export reads those through the assignments.
func (s *Service) AddAuthored(ctx context.Context, z *Zip, c *cartable.Caller, dir string, paths *bundle.Paths) error {
	room := MaxZipEntries - len(z.Entries)
	if room < 0 {
		return errZipTooLarge()
	}
	rows, err := s.db.Query(ctx, `
		SELECT i.id, i.name, i.size, coalesce(i.mime_type, ''), i.modified_at, b.key,
			coalesce(b.scan, ''), coalesce(b.scan_signature, ''), coalesce(b.uploaded_by, ''), sp.id, sp.name,
			ARRAY(SELECT x.id FROM unnest(i.ancestors) WITH ORDINALITY AS x(id, n) WHERE x.n > 1 ORDER BY x.n),
			ARRAY(SELECT a.name FROM unnest(i.ancestors) WITH ORDINALITY AS x(id, n) JOIN items a ON a.id = x.id WHERE x.n > 1 ORDER BY x.n)
		FROM items i
		JOIN spaces sp ON sp.id = i.space_id
		JOIN versions v ON v.id = i.current_version_id
		JOIN blobs b ON b.id = v.blob_id
		WHERE i.created_by = $1 AND i.trashed_at IS NULL AND i.kind = 'file'
		  AND sp.owner_id IS DISTINCT FROM $1 AND i.top_id = sp.root_id
		ORDER BY sp.name, sp.id, cardinality(i.ancestors), i.name_key
		LIMIT $2`, c.UserID, room+1)
	if err != nil {
		return fmt.Errorf("read the files %s created: %w", c.UserID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (authoredRow, error) {
		var r authoredRow
		err := row.Scan(&r.id, &r.name, &r.size, &r.mimeType, &r.modifiedAt, &r.blobKey,
			&r.version.Scan, &r.version.ScanSignature, &r.version.Uploader, &r.spaceID, &r.spaceName, &r.folderIDs, &r.folderNames)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("read the files %s created: %w", c.UserID, err)
	}
	before := len(z.Entries)
	s.addAuthored(z, c, list, dir, paths)
	if len(z.Entries)-before > room { // the files, and the folders that lead to them
		return errZipTooLarge()
	}
	return nil
}

// addAuthored places each file below its space's folder and its own folders,
// each folder's entry made once, before the first file it holds.
func (s *Service) addAuthored(z *Zip, c *cartable.Caller, list []authoredRow, dir string, paths *bundle.Paths) {
	dirs := map[uuid.UUID]string{}
	folder := func(id uuid.UUID, parent, name string, modified time.Time) string {
		if p, ok := dirs[id]; ok {
			return p
		}
		p := paths.Add(parent, name, true)
		dirs[id] = p
		z.Entries = append(z.Entries, bundle.Entry{Path: p, Folder: true, Modified: modified})
		return p
	}
	for _, r := range list {
		at := folder(r.spaceID, dir, r.spaceName, r.modifiedAt)
		for i, id := range r.folderIDs {
			at = folder(id, at, r.folderNames[i], r.modifiedAt)
		}
		if err := z.readable(r.version, c); err != nil {
			z.Withhold(at, r.name, err)
			continue
		}
		z.Entries = append(z.Entries, bundle.Entry{Path: paths.Add(at, r.name, false), Size: r.size, Modified: r.modifiedAt,
			MimeType: r.mimeType, Open: s.opener(*r.blobKey)})
	}
}

// GrantMade is a share a user made: the item, with whom, which role, when.
type GrantMade struct {
	Item        ItemRef
	GranteeKind string
	GranteeID   string
	// GranteeName is the user's, group's or structure's name ("" when gone).
	GranteeName string
	Profile     string
	Role        string
	CreatedAt   time.Time
	ExpiresAt   *time.Time
}

// GrantsMadeBy returns the shares the user made on live items, oldest first.
func (s *Service) GrantsMadeBy(ctx context.Context, userID string) ([]GrantMade, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+itemRefSQL+`, g.grantee_kind, g.grantee_id,
			coalesce(CASE g.grantee_kind
				WHEN 'user' THEN (SELECT display_name FROM users WHERE id = g.grantee_id)
				WHEN 'group' THEN (SELECT name FROM groups WHERE id = g.grantee_id)
				WHEN 'structure' THEN (SELECT name FROM structures WHERE id = g.grantee_id) END, ''),
			coalesce(g.profile, ''), g.role, g.created_at, g.expires_at
		FROM grants g JOIN items i ON i.id = g.item_id JOIN spaces sp ON sp.id = i.space_id
		WHERE g.granted_by = $1 AND g.grantee_kind <> 'link' AND i.trashed_at IS NULL
		ORDER BY g.created_at, g.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("read the shares %s made: %w", userID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (GrantMade, error) {
		var g GrantMade
		err := row.Scan(&g.Item.ID, &g.Item.Name, &g.Item.Path, &g.Item.Folder, &g.GranteeKind, &g.GranteeID, &g.GranteeName,
			&g.Profile, &g.Role, &g.CreatedAt, &g.ExpiresAt)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the shares %s made: %w", userID, err)
	}
	return list, nil
}

// LinkMade is a link a user made (never its token: only its hash is kept).
type LinkMade struct {
	Item        ItemRef
	Kind        string
	HasPassword bool
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// LinksMadeBy returns the links the user made to live items, oldest first.
func (s *Service) LinksMadeBy(ctx context.Context, userID string) ([]LinkMade, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+itemRefSQL+`, l.kind, l.password_hash IS NOT NULL, l.created_at, l.expires_at
		FROM links l JOIN items i ON i.id = l.item_id JOIN spaces sp ON sp.id = i.space_id
		WHERE l.created_by = $1 AND i.trashed_at IS NULL
		ORDER BY l.created_at, l.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("read the links %s made: %w", userID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LinkMade, error) {
		var l LinkMade
		err := row.Scan(&l.Item.ID, &l.Item.Name, &l.Item.Path, &l.Item.Folder, &l.Kind, &l.HasPassword, &l.CreatedAt, &l.ExpiresAt)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the links %s made: %w", userID, err)
	}
	return list, nil
}

// Marked is an item a user starred or opened: when, and (recent files) whether
// they opened or changed it.
type Marked struct {
	Item   ItemRef
	Action string
	At     time.Time
}

// FavoritesOf returns the live items the user starred, newest first.
func (s *Service) FavoritesOf(ctx context.Context, userID string) ([]Marked, error) {
	return s.marked(ctx, userID, `
		SELECT `+itemRefSQL+`, 'starred', f.created_at
		FROM favorites f JOIN items i ON i.id = f.item_id JOIN spaces sp ON sp.id = i.space_id
		WHERE f.user_id = $1 AND i.trashed_at IS NULL ORDER BY f.created_at DESC, f.item_id`)
}

// RecentOf returns the live files the user last opened or changed, newest first.
func (s *Service) RecentOf(ctx context.Context, userID string) ([]Marked, error) {
	return s.marked(ctx, userID, `
		SELECT `+itemRefSQL+`, r.action, r.at
		FROM recent_items r JOIN items i ON i.id = r.item_id JOIN spaces sp ON sp.id = i.space_id
		WHERE r.user_id = $1 AND i.trashed_at IS NULL ORDER BY r.at DESC, r.item_id`)
}

func (s *Service) marked(ctx context.Context, userID, sql string) ([]Marked, error) {
	rows, err := s.db.Query(ctx, sql, userID)
	if err != nil {
		return nil, fmt.Errorf("read the marked items of %s: %w", userID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Marked, error) {
		var m Marked
		err := row.Scan(&m.Item.ID, &m.Item.Name, &m.Item.Path, &m.Item.Folder, &m.Action, &m.At)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the marked items of %s: %w", userID, err)
	}
	return list, nil
}
