package dav

import (
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"cartable/workspace"
)

// put stores the body as a new file, or as the next version of the file at the
// URL. Its quota is reserved from Content-Length before the body is read, up to
// the streamed limit (workspace.Upload.Streamed); a full quota is 507.
func (req *request) put() error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	if junk(segs) {
		req.w.WriteHeader(http.StatusCreated)
		return nil
	}
	if req.r.Header.Get("Content-Range") != "" {
		return statusError(http.StatusBadRequest, "a PUT sends the whole file (no Content-Range)")
	}
	res, missing, err := req.tree.resolve(segs)
	if err != nil {
		return err
	}
	var it workspace.Item
	status := http.StatusNoContent
	switch {
	case len(missing) == 0 && res.collection():
		return statusError(http.StatusMethodNotAllowed, "a folder cannot be written to; PUT a file inside it")
	case len(missing) == 0:
		it, err = req.putVersion(res)
	default:
		if it, err = req.putNew(res, missing); err == nil && !it.Replaced() {
			status = http.StatusCreated
		}
	}
	if err != nil {
		return err
	}
	req.w.Header().Set("ETag", it.ETag())
	req.w.Header().Set("Last-Modified", it.ModifiedAt.UTC().Format(http.TimeFormat))
	req.w.WriteHeader(status)
	return nil
}

// putVersion makes the body the next version of the file res.
func (req *request) putVersion(res *resource) (workspace.Item, error) {
	tokens, err := req.conditions(res, nil)
	if err != nil {
		return workspace.Item{}, err
	}
	if req.r.Header.Get("If-None-Match") == "*" {
		return workspace.Item{}, statusError(http.StatusPreconditionFailed, "the file exists")
	}
	return req.upload(tokens, func(up workspace.Upload, opts workspace.WriteOptions) (workspace.Item, error) {
		opts.IfMatch = ifMatch(req.r)
		return req.Workspace.NewVersion(req.ctx, req.caller, res.item.ID, up, opts)
	})
}

// putNew stores the body as a new file named missing[0] in the folder res.
func (req *request) putNew(res *resource, missing []string) (workspace.Item, error) {
	parent, err := creatable(res, missing)
	if err != nil {
		return workspace.Item{}, err
	}
	if req.r.Header.Get("If-Match") != "" {
		return workspace.Item{}, statusError(http.StatusPreconditionFailed, "no file is here to match")
	}
	tokens, err := req.conditions(nil, parent)
	if err != nil {
		return workspace.Item{}, err
	}
	return req.upload(tokens, func(up workspace.Upload, opts workspace.WriteOptions) (workspace.Item, error) {
		up.Name = missing[0]
		opts.Replace = true // a file created meanwhile gets this as its next version
		return req.Workspace.UploadFile(req.ctx, req.caller, parent.item.ID, up, opts)
	})
}

// upload runs a write of the request's body with the submitted lock tokens. A
// write refused for a lock is tried again with the token that holds it only while
// no byte of the body was read (the pipeline checks locks before it reads).
func (req *request) upload(tokens []string, write func(workspace.Upload, workspace.WriteOptions) (workspace.Item, error)) (workspace.Item, error) {
	body := &touched{r: req.r.Body}
	up := workspace.Upload{Body: body, Size: req.r.ContentLength, Streamed: true}
	var it workspace.Item
	var last error
	err := withLocks(tokens, func(opts workspace.WriteOptions) error {
		if body.read {
			return last
		}
		it, last = write(up, opts)
		return last
	})
	return it, err
}

// touched tells whether a body was read at all.
type touched struct {
	r    io.Reader
	read bool
}

func (t *touched) Read(p []byte) (int, error) {
	t.read = true
	return t.r.Read(p)
}

// ifMatch is the If-Match header as the workspace checks it (one entity tag).
func ifMatch(r *http.Request) string {
	return strings.TrimSpace(r.Header.Get("If-Match"))
}

// creatable returns the folder a new item named missing[0] goes in: res must be a
// folder, and the new item its direct child (a missing parent is 409); the root and
// "Partagés avec moi" take no new items (403).
func creatable(res *resource, missing []string) (*resource, error) {
	if len(missing) > 1 {
		return nil, statusError(http.StatusConflict, "the parent folder does not exist")
	}
	if res.kind != kindItem {
		return nil, statusError(http.StatusForbidden, "new items go inside a space, not beside them")
	}
	if !res.item.IsFolder() {
		return nil, statusError(http.StatusConflict, "the parent is a file")
	}
	return res, nil
}

// mkcol creates a folder. A body is 415 (no extended MKCOL), an existing URL 405.
func (req *request) mkcol() error {
	if req.r.ContentLength > 0 || len(req.r.TransferEncoding) > 0 {
		return statusError(http.StatusUnsupportedMediaType, "MKCOL takes no body")
	}
	segs, err := req.segments()
	if err != nil {
		return err
	}
	res, missing, err := req.tree.resolve(segs)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return statusError(http.StatusMethodNotAllowed, "something already exists here")
	}
	parent, err := creatable(res, missing)
	if err != nil {
		return err
	}
	tokens, err := req.conditions(nil, parent)
	if err != nil {
		return err
	}
	err = withLocks(tokens, func(opts workspace.WriteOptions) error {
		_, err := req.Workspace.CreateFolder(req.ctx, req.caller, parent.item.ID, missing[0], opts)
		return err
	})
	if err != nil {
		return err
	}
	req.w.Header().Set("Location", href(req.Prefix, segs, true))
	req.w.WriteHeader(http.StatusCreated)
	return nil
}

// delete puts the item in the trash, whence its owner or a manager may restore it
// in the portal; WebDAV never purges.
func (req *request) delete() error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	if junk(segs) {
		req.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	res, err := req.tree.mustResolve(segs)
	if err != nil {
		return err
	}
	if d := req.r.Header.Get("Depth"); d != "" && !strings.EqualFold(d, "infinity") {
		return statusError(http.StatusBadRequest, "DELETE takes Depth: infinity")
	}
	if res.kind != kindItem || res.top {
		return statusError(http.StatusForbidden, "spaces and shared items are removed in the portal, not here")
	}
	tokens, err := req.conditions(res, nil)
	if err != nil {
		return err
	}
	err = withLocks(tokens, func(opts workspace.WriteOptions) error {
		opts.IfMatch = ifMatch(req.r)
		return req.Workspace.Trash(req.ctx, req.caller, res.item.ID, opts)
	})
	if err != nil {
		return err
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}

// copyMove copies or moves the item to the Destination. With Overwrite: T (the
// default), an item already there goes to the trash first; with F, it is 412.
func (req *request) copyMove(move bool) error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	src, err := req.tree.mustResolve(segs)
	if err != nil {
		return err
	}
	if src.kind != kindItem || src.top {
		return statusError(http.StatusForbidden, "spaces and shared items stay where they are")
	}
	depth := strings.ToLower(req.r.Header.Get("Depth"))
	if depth != "" && depth != "infinity" && (move || depth != "0") {
		return statusError(http.StatusBadRequest, "Depth is infinity (or 0 for a COPY)")
	}
	dstSegs, err := req.destination()
	if err != nil {
		return err
	}
	if len(dstSegs) == 0 {
		return statusError(http.StatusForbidden, "the root holds only spaces")
	}
	dst, missing, err := req.tree.resolve(dstSegs)
	if err != nil {
		return err
	}
	tokens, err := req.conditions(src, nil)
	if err != nil {
		return err
	}
	name := dstSegs[len(dstSegs)-1]
	parent, status, err := req.slot(move, src, dst, missing, dstSegs, tokens)
	if err != nil {
		return err
	}
	err = withLocks(tokens, func(opts workspace.WriteOptions) error {
		return req.place(move, depth == "0", src, parent.item.ID, name, opts)
	})
	if err != nil {
		return err
	}
	req.w.Header().Set("Location", href(req.Prefix, dstSegs, src.collection()))
	req.w.WriteHeader(status)
	return nil
}

// slot finds the folder the item goes in, making room at the destination: 201
// when it was free, 204 when what was there went to the trash.
func (req *request) slot(move bool, src, dst *resource, missing, dstSegs, tokens []string) (*resource, int, error) {
	switch {
	case len(missing) > 0:
		parent, err := creatable(dst, missing)
		return parent, http.StatusCreated, err
	case dst.kind == kindItem && dst.item.ID == src.item.ID:
		if !move || dstSegs[len(dstSegs)-1] == src.item.Name {
			return nil, 0, statusError(http.StatusForbidden, "the source and the destination are the same")
		}
		// A change of case only: a rename in place.
		parent, _, err := req.tree.resolve(dstSegs[:len(dstSegs)-1])
		return parent, http.StatusCreated, err
	}
	parent, err := req.replace(dst, dstSegs, tokens)
	return parent, http.StatusNoContent, err
}

// replace makes room at an existing destination: 412 without Overwrite: T, else
// the item there goes to the trash. It returns the destination's folder.
func (req *request) replace(dst *resource, dstSegs []string, tokens []string) (*resource, error) {
	if dst.kind != kindItem || dst.top {
		return nil, statusError(http.StatusForbidden, "spaces and shared items cannot be overwritten")
	}
	if strings.EqualFold(req.r.Header.Get("Overwrite"), "F") {
		return nil, statusError(http.StatusPreconditionFailed, "the destination exists and Overwrite is F")
	}
	parent, _, err := req.tree.resolve(dstSegs[:len(dstSegs)-1])
	if err != nil {
		return nil, err
	}
	err = withLocks(tokens, func(opts workspace.WriteOptions) error {
		return req.Workspace.Trash(req.ctx, req.caller, dst.item.ID, opts)
	})
	return parent, err
}

// place moves or copies src into the folder parentID under name. A COPY of Depth
// 0 of a folder makes an empty folder.
func (req *request) place(move, shallow bool, src *resource, parentID uuid.UUID, name string, opts workspace.WriteOptions) error {
	var err error
	switch {
	case move:
		_, err = req.Workspace.Update(req.ctx, req.caller, src.item.ID, workspace.Patch{Name: &name, ParentID: &parentID}, opts)
	case shallow && src.item.IsFolder():
		_, err = req.Workspace.CreateFolder(req.ctx, req.caller, parentID, name, opts)
	default:
		_, err = req.Workspace.Copy(req.ctx, req.caller, src.item.ID, parentID, &name, opts)
	}
	return err
}
