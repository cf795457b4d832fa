package api

import (
	"testing"

	"cartable"
)

// TestCheckJSONText names the first bad string of a document by its path.
func TestCheckJSONText(t *testing.T) {
	for _, tc := range []struct {
		doc, field string // field "" : the document is fine
	}{
		{`{"name":"Cours été","folder":{}}`, ""},
		{`{"name":"\ufffd is a real character"}`, ""},
		{`{"name":"a\u0000b"}`, "name"},
		{"{\"name\":\"a\xffb\"}", "name"},
		{`{"grantee":{"kind":"user","id":"\u0000"},"role":"viewer"}`, "grantee.id"},
		{`{"grantee":{"kind":"user","id":"x"},"role":"\u0000"}`, "role"},
		{`{"members":[{"user_id":"a"},{"user_id":"b\u0000"}]}`, "members[1].user_id"},
		{`{"a":[1,[2,"x"],{"b":null}],"c":"\u0000"}`, "c"},
		{`{"a":[1,[2,"\u0000"]]}`, "a[1][1]"},
		{`{"limit\u0000":1}`, "limit\x00"},
		{`["ok","\u0000"]`, "[1]"},
		{`"\u0000"`, "body"},
		{`{"name": oops`, ""}, // left to the decoder
	} {
		err := checkJSONText([]byte(tc.doc))
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.doc, err)
			}
			continue
		}
		e, ok := err.(*cartable.Error)
		if !ok || e.Code != cartable.EInvalid || e.Fields["field"] != tc.field {
			t.Errorf("%s: %v, want invalid_request naming %q", tc.doc, err, tc.field)
		}
	}
}

// TestCheckUploadMetadata reads the decoded values of a tus header.
func TestCheckUploadMetadata(t *testing.T) {
	for header, field := range map[string]string{
		"filename Y291cnMucGRm,parent ":      "",
		"filename YQBi":                      "Upload-Metadata.filename", // "a\x00b"
		"filename Y291cnMucGRm, parent /w==": "Upload-Metadata.parent",   // "\xff"
		"filename not-base64!":               "",
		"":                                   "",
	} {
		err := checkUploadMetadata(header)
		got := ""
		if e, ok := err.(*cartable.Error); ok {
			got, _ = e.Fields["field"].(string)
		}
		if got != field {
			t.Errorf("%q: field %q (%v), want %q", header, got, err, field)
		}
	}
}
