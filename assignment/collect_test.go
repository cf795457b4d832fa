package assignment

import "testing"

func TestSurnameFirst(t *testing.T) {
	for _, tc := range []struct{ display, want string }{
		{"Léa Dupont", "Dupont Léa"},
		{"Claire Martin-Roux", "Martin-Roux Claire"},
		{"Marie Claire Dupont", "Dupont Marie Claire"},
		{"Jean de La Fontaine", "de La Fontaine Jean"},
		{"Anne Le Gall", "Le Gall Anne"},
		{"Kevin Da Silva", "Da Silva Kevin"},
		{"Pierre d'Artagnan", "d'Artagnan Pierre"},
		{"DUPONT Léa", "DUPONT Léa"},
		{"  Hugo   Fontaine ", "Fontaine Hugo"},
		{"Zoé", "Zoé"},
		{"", ""},
	} {
		if got := SurnameFirst(tc.display); got != tc.want {
			t.Errorf("SurnameFirst(%q) = %q, want %q", tc.display, got, tc.want)
		}
	}
}
