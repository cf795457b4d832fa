package web

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEveryTextInBothLanguages: each key of the French table has its English
// twin and the reverse, so that an English reader never meets French, nor a key.
// Two sessions appending at the table's end once lost one.
func TestEveryTextInBothLanguages(t *testing.T) {
	src, err := os.ReadFile("static/js/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	frAt, enAt := strings.Index(text, "const fr = {"), strings.Index(text, "const en = {")
	if frAt < 0 || enAt < frAt {
		t.Fatal("i18n.js has no fr table followed by an en table")
	}
	end := strings.Index(text[enAt:], "\n};")
	keysOf := func(table string) []string {
		var keys []string
		for _, m := range regexp.MustCompile(`(?m)^\s*"([^"]+)":`).FindAllStringSubmatch(table, -1) {
			keys = append(keys, m[1])
		}
		return keys
	}
	fr, en := keysOf(text[frAt:enAt]), keysOf(text[enAt:enAt+end])
	if len(fr) < 100 {
		t.Fatalf("found only %d French keys: the table's shape changed", len(fr))
	}
	for _, k := range fr {
		if !slices.Contains(en, k) {
			t.Errorf("%q has no English text", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(fr, k) {
			t.Errorf("%q has no French text", k)
		}
	}
	for _, keys := range [][]string{fr, en} {
		sorted := slices.Clone(keys)
		slices.Sort(sorted)
		if d := len(sorted) - len(slices.Compact(sorted)); d != 0 {
			t.Errorf("%d keys are defined twice in one table", d)
		}
	}
}
