package dav

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/lock"
	"cartable/workspace"
)

// get answers GET and HEAD of a file: ranges, ETag and the conditional headers
// through net/http's ServeContent, over the workspace's content reader. A folder
// has no content (405).
func (req *request) get() error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	if junk(segs) {
		return statusError(http.StatusNotFound, "not kept here")
	}
	res, err := req.tree.mustResolve(segs)
	if err != nil {
		return err
	}
	if res.collection() {
		req.w.Header().Set("Allow", "OPTIONS, PROPFIND, MKCOL, PUT, LOCK, UNLOCK, COPY, MOVE, DELETE")
		return statusError(http.StatusMethodNotAllowed, "a folder has no content: list it with PROPFIND")
	}
	read := req.Workspace.Content // a GET is an open (the caller's recent files); a HEAD only looks
	if req.r.Method == http.MethodHead {
		read = req.Workspace.Peek
	}
	content, err := read(req.ctx, req.caller, res.item.ID, nil)
	if err != nil {
		return err
	}
	h := req.w.Header()
	h.Set("ETag", content.Item.ETag())
	h.Set("Content-Type", contentType(content.Version.MimeType))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	// A browser opening the URL saves the file rather than running it on this origin.
	h.Set("Content-Disposition", "attachment")
	h.Set("Content-Security-Policy", "sandbox")
	body := &lazyContent{ctx: req.ctx, content: content, size: content.Version.Size}
	defer body.Close()
	http.ServeContent(bigCopies{req.w}, req.r, "", content.Item.ModifiedAt, body)
	return nil
}

// bigCopies copies a file's bytes to the client a MiB at a time rather than
// io.Copy's 32 KiB: fewer reads of the object store's stream, fewer writes.
type bigCopies struct{ http.ResponseWriter }

func (b bigCopies) ReadFrom(r io.Reader) (int64, error) {
	return io.CopyBuffer(writerOnly{b.ResponseWriter}, r, make([]byte, 1<<20))
}

// writerOnly hides ReadFrom, so that CopyBuffer uses the buffer.
type writerOnly struct{ io.Writer }

// lazyContent is a file's content as an io.ReadSeeker: a seek only moves the
// position, and the object is opened from there at the first read (once per
// range).
type lazyContent struct {
	ctx     context.Context
	content workspace.Content
	size    int64
	pos     int64
	body    io.ReadCloser
}

func (l *lazyContent) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += l.pos
	case io.SeekEnd:
		offset += l.size
	}
	if offset < 0 {
		return 0, errors.New("seek before the start")
	}
	if offset != l.pos {
		l.Close()
	}
	l.pos = offset
	return offset, nil
}

func (l *lazyContent) Read(p []byte) (int, error) {
	if l.pos >= l.size {
		return 0, io.EOF
	}
	if l.body == nil {
		body, err := l.content.Open(l.ctx, l.pos, l.size-l.pos)
		if err != nil {
			return 0, err
		}
		l.body = body
	}
	n, err := l.body.Read(p)
	l.pos += int64(n)
	return n, err
}

func (l *lazyContent) Close() error {
	if l.body == nil {
		return nil
	}
	err := l.body.Close()
	l.body = nil
	return err
}

// propfind answers PROPFIND of Depth 0 or 1 (infinity is refused, RFC 4918 9.1),
// streaming a folder's children a page at a time.
func (req *request) propfind() error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	if junk(segs) {
		return statusError(http.StatusNotFound, "not kept here")
	}
	// What the caller may not see is 404 whatever else the request says.
	res, err := req.tree.mustResolve(segs)
	if err != nil {
		return err
	}
	depth := req.r.Header.Get("Depth")
	switch strings.ToLower(depth) {
	case "0", "1":
	case "", "infinity":
		return &davError{status: http.StatusForbidden, detail: "Depth: infinity is not served", element: "propfind-finite-depth"}
	default:
		return statusError(http.StatusBadRequest, "Depth is 0, 1 or infinity")
	}
	body, err := readBody(req.r)
	if err != nil {
		return err
	}
	pf, err := parsePropfind(body)
	if err != nil {
		return err
	}
	self, err := req.view(pf, res, nil, nil)
	if err != nil {
		return err
	}
	ms := startMultistatus(req.w)
	req.writeProps(ms, pf, self)
	if depth == "1" && res.collection() {
		if err := req.listChildren(ms, pf, res); err != nil {
			// The status is sent: the answer can only be cut short.
			req.Log.WarnContext(req.ctx, "dav listing cut short", "err", err, "path", req.r.URL.Path)
			panic(http.ErrAbortHandler)
		}
	}
	return ms.end()
}

// view gathers what the properties of res are read from: its lock (given, from a
// listing's one query, or read) and its space's quota when asked.
func (req *request) view(pf propfind, res *resource, locks map[uuid.UUID]lock.Lock, dead map[uuid.UUID][]workspace.Property) (view, error) {
	v := view{res: res, href: href(req.Prefix, res.segs, res.collection())}
	if res.kind != kindItem {
		return v, nil
	}
	if pf.wantsLocks() {
		if locks != nil {
			if l, ok := locks[res.item.ID]; ok {
				v.lock = &l
			}
		} else {
			l, ok, err := req.Workspace.LockOf(req.ctx, req.caller, res.item.ID)
			if err != nil {
				return v, err
			}
			if ok {
				v.lock = &l
			}
		}
	}
	if pf.wantsDead() {
		if dead != nil {
			v.dead = dead[res.item.ID]
		} else {
			var err error
			if v.dead, err = req.Workspace.Properties(req.ctx, req.caller, res.item.ID); err != nil {
				return v, err
			}
		}
	}
	if pf.wantsQuota() && res.item.IsFolder() {
		u, err := req.spaceUsage(res.item.SpaceID)
		if err != nil {
			return v, err
		}
		v.quota = u
	}
	return v, nil
}

// listChildren writes a response for each child of a collection.
func (req *request) listChildren(ms *multistatus, pf propfind, res *resource) error {
	switch res.kind {
	case kindRoot:
		return req.listTop(ms, pf, res)
	case kindShared:
		return req.listShared(ms, pf, res)
	}
	locks := map[uuid.UUID]lock.Lock{}
	dead := map[uuid.UUID][]workspace.Property{}
	var err error
	if pf.wantsLocks() {
		if locks, err = req.Workspace.ChildLocks(req.ctx, req.caller, res.item.ID); err != nil {
			return err
		}
	}
	if pf.wantsDead() {
		if dead, err = req.Workspace.ChildProperties(req.ctx, req.caller, res.item.ID); err != nil {
			return err
		}
	}
	// The next page is read while this one is written: the database and the
	// encoding overlap.
	ctx, cancel := context.WithCancel(req.ctx)
	defer cancel()
	for p := range req.pages(ctx, res.item.ID) {
		if p.err != nil {
			return p.err
		}
		for _, it := range p.page.Items {
			child := &resource{kind: kindItem, item: it, segs: append(res.segs[:len(res.segs):len(res.segs)], it.Name)}
			v, err := req.view(pf, child, locks, dead)
			if err != nil {
				return err
			}
			req.writeProps(ms, pf, v)
		}
		ms.flush()
	}
	return nil
}

type pageOrError struct {
	page workspace.Page
	err  error
}

// pages reads a folder's children a page at a time, one page ahead of its reader.
func (req *request) pages(ctx context.Context, folderID uuid.UUID) <-chan pageOrError {
	out := make(chan pageOrError, 1)
	go func() {
		defer close(out)
		page := cartable.PageRequest{Limit: cartable.MaxPageSize}
		for {
			children, err := req.Workspace.Children(ctx, req.caller, folderID, workspace.ListOptions{Bare: true, PageRequest: page})
			select {
			case out <- pageOrError{children, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || children.NextCursor == "" {
				return
			}
			page.Cursor = children.NextCursor
		}
	}()
	return out
}

// listTop lists the caller's spaces and the shared folder.
func (req *request) listTop(ms *multistatus, pf propfind, res *resource) error {
	entries, err := req.tree.topEntries()
	if err != nil {
		return err
	}
	for _, e := range entries {
		child := &resource{kind: kindShared, segs: []string{e.name}}
		if e.id != uuid.Nil {
			it, _, err := req.Workspace.Walk(req.ctx, req.caller, e.id, nil)
			if err != nil {
				return err
			}
			child = &resource{kind: kindItem, item: it, segs: []string{e.name}, top: true}
		}
		v, err := req.view(pf, child, nil, nil)
		if err != nil {
			return err
		}
		req.writeProps(ms, pf, v)
	}
	return nil
}

// listShared lists the items shared with the caller.
func (req *request) listShared(ms *multistatus, pf propfind, res *resource) error {
	entries, err := req.tree.sharedEntries()
	if err != nil {
		return err
	}
	for _, e := range entries {
		it, _, err := req.Workspace.Walk(req.ctx, req.caller, e.id, nil)
		if err != nil {
			return err
		}
		child := &resource{kind: kindItem, item: it, segs: []string{res.segs[0], e.name}, top: true}
		v, err := req.view(pf, child, nil, nil)
		if err != nil {
			return err
		}
		req.writeProps(ms, pf, v)
	}
	return nil
}

// lockTTL reads the Timeout header (RFC 4918 10.7): the first Second-n it offers,
// bounded to lock.MaxTTL; "Infinite" or nothing is the default half hour, which
// clients refresh.
func lockTTL(header string) time.Duration {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if secs, ok := strings.CutPrefix(part, "Second-"); ok {
			var n int64
			for _, r := range secs {
				if r < '0' || r > '9' || n > int64(lock.MaxTTL/time.Second) {
					break
				}
				n = n*10 + int64(r-'0')
			}
			if n > 0 {
				return min(time.Duration(n)*time.Second, lock.MaxTTL)
			}
		}
	}
	return lock.DefaultTTL
}
