package upload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable"
	"cartable/db"
	"cartable/quota"
	"cartable/workspace"
)

// record is Cartable's row of one upload.
type record struct {
	ObjectID     uuid.UUID
	OwnerID      string
	Target       workspace.UploadTarget
	Size         int64
	Reservation  uuid.UUID
	BlobID       uuid.UUID
	ExpiresAt    time.Time
	CommittedID  *uuid.UUID
	CommittedTag string
}

// objectKey is where the upload's final object lands.
func (r record) objectKey() string { return objectPrefix + r.ObjectID.String() }

// beforeCreate admits a new upload: an authenticated caller who may write the
// target, a valid name, a declared length that fits in quota. It reserves that
// length and records the upload before tusd creates anything in S3.
func (s *Service) beforeCreate(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	ctx := hook.Context
	c := cartable.CallerFrom(ctx)
	if c == nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, cartable.Errorf(cartable.EUnauthorized, "a Bearer token is required"))
	}
	if hook.Upload.SizeIsDeferred {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, cartable.Errorf(cartable.EInvalid,
			"Upload-Defer-Length is not accepted: quota is reserved from Upload-Length before the first byte"))
	}
	target, err := targetFromMetadata(hook.Upload.MetaData)
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, err)
	}
	if target, err = s.ws.PrepareUpload(ctx, c, target, hook.Upload.Size); err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, err)
	}
	rec, err := s.open(ctx, c, target, hook.Upload.Size)
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, err)
	}
	return tusd.HTTPResponse{Header: tusd.HTTPHeader{"Upload-Expires": rec.ExpiresAt.UTC().Format(http.TimeFormat)}},
		tusd.FileInfoChanges{ID: rec.ObjectID.String()}, nil
}

// targetFromMetadata reads where the upload goes: "filename" (or "name", as Uppy
// sends it), and "parent" (a folder id) or "item" (a file to add a version to).
// "conflict": "rename" picks a free name on a clash. A type sent by the client is
// never read: it is sniffed from the bytes.
func targetFromMetadata(meta tusd.MetaData) (workspace.UploadTarget, error) {
	t := workspace.UploadTarget{Name: meta["filename"], AutoRename: meta["conflict"] == "rename"}
	if t.Name == "" {
		t.Name = meta["name"]
	}
	for key, dst := range map[string]**uuid.UUID{"parent": &t.ParentID, "item": &t.ItemID} {
		raw := meta[key]
		if raw == "" {
			continue
		}
		id, err := uuid.Parse(raw)
		if err != nil {
			return t, cartable.Errorf(cartable.ENotFound, "no item %q", raw)
		}
		*dst = &id
	}
	if t.ParentID != nil && t.ItemID != nil {
		return t, cartable.Errorf(cartable.EInvalid, "give parent (a new file) or item (a new version), not both")
	}
	return t, nil
}

// open reserves the upload's length and records it with its pending blob.
func (s *Service) open(ctx context.Context, c *cartable.Caller, t workspace.UploadTarget, size int64) (record, error) {
	rec := record{ObjectID: uuid.Must(uuid.NewV7()), OwnerID: c.UserID, Target: t, Size: size,
		ExpiresAt: time.Now().Add(s.cfg.Expiry)}
	res, err := quota.Reserve(ctx, s.db, t.SpaceID, size, c.UserID, s.cfg.Expiry)
	if err != nil {
		return record{}, err
	}
	rec.Reservation = res.ID
	// Two statements, no transaction: a crash between them leaves a pending blob row,
	// which the collector removes.
	// The blob outlives the upload by an hour, so the expiry sweeper, not the
	// collector, deals with an abandoned upload first.
	if rec.BlobID, err = workspace.PendingBlob(ctx, s.db, rec.objectKey(), rec.ExpiresAt.Add(time.Hour)); err == nil {
		_, err = s.db.Exec(ctx, `
			INSERT INTO uploads (object_id, owner_id, space_id, parent_id, item_id, name, auto_rename, size,
				reservation_id, blob_id, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			rec.ObjectID, c.UserID, t.SpaceID, t.ParentID, t.ItemID, t.Name, t.AutoRename, size, res.ID, rec.BlobID, rec.ExpiresAt)
	}
	if err != nil {
		if rerr := res.Release(context.WithoutCancel(ctx), s.db); rerr != nil {
			s.log.Warn("release reservation of a failed upload", "err", rerr)
		}
		return record{}, fmt.Errorf("record upload: %w", err)
	}
	return rec, nil
}

// beforeFinishResponse commits a finished upload before the last PATCH answers, and
// tells the client the item it became.
func (s *Service) beforeFinishResponse(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	id, ok := objectID(hook.Upload.ID)
	if !ok {
		return tusd.HTTPResponse{}, s.tusError(hook, cartable.Errorf(cartable.ENotFound, "no upload %q", hook.Upload.ID))
	}
	rec, err := s.commit(hook.Context, cartable.CallerFrom(hook.Context), id)
	if err != nil {
		return tusd.HTTPResponse{}, s.tusError(hook, err)
	}
	return tusd.HTTPResponse{Header: committedHeaders(rec)}, nil
}

func committedHeaders(rec record) tusd.HTTPHeader {
	return tusd.HTTPHeader{
		"Cartable-Item-Id":   rec.CommittedID.String(),
		"Cartable-Item-Etag": rec.CommittedTag,
	}
}

// commit turns a finished upload into an item or version, once: the type is sniffed
// from the bytes, then the reservation becomes usage and the item or version is
// created, in one transaction. Committing a committed upload
// returns what it became.
func (s *Service) commit(ctx context.Context, c *cartable.Caller, id uuid.UUID) (record, error) {
	if c == nil {
		return record{}, cartable.Errorf(cartable.EUnauthorized, "a Bearer token is required")
	}
	var rec record
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if rec, err = s.load(ctx, tx, id, true); err != nil || rec.CommittedID != nil {
			return err
		}
		// Sniffing under the upload's row lock holds nothing anyone else waits for.
		mimeType, err := s.sniff(ctx, rec.objectKey())
		if err != nil {
			return err
		}
		return s.commitTx(ctx, tx, c, &rec, mimeType)
	})
	if err != nil {
		return record{}, quota.Translate(err)
	}
	return rec, nil
}

func (s *Service) commitTx(ctx context.Context, tx pgx.Tx, c *cartable.Caller, rec *record, mimeType string) error {
	if err := (quota.Reservation{ID: rec.Reservation}).ConsumeWithNextVersion(ctx, tx); err != nil {
		return err
	}
	item, err := s.ws.CommitUploadTx(ctx, tx, c, rec.Target,
		workspace.StoredBlob{ID: rec.BlobID, Key: rec.objectKey(), Size: rec.Size, MimeType: mimeType})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE uploads SET committed_item_id = $2, committed_etag = $3, committed_at = now() WHERE object_id = $1`,
		rec.ObjectID, item.ID, item.ETag()); err != nil {
		return fmt.Errorf("mark upload %s committed: %w", rec.ObjectID, err)
	}
	rec.CommittedID, rec.CommittedTag = &item.ID, item.ETag()
	return nil
}

// sniff reads the beginning of the object to tell its type.
func (s *Service) sniff(ctx context.Context, key string) (string, error) {
	head, err := s.blobs.Head(ctx, key, 3072)
	if err != nil {
		return "", fmt.Errorf("read upload %s: %w", key, err)
	}
	return mimetype.Detect(head).String(), nil
}

// beforeTerminate lets the uploader abandon an unfinished upload: the reservation
// is released and the records go; tusd then deletes the parts.
func (s *Service) beforeTerminate(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	id, _ := objectID(hook.Upload.ID)
	err := db.Transact(hook.Context, s.db, func(tx pgx.Tx) error {
		rec, err := s.load(hook.Context, tx, id, true)
		if err != nil {
			return err
		}
		if rec.CommittedID != nil {
			return cartable.Errorf(cartable.EConflict, "this upload is finished: its file is item %s; trash the item instead", rec.CommittedID)
		}
		return s.forget(hook.Context, tx, rec)
	})
	if err != nil {
		return tusd.HTTPResponse{}, s.tusError(hook, err)
	}
	return tusd.HTTPResponse{}, nil
}

// forget releases an unfinished upload's reservation and deletes its records.
func (s *Service) forget(ctx context.Context, tx pgx.Tx, rec record) error {
	if err := (quota.Reservation{ID: rec.Reservation}).Release(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM uploads WHERE object_id = $1`, rec.ObjectID); err != nil {
		return fmt.Errorf("forget upload %s: %w", rec.ObjectID, err)
	}
	// The pending blob row goes too; its object was never completed.
	_, err := tx.Exec(ctx, `DELETE FROM blobs b WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM versions WHERE blob_id = b.id)`, rec.BlobID)
	return err
}

// load reads an upload's row, locked for the transaction when lock is set.
func (s *Service) load(ctx context.Context, q db.DBTX, id uuid.UUID, lock bool) (record, error) {
	sql := `SELECT object_id, owner_id, space_id, parent_id, item_id, coalesce(name, ''), auto_rename,
		size, coalesce(reservation_id, '00000000-0000-0000-0000-000000000000'), blob_id, expires_at,
		committed_item_id, coalesce(committed_etag, '') FROM uploads WHERE object_id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var r record
	t := &r.Target
	err := q.QueryRow(ctx, sql, id).Scan(&r.ObjectID, &r.OwnerID, &t.SpaceID, &t.ParentID, &t.ItemID, &t.Name, &t.AutoRename,
		&r.Size, &r.Reservation, &r.BlobID, &r.ExpiresAt, &r.CommittedID, &r.CommittedTag)
	if errors.Is(err, pgx.ErrNoRows) {
		return record{}, cartable.Errorf(cartable.ENotFound, "no upload %s", id)
	}
	if err != nil {
		return record{}, fmt.Errorf("load upload %s: %w", id, err)
	}
	return r, nil
}

// objectID reads the object id at the head of a tus id ("<object id>+<multipart id>").
func objectID(tusID string) (uuid.UUID, bool) {
	head, _, _ := strings.Cut(tusID, "+")
	id, err := uuid.Parse(head)
	return id, err == nil
}

// tusError carries a domain error through tusd as a problem+json answer, in the
// language the request asks for.
func (s *Service) tusError(hook tusd.HookEvent, err error) error {
	rec := &recorder{header: http.Header{}}
	req := (&http.Request{Method: hook.HTTPRequest.Method, Header: hook.HTTPRequest.Header, URL: &url.URL{Path: hook.HTTPRequest.URI}}).
		WithContext(hook.Context)
	s.problem(rec, req, err)
	header := tusd.HTTPHeader{}
	for k := range rec.header {
		header[k] = rec.header.Get(k)
	}
	code := string(cartable.ErrorCode(err))
	return tusd.Error{ErrorCode: code, Message: code, HTTPResponse: tusd.HTTPResponse{StatusCode: rec.status, Body: rec.body.String(), Header: header}}
}
