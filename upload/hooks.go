package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable"
	"cartable/db"
	"cartable/quota"
	"cartable/storage"
	"cartable/workspace"
)

// open admits a new upload: the caller may write its target, its name is valid,
// and its length (so far as it is known) is reserved in quota and recorded with its
// pending blob and its row, in one transaction. No byte goes to S3 yet. A final
// upload takes over the reservations of its partial uploads.
func (s *Service) open(ctx context.Context, c *cartable.Caller, metadata string, req creation) (record, error) {
	if c == nil {
		return record{}, cartable.Errorf(cartable.EUnauthorized, "a Bearer token is required")
	}
	target, err := targetFromMetadata(tusd.ParseMetadataHeader(metadata))
	if err != nil {
		return record{}, err
	}
	if target, err = s.ws.PrepareUpload(ctx, c, target); err != nil {
		return record{}, err
	}
	rec := record{ObjectID: uuid.Must(uuid.NewV7()), OwnerID: c.UserID, Size: req.size, Metadata: metadata,
		LengthDeferred: req.deferred, Concat: req.concat, ExpiresAt: time.Now().Add(s.cfg.Expiry)}
	// The blob outlives the upload by an hour, so the expiry sweeper, not the
	// collector, deals with an abandoned upload first.
	lease := s.cfg.Expiry + time.Hour
	err = db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		rec.Pending, err = workspace.BeginUploadTx(ctx, tx, c, target, req.size, objectKey(rec.ObjectID), lease,
			func(p workspace.PendingUpload) error {
				rec.Pending = p
				if err := insertRecord(ctx, tx, rec); err != nil {
					return err
				}
				for _, part := range req.partials {
					if err := part.Pending.Reservation.End(ctx, tx); err != nil {
						return err
					}
				}
				return nil
			})
		return err
	})
	if err != nil {
		return record{}, quota.Translate(err)
	}
	return rec, nil
}

// targetFromMetadata reads where the upload goes: "filename" (or "name", as Uppy
// sends it), and "parent" (a folder id) or "item" (a file to add a version to).
// "conflict": "rename" picks a free name on a clash; "replace" makes the upload the
// next version of the file of the folder bearing its name. A type sent by the client
// is never read: it is sniffed from the bytes.
func targetFromMetadata(meta tusd.MetaData) (workspace.UploadTarget, error) {
	t := workspace.UploadTarget{Name: meta["filename"], AutoRename: meta["conflict"] == "rename", Replace: meta["conflict"] == "replace"}
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

// storeWhole stores an upload sent whole in one request with one PutObject (no
// multipart upload), and commits it: the 8:00 burst of small files costs one S3
// request each. The type is sniffed and the hash computed on the way through.
func (s *Service) storeWhole(ctx context.Context, c *cartable.Caller, rec *record, body io.Reader) error {
	content, err := s.ws.FillUpload(ctx, rec.Pending, body, rec.Size)
	if err != nil {
		return err
	}
	return s.commitWith(ctx, c, rec, func(record) (workspace.StoredContent, error) { return content, nil })
}

// commit turns an upload whose bytes tusd holds into an item or version, once: the
// type is sniffed from the object, then the reservation becomes usage and the item
// or version is created, in one transaction (a job hashes the file afterwards).
// Committing a committed upload returns what it became.
func (s *Service) commit(ctx context.Context, c *cartable.Caller, id uuid.UUID) (record, error) {
	rec := record{ObjectID: id}
	err := s.commitWith(ctx, c, &rec, func(r record) (workspace.StoredContent, error) {
		mimeType, err := s.sniff(ctx, r)
		return workspace.StoredContent{Size: r.Size, MimeType: mimeType}, err
	})
	return rec, err
}

// commitWith commits the upload rec names with the content stored tells, under the
// upload's row lock, unless it is committed already; rec is reloaded.
func (s *Service) commitWith(ctx context.Context, c *cartable.Caller, rec *record, stored func(record) (workspace.StoredContent, error)) error {
	if c == nil {
		return cartable.Errorf(cartable.EUnauthorized, "a Bearer token is required")
	}
	var made *uuid.UUID
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		made = nil // a retried transaction starts again
		if *rec, err = load(ctx, tx, rec.ObjectID, true); err != nil || rec.committed() {
			return err
		}
		if rec.partial() {
			return markFinished(ctx, tx, rec) // its final upload will commit its bytes
		}
		// Reading the object under the upload's row lock holds nothing anyone else waits for.
		content, err := stored(*rec)
		if err != nil {
			return err
		}
		it, err := s.ws.FinishUploadTx(ctx, tx, c, rec.Pending, content)
		if err != nil {
			return err
		}
		made = &it.ID
		return markCommitted(ctx, tx, rec, it)
	})
	if err == nil && made != nil {
		s.ws.NoteChange(ctx, c, *made) // after the commit: a recent list never fails an upload
	}
	return workspace.Translate(err)
}

// sniff reads the beginning of the upload's object to tell its type.
func (s *Service) sniff(ctx context.Context, r record) (string, error) {
	if r.Size == 0 {
		return mimetype.Detect(nil).String(), nil
	}
	head, err := s.blobs.Head(ctx, r.Pending.Key, 3072)
	if errors.Is(err, storage.ErrNotFound) {
		// Its bytes are all in S3 (their multipart upload is complete): a store that
		// does not find them is not answering right (see partsUnseen). The HEAD or
		// PATCH the client retries commits the upload.
		return "", cartable.Errorf(cartable.EUnavailable, "the storage does not find upload %s at the moment", r.ObjectID)
	}
	if err != nil {
		return "", fmt.Errorf("read upload %s: %w", r.ObjectID, err)
	}
	return mimetype.Detect(head).String(), nil
}

// abandon removes an upload whose creation failed: its client never learnt its URL,
// so nothing else would give its quota back before it expires.
func (s *Service) abandon(rec record) {
	ctx := context.WithoutCancel(context.Background())
	if err := s.remove(ctx, rec.ObjectID); err != nil {
		s.log.Warn("abandon a failed upload", "upload", rec.ObjectID, "err", err)
	}
}

// remove forgets an upload and deletes what S3 holds of it: an unfinished one's
// parts, or a finished one's bookkeeping (never the file it became).
func (s *Service) remove(ctx context.Context, id uuid.UUID) error {
	rec, err := s.forgetLocked(ctx, id)
	if err != nil {
		return err
	}
	if rec.CommittedID == nil {
		s.discardParts(ctx, rec)
		// A partial upload's finished object (or a whole file's stored at once)
		if err := s.blobs.Delete(ctx, rec.Pending.Key); err != nil {
			s.log.Warn("delete the object of a removed upload", "upload", rec.ObjectID, "err", err)
		}
	}
	s.deleteBookkeeping(ctx, rec)
	return nil
}

// forgetLocked forgets the upload under its row lock (so that no commit runs in
// between) and returns the record as it was.
func (s *Service) forgetLocked(ctx context.Context, id uuid.UUID) (record, error) {
	var rec record
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if rec, err = load(ctx, tx, id, true); err != nil {
			return err
		}
		return forget(ctx, tx, rec)
	})
	return rec, err
}

// beforeFinishResponse commits a finished upload before tusd's last PATCH answers,
// and tells the client the item it became.
func (s *Service) beforeFinishResponse(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	id, ok := objectID(hook.Upload.ID)
	if !ok {
		return tusd.HTTPResponse{}, fail(hook.Context, cartable.Errorf(cartable.ENotFound, "no upload %q", hook.Upload.ID))
	}
	rec, err := s.commit(hook.Context, cartable.CallerFrom(hook.Context), id)
	if err != nil {
		return tusd.HTTPResponse{}, fail(hook.Context, err)
	}
	return tusd.HTTPResponse{Header: committedHeaders(rec)}, nil
}

func committedHeaders(rec record) tusd.HTTPHeader {
	if rec.CommittedID == nil {
		return nil
	}
	return tusd.HTTPHeader{
		"Cartable-Item-Id":   rec.CommittedID.String(),
		"Cartable-Item-Etag": rec.CommittedTag,
	}
}

// beforeTerminate lets the uploader abandon an unfinished upload that tusd holds:
// the reservation is released and the records go; tusd then deletes the parts.
func (s *Service) beforeTerminate(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	id, _ := objectID(hook.Upload.ID)
	rec, err := s.forgetLocked(hook.Context, id)
	if err != nil {
		return tusd.HTTPResponse{}, fail(hook.Context, err)
	}
	if rec.CommittedID != nil {
		// Committed by a request that finished while this one waited for the lock:
		// its object is a file's blob now, and tusd must not delete it. The upload
		// is forgotten all the same; the answer is the DELETE's 204.
		s.deleteBookkeeping(context.WithoutCancel(hook.Context), rec)
		return tusd.HTTPResponse{}, tusd.Error{ErrorCode: "ERR_CARTABLE_COMMITTED", HTTPResponse: tusd.HTTPResponse{StatusCode: http.StatusNoContent}}
	}
	return tusd.HTTPResponse{StatusCode: http.StatusNoContent}, nil
}
