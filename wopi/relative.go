package wopi

import (
	"context"
	"io"
	"path"
	"strings"
	"unicode"

	"cartable"
	"cartable/workspace"
)

// RelativeRequest is a PutRelativeFile ("save as"): a new file beside the one the
// session is on, with either a suggested name, which Cartable may change to make
// the save succeed, or an exact one, which it must not.
type RelativeRequest struct {
	// Suggested is X-WOPI-SuggestedTarget, decoded: a full name, or only an
	// extension (".pdf") to put after the current file's name.
	Suggested string
	// Relative is X-WOPI-RelativeTarget, decoded: the exact name.
	Relative string
	// Overwrite lets an exact name replace an unlocked file bearing it (as its next
	// version).
	Overwrite bool
	Body      io.Reader
	Size      int64
}

// NameTaken is an exact name already borne by a file of the folder (409): Valid is
// a name that would be accepted.
type NameTaken struct{ Valid string }

func (e *NameTaken) Error() string { return "wopi: the name is taken; " + e.Valid + " is free" }

// Created is a file a PutRelativeFile made, and a token for it.
type Created struct {
	Item    workspace.Item
	URL     string // WOPISrc with its access token
	Token   string
	Expires int64
}

// PutRelative saves the body as a new file in the folder of the session's file.
func (h *Host) PutRelative(ctx context.Context, s Session, r RelativeRequest) (Created, error) {
	if !s.canEdit() {
		return Created{}, ErrNotAllowed
	}
	it, err := h.file(ctx, s)
	if err != nil {
		return Created{}, err
	}
	if it.ParentID == nil {
		return Created{}, ErrNotAllowed
	}
	folder := *it.ParentID
	if _, err := h.ws.Item(ctx, s.Caller, folder); err != nil {
		return Created{}, ErrNotAllowed // a file shared alone: its folder is not the user's to write in
	}
	name, opts := r.Relative, workspace.WriteOptions{Replace: r.Overwrite}
	if r.Relative == "" {
		name, opts = suggestedName(r.Suggested, it.Name), workspace.WriteOptions{AutoRename: true}
	}
	created, err := h.ws.UploadFile(ctx, s.Caller, folder, workspace.Upload{Name: name, Body: r.Body, Size: r.Size}, opts)
	if cartable.IsCode(err, cartable.ENameConflict) {
		valid, ferr := h.ws.FreeName(ctx, s.Caller, folder, name)
		if ferr != nil {
			return Created{}, ferr
		}
		return Created{}, &NameTaken{Valid: valid}
	}
	if err != nil {
		return Created{}, h.writeRefusal(err)
	}
	mode := ModeView
	if created.Rights.Edit {
		mode = ModeEdit
	}
	token, expires := h.tokens.Sign(s.Caller.UserID, created.ID, mode)
	return Created{Item: created, Token: token, Expires: expires.UnixMilli(),
		URL: h.WOPISrc(created.ID) + "?access_token=" + token}, nil
}

// suggestedName makes a legal name of a suggestion: an extension alone goes after
// the current file's name; characters a name may not hold become "_".
func suggestedName(suggested, current string) string {
	if strings.HasPrefix(suggested, ".") {
		suggested = strings.TrimSuffix(current, path.Ext(current)) + suggested
	}
	cleaned := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(suggested))
	if _, err := workspace.NormalizeName(cleaned); err != nil || strings.HasPrefix(cleaned, ".") {
		cleaned = "Document" + path.Ext(cleaned)
	}
	return cleaned
}
