package dav

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/google/uuid"

	"cartable"
	"cartable/workspace"
)

// SharedFolderName is the folder of the root that holds what others shared with
// the caller, as the portal names it.
const SharedFolderName = "Partagés avec moi"

// kind is what a URL names.
type kind int

const (
	kindRoot   kind = iota // /dav/: the caller's spaces
	kindShared             // /dav/Partagés avec moi/: the items shared with them
	kindItem               // a folder or a file
)

// resource is what a URL names, as the caller sees it.
type resource struct {
	kind kind
	item workspace.Item
	// segs are the URL's names down to it, as the client spelled them.
	segs []string
	// top: a space's root or a shared item at the top of "Partagés avec moi", which
	// WebDAV does not rename, move or trash (the portal manages them).
	top bool
}

func (r *resource) collection() bool { return r.kind != kindItem || r.item.IsFolder() }

// name is the last segment, the display name.
func (r *resource) name() string {
	if len(r.segs) == 0 {
		return ""
	}
	return r.segs[len(r.segs)-1]
}

// entry is a named folder of the root or of "Partagés avec moi".
type entry struct {
	name string
	id   uuid.UUID // the item at the top: a space's root, or the shared item
}

// tree resolves the caller's paths; it reads their spaces and shares once.
type tree struct {
	ws     *workspace.Service
	c      *cartable.Caller
	ctx    context.Context
	spaces []entry
	shared []entry
	loaded struct{ spaces, shared bool }
}

func newTree(ws *workspace.Service, c *cartable.Caller, ctx context.Context) *tree {
	return &tree{ws: ws, c: c, ctx: ctx}
}

// topEntries lists the folders of the root: the spaces, in the API's order and with
// its names, then "Partagés avec moi".
func (t *tree) topEntries() ([]entry, error) {
	if t.loaded.spaces {
		return t.spaces, nil
	}
	spaces, err := t.ws.Spaces(t.ctx, t.c)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(spaces)+1)
	for _, sp := range spaces {
		names = append(names, spaceFolderName(sp))
	}
	names = distinct(append(names, SharedFolderName), true)
	for i, sp := range spaces {
		t.spaces = append(t.spaces, entry{name: names[i], id: sp.RootID})
	}
	t.spaces = append(t.spaces, entry{name: names[len(names)-1]})
	t.loaded.spaces = true
	return t.spaces, nil
}

// spaceFolderName is a space's folder name: an archived class's says its year
// ("6A (2025-2026)"), beside next year's "6A".
func spaceFolderName(sp workspace.Space) string {
	if sp.Archive != nil && sp.Archive.Label != "" {
		return sp.Name + " (" + sp.Archive.Label + ")"
	}
	return sp.Name
}

// sharedEntries lists the items shared with the caller, by name.
func (t *tree) sharedEntries() ([]entry, error) {
	if t.loaded.shared {
		return t.shared, nil
	}
	var names []string
	var ids []uuid.UUID
	req := cartable.PageRequest{Limit: cartable.MaxPageSize}
	for {
		page, err := t.ws.SharedWithMe(t.ctx, t.c, "name", req)
		if err != nil {
			return nil, err
		}
		for _, si := range page.Items {
			names = append(names, si.Name)
			ids = append(ids, si.ID)
		}
		if page.NextCursor == "" {
			break
		}
		req.Cursor = page.NextCursor
	}
	names = distinct(names, false)
	for i := range names {
		t.shared = append(t.shared, entry{name: names[i], id: ids[i]})
	}
	t.loaded.shared = true
	return t.shared, nil
}

// distinct numbers the names a previous one bears already (ignoring case), as
// "name (2)": two classes called "6eA" in two collèges stay two folders.
func distinct(names []string, folders bool) []string {
	taken := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		candidate := n
		for k := 2; taken[workspace.NameKey(candidate)]; k++ {
			candidate = numbered(n, k, folders)
		}
		taken[workspace.NameKey(candidate)] = true
		out[i] = candidate
	}
	return out
}

func numbered(name string, n int, folder bool) string {
	ext := ""
	if !folder {
		ext = path.Ext(name)
	}
	return strings.TrimSuffix(name, ext) + " (" + itoa(n) + ")" + ext
}

func find(entries []entry, name string) (entry, bool) {
	key := workspace.NameKey(name)
	for _, e := range entries {
		if workspace.NameKey(e.name) == key {
			return e, true
		}
	}
	return entry{}, false
}

// resolve finds what segs names. When the last names are not there, it returns
// the deepest resource found and the names missing below it: one missing name is
// a resource a PUT or MKCOL may create; more is a missing parent (409).
func (t *tree) resolve(segs []string) (*resource, []string, error) {
	if len(segs) == 0 {
		return &resource{kind: kindRoot}, nil, nil
	}
	tops, err := t.topEntries()
	if err != nil {
		return nil, nil, err
	}
	top, ok := find(tops, segs[0])
	if !ok {
		return &resource{kind: kindRoot}, segs, nil
	}
	start, rest := top.id, segs[1:]
	prefix := segs[:1]
	if top.id == uuid.Nil { // "Partagés avec moi"
		if len(rest) == 0 {
			return &resource{kind: kindShared, segs: prefix}, nil, nil
		}
		shared, err := t.sharedEntries()
		if err != nil {
			return nil, nil, err
		}
		sh, ok := find(shared, rest[0])
		if !ok {
			return &resource{kind: kindShared, segs: prefix}, rest, nil
		}
		start, rest, prefix = sh.id, rest[1:], segs[:2]
	}
	it, found, err := t.ws.Walk(t.ctx, t.c, start, rest)
	if err != nil {
		return nil, nil, err
	}
	res := &resource{kind: kindItem, item: it, segs: segs[:len(prefix)+found], top: found == 0}
	return res, rest[found:], nil
}

// mustResolve finds what segs names, or fails with 404.
func (t *tree) mustResolve(segs []string) (*resource, error) {
	res, missing, err := t.resolve(segs)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, statusError(http.StatusNotFound, "nothing at this path")
	}
	return res, nil
}

// splitPath turns the URL path under prefix into names, decoding each segment on
// its own (a name may hold an encoded "%2F"... which no name may, so it is not
// found). "." and ".." are refused.
func splitPath(prefix, escaped string) ([]string, error) {
	rest, ok := strings.CutPrefix(escaped, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return nil, statusError(http.StatusNotFound, "outside the WebDAV tree")
	}
	var segs []string
	for _, raw := range strings.Split(rest, "/") {
		if raw == "" {
			continue
		}
		seg, err := url.PathUnescape(raw)
		if err != nil {
			return nil, statusError(http.StatusBadRequest, "bad escape in the path")
		}
		if seg == "." || seg == ".." {
			return nil, statusError(http.StatusBadRequest, "relative segments are not allowed")
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

// href is the escaped URL path of segs under prefix, with a trailing slash for a
// collection.
func href(prefix string, segs []string, collection bool) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(escapeSegment(s))
	}
	if collection || len(segs) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// escapeSegment percent-encodes a name for a path: non-ASCII as UTF-8 bytes,
// which Windows and every other client decode.
func escapeSegment(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "+", "%2B")
}

// segments are the request URL's names.
func (req *request) segments() ([]string, error) {
	return splitPath(req.Prefix, req.r.URL.EscapedPath())
}

// destination reads the Destination header of COPY and MOVE: a URL of this server
// under the prefix (another host is 502 Bad Gateway, as RFC 4918 says).
func (req *request) destination() ([]string, error) {
	raw := req.r.Header.Get("Destination")
	if raw == "" {
		return nil, statusError(http.StatusBadRequest, "COPY and MOVE need a Destination header")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, statusError(http.StatusBadRequest, "the Destination header is not a URL")
	}
	if u.Host != "" && !strings.EqualFold(u.Host, req.r.Host) {
		return nil, statusError(http.StatusBadGateway, "the destination is on another server")
	}
	segs, err := splitPath(req.Prefix, u.EscapedPath())
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return nil, statusError(http.StatusBadGateway, "the destination is outside the WebDAV tree")
		}
		return nil, err
	}
	return segs, nil
}
