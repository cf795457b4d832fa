package workspace

import "testing"

func TestNameScrubber(t *testing.T) {
	n := NewNameScrubber("Hugo Fontaine", "Ancien élève 3")
	for name, want := range map[string]string{
		"Exposé de Hugo Fontaine.odt":   "Exposé de Ancien élève 3.odt",
		"Fiche — Hugo FONTAINE":         "Fiche — Ancien élève 3",
		"hugo.txt":                      "Ancien élève 3.txt",
		"Fontaine-Hugo (2).pdf":         "Ancien élève 3-Ancien élève 3 (2).pdf",
		"Hugues et la fontaine de Rome": "Hugues et la Ancien élève 3 de Rome", // a homonym word goes too: better safe
		"Hugoline.txt":                  "Hugoline.txt",                        // only whole words
		"Volcans.odt":                   "Volcans.odt",
	} {
		if got, _ := n.Scrub(name); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", name, got, want)
		}
	}
	if NewNameScrubber("Li", "x") != nil {
		t.Error("a name shorter than three letters scrubs nothing, and says so with nil")
	}
	if got, changed := (*NameScrubber)(nil).Scrub("Léa.txt"); got != "Léa.txt" || changed {
		t.Error("a nil scrubber changes nothing")
	}
}
