package dav

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestParsePropfind(t *testing.T) {
	pf, err := parsePropfind(nil)
	if err != nil || !pf.allprop {
		t.Errorf("an empty body = %+v, %v; want allprop", pf, err)
	}
	pf, err = parsePropfind([]byte(`<?xml version="1.0"?><propfind xmlns="DAV:" xmlns:z="urn:z"><prop><getetag/><z:color/></prop></propfind>`))
	want := []xml.Name{davName("getetag"), {Space: "urn:z", Local: "color"}}
	if err != nil || pf.allprop || !reflect.DeepEqual(pf.names, want) {
		t.Errorf("prop = %+v, %v", pf, err)
	}
	pf, err = parsePropfind([]byte(`<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>`))
	if err != nil || !pf.propname {
		t.Errorf("propname = %+v, %v", pf, err)
	}
	for _, bad := range []string{`<propfind xmlns="DAV:"><prop>`, `<propfind xmlns="DAV:"><allprop/><propname/></propfind>`,
		`<other xmlns="DAV:"/>`, `<propfind xmlns="DAV:" xmlns:bad=""><prop><bad:x/></prop></propfind>`, `<propfind xmlns="DAV:"><prop/></propfind>`} {
		if _, err := parsePropfind([]byte(bad)); statusOf(err) != http.StatusBadRequest {
			t.Errorf("parsePropfind(%s) = %v, want 400", bad, err)
		}
	}
}

func TestParsePropertyupdate(t *testing.T) {
	ops, err := parsePropertyupdate([]byte(`<?xml version="1.0"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://ns.example.com/z/">
  <D:set><D:prop><Z:Authors><Z:Author>Jim &amp; Roy</Z:Author></Z:Authors></D:prop></D:set>
  <D:remove><D:prop><Z:Copyright-Owner/></D:prop></D:remove>
</D:propertyupdate>`))
	if err != nil || len(ops) != 2 {
		t.Fatalf("ops = %+v, %v", ops, err)
	}
	if ops[0].remove || ops[0].name != (xml.Name{Space: "http://ns.example.com/z/", Local: "Authors"}) {
		t.Errorf("set = %+v", ops[0])
	}
	// The value declares the namespace it uses: stored alone, it reads back the same.
	if ops[0].value != `<Author xmlns="http://ns.example.com/z/">Jim &amp; Roy</Author>` {
		t.Errorf("value = %s", ops[0].value)
	}
	if !ops[1].remove || ops[1].name.Local != "Copyright-Owner" {
		t.Errorf("remove = %+v", ops[1])
	}
	if _, err := parsePropertyupdate([]byte(`<D:propertyupdate xmlns:D="DAV:"><D:bogus/></D:propertyupdate>`)); err == nil {
		t.Error("a propertyupdate of neither set nor remove was taken")
	}
}

func TestParseLockinfo(t *testing.T) {
	li, err := parseLockinfo([]byte(`<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>mailto:lea@example.org</D:href></D:owner></D:lockinfo>`))
	if err != nil || !li.exclusive || !li.write || li.owner != `<href xmlns="DAV:">mailto:lea@example.org</href>` {
		t.Errorf("lockinfo = %+v, %v", li, err)
	}
	// Windows' prefix is declared on the root only: the owner kept declares its own.
	li, err = parseLockinfo([]byte(`<a:lockinfo xmlns:a="DAV:"><a:lockscope><a:exclusive/></a:lockscope><a:locktype><a:write/></a:locktype><a:owner><a:href>PC\lea</a:href></a:owner></a:lockinfo>`))
	if err != nil || li.owner != `<href xmlns="DAV:">PC\lea</href>` {
		t.Errorf("Windows lockinfo = %+v, %v", li, err)
	}
	if _, err := parseLockinfo([]byte(`<D:lockinfo xmlns:D="DAV:"><D:locktype><D:write/></D:locktype></D:lockinfo>`)); err == nil {
		t.Error("a lockinfo without a scope was taken")
	}
}

func TestMultistatus(t *testing.T) {
	rec := httptest.NewRecorder()
	ms := startMultistatus(rec)
	ms.response("/dav/a%20b/", []propstat{
		{status: 200, props: []string{element(davName("displayname"), escape("a <b> & c")), element(xml.Name{Space: "urn:z", Local: "x"}, "")}},
		{status: 404, props: nil},
	})
	if err := ms.end(); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusMultiStatus {
		t.Errorf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{`<D:href>/dav/a%20b/</D:href>`, `<D:displayname>a &lt;b&gt; &amp; c</D:displayname>`, `<x xmlns="urn:z"/>`, `HTTP/1.1 200 OK`} {
		if !strings.Contains(body, want) {
			t.Errorf("multistatus lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "404") {
		t.Errorf("an empty propstat was written:\n%s", body)
	}
	// The answer is well-formed XML.
	var v struct {
		Responses []struct {
			Href string `xml:"href"`
		} `xml:"DAV: response"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &v); err != nil || len(v.Responses) != 1 {
		t.Errorf("unmarshal: %v, %+v", err, v)
	}
}
