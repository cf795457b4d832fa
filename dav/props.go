package dav

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"cartable/lock"
	"cartable/quota"
	"cartable/workspace"
)

// liveProps are the properties answered for allprop and propname, in order.
var liveProps = []string{"displayname", "resourcetype", "getcontentlength", "getcontenttype", "getetag",
	"getlastmodified", "creationdate", "lockdiscovery", "supportedlock"}

// quotaProps (RFC 4331) are answered only when named: reading them costs a look
// at the quota accounts.
var quotaProps = []string{"quota-used-bytes", "quota-available-bytes"}

// view is what the properties of one resource are read from.
type view struct {
	res  *resource
	href string
	lock *lock.Lock
	// quota is the usage of the resource's space, when asked and known.
	quota *quota.SpaceUsage
	// dead are the properties clients stored on the item (PROPPATCH).
	dead []workspace.Property
}

// prop answers one DAV: property, ok false when the resource has none.
func (req *request) prop(v view, local string) (string, bool) {
	res := v.res
	it := &res.item
	isItem := res.kind == kindItem
	switch local {
	case "displayname":
		name := res.name()
		if res.kind == kindRoot {
			name = "Cartable"
		}
		return escape(name), true
	case "resourcetype":
		if res.collection() {
			return "<D:collection/>", true
		}
		return "", true
	case "getcontentlength":
		if isItem && !it.IsFolder() {
			return strconv.FormatInt(it.Size, 10), true
		}
	case "getcontenttype":
		if isItem && !it.IsFolder() {
			return escape(contentType(it.MimeType)), true
		}
	case "getetag":
		if isItem {
			return escape(it.ETag()), true
		}
	case "getlastmodified":
		if isItem {
			return it.ModifiedAt.UTC().Format(http.TimeFormat), true
		}
	case "creationdate":
		if isItem {
			return it.CreatedAt.UTC().Format(time.RFC3339), true
		}
	case "lockdiscovery":
		if v.lock == nil {
			return "", true
		}
		return req.activeLock(*v.lock, v.href), true
	case "supportedlock":
		if isItem {
			return "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>", true
		}
		return "", true
	case "quota-used-bytes", "quota-available-bytes":
		if v.quota == nil {
			return "", false
		}
		used, avail := quotaOf(*v.quota)
		if local == "quota-used-bytes" {
			return strconv.FormatInt(used, 10), true
		}
		if avail < 0 {
			return "", false
		}
		return strconv.FormatInt(avail, 10), true
	}
	return "", false
}

// quotaOf is what the space has used, and what is left to it under its own limit
// and its establishment's pool (-1: no limit).
func quotaOf(u quota.SpaceUsage) (used, available int64) {
	used, available = u.Space.Used, -1
	for _, acc := range []*quota.Usage{&u.Space, u.Structure} {
		if acc == nil || acc.Limit == nil {
			continue
		}
		left := max(*acc.Limit-acc.Used-acc.Reserved, 0)
		if available < 0 || left < available {
			available = left
		}
	}
	return used, available
}

func contentType(mime string) string {
	if mime == "" {
		return "application/octet-stream"
	}
	return mime
}

// activeLock describes a lock in lockdiscovery. Its token is shown only to its
// owner: a WOPI lock's token would let anyone write under it, and another user's
// WebDAV token is of no use to anyone else.
func (req *request) activeLock(l lock.Lock, root string) string {
	depth := "0"
	if l.Deep {
		depth = "infinity"
	}
	owner := escape(l.App)
	if l.Protocol == lock.DAV {
		owner = l.App // the owner element's XML, as its client sent it (see lock.go)
	}
	secs := max(int64(time.Until(l.ExpiresAt).Seconds()), 1)
	s := "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:exclusive/></D:lockscope>" +
		"<D:depth>" + depth + "</D:depth>"
	if owner != "" {
		s += "<D:owner>" + owner + "</D:owner>"
	}
	s += "<D:timeout>Second-" + strconv.FormatInt(secs, 10) + "</D:timeout>"
	if l.Protocol == lock.DAV && l.OwnerID == req.caller.UserID {
		s += "<D:locktoken><D:href>" + escape(l.Token) + "</D:href></D:locktoken>"
	}
	return "<D:lockdiscovery>" + s + "<D:lockroot><D:href>" + escape(root) + "</D:href></D:lockroot></D:activelock></D:lockdiscovery>"
}

// writeProps writes the response that answers what pf asks of one resource: the
// properties it has with 200, the ones asked that it has not with 404. The
// elements go straight into the multistatus's buffers: a 10,000-item listing
// makes no string per property.
func (req *request) writeProps(ms *multistatus, pf propfind, v view) {
	ms.ok.Reset()
	ms.missing.Reset()
	if pf.propname {
		for _, local := range liveProps {
			if _, has := req.prop(v, local); has {
				writeElement(&ms.ok, davName(local), "")
			}
		}
		for _, p := range v.dead {
			writeElement(&ms.ok, xml.Name{Space: p.Namespace, Local: p.Name}, "")
		}
		ms.props(v.href)
		return
	}
	names := pf.names
	if pf.allprop {
		all := make([]xml.Name, 0, len(liveProps)+len(v.dead)+len(names))
		for _, local := range liveProps {
			all = append(all, davName(local))
		}
		for _, p := range v.dead {
			all = append(all, xml.Name{Space: p.Namespace, Local: p.Name})
		}
		names = append(all, names...)
	}
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			continue
		}
		if n.Space == nsDAV {
			if inner, has := req.prop(v, n.Local); has {
				writeElement(&ms.ok, n, inner)
				continue
			}
			if pf.allprop && !isQuota(n) {
				continue // allprop lists what there is
			}
		} else if p, has := deadProp(v.dead, n); has {
			writeElement(&ms.ok, n, p.Value)
			continue
		}
		writeElement(&ms.missing, n, "")
	}
	ms.props(v.href)
}

func isQuota(n xml.Name) bool {
	return n.Space == nsDAV && (n.Local == quotaProps[0] || n.Local == quotaProps[1])
}

// wantsQuota reports whether pf names a quota property.
func (pf propfind) wantsQuota() bool {
	for _, n := range pf.names {
		if isQuota(n) {
			return true
		}
	}
	return false
}

// wantsLocks reports whether pf asks for lockdiscovery.
func (pf propfind) wantsLocks() bool {
	if pf.allprop {
		return true
	}
	for _, n := range pf.names {
		if n == davName("lockdiscovery") {
			return true
		}
	}
	return false
}

// spaceUsage reads the quota of the caller's spaces once per request, by space.
func (req *request) spaceUsage(spaceID uuid.UUID) (*quota.SpaceUsage, error) {
	if req.quotas == nil {
		quotas, err := req.Workspace.Quotas(req.ctx, req.caller)
		if err != nil {
			return nil, err
		}
		req.quotas = map[uuid.UUID]quota.SpaceUsage{}
		for _, q := range quotas {
			req.quotas[q.Space.ID] = q.SpaceUsage
		}
	}
	u, ok := req.quotas[spaceID]
	if !ok {
		return nil, nil
	}
	return &u, nil
}

func deadProp(dead []workspace.Property, n xml.Name) (workspace.Property, bool) {
	for _, p := range dead {
		if p.Namespace == n.Space && p.Name == n.Local {
			return p, true
		}
	}
	return workspace.Property{}, false
}

// wantsDead reports whether pf may answer dead properties.
func (pf propfind) wantsDead() bool {
	if pf.allprop || pf.propname {
		return true
	}
	for _, n := range pf.names {
		if n.Space != nsDAV {
			return true
		}
	}
	return false
}
