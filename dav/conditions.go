package dav

import (
	"errors"
	"net/http"
	"slices"

	"cartable/lock"
	"cartable/workspace"
)

// conditions checks a write's If header against the resources it names (target,
// or parent when the target does not exist yet), and returns the lock tokens it
// submits. A header no list of which holds is 412.
func (req *request) conditions(target, parent *resource) ([]string, error) {
	raw := req.r.Header.Get("If")
	if raw == "" {
		return nil, nil
	}
	lists, err := parseIf(raw)
	if err != nil {
		return nil, err
	}
	for _, l := range lists {
		st, err := req.stateFor(l.tag, target, parent)
		if err != nil {
			return nil, err
		}
		if l.holds(st) {
			return submitted(lists), nil
		}
	}
	return nil, statusError(http.StatusPreconditionFailed, "the If header's conditions do not hold")
}

// stateFor is the state a list tagged with tag is tested against.
func (req *request) stateFor(tag string, target, parent *resource) (state, error) {
	if tag != "" {
		segs, err := req.tagged(tag)
		if err != nil {
			return state{}, nil // another server's resource: no state, nothing matches
		}
		res, missing, err := req.tree.resolve(segs)
		if err != nil && statusOf(err) != http.StatusNotFound {
			return state{}, err
		}
		if err != nil || len(missing) > 0 {
			return state{}, nil
		}
		target, parent = res, nil
	}
	if target != nil {
		return req.stateOf(target, true)
	}
	if parent != nil {
		st, err := req.stateOf(parent, false)
		st.etag = ""
		return st, err
	}
	return state{}, nil
}

// tagged reads the URL of a tagged list as path segments of this tree.
func (req *request) tagged(tag string) ([]string, error) {
	u, err := parseURL(tag)
	if err != nil {
		return nil, err
	}
	return splitPath(req.Prefix, u.EscapedPath())
}

// stateOf is a resource's entity tag and the tokens of the locks that cover it:
// its own (self) and the deep locks of the folders above it.
func (req *request) stateOf(res *resource, self bool) (state, error) {
	if res.kind != kindItem {
		return state{}, nil
	}
	st := state{etag: res.item.ETag()}
	ids := append(slices.Clone(res.item.Ancestors), res.item.ID)
	for _, id := range ids {
		l, ok, err := req.Workspace.LockOf(req.ctx, req.caller, id)
		if err != nil && statusOf(err) != http.StatusNotFound {
			return state{}, err
		}
		if ok && (l.Deep || (self && id == res.item.ID)) {
			st.tokens = append(st.tokens, l.Token)
		}
	}
	return st, nil
}

// withLocks runs a write, and again with the token of the WebDAV lock in its way
// when the request submitted that token (in its If header): a MOVE may meet its
// source's lock, then its destination folder's. Only WebDAV locks are held so: a
// WOPI lock's token belongs to an editing session, never to a WebDAV client, even
// one that learnt it.
func withLocks(tokens []string, write func(workspace.WriteOptions) error) error {
	opts := workspace.WriteOptions{}
	tried := map[string]bool{}
	for {
		err := write(opts)
		tried[opts.Lock] = true
		var le *lock.ConflictError
		if errors.As(err, &le) && le.Locked() && le.Current.Protocol == lock.DAV &&
			slices.Contains(tokens, le.Current.Token) && !tried[le.Current.Token] {
			opts.Lock = le.Current.Token
			continue
		}
		return err
	}
}
