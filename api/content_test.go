package api

import (
	"errors"
	"net/http"
	"testing"

	"cartable"
)

func TestParseRange(t *testing.T) {
	const size = 1000
	tests := []struct {
		header, ifRange   string
		start, length     int64
		partial, wantErrs bool
	}{
		{"", "", 0, size, false, false},
		{"bytes=0-99", "", 0, 100, true, false},
		{"bytes=900-", "", 900, 100, true, false},
		{"bytes=-10", "", 990, 10, true, false},
		{"bytes=-5000", "", 0, size, true, false},
		{"bytes=990-5000", "", 990, 10, true, false},
		{"bytes=0-0", "", 0, 1, true, false},
		{"bytes=1000-", "", 0, 0, false, true},
		{"bytes=5-1", "", 0, 0, false, true},
		{"bytes=-0", "", 0, 0, false, true},
		{"bytes=abc-", "", 0, 0, false, true},
		{"bytes=0-1,5-6", "", 0, size, false, false}, // several ranges: whole file
		{"items=0-1", "", 0, size, false, false},
		{"bytes=0-99", `"old"`, 0, size, false, false}, // If-Range no longer matches
		{"bytes=0-99", `"1"`, 0, 100, true, false},
	}
	for _, tt := range tests {
		start, length, partial, err := parseRange(tt.header, tt.ifRange, `"1"`, size)
		if (err != nil) != tt.wantErrs || start != tt.start || length != tt.length || partial != tt.partial {
			t.Errorf("parseRange(%q, If-Range %q) = %d, %d, %v, %v; want %d, %d, %v, err %v",
				tt.header, tt.ifRange, start, length, partial, err, tt.start, tt.length, tt.partial, tt.wantErrs)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ name, want string }{
		{"cours.pdf", `attachment; filename="cours.pdf"; filename*=UTF-8''cours.pdf`},
		{"Été 2026.pdf", `attachment; filename="_t_ 2026.pdf"; filename*=UTF-8''%C3%89t%C3%A9%202026.pdf`},
		{`a"b;c.txt`, `attachment; filename="a_b;c.txt"; filename*=UTF-8''a%22b%3Bc.txt`},
		{"100%.txt", `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`},
	}
	for _, tt := range tests {
		if got := contentDisposition("attachment", tt.name); got != tt.want {
			t.Errorf("contentDisposition(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestRiskyTypesAreAttachments(t *testing.T) {
	tests := []struct {
		mime           string
		downloadOrigin bool
		inline         bool
		policy         string
	}{
		{"image/png", false, true, sandboxPolicy},
		{"application/pdf", false, false, sandboxPolicy},
		{"application/pdf", true, true, pdfPolicy},
		{"video/mp4", false, true, sandboxPolicy},
		{"text/plain; charset=utf-8", false, true, sandboxPolicy},
		{"text/html; charset=utf-8", false, false, sandboxPolicy},
		{"text/html; charset=utf-8", true, false, sandboxPolicy},
		{"image/svg+xml", false, false, sandboxPolicy},
		{"image/svg+xml", true, false, sandboxPolicy},
		{"text/xml; charset=utf-8", false, false, sandboxPolicy},
		{"application/javascript", false, false, sandboxPolicy},
		{"application/octet-stream", false, false, sandboxPolicy},
	}
	for _, tt := range tests {
		h := http.Header{}
		setDisposition(h, "f", tt.mime, false, tt.downloadOrigin)
		got := h.Get("Content-Disposition")[:6] == "inline"
		if got != tt.inline {
			t.Errorf("%s (download origin %v): inline = %v, want %v", tt.mime, tt.downloadOrigin, got, tt.inline)
		}
		if p := h.Get("Content-Security-Policy"); p != tt.policy {
			t.Errorf("%s (download origin %v): CSP %q, want %q", tt.mime, tt.downloadOrigin, p, tt.policy)
		}
	}
	for _, downloadOrigin := range []bool{false, true} {
		h := http.Header{}
		setDisposition(h, "f", "application/pdf", true, downloadOrigin)
		if h.Get("Content-Disposition")[:10] != "attachment" || h.Get("Content-Security-Policy") != sandboxPolicy {
			t.Errorf("?download (download origin %v) did not force a sandboxed attachment: %v", downloadOrigin, h)
		}
	}
}

func TestProblemFor(t *testing.T) {
	tests := []struct {
		err    error
		lang   string
		status int
		code   cartable.Code
		title  string
	}{
		{cartable.Errorf(cartable.ENotFound, "x"), "fr", 404, cartable.ENotFound, "Élément introuvable ou inaccessible."},
		{cartable.Errorf(cartable.ENotFound, "x"), "en", 404, cartable.ENotFound, "Item not found or not accessible."},
		{cartable.Errorf(cartable.ENameConflict, "x"), "fr", 409, cartable.ENameConflict, ""},
		{cartable.Errorf(cartable.EQuotaExceeded, "x"), "fr", 413, cartable.EQuotaExceeded, ""},
		{errors.New("pq: connection refused to 10.0.0.1"), "fr", 500, cartable.EInternal, ""},
	}
	for _, tt := range tests {
		p := problemFor(tt.err, tt.lang)
		if p.Status != tt.status || p.Code != tt.code || (tt.title != "" && p.Title != tt.title) {
			t.Errorf("problemFor(%v) = %+v", tt.err, p)
		}
		if tt.code == cartable.EInternal && p.Detail != "" {
			t.Errorf("an internal error leaks its text: %q", p.Detail)
		}
	}
	for header, want := range map[string]string{"": "fr", "en-GB,en;q=0.9": "en", "fr-FR": "fr", "de, en;q=0.5": "en"} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", header)
		if got := language(r); got != want {
			t.Errorf("language(%q) = %s, want %s", header, got, want)
		}
	}
	for code := range problemKinds {
		if code == "" {
			t.Error("empty code in the map")
		}
	}
}
