package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/audit"
	"cartable/db"
	"cartable/sharing"
	"cartable/storage"
)

// Version is one immutable state of a file's content.
type Version struct {
	ID        uuid.UUID
	ItemID    uuid.UUID
	Number    int
	Size      int64
	SHA256    []byte
	MimeType  string
	CreatedBy string
	// CreatedByName is the author's display name ("" when the directory no longer
	// knows them), so that a history reads as names, not ids.
	CreatedByName string
	CreatedAt     time.Time
	Current       bool
	// Scan is the antivirus verdict on the version's bytes ("" when none was made:
	// written before the antivirus was on, or with it off), and ScanSignature what
	// it found in an infected one.
	Scan          string
	ScanSignature string
	// Uploader is who sent the version's bytes (its blob's): while they wait for
	// their scan, only them may read them, not the author of a copy that shares them.
	Uploader string

	blobKey string
}

// ETag is the version's entity tag; a version never changes, so neither does it.
func (v *Version) ETag() string { return fmt.Sprintf(`"v%s"`, v.ID) }

// Upload is a file's content as the client sends it.
type Upload struct {
	Name string
	Body io.Reader
	// Size is the declared length, or -1 when the client did not say.
	Size int64
	// SizeAtMost bounds an undeclared length (a multipart request's length); 0 when
	// nothing is known, and the upload limit is reserved.
	SizeAtMost int64
	// Open, when set, reads the name and the body once the upload is admitted: the
	// file part of a multipart request comes after headers that must not be read
	// before the server has decided to take the upload (reading them tells the
	// client to send the body, "100 Continue").
	Open func() (name string, body io.Reader, err error)
	// Complete, when set, is called once the body has been read to its end, before
	// the file is committed: a multipart request checks that its closing boundary
	// came, so that a cut body is no file.
	Complete func() error
	// Streamed: the body is one stream of the declared Size (a WebDAV PUT), which
	// may be up to Config.MaxStreamedBytes rather than MaxUploadBytes. Its quota is
	// reserved whole from Size before the first byte, as for any upload; without a
	// declared Size the ordinary limit applies.
	Streamed bool
}

// limit is the largest upload up may be: MaxStreamedBytes for a streamed body of
// declared length, MaxUploadBytes otherwise.
func (s *Service) limit(up Upload) int64 {
	if up.Streamed && up.Size >= 0 {
		return max(s.cfg.MaxStreamedBytes, s.cfg.MaxUploadBytes)
	}
	return s.cfg.MaxUploadBytes
}

// reserveBytes is what an upload holds in quota before its first byte: its declared
// length, else the bound the request gives, else the largest upload allowed.
func (up Upload) reserveBytes(max int64) int64 {
	switch {
	case up.Size >= 0:
		return up.Size
	case up.SizeAtMost > 0:
		return min(up.SizeAtMost, max)
	}
	return max
}

// UploadFile stores a new file in parent, for a contributor of parent; with
// opts.Replace, a file of parent bearing its name gets it as its next version.
func (s *Service) UploadFile(ctx context.Context, c *cartable.Caller, parentID uuid.UUID, up Upload, opts WriteOptions) (Item, error) {
	return s.store(ctx, c, UploadTarget{ParentID: &parentID, Name: up.Name, AutoRename: opts.AutoRename, Replace: opts.Replace, IfMatch: opts.IfMatch, Lock: opts.Lock}, up)
}

// NewVersion replaces a file's content, keeping the previous versions.
func (s *Service) NewVersion(ctx context.Context, c *cartable.Caller, id uuid.UUID, up Upload, opts WriteOptions) (Item, error) {
	return s.store(ctx, c, UploadTarget{ItemID: &id, IfMatch: opts.IfMatch, Lock: opts.Lock}, up)
}

// store runs a single-request upload through the pipeline: it is admitted, and its
// quota reserved, before its first byte is read; its bytes stream into its blob
// while its lease is renewed; the item or version, the blob and the quota commit in
// one transaction. Any failure gives everything back.
func (s *Service) store(ctx context.Context, c *cartable.Caller, t UploadTarget, up Upload) (Item, error) {
	limit := s.limit(up)
	if up.Size > limit {
		return Item{}, tooLarge(limit)
	}
	if t.ItemID == nil && up.Open == nil && t.Name == "" {
		return Item{}, cartable.Errorf(cartable.EInvalidName, "the file has no name")
	}
	reserved := up.reserveBytes(limit)
	p, err := s.BeginUpload(ctx, c, t, reserved, storage.NewKey(), s.cfg.UploadLease)
	if err != nil {
		return Item{}, err
	}
	bytes := &flow{}
	stop := s.keepAlive(p, s.cfg.UploadLease, bytes.read.Load)
	it, err := s.fill(ctx, c, p, up, reserved, bytes)
	stop()
	if err != nil {
		s.AbortUpload(p)
		return Item{}, err
	}
	return it, nil
}

// fill streams an admitted upload's bytes into its blob, through bytes, and commits it.
func (s *Service) fill(ctx context.Context, c *cartable.Caller, p PendingUpload, up Upload, reserved int64, bytes *flow) (Item, error) {
	body := up.Body
	if up.Open != nil {
		name, opened, err := up.Open()
		if err != nil {
			return Item{}, err
		}
		if p.Target.ItemID == nil {
			if p.Target.Name, err = s.checkName(ctx, c, p.Target, name); err != nil {
				return Item{}, err
			}
		}
		body = opened
	}
	bytes.r = body
	content, err := s.storeBlob(ctx, p.Key, bytes, up.Size, reserved)
	if err != nil && bytes.cut != nil {
		s.log.Info("an upload's body was cut", "blob", p.Key, "err", bytes.cut)
		return Item{}, cartable.Errorf(cartable.EInvalid, "the request's body was cut before its end")
	}
	if err != nil {
		if cartable.IsCode(err, cartable.ETooLarge) && reserved < s.cfg.MaxUploadBytes && up.Size < 0 {
			return Item{}, cartable.Errorf(cartable.EInvalid, "the body is longer than the request said")
		}
		return Item{}, err
	}
	if up.Complete != nil {
		if err := up.Complete(); err != nil {
			return Item{}, err
		}
	}
	var it Item
	err = s.transact(ctx, func(tx pgx.Tx) error {
		it, err = s.FinishUploadTx(ctx, tx, c, p, content)
		return err
	})
	if err == nil {
		s.NoteChange(ctx, c, it.ID)
	}
	return it, err
}

// createFile inserts a file item with its first version over a stored blob; with
// opts.Replace, the blob becomes instead the next version of a file bearing name.
func createFile(ctx context.Context, tx pgx.Tx, c *cartable.Caller, parentID uuid.UUID, name string, blob storedBlob, opts WriteOptions) (Item, error) {
	if opts.Replace {
		if it, replaced, err := replaceFile(ctx, tx, c, parentID, name, blob, opts); err != nil || replaced {
			return it, err
		}
	}
	parent, err := writableFolder(ctx, tx, c, parentID, opts.IfMatch, forUpdate)
	if err != nil {
		return Item{}, err
	}
	if err := unlocked(ctx, tx, c, parent, opts.Lock); err != nil {
		return Item{}, err
	}
	if name, err = pickName(ctx, tx, parent.ID, name, false, opts.AutoRename); err != nil {
		return Item{}, err
	}
	it := Item{
		ID: newID(), SpaceID: parent.SpaceID, ParentID: &parent.ID, Ancestors: parent.childAncestors(),
		Kind: KindFile, Name: name, Size: blob.Size, MimeType: blob.MimeType, Revision: 1,
		CreatedBy: c.UserID, ModifiedBy: c.UserID, Space: parent.Space, grants: parent.grants, PrivateTo: parent.PrivateTo,
	}
	versionID := newID()
	it.CurrentVersionID = &versionID
	err = tx.QueryRow(ctx, `
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, size, mime_type,
			current_version_id, created_by, modified_by)
		VALUES ($1, $2, $3, $4, 'file', $5, $6, $7, $8, $9, $10, $10)
		RETURNING created_at, modified_at`,
		it.ID, it.SpaceID, parent.ID, it.Ancestors, name, NameKey(name), blob.Size, blob.MimeType, versionID, c.UserID).
		Scan(&it.CreatedAt, &it.ModifiedAt)
	if err != nil {
		return Item{}, fmt.Errorf("insert file %q: %w", name, err)
	}
	if err := insertVersion(ctx, tx, versionID, it.ID, 1, blob, c.UserID); err != nil {
		return Item{}, err
	}
	it.Role = sharing.Decide(c, it.target())
	return it, nil
}

// insertVersion adds a version over blob, marking the blob live in the same
// statement. A blob the collector took meanwhile (an upload that outlived its
// pending deadline) inserts nothing, and fails.
func insertVersion(ctx context.Context, tx pgx.Tx, id, itemID uuid.UUID, number int, blob storedBlob, by string) error {
	tag, err := tx.Exec(ctx, `
		WITH live AS (
			UPDATE blobs SET size = $5, sha256 = $6, pending_until = NULL WHERE id = $4 RETURNING id
		)
		INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
		SELECT $1, $2, $3, live.id, $5, $6, $7, $8 FROM live`,
		id, itemID, number, blob.ID, blob.Size, blob.SHA256, blob.MimeType, by)
	if err != nil {
		return fmt.Errorf("insert version %d of %s: %w", number, itemID, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("insert version %d of %s: the blob was collected before the upload finished", number, itemID)
	}
	return nil
}

// writableFile loads a file the caller may change, checking its ETag.
func writableFile(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, ifMatch string, rowLock lockMode) (Item, error) {
	it, err := access(ctx, q, c, id, cartable.Viewer, rowLock)
	if err != nil {
		return Item{}, err
	}
	if it.IsFolder() {
		return Item{}, cartable.Errorf(cartable.EInvalid, "item %s is a folder, not a file", id)
	}
	if err := it.mayChange(c); err != nil {
		return Item{}, err
	}
	return it, it.checkETag(ifMatch)
}

// addVersion makes blob the file's current content as its next version, for a
// writer who holds the file's lock if it has one.
func addVersion(ctx context.Context, tx pgx.Tx, c *cartable.Caller, id uuid.UUID, blob storedBlob, opts WriteOptions) (Item, error) {
	file, err := writableFile(ctx, tx, c, id, opts.IfMatch, forUpdate)
	if err != nil {
		return Item{}, err
	}
	if err := unlocked(ctx, tx, c, file, opts.Lock); err != nil {
		return Item{}, err
	}
	var number int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(number), 0) + 1 FROM versions WHERE item_id = $1`, id).Scan(&number); err != nil {
		return Item{}, fmt.Errorf("next version number of %s: %w", id, err)
	}
	versionID := newID()
	if err := insertVersion(ctx, tx, versionID, id, number, blob, c.UserID); err != nil {
		return Item{}, err
	}
	_, err = tx.Exec(ctx, `
		UPDATE items SET current_version_id = $2, size = $3, mime_type = $4,
			revision = revision + 1, modified_at = now(), modified_by = $5
		WHERE id = $1`, id, versionID, blob.Size, blob.MimeType, c.UserID)
	if err != nil {
		return Item{}, fmt.Errorf("set current version of %s: %w", id, err)
	}
	return access(ctx, tx, c, id, cartable.Viewer, noLock)
}

// Versions lists a page of a file's versions, newest first.
func (s *Service) Versions(ctx context.Context, c *cartable.Caller, id uuid.UUID, req cartable.PageRequest) (cartable.Page[Version], error) {
	var none cartable.Page[Version]
	it, err := access(ctx, s.db, c, id, cartable.Viewer, noLock)
	if err != nil {
		return none, err
	}
	if it.IsFolder() {
		return none, cartable.Errorf(cartable.EInvalid, "item %s is a folder, not a file", id)
	}
	var after versionKey
	size, resumed, err := req.Keyset("versions", &after)
	if err != nil {
		return none, err
	}
	rows, err := s.db.Query(ctx, versionSelect+` WHERE v.item_id = $1 AND (NOT $2 OR v.number < $3)
		ORDER BY v.number DESC LIMIT $4`, id, resumed, after.Number, size+1)
	if err != nil {
		return none, fmt.Errorf("list versions of %s: %w", id, err)
	}
	versions, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Version, error) { return scanVersion(row) })
	if err != nil {
		return none, fmt.Errorf("scan versions of %s: %w", id, err)
	}
	for i := range versions {
		versions[i].Current = it.CurrentVersionID != nil && versions[i].ID == *it.CurrentVersionID
	}
	return cartable.CutPage(versions, size, func(last Version) string {
		return cartable.EncodeCursor("versions", versionKey{Number: last.Number})
	}), nil
}

// versionKey is where a page of versions ended.
type versionKey struct {
	Number int `json:"n"`
}

const versionSelect = `SELECT v.id, v.item_id, v.number, v.size, v.sha256, v.mime_type,
	coalesce(v.created_by, ''), coalesce((SELECT u.display_name FROM users u WHERE u.id = v.created_by), ''),
	v.created_at, coalesce(b.scan, ''), coalesce(b.scan_signature, ''), coalesce(b.uploaded_by, ''), b.key FROM versions v JOIN blobs b ON b.id = v.blob_id`

func scanVersion(row pgx.Row) (Version, error) {
	var v Version
	err := row.Scan(&v.ID, &v.ItemID, &v.Number, &v.Size, &v.SHA256, &v.MimeType, &v.CreatedBy, &v.CreatedByName, &v.CreatedAt, &v.Scan, &v.ScanSignature, &v.Uploader, &v.blobKey)
	if cartable.IsFormer(v.CreatedBy) {
		v.CreatedByName = cartable.FormerName(v.CreatedBy) // a purged leaver (package leaver)
	}
	return v, err
}

func loadVersion(ctx context.Context, q db.DBTX, itemID, versionID uuid.UUID) (Version, error) {
	v, err := scanVersion(q.QueryRow(ctx, versionSelect+` WHERE v.item_id = $1 AND v.id = $2`, itemID, versionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Version{}, cartable.Errorf(cartable.ENotFound, "no version %s of item %s", versionID, itemID)
	}
	if err != nil {
		return Version{}, fmt.Errorf("load version %s: %w", versionID, err)
	}
	return v, nil
}

// RestoreVersion makes an old version current again by adding a new version that
// shares its blob: history only grows, and no byte is copied.
func (s *Service) RestoreVersion(ctx context.Context, c *cartable.Caller, id, versionID uuid.UUID, opts WriteOptions) (Item, error) {
	var updated Item
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := writableFile(ctx, tx, c, id, opts.IfMatch, forUpdate)
		if err != nil {
			return err
		}
		old, err := loadVersion(ctx, tx, id, versionID)
		if err != nil {
			return err
		}
		blob := storedBlob{Size: old.Size, SHA256: old.SHA256, MimeType: old.MimeType}
		if err := tx.QueryRow(ctx, `SELECT blob_id, (SELECT key FROM blobs WHERE id = blob_id) FROM versions WHERE id = $1`, versionID).Scan(&blob.ID, &blob.Key); err != nil {
			return fmt.Errorf("blob of version %s: %w", versionID, err)
		}
		if updated, err = addVersion(ctx, tx, c, id, blob, WriteOptions{Lock: opts.Lock}); err != nil {
			return err
		}
		return auditTx(ctx, tx, c, it, audit.VersionRestore, map[string]any{"version_id": versionID})
	})
	if err == nil {
		s.NoteChange(ctx, c, id)
	}
	return updated, err
}

// Content is a file's content ready to be served.
type Content struct {
	Item    Item
	Version Version
	open    func(ctx context.Context, offset, length int64) (io.ReadCloser, error)
}

// Open reads length bytes from offset (length -1: to the end).
func (c Content) Open(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	return c.open(ctx, offset, length)
}

// Content returns a file's current content, or one version's when versionID is set,
// and records that the caller opened it (their recent files).
func (s *Service) Content(ctx context.Context, c *cartable.Caller, id uuid.UUID, versionID *uuid.UUID) (Content, error) {
	content, err := s.content(ctx, c, id, versionID, c.UserID)
	if err == nil {
		s.noteOpen(ctx, c, id)
	}
	return content, err
}

// Peek returns what Content would, without recording an open: for a HEAD, which
// asks about the bytes but reads none.
func (s *Service) Peek(ctx context.Context, c *cartable.Caller, id uuid.UUID, versionID *uuid.UUID) (Content, error) {
	return s.content(ctx, c, id, versionID, c.UserID)
}

// PublishedContent returns one version of a file that c may read, without recording
// an open: what a capability (an embed) serves on its creator's behalf to readers
// who are not them. The audit log names actor (the embed) as the reader.
func (s *Service) PublishedContent(ctx context.Context, c *cartable.Caller, id, versionID uuid.UUID, actor string) (Content, error) {
	return s.content(ctx, c, id, &versionID, actor)
}

// content finds a file's content for the caller; reading its first byte writes a
// download by actor in the audit log.
func (s *Service) content(ctx context.Context, c *cartable.Caller, id uuid.UUID, versionID *uuid.UUID, actor string) (Content, error) {
	it, err := access(ctx, s.db, c, id, cartable.Viewer, noLock)
	if err != nil {
		return Content{}, err
	}
	if it.IsFolder() {
		return Content{}, cartable.Errorf(cartable.EInvalid, "item %s is a folder; folders have no content", id)
	}
	want := *it.CurrentVersionID
	if versionID != nil {
		want = *versionID
	}
	v, err := loadVersion(ctx, s.db, id, want)
	if err != nil {
		return Content{}, err
	}
	v.Current = want == *it.CurrentVersionID
	reader := v
	if actor != c.UserID {
		reader.Uploader = "" // a capability's readers (an embed's) did not send the bytes
	}
	if err := reader.ReadableBy(c); err != nil {
		return Content{}, err
	}
	open := func(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
		r, err := s.blobs.Open(ctx, v.blobKey, offset, length)
		if err == nil && offset == 0 {
			s.auditDownload(ctx, actor, it, v.ID)
		}
		return r, err
	}
	return Content{Item: it, Version: v, open: open}, nil
}
