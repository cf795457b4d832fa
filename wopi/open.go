package wopi

import (
	"bytes"
	"context"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/workspace"
)

// Editor is what a portal needs to open a file in the office editor: it POSTs
// access_token and access_token_ttl in a form to ActionURL, into an iframe.
type Editor struct {
	ItemID      uuid.UUID
	ActionURL   string
	AccessToken string
	// TTL is when the token expires, in milliseconds since the epoch (WOPI's
	// access_token_ttl).
	TTL     int64
	Expires time.Time
	Mode    Mode
	Action  string
	App     string
	Item    workspace.Item
}

// errUnsupported is a file the office server does not handle.
func errUnsupported(ext string) error {
	e := cartable.Errorf(cartable.EUnsupportedMediaType, "the office server has no action for %q files", ext).With("extension", ext)
	e.MessageFR = "L'éditeur en ligne ne sait pas ouvrir ce type de fichier."
	e.MessageEN = "The online editor cannot open this type of file."
	return e
}

// extOf is a name's extension, lower-case, without its dot.
func extOf(name string) string { return strings.ToLower(strings.TrimPrefix(path.Ext(name), ".")) }

// Open answers how the caller opens a file: in edit mode when they may change it,
// else in view mode; an item they cannot see is not found.
func (h *Host) Open(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Editor, error) {
	d, err := h.disc.Current(ctx)
	if err != nil {
		return Editor{}, err
	}
	it, err := h.ws.Item(ctx, c, id)
	if err != nil {
		return Editor{}, err
	}
	if it.IsFolder() {
		return Editor{}, cartable.Errorf(cartable.EInvalid, "item %s is a folder: only files open in the editor", id)
	}
	mode, names := ModeView, []string{ActionView, ActionEdit}
	if it.Rights.Edit {
		mode, names = ModeEdit, []string{ActionEdit, ActionView}
	}
	a, ok := d.Action(extOf(it.Name), names...)
	if !ok {
		return Editor{}, errUnsupported(extOf(it.Name))
	}
	if a.Name == ActionView {
		mode = ModeView
	}
	return h.editor(c, it, a, mode), nil
}

func (h *Host) editor(c *cartable.Caller, it workspace.Item, a Action, mode Mode) Editor {
	token, expires := h.tokens.Sign(c.UserID, it.ID, mode)
	return Editor{ItemID: it.ID, ActionURL: FillURLSrc(a.URLSrc, h.WOPISrc(it.ID)), AccessToken: token,
		TTL: expires.UnixMilli(), Expires: expires, Mode: mode, Action: a.Name, App: a.App, Item: it}
}

// NewDocumentTypes are the blank documents a folder may get.
var NewDocumentTypes = []string{"odt", "ods", "odp", "docx", "xlsx", "pptx"}

// NewDocument creates a blank document of a type in a folder and opens it. With an
// editnew action (OnlyOffice, Microsoft), the file is empty, and the office server
// makes the blank document of its type and saves it (WOPI allows a PutFile on an
// unlocked empty file). Collabora has no editnew, and older builds of it open an
// empty file as plain text whatever its extension (recent LibreOffice cores open it
// by its extension), so an OpenDocument file gets a minimal valid package instead;
// an OOXML file without editnew stays empty.
func (h *Host) NewDocument(ctx context.Context, c *cartable.Caller, folderID uuid.UUID, name, kind string) (Editor, error) {
	kind = strings.ToLower(kind)
	if !isNewDocumentType(kind) {
		return Editor{}, cartable.Errorf(cartable.EInvalid, "a new document is one of %s", strings.Join(NewDocumentTypes, ", ")).With("type", kind)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Nouveau document"
	}
	if extOf(name) != kind {
		name += "." + kind
	}
	d, err := h.disc.Current(ctx)
	if err != nil {
		return Editor{}, err
	}
	a, ok := d.Action(kind, ActionEditNew, ActionEdit)
	if !ok {
		return Editor{}, errUnsupported(kind)
	}
	var body []byte
	if a.Name != ActionEditNew {
		body = blankODF(kind)
	}
	it, err := h.ws.UploadFile(ctx, c, folderID, workspace.Upload{Name: name, Body: bytes.NewReader(body), Size: int64(len(body))}, workspace.WriteOptions{AutoRename: true})
	if err != nil {
		return Editor{}, err
	}
	return h.editor(c, it, a, ModeEdit), nil
}

func isNewDocumentType(kind string) bool {
	for _, k := range NewDocumentTypes {
		if k == kind {
			return true
		}
	}
	return false
}
