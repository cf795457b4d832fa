package workspace

import (
	"testing"

	"github.com/google/uuid"
)

// A folder's copies clash only with each other: a name given twice is numbered,
// ignoring case, and the extension stays.
func TestHandOutCopyNames(t *testing.T) {
	var c copyRows
	folder := uuid.Must(uuid.NewV7())
	err := c.add(folder, "p1", []HandOutCopy{
		{VersionID: uuid.Must(uuid.NewV7()), Name: "Rédaction - Léa.odt"},
		{VersionID: uuid.Must(uuid.NewV7()), Name: "rédaction - léa.odt"},
		{VersionID: uuid.Must(uuid.NewV7()), Name: "Rédaction - Léa.odt"},
		{VersionID: uuid.Must(uuid.NewV7()), Name: "Grille - Léa.pdf"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Rédaction - Léa.odt", "rédaction - léa (2).odt", "Rédaction - Léa (3).odt", "Grille - Léa.pdf"}
	for i, name := range want {
		if c.names[i] != name || c.keys[i] != NameKey(name) || c.folders[i] != folder || c.owners[i] != "p1" {
			t.Errorf("copy %d: %q (key %q), want %q", i, c.names[i], c.keys[i], name)
		}
	}
	if err := c.add(folder, "p1", []HandOutCopy{{Name: "a/b"}}); err == nil {
		t.Error("a name with a slash was taken")
	}
}
