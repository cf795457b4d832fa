package workspace

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/events"
	"cartable/quota"
)

// Every upload goes through one pipeline, whatever carries its bytes (a multipart
// request, the body of a new version, a resumable tus upload):
//
//   - BeginUpload admits it: the caller may write the target, and its bytes are
//     reserved in quota and its pending blob recorded, in one transaction, before the
//     first byte is read;
//   - RenewUpload extends its lease while bytes flow, so that a request whose node
//     died gives its quota back within minutes, not hours;
//   - FinishUploadTx, in the caller's transaction, turns the reservation into usage
//     and the blob into a file or a version, and enqueues its preview;
//   - AbortUpload gives the reservation back and removes the blob.

// UploadTarget is where an upload goes: a new file named Name in ParentID, or a new
// version of the file ItemID. SpaceID is filled in by the pipeline.
type UploadTarget struct {
	SpaceID    uuid.UUID
	ParentID   *uuid.UUID
	ItemID     *uuid.UUID
	Name       string
	AutoRename bool
	// Replace: a file of ParentID bearing Name gets the upload as its next version.
	Replace bool
	// IfMatch, when set, is the ETag the parent (new file) or the file (new version)
	// must still have when the upload commits.
	IfMatch string
	// Lock is the token of the lock the writer holds on the file or the folder.
	Lock string `json:",omitempty"`
}

// PendingUpload is an admitted upload: the quota it holds and the blob its bytes go
// to. Its fields are what a resumable upload keeps between requests.
type PendingUpload struct {
	Target      UploadTarget
	Reservation quota.Reservation
	BlobID      uuid.UUID
	Key         string
}

// BeginUpload admits an upload of size bytes (the most it may be) to t for the
// caller, with its bytes to be written under key: the caller's right to write the
// target is checked (and, when the name is known, the name), then the bytes are
// reserved and the pending blob recorded in one transaction, both held until lease
// from now. Nothing is left behind when it fails.
func (s *Service) BeginUpload(ctx context.Context, c *cartable.Caller, t UploadTarget, size int64, key string, lease time.Duration) (PendingUpload, error) {
	t, err := s.resolveTarget(ctx, c, t)
	if err != nil {
		return PendingUpload{}, err
	}
	var p PendingUpload
	err = db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		p, err = BeginUploadTx(ctx, tx, c, t, size, key, lease, nil)
		return err
	})
	return p, quota.Translate(err)
}

// BeginUploadTx reserves and records an upload whose target resolveTarget (through
// PrepareUpload) has checked, in the caller's transaction; record, when set, writes
// the caller's own row of the upload (a resumable upload's) first. The reservation
// is the last statement: the account rows it locks, which every writer of the
// establishment shares, stay locked only until the commit that follows.
func BeginUploadTx(ctx context.Context, tx pgx.Tx, c *cartable.Caller, t UploadTarget, size int64, key string, lease time.Duration,
	record func(PendingUpload) error) (PendingUpload, error) {
	p := PendingUpload{Target: t, Reservation: quota.NewReservation(t.SpaceID, size), BlobID: newID(), Key: key}
	_, err := tx.Exec(ctx, `INSERT INTO blobs (id, key, pending_until, uploaded_by) VALUES ($1, $2, now() + make_interval(secs => $3), $4)`,
		p.BlobID, key, lease.Seconds(), c.UserID)
	if err != nil {
		return PendingUpload{}, fmt.Errorf("record pending blob %s: %w", key, err)
	}
	if record != nil {
		if err := record(p); err != nil {
			return PendingUpload{}, err
		}
	}
	return p, p.Reservation.Take(ctx, tx, c.UserID, lease)
}

// resolveTarget checks that the caller may write where the upload goes, and fills in
// the space it is charged to. Without a parent or an item the file goes to the
// caller's personal space. A name, when given, must be valid and free (unless
// AutoRename): refused now, not after the bytes were sent.
func (s *Service) resolveTarget(ctx context.Context, c *cartable.Caller, t UploadTarget) (UploadTarget, error) {
	if t.ItemID != nil {
		file, err := writableFile(ctx, s.db, c, *t.ItemID, t.IfMatch, noLock)
		if err != nil {
			return t, err
		}
		if err := unlocked(ctx, s.db, c, file, t.Lock); err != nil {
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
	// A read-only check: the commit checks everything again under lock. Whether an
	// upload that may replace a file needs to add to the folder depends on its name.
	check := writableFolder
	if t.Replace {
		check = visibleFolder
	}
	parent, err := check(ctx, s.db, c, *t.ParentID, t.IfMatch, noLock)
	if err != nil {
		return t, err
	}
	if err := unlocked(ctx, s.db, c, parent, t.Lock); err != nil {
		return t, err
	}
	t.SpaceID = parent.SpaceID
	if t.Name == "" {
		return t, nil
	}
	t.Name, err = s.checkName(ctx, c, t, t.Name)
	return t, err
}

// checkName normalizes a new file's name and checks that it may go in the target
// folder: free (or a free one will be picked), or, with Replace, borne by a file the
// caller may change, or free in a folder they may add to.
func (s *Service) checkName(ctx context.Context, c *cartable.Caller, t UploadTarget, name string) (string, error) {
	name, err := NormalizeName(name)
	if err != nil {
		return "", err
	}
	if t.Replace {
		return name, checkReplace(ctx, s.db, c, *t.ParentID, name)
	}
	_, err = pickName(ctx, s.db, *t.ParentID, name, false, t.AutoRename)
	return name, err
}

// RenewUpload extends the upload's lease on its quota and its blob until lease from
// now. It fails with conflict when the lease already ran out and was reclaimed.
func (s *Service) RenewUpload(ctx context.Context, p PendingUpload, lease time.Duration) error {
	return quota.Translate(db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if err := p.Reservation.Extend(ctx, tx, lease); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE blobs SET pending_until = now() + make_interval(secs => $2) WHERE id = $1 AND pending_until IS NOT NULL`,
			p.BlobID, lease.Seconds())
		if err != nil {
			return fmt.Errorf("renew pending blob %s: %w", p.Key, err)
		}
		return nil
	}))
}

// keepAlive renews the upload's lease every third of it, as long as bytes flow
// (flowed, the count of bytes read so far, grew since the last renewal), until the
// returned function is called: a request that stalls, or whose node died, loses it.
func (s *Service) keepAlive(p PendingUpload, lease time.Duration, flowed func() int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		last := int64(-1)
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if n := flowed(); n == last {
					continue
				} else {
					last = n
				}
				if err := s.RenewUpload(context.Background(), p, lease); err != nil {
					s.log.Warn("renew upload lease", "blob", p.Key, "err", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// flow counts the bytes read through it, for keepAlive, and keeps the error that
// cut the request's body, if one did: the client's fault, not the store's.
type flow struct {
	r    io.Reader
	read atomic.Int64
	cut  error
}

func (f *flow) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	f.read.Add(int64(n))
	if err != nil && err != io.EOF && f.cut == nil {
		f.cut = err
	}
	return n, err
}

// StoredContent is what an upload's bytes turned out to be.
type StoredContent struct {
	Size     int64
	SHA256   []byte // nil when a job computes it later
	MimeType string
}

// FinishUploadTx turns the upload into a new file or a new version with the given
// content, in the caller's transaction: the reservation becomes usage, the blob
// becomes live, and its preview is enqueued. The access rules are checked again
// under lock: the caller may have lost the right to write meanwhile.
func (s *Service) FinishUploadTx(ctx context.Context, tx pgx.Tx, c *cartable.Caller, p PendingUpload, content StoredContent) (Item, error) {
	if err := p.Reservation.ConsumeWithNextVersion(ctx, tx); err != nil {
		return Item{}, err
	}
	blob := storedBlob{ID: p.BlobID, Key: p.Key, Size: content.Size, SHA256: content.SHA256, MimeType: content.MimeType}
	t := p.Target
	// The preview first (its name's extension is all it reads of the name): the
	// version insert locks the establishment's account row, which every upload
	// shares, until the commit; nothing should run in between.
	if err := s.enqueuePreview(ctx, tx, blob, t.Name); err != nil {
		return Item{}, err
	}
	var it Item
	var err error
	if t.ItemID != nil {
		it, err = addVersion(ctx, tx, c, *t.ItemID, blob, WriteOptions{IfMatch: t.IfMatch, Lock: t.Lock})
	} else {
		it, err = createFile(ctx, tx, c, *t.ParentID, t.Name, blob, WriteOptions{AutoRename: t.AutoRename, Replace: t.Replace, IfMatch: t.IfMatch, Lock: t.Lock})
	}
	if err != nil {
		return Item{}, err
	}
	if t.ItemID == nil && c.LinkID != "" {
		// A deposit in a drop box: its owner hears of it through the portal.
		err = events.Record(ctx, tx, events.Event{Kind: events.Drop, Actor: c.UserID, ItemID: it.ID, ItemName: it.Name,
			Recipient: &events.Recipient{Kind: "folder", ID: t.ParentID.String()}})
	}
	return it, err
}

// AbortUpload removes a failed or abandoned upload's blob, object (and unfinished
// multipart upload) first, then gives its reservation back. It runs after the request's
// own context may have ended, so it uses its own; whatever it cannot remove, the
// lease's end lets the sweepers remove.
func (s *Service) AbortUpload(p PendingUpload) {
	s.discardBlob(storedBlob{ID: p.BlobID, Key: p.Key})
	ctx := context.WithoutCancel(context.Background())
	if err := p.Reservation.Release(ctx, s.db); err != nil {
		s.log.Warn("release quota reservation", "reservation", p.Reservation.ID, "err", err)
	}
}

// AbortUploadTx gives the reservation back and drops the pending blob's row in the
// caller's transaction, for a resumable upload whose parts its own store removes.
func AbortUploadTx(ctx context.Context, tx pgx.Tx, p PendingUpload) error {
	if err := p.Reservation.End(ctx, tx); err != nil {
		return err
	}
	return dropUnreferencedBlob(ctx, tx, p.BlobID)
}

// FillUpload streams the whole of an admitted upload, size bytes, into its blob, and
// tells what it holds: its type sniffed from its first bytes, its hash computed on
// the way. A body longer than size fails with too_large.
func (s *Service) FillUpload(ctx context.Context, p PendingUpload, body io.Reader, size int64) (StoredContent, error) {
	return s.storeBlob(ctx, p.Key, body, size, size)
}
