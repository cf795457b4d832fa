package dav

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"cartable/lock"
	"cartable/workspace"
)

// lock takes an exclusive write lock (RFC 4918 9.10) through the workspace, with
// protocol DAV: it is the caller's own, and a WOPI editing session or someone
// else's WebDAV lock on the item is 423. A LOCK without a body refreshes the lock
// whose token the If header submits. A LOCK of an unmapped URL creates an empty
// file there (201), as Windows and Office expect before their PUT.
func (req *request) lock() error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	body, err := readBody(req.r)
	if err != nil {
		return err
	}
	ttl := lockTTL(req.r.Header.Get("Timeout"))
	res, missing, err := req.tree.resolve(segs)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if len(missing) > 0 {
			return statusError(http.StatusNotFound, "nothing at this path to refresh")
		}
		return req.refresh(res, ttl)
	}
	li, err := parseLockinfo(body)
	if err != nil {
		return err
	}
	if !li.exclusive {
		return statusError(http.StatusNotImplemented, "only exclusive write locks are served")
	}
	depth := strings.ToLower(req.r.Header.Get("Depth"))
	if depth != "" && depth != "0" && depth != "infinity" {
		return statusError(http.StatusBadRequest, "a LOCK's Depth is 0 or infinity")
	}
	status := http.StatusOK
	if len(missing) > 0 {
		if res, err = req.createEmpty(res, missing, segs); err != nil {
			return err
		}
		status = http.StatusCreated
	}
	if res.kind != kindItem {
		return statusError(http.StatusForbidden, "the root and the shared folder cannot be locked")
	}
	if _, err := req.conditions(res, nil); err != nil {
		return err
	}
	owner := li.owner
	if len(owner) > 1024 {
		owner = "" // too long to keep (lock.Lock.App): the lock has no owner note
	}
	token := "opaquelocktoken:" + uuid.NewString()
	l, err := req.Workspace.Lock(req.ctx, req.caller, res.item.ID, lock.Request{
		Token: token, Protocol: lock.DAV, App: owner, Deep: depth != "0" && res.item.IsFolder(), TTL: ttl,
	})
	if err != nil {
		return err
	}
	req.w.Header().Set("Lock-Token", "<"+l.Token+">")
	return req.answerLock(status, l, res)
}

// createEmpty makes the empty file a LOCK of an unmapped URL creates.
func (req *request) createEmpty(res *resource, missing, segs []string) (*resource, error) {
	parent, err := creatable(res, missing)
	if err != nil {
		return nil, err
	}
	tokens, err := req.conditions(nil, parent)
	if err != nil {
		return nil, err
	}
	var it workspace.Item
	err = withLocks(tokens, func(opts workspace.WriteOptions) error {
		it, err = req.Workspace.UploadFile(req.ctx, req.caller, parent.item.ID,
			workspace.Upload{Name: missing[0], Body: strings.NewReader(""), Size: 0}, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &resource{kind: kindItem, item: it, segs: segs}, nil
}

// refresh extends the lock whose token the If header submits.
func (req *request) refresh(res *resource, ttl time.Duration) error {
	if res.kind != kindItem {
		return statusError(http.StatusPreconditionFailed, "no lock here")
	}
	tokens, err := req.conditions(res, nil)
	if err != nil {
		return err
	}
	if len(tokens) == 0 {
		return statusError(http.StatusBadRequest, "a refresh submits its lock token in the If header")
	}
	for _, token := range tokens {
		holder, ok, err := req.lockHolder(res, token)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		l, err := req.Workspace.RefreshLock(req.ctx, req.caller, holder, token, ttl)
		var le *lock.ConflictError
		if errors.As(err, &le) {
			continue
		}
		if err != nil {
			return err
		}
		return req.answerLock(http.StatusOK, l, res)
	}
	return statusError(http.StatusPreconditionFailed, "no submitted token is a lock of this resource")
}

// lockHolder finds the item whose lock token covers res: res itself, or a folder
// above it with a deep lock (a refresh may go through any resource the lock covers).
func (req *request) lockHolder(res *resource, token string) (uuid.UUID, bool, error) {
	ids := append([]uuid.UUID{res.item.ID}, res.item.Ancestors...)
	for _, id := range ids {
		l, ok, err := req.Workspace.LockOf(req.ctx, req.caller, id)
		if err != nil && statusOf(err) != http.StatusNotFound {
			return uuid.Nil, false, err
		}
		if ok && l.Token == token && (id == res.item.ID || l.Deep) {
			return id, true, nil
		}
	}
	return uuid.Nil, false, nil
}

func (req *request) answerLock(status int, l lock.Lock, res *resource) error {
	req.w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	req.w.WriteHeader(status)
	_, err := req.w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<D:prop xmlns:D="DAV:">` + req.activeLock(l, href(req.Prefix, res.segs, res.collection())) + `</D:prop>`))
	return err
}

// unlock removes the caller's lock named by the Lock-Token header. A token that is
// not the item's lock is 409 (RFC 4918 9.11.1).
func (req *request) unlock() error {
	token := strings.Trim(strings.TrimSpace(req.r.Header.Get("Lock-Token")), "<>")
	if token == "" {
		return statusError(http.StatusBadRequest, "UNLOCK needs a Lock-Token header")
	}
	segs, err := req.segments()
	if err != nil {
		return err
	}
	res, err := req.tree.mustResolve(segs)
	if err != nil {
		return err
	}
	if res.kind != kindItem {
		return statusError(http.StatusConflict, "no lock here")
	}
	err = req.Workspace.Unlock(req.ctx, req.caller, res.item.ID, token)
	var le *lock.ConflictError
	if errors.As(err, &le) {
		return &davError{status: http.StatusConflict, detail: "this token is not the resource's lock", element: "lock-token-matches-request-uri"}
	}
	if err != nil {
		return err
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, statusError(http.StatusBadRequest, "not a URL: %q", raw)
	}
	return u, nil
}
