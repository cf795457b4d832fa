package wopi

import (
	"archive/zip"
	"bytes"
)

// OpenDocument mime types and bodies of the blank documents made without editnew.
var odfKinds = map[string]struct{ mime, body string }{
	"odt": {"application/vnd.oasis.opendocument.text", `<office:text><text:p/></office:text>`},
	"ods": {"application/vnd.oasis.opendocument.spreadsheet", `<office:spreadsheet><table:table table:name="Feuille1"><table:table-row><table:table-cell/></table:table-row></table:table></office:spreadsheet>`},
	"odp": {"application/vnd.oasis.opendocument.presentation", `<office:presentation><draw:page draw:name="page1" draw:master-page-name="Default"/></office:presentation>`},
}

// blankODF is a minimal OpenDocument package of a kind (its mimetype entry first,
// stored, as ODF requires), or nil for any other kind.
func blankODF(kind string) []byte {
	k, ok := odfKinds[kind]
	if !ok {
		return nil
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte(k.mime))
	w, _ = z.Create("META-INF/manifest.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="` + k.mime + `"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`))
	w, _ = z.Create("content.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" office:version="1.3"><office:body>` + k.body + `</office:body></office:document-content>`))
	z.Close()
	return buf.Bytes()
}
