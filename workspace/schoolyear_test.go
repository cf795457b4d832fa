package workspace

import (
	"slices"
	"strings"
	"testing"
	"time"

	"cartable"
)

func TestValidateTemplate(t *testing.T) {
	got, err := ValidateTemplate([]string{" Cours ", "Cours/ Chapitre 1", "/Devoirs/", "Photos de classe"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Cours", "Cours/Chapitre 1", "Devoirs", "Photos de classe"}; !slices.Equal(got, want) {
		t.Errorf("normalized %v, want %v", got, want)
	}
	for _, bad := range [][]string{
		{"Cours", "COURS"},         // twice, ignoring case
		{"A/B/C/D"},                // too deep
		{""},                       // empty name
		{"Cours//Chapitre"},        // empty part
		{"Cours/" + "\x01"},        // control character
		{strings.Repeat("é", 200)}, // over 255 bytes
	} {
		if _, err := ValidateTemplate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if code := cartable.ErrorCode(err); code != cartable.EInvalid && code != cartable.EInvalidName {
			t.Errorf("%q: code %s", bad, code)
		}
	}
	if _, err := ValidateTemplate(make([]string, maxTemplateFolders+1)); err == nil {
		t.Error("too many folders accepted")
	}
}

func TestSchoolYearEnding(t *testing.T) {
	for at, want := range map[string]string{
		"2026-07-06": "2025-2026", "2026-08-31": "2025-2026", "2026-09-01": "2026-2027", "2027-01-15": "2026-2027",
	} {
		day, _ := time.Parse(time.DateOnly, at)
		if got := SchoolYearEnding(day); got != want {
			t.Errorf("%s: %s, want %s", at, got, want)
		}
	}
}
