package dav

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

const nsDAV = "DAV:"

// escape escapes text for an XML element or attribute; most names need nothing.
func escape(s string) string {
	if !strings.ContainsAny(s, "<>&'\"\r\n\t") && utf8.ValidString(s) {
		return s
	}
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// propfind is what a PROPFIND asks for.
type propfind struct {
	allprop  bool
	propname bool
	names    []xml.Name // prop: these properties; allprop: these on top (include)
}

type xmlNames struct {
	Names []struct {
		XMLName xml.Name
	} `xml:",any"`
}

type xmlPropfind struct {
	XMLName  xml.Name  `xml:"DAV: propfind"`
	Allprop  *struct{} `xml:"DAV: allprop"`
	Propname *struct{} `xml:"DAV: propname"`
	Prop     *xmlNames `xml:"DAV: prop"`
	Include  *xmlNames `xml:"DAV: include"`
}

// maxXMLBody bounds the XML bodies read (PROPFIND, PROPPATCH, LOCK).
const maxXMLBody = 1 << 20

// readBody reads a request's XML body whole, bounded; empty when there is none.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxXMLBody+1))
	if err != nil {
		return nil, statusError(http.StatusBadRequest, "the body could not be read")
	}
	if len(b) > maxXMLBody {
		return nil, statusError(http.StatusRequestEntityTooLarge, "the XML body is too large")
	}
	return b, nil
}

// parsePropfind reads a PROPFIND body; an empty one asks for allprop.
func parsePropfind(body []byte) (propfind, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return propfind{allprop: true}, nil
	}
	var x xmlPropfind
	if err := strictUnmarshal(body, &x); err != nil {
		return propfind{}, statusError(http.StatusBadRequest, "the PROPFIND body is not a DAV:propfind")
	}
	pf := propfind{allprop: x.Allprop != nil, propname: x.Propname != nil}
	n := 0
	for _, set := range []bool{pf.allprop, pf.propname, x.Prop != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return propfind{}, statusError(http.StatusBadRequest, "a propfind holds exactly one of allprop, propname and prop")
	}
	names := x.Prop
	if pf.allprop {
		names = x.Include
	}
	if names != nil {
		for _, el := range names.Names {
			pf.names = append(pf.names, el.XMLName)
		}
	}
	if x.Prop != nil && len(pf.names) == 0 {
		return propfind{}, statusError(http.StatusBadRequest, "an empty DAV:prop")
	}
	return pf, nil
}

// strictUnmarshal decodes XML, refusing what Go's decoder would let pass but
// RFC 4918 clients must not send: an empty namespace prefix declaration.
func strictUnmarshal(body []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "xmlns" && a.Value == "" {
					return errBadNamespace
				}
			}
		}
	}
	return xml.Unmarshal(body, v)
}

var errBadNamespace = statusError(http.StatusBadRequest, "a namespace prefix bound to the empty name")

// multistatus streams a 207 answer, one response at a time.
type multistatus struct {
	w *bufio.Writer
	f http.Flusher
	// ok and missing gather the properties of the response being written.
	ok, missing bytes.Buffer
}

func startMultistatus(w http.ResponseWriter) *multistatus {
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusMultiStatus)
	ms := &multistatus{w: bufio.NewWriterSize(w, 32<<10)}
	ms.f, _ = w.(http.Flusher)
	ms.w.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<D:multistatus xmlns:D="DAV:">`)
	return ms
}

// flush sends what is buffered: a long listing reaches the client page by page.
func (ms *multistatus) flush() {
	ms.w.Flush()
	if ms.f != nil {
		ms.f.Flush()
	}
}

func (ms *multistatus) end() error {
	ms.w.WriteString("</D:multistatus>\n")
	return ms.w.Flush()
}

// propstat is a group of properties answered with one status.
type propstat struct {
	status int
	props  []string // each one property element, written whole
}

func (ms *multistatus) response(href string, stats []propstat) {
	ms.w.WriteString("<D:response><D:href>")
	ms.w.WriteString(escape(href))
	ms.w.WriteString("</D:href>")
	for _, st := range stats {
		if len(st.props) == 0 {
			continue
		}
		ms.w.WriteString("<D:propstat><D:prop>")
		for _, p := range st.props {
			ms.w.WriteString(p)
		}
		ms.w.WriteString("</D:prop><D:status>HTTP/1.1 ")
		ms.w.WriteString(itoa(st.status) + " " + http.StatusText(st.status))
		ms.w.WriteString("</D:status></D:propstat>")
	}
	ms.w.WriteString("</D:response>")
}

// props writes a response of the properties gathered in ok (200) and missing (404).
func (ms *multistatus) props(href string) {
	ms.w.WriteString("<D:response><D:href>")
	ms.w.WriteString(escape(href))
	ms.w.WriteString("</D:href>")
	for _, st := range []struct {
		buf    *bytes.Buffer
		status string
	}{{&ms.ok, "HTTP/1.1 200 OK"}, {&ms.missing, "HTTP/1.1 404 Not Found"}} {
		if st.buf.Len() == 0 {
			continue
		}
		ms.w.WriteString("<D:propstat><D:prop>")
		ms.w.Write(st.buf.Bytes())
		ms.w.WriteString("</D:prop><D:status>" + st.status + "</D:status></D:propstat>")
	}
	ms.w.WriteString("</D:response>")
}

// statusResponse is a response with a status for the whole resource.
func (ms *multistatus) statusResponse(href string, status int) {
	ms.w.WriteString("<D:response><D:href>" + escape(href) + "</D:href><D:status>HTTP/1.1 " +
		itoa(status) + " " + http.StatusText(status) + "</D:status></D:response>")
}

// writeElement writes a property element of any namespace, with inner XML
// (already escaped) or empty.
func writeElement(b *bytes.Buffer, name xml.Name, inner string) {
	if name.Space == nsDAV {
		b.WriteString("<D:")
		b.WriteString(name.Local)
	} else {
		b.WriteString("<")
		b.WriteString(name.Local)
		b.WriteString(` xmlns="`)
		b.WriteString(escape(name.Space))
		b.WriteString(`"`)
	}
	if inner == "" {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	b.WriteString(inner)
	b.WriteString("</")
	if name.Space == nsDAV {
		b.WriteString("D:")
	}
	b.WriteString(name.Local)
	b.WriteString(">")
}

// element is writeElement's text.
func element(name xml.Name, inner string) string {
	var b bytes.Buffer
	writeElement(&b, name, inner)
	return b.String()
}

// davName is a property of the DAV: namespace.
func davName(local string) xml.Name { return xml.Name{Space: nsDAV, Local: local} }

// lockinfo is a LOCK request's body.
type lockinfo struct {
	exclusive bool
	write     bool
	owner     string // the owner element's inner XML, as the client sent it
}

type xmlLockinfo struct {
	XMLName   xml.Name `xml:"DAV: lockinfo"`
	Lockscope struct {
		Exclusive *struct{} `xml:"DAV: exclusive"`
		Shared    *struct{} `xml:"DAV: shared"`
	} `xml:"DAV: lockscope"`
	Locktype struct {
		Write *struct{} `xml:"DAV: write"`
	} `xml:"DAV: locktype"`
	Owner *struct{} `xml:"DAV: owner"`
}

func parseLockinfo(body []byte) (lockinfo, error) {
	var x xmlLockinfo
	if err := strictUnmarshal(body, &x); err != nil {
		return lockinfo{}, statusError(http.StatusBadRequest, "the LOCK body is not a DAV:lockinfo")
	}
	li := lockinfo{exclusive: x.Lockscope.Exclusive != nil, write: x.Locktype.Write != nil}
	if x.Lockscope.Exclusive == nil && x.Lockscope.Shared == nil {
		return lockinfo{}, statusError(http.StatusBadRequest, "a lockinfo names its lockscope")
	}
	if x.Owner != nil {
		owner, err := ownerXML(body)
		if err != nil {
			return lockinfo{}, statusError(http.StatusBadRequest, "the LOCK body is not a DAV:lockinfo")
		}
		li.owner = strings.TrimSpace(owner)
	}
	return li, nil
}

// ownerXML re-encodes the content of the lockinfo's owner element so that the
// namespaces it uses are declared in it: a client's prefix (Windows writes "a:")
// is not declared where lockdiscovery shows it again.
func ownerXML(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name == davName("owner") {
				return innerXML(d)
			}
		case xml.EndElement:
			depth--
		}
	}
}
