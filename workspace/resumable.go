package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// UploadTarget is where a resumable upload goes: a new file named Name in ParentID,
// or a new version of the file ItemID.
type UploadTarget struct {
	SpaceID    uuid.UUID
	ParentID   *uuid.UUID
	ItemID     *uuid.UUID
	Name       string
	AutoRename bool
}

// PrepareUpload checks, before a resumable upload is created, that the caller may
// write where it goes and that the name is valid and free (unless AutoRename), and
// fills in the space it is charged to. Without a parent or an item the file goes to
// the caller's personal space; without a name it gets a dated one.
func (s *Service) PrepareUpload(ctx context.Context, c *cartable.Caller, t UploadTarget, size int64) (UploadTarget, error) {
	if t.ItemID != nil {
		file, err := writableFile(ctx, s.db, c, *t.ItemID, "", noLock)
		if err != nil {
			return t, err
		}
		t.SpaceID, t.Name = file.SpaceID, file.Name
		return t, nil
	}
	if t.ParentID == nil {
		root, err := s.personalRoot(ctx, c)
		if err != nil {
			return t, err
		}
		t.ParentID = &root
	}
	if t.Name == "" {
		t.Name = "Envoi du " + s.now().Format("2006-01-02 15h04m05")
		t.AutoRename = true
	}
	name, err := NormalizeName(t.Name)
	if err != nil {
		return t, err
	}
	parent, err := s.precheckUpload(ctx, c, *t.ParentID, name, WriteOptions{AutoRename: t.AutoRename})
	if err != nil {
		return t, err
	}
	t.SpaceID, t.Name = parent.SpaceID, name
	return t, nil
}

func (s *Service) personalRoot(ctx context.Context, c *cartable.Caller) (uuid.UUID, error) {
	var root uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT root_id FROM spaces WHERE owner_id = $1`, c.UserID).Scan(&root)
	if err == nil {
		return root, nil
	}
	// Not created yet: the first look at one's spaces creates them.
	spaces, err := s.Spaces(ctx, c)
	if err != nil {
		return uuid.Nil, err
	}
	for _, sp := range spaces {
		if sp.Kind == SpacePersonal {
			return sp.RootID, nil
		}
	}
	return uuid.Nil, fmt.Errorf("no personal space for %s", c.UserID)
}

// StoredBlob is a blob another component wrote (a resumable upload's final object),
// pending until a version references it.
type StoredBlob struct {
	ID       uuid.UUID
	Key      string
	Size     int64
	MimeType string
}

// PendingBlob records a blob row for an object about to be written by another
// component, so that the collector finds it if nothing ever references it.
func PendingBlob(ctx context.Context, q db.DBTX, key string, until time.Time) (uuid.UUID, error) {
	id := newID()
	if _, err := q.Exec(ctx, `INSERT INTO blobs (id, key, pending_until) VALUES ($1, $2, $3)`, id, key, until); err != nil {
		return uuid.Nil, fmt.Errorf("record pending blob %s: %w", key, err)
	}
	return id, nil
}

// CommitUploadTx makes a finished upload's blob a new file or a new version, in the
// caller's transaction (which also ends the upload's quota reservation). The access
// rules are checked again: the caller may have lost the right to write meanwhile.
func (s *Service) CommitUploadTx(ctx context.Context, tx pgx.Tx, c *cartable.Caller, t UploadTarget, b StoredBlob) (Item, error) {
	blob := storedBlob{ID: b.ID, Key: b.Key, Size: b.Size, MimeType: b.MimeType}
	var it Item
	var err error
	if t.ItemID != nil {
		it, err = addVersion(ctx, tx, c, *t.ItemID, blob, "")
	} else {
		it, err = createFile(ctx, tx, c, *t.ParentID, t.Name, blob, WriteOptions{AutoRename: t.AutoRename})
	}
	if err != nil {
		return Item{}, err
	}
	return it, s.enqueuePreview(ctx, tx, blob, it.Name)
}
