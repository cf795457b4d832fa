package workspace

import (
	"strings"
	"testing"

	"cartable"
)

func TestNormalizeName(t *testing.T) {
	long := strings.Repeat("é", 128) // 256 bytes
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"rapport.pdf", "rapport.pdf", true},
		{"e\u0301te\u0301.txt", "été.txt", true}, // NFD in, NFC out
		{"Cours de 6ᵉ", "Cours de 6ᵉ", true},
		{"", "", false},
		{".", "", false},
		{"..", "", false},
		{"a/b", "", false},
		{`a\b`, "", false},
		{"nul\x00", "", false},
		{"tab\there", "", false},
		{"bell\x07", "", false},
		{" leading", "", false},
		{"trailing ", "", false},
		{"\xff\xfe", "", false},
		{long, "", false},
		{long[:254], long[:254], true},
		// Invisible characters that make a name read otherwise than it is.
		{"devoir\u202Efdp.exe", "", false}, // right-to-left override: shows "devoirexe.pdf"
		{"devoir\u2067.pdf", "", false},    // bidi isolate
		{"dev\u200Boir.pdf", "", false},    // zero-width space
		{"dev\u200Doir.pdf", "", false},    // zero-width joiner between letters
		{"dev\u200Coir.pdf", "", false},    // zero-width non-joiner
		{"\uFEFFdevoir.pdf", "", false},    // BOM
		{"famille 👨\u200D👩\u200D👧.jpg", "famille 👨\u200D👩\u200D👧.jpg", true}, // an emoji's joiner is fine
		{"مرحبا.txt", "مرحبا.txt", true},                                     // right-to-left script itself is fine
		// What Windows cannot store: WebDAV and zip exports meet Windows.
		{"CON", "", false},
		{"con.txt", "", false},
		{"Lpt1.pdf", "", false},
		{"com9", "", false},
		{"console.txt", "console.txt", true},
		{"COM10", "COM10", true},
		{"fin.", "", false},
		{"fin...", "", false},
		{"Chapitre 2 : les fractions.pdf", "Chapitre 2 : les fractions.pdf", true},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if tt.ok != (err == nil) {
			t.Errorf("NormalizeName(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok && !cartable.IsCode(err, cartable.EInvalidName) {
			t.Errorf("NormalizeName(%q) code = %s, want invalid_name", tt.in, cartable.ErrorCode(err))
		}
		if tt.ok && got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNameKeyFoldsCase(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Devoir.PDF", "devoir.pdf"},
		{"ÉTÉ", "été"},
		{"Straße", "STRASSE"},
	}
	for _, tt := range tests {
		if NameKey(tt.a) != NameKey(tt.b) {
			t.Errorf("NameKey(%q) = %q != NameKey(%q) = %q", tt.a, NameKey(tt.a), tt.b, NameKey(tt.b))
		}
	}
	if NameKey("a.txt") == NameKey("b.txt") {
		t.Error("different names share a key")
	}
}

func TestNumberedName(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		folder bool
		want   string
	}{
		{"rapport.pdf", 2, false, "rapport (2).pdf"},
		{"archive.tar.gz", 3, false, "archive.tar (3).gz"},
		{".bashrc", 2, false, ".bashrc (2)"},
		{"Photos", 2, true, "Photos (2)"},
		{"v1.2", 2, true, "v1.2 (2)"},
		{"notes", 10, false, "notes (10)"},
	}
	for _, tt := range tests {
		if got := numberedName(tt.name, tt.n, tt.folder); got != tt.want {
			t.Errorf("numberedName(%q, %d) = %q, want %q", tt.name, tt.n, got, tt.want)
		}
	}
	long := strings.Repeat("a", 250) + ".pdf"
	if got := numberedName(long, 2, false); len(got) > MaxNameBytes || !strings.HasSuffix(got, " (2).pdf") {
		t.Errorf("numberedName(long) = %q (%d bytes)", got, len(got))
	}
}

func TestBareItemColumnsDropsTheRightsSubqueries(t *testing.T) {
	if bareItemColumns == itemColumns || strings.Contains(bareItemColumns, "private_to") || strings.Contains(bareItemColumns, "m.mode") {
		t.Errorf("bareItemColumns = %s", bareItemColumns)
	}
}
