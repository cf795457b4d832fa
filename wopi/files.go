package wopi

import (
	"context"
	"errors"
	"io"
	"path"
	"strings"
	"time"

	"cartable"
	"cartable/lock"
	"cartable/workspace"
)

// FileInfo is CheckFileInfo's answer, with WOPI's own property names.
type FileInfo struct {
	BaseFileName               string
	Size                       int64
	OwnerId                    string //nolint:revive // WOPI's name
	UserId                     string //nolint:revive // WOPI's name
	UserFriendlyName           string
	Version                    string
	LastModifiedTime           string
	FileExtension              string
	BreadcrumbBrandName        string
	BreadcrumbFolderName       string
	UserCanWrite               bool
	ReadOnly                   bool
	UserCanNotWriteRelative    bool
	UserCanRename              bool
	SupportsLocks              bool
	SupportsGetLock            bool
	SupportsExtendedLockLength bool
	SupportsUpdate             bool
	SupportsRename             bool
	IsAnonymousUser            bool
}

// file loads the file a session is for, as the workspace lets its user see it.
func (h *Host) file(ctx context.Context, s Session) (workspace.Item, error) {
	it, err := h.ws.Item(ctx, s.Caller, s.Claims.ItemID)
	if err != nil {
		return workspace.Item{}, err
	}
	if it.IsFolder() {
		return workspace.Item{}, cartable.Errorf(cartable.ENotFound, "item %s is a folder", it.ID)
	}
	return it, nil
}

// CheckFileInfo describes the file and what the session's user may do with it.
func (h *Host) CheckFileInfo(ctx context.Context, s Session) (FileInfo, error) {
	it, err := h.file(ctx, s)
	if err != nil {
		return FileInfo{}, err
	}
	write := s.canEdit() && it.Rights.Edit
	folder, canAddBeside := h.folderOf(ctx, s, it)
	name := s.Caller.DisplayName
	if name == "" {
		name = s.Caller.UserID
	}
	return FileInfo{
		BaseFileName: it.Name, Size: it.Size, OwnerId: it.CreatedBy, UserId: s.Caller.UserID,
		UserFriendlyName: name, Version: version(it), LastModifiedTime: ModifiedTime(it),
		FileExtension: path.Ext(it.Name), BreadcrumbBrandName: "Cartable", BreadcrumbFolderName: folder,
		UserCanWrite: write, ReadOnly: !write, UserCanNotWriteRelative: !(s.canEdit() && canAddBeside),
		UserCanRename: write, SupportsLocks: true, SupportsGetLock: true, SupportsExtendedLockLength: true,
		SupportsUpdate: true, SupportsRename: true,
	}, nil
}

// folderOf names the folder holding a file (its space's name at the top of a space)
// and whether the user may add files to it, when they can see it.
func (h *Host) folderOf(ctx context.Context, s Session, it workspace.Item) (string, bool) {
	if it.ParentID == nil {
		return it.Space.Name, false
	}
	parent, err := h.ws.Item(ctx, s.Caller, *it.ParentID)
	if err != nil {
		return "", false
	}
	name := parent.Name
	if parent.IsRoot() || name == "" {
		name = it.Space.Name
	}
	return name, parent.Rights.Add
}

// version is the file's version as WOPI sees it: its current version's id.
func version(it workspace.Item) string {
	if it.CurrentVersionID == nil {
		return ""
	}
	return it.CurrentVersionID.String()
}

// ErrTooLargeForClient is a GetFile whose file is larger than the office server
// takes (X-WOPI-MaxExpectedSize): 412.
var ErrTooLargeForClient = errors.New("wopi: the file is larger than the client expects")

// GetFile returns the file's current content, to be streamed. maxSize < 0: no
// limit.
func (h *Host) GetFile(ctx context.Context, s Session, maxSize int64) (workspace.Content, error) {
	content, err := h.ws.Content(ctx, s.Caller, s.Claims.ItemID, nil)
	if err != nil {
		return workspace.Content{}, err
	}
	if maxSize >= 0 && content.Version.Size > maxSize {
		return workspace.Content{}, ErrTooLargeForClient
	}
	return content, nil
}

// PutFile stores a new version of the file, authored by the session's user and
// charged to the quota of the space holding it, under the lock the office server
// presents. An unlocked file takes a PutFile only while it has no byte yet (a new
// document: WOPI's rule); any other write to an unlocked or otherwise locked file
// is a lock mismatch.
func (h *Host) PutFile(ctx context.Context, s Session, lockToken string, body io.Reader, size int64) (workspace.Item, error) {
	if !s.canEdit() {
		return workspace.Item{}, ErrNotAllowed
	}
	it, err := h.file(ctx, s)
	if err != nil {
		return workspace.Item{}, err
	}
	if !it.Rights.Edit {
		return workspace.Item{}, ErrNotAllowed
	}
	current, locked, err := h.ws.LockOf(ctx, s.Caller, it.ID)
	if err != nil {
		return workspace.Item{}, err
	}
	opts := workspace.WriteOptions{Lock: lockToken}
	switch {
	case locked && current.Token != lockToken:
		return workspace.Item{}, mismatchWith(current)
	case !locked && it.Size != 0:
		return workspace.Item{}, &LockMismatch{Reason: "the file is not locked"}
	case !locked:
		// Only while still empty: the ETag read with the size goes with the write.
		opts.IfMatch = it.ETag()
	}
	updated, err := h.ws.NewVersion(ctx, s.Caller, it.ID, workspace.Upload{Body: body, Size: size}, opts)
	if cartable.IsCode(err, cartable.EPreconditionFailed) {
		return workspace.Item{}, &LockMismatch{Reason: "the file changed while it was not locked"}
	}
	if err != nil {
		return workspace.Item{}, h.writeRefusal(err)
	}
	return updated, nil
}

// mismatchWith is the lock mismatch of a write under another lock than l.
func mismatchWith(l lock.Lock) *LockMismatch {
	if l.Protocol != lock.WOPI {
		return &LockMismatch{Reason: "the file is locked by another application"}
	}
	return &LockMismatch{Current: l.Token, Reason: "the file is locked with another lock"}
}

// ModifiedTime is the file's LastModifiedTime, as CheckFileInfo gives it.
func ModifiedTime(it workspace.Item) string { return it.ModifiedAt.UTC().Format(time.RFC3339Nano) }

// Version returns the file's version after a write.
func Version(it workspace.Item) string { return version(it) }

// Rename renames the file: requested is the new name without its extension, which
// stays. A name taken beside it gets a number ("Exposé (2)"), as WOPI lets a host
// do. It answers the name given, without its extension.
func (h *Host) Rename(ctx context.Context, s Session, lockToken, requested string) (string, error) {
	if !s.canEdit() {
		return "", ErrNotAllowed
	}
	it, err := h.file(ctx, s)
	if err != nil {
		return "", err
	}
	ext := path.Ext(it.Name)
	name, err := workspace.NormalizeName(requested + ext)
	if err != nil {
		return "", err
	}
	updated, err := h.ws.Update(ctx, s.Caller, it.ID, workspace.Patch{Name: &name}, workspace.WriteOptions{Lock: lockToken, AutoRename: true})
	if err != nil {
		return "", h.writeRefusal(err)
	}
	return strings.TrimSuffix(updated.Name, ext), nil
}

// writeRefusal turns the workspace's refusals of a write into WOPI's.
func (h *Host) writeRefusal(err error) error {
	for _, code := range []cartable.Code{cartable.EForbidden, cartable.ENotAuthor, cartable.EReadOnlyFolder, cartable.ESpaceArchived} {
		if cartable.IsCode(err, code) {
			return ErrNotAllowed
		}
	}
	return mismatchOf(err)
}
