package dav

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"

	"cartable/workspace"
)

// patchOp is one instruction of a PROPPATCH, in document order.
type patchOp struct {
	remove bool
	name   xml.Name
	value  string // the property's content, as XML with its namespaces declared
}

// parsePropertyupdate reads a DAV:propertyupdate: its set and remove
// instructions, each property with its value re-encoded so that the namespaces it
// uses are declared in it (a value stored alone must read back the same).
func parsePropertyupdate(body []byte) ([]patchOp, error) {
	bad := statusError(http.StatusBadRequest, "the PROPPATCH body is not a DAV:propertyupdate")
	if err := strictUnmarshal(body, new(struct{})); err != nil {
		return nil, bad
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	var ops []patchOp
	depth := 0
	var remove bool
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bad
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if t.Name != davName("propertyupdate") {
					return nil, bad
				}
			case 2:
				if t.Name != davName("set") && t.Name != davName("remove") {
					return nil, bad
				}
				remove = t.Name.Local == "remove"
			case 3:
				if t.Name != davName("prop") {
					return nil, bad
				}
			case 4:
				value, err := innerXML(d)
				if err != nil {
					return nil, bad
				}
				depth--
				ops = append(ops, patchOp{remove: remove, name: t.Name, value: value})
			}
		case xml.EndElement:
			depth--
		}
	}
	if len(ops) == 0 {
		return nil, bad
	}
	return ops, nil
}

// innerXML re-encodes what lies inside the element just opened, up to its end.
func innerXML(d *xml.Decoder) (string, error) {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	for depth := 0; ; {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			attrs := t.Attr[:0:0]
			for _, a := range t.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					attrs = append(attrs, a)
				}
			}
			t.Attr = attrs
			err = enc.EncodeToken(t)
		case xml.EndElement:
			if depth == 0 {
				if err := enc.Flush(); err != nil {
					return "", err
				}
				return b.String(), nil
			}
			depth--
			err = enc.EncodeToken(t)
		case xml.CharData:
			err = enc.EncodeToken(t)
		}
		if err != nil {
			return "", err
		}
	}
}

// proppatch sets and removes dead properties, all or none (RFC 4918 9.2). The
// DAV: properties are the server's own (403), the others are the item's dead
// properties (workspace.PatchProperties).
func (req *request) proppatch() error {
	segs, err := req.segments()
	if err != nil {
		return err
	}
	res, err := req.tree.mustResolve(segs)
	if err != nil {
		return err
	}
	body, err := readBody(req.r)
	if err != nil {
		return err
	}
	ops, err := parsePropertyupdate(body)
	if err != nil {
		return err
	}
	tokens, err := req.conditions(res, nil)
	if err != nil {
		return err
	}
	failed := res.kind != kindItem
	changes := make([]workspace.PropertyChange, 0, len(ops))
	for _, op := range ops {
		failed = failed || op.name.Space == nsDAV
		changes = append(changes, workspace.PropertyChange{Remove: op.remove,
			Property: workspace.Property{Namespace: op.name.Space, Name: op.name.Local, Value: op.value}})
	}
	status := http.StatusOK
	if !failed {
		err = withLocks(tokens, func(opts workspace.WriteOptions) error {
			return req.Workspace.PatchProperties(req.ctx, req.caller, res.item.ID, changes, opts)
		})
		if err != nil && statusOf(err) != http.StatusForbidden && statusOf(err) != http.StatusRequestEntityTooLarge &&
			statusOf(err) != http.StatusBadRequest {
			return err // not found, locked, gone: the whole request fails
		}
		if err != nil {
			status = statusOf(err)
			if status == http.StatusRequestEntityTooLarge {
				status = http.StatusInsufficientStorage
			}
		}
	}
	ms := startMultistatus(req.w)
	var stats []propstat
	for _, op := range ops {
		st := status
		if failed {
			st = http.StatusFailedDependency
			if op.name.Space == nsDAV || res.kind != kindItem {
				st = http.StatusForbidden // protected: the server's own
			}
		}
		stats = append(stats, propstat{status: st, props: []string{element(op.name, "")}})
	}
	ms.response(href(req.Prefix, res.segs, res.collection()), stats)
	return ms.end()
}
