package assignment

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cartable"
)

func TestStatusAt(t *testing.T) {
	due := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	before, after := due.Add(-time.Hour), due.Add(time.Hour)
	tests := []struct {
		name string
		p    Progress
		now  time.Time
		want Status
	}{
		{"nothing yet", Progress{}, before, NotOpened},
		{"read", Progress{Opened: true}, before, InProgress},
		{"worked without reading again", Progress{Worked: true}, before, InProgress},
		{"nothing by the due date", Progress{}, after, Missing},
		{"in progress past the due date", Progress{Opened: true, Worked: true}, after, Missing},
		{"handed in", Progress{Opened: true, HandedIn: true}, before, HandedIn},
		{"handed in, seen after the due date", Progress{HandedIn: true}, after, HandedIn},
		{"handed in late", Progress{HandedIn: true, Late: true}, after, HandedInLate},
		{"returned", Progress{HandedIn: true, Returned: true}, after, Returned},
		{"excused wins", Progress{HandedIn: true, Returned: true, Excused: true}, after, Excused},
		{"at the due date exactly", Progress{}, due, NotOpened},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StatusAt(tt.p, due, tt.now); got != tt.want {
				t.Errorf("StatusAt = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSectionOf(t *testing.T) {
	want := map[Status]Section{NotOpened: ToDo, InProgress: ToDo, Missing: Late,
		HandedIn: Done, HandedInLate: Done, Returned: Done, Excused: Done}
	for status, section := range want {
		if got := SectionOf(status); got != section {
			t.Errorf("SectionOf(%s) = %s, want %s", status, got, section)
		}
	}
}

func TestAcceptsUntil(t *testing.T) {
	due := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	closeAt := due.Add(48 * time.Hour)
	tests := []struct {
		name string
		d    Dates
		want *time.Time
	}{
		{"no late hand-in: the due date", Dates{Due: due, Close: &closeAt}, &due},
		{"late allowed: the close date", Dates{Due: due, Close: &closeAt, LateAllowed: true}, &closeAt},
		{"late allowed, no close date: no end", Dates{Due: due, LateAllowed: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.AcceptsUntil()
			if (got == nil) != (tt.want == nil) || got != nil && !got.Equal(*tt.want) {
				t.Errorf("AcceptsUntil = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCopyName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".odt"
	tests := []struct {
		template, pupil, want string
	}{
		{"Rédaction.odt", "Léa Dupont", "Rédaction - Léa Dupont.odt"},
		{"fiche.v2.docx", "Hugo Fontaine", "fiche.v2 - Hugo Fontaine.docx"},
		{"Consignes", "Léa Dupont", "Consignes - Léa Dupont"},
		{".profile", "Léa Dupont", ".profile - Léa Dupont"},
		{"carte.", "Léa Dupont", "carte. - Léa Dupont"},
		{"a.odt", "Jean/Paul\tMartin", "a - Jean-PaulMartin.odt"},
	}
	for _, tt := range tests {
		if got := CopyName(tt.template, tt.pupil); got != tt.want {
			t.Errorf("CopyName(%q, %q) = %q, want %q", tt.template, tt.pupil, got, tt.want)
		}
	}
	got := CopyName(long, "Léa Dupont")
	if len(got) > maxNameBytes || !strings.HasSuffix(got, " - Léa Dupont.odt") || !strings.HasPrefix(got, "éé") {
		t.Errorf("CopyName of a long name = %q (%d bytes)", got, len(got))
	}
	if got := FolderName("Exposé 1/2", "Léa Dupont"); got != "Exposé 1-2 - Léa Dupont" {
		t.Errorf("FolderName = %q", got)
	}
}

func TestFieldsCheck(t *testing.T) {
	due := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	early := due.Add(-time.Hour)
	zero := 0.0
	ok := Fields{Title: "Rédaction", WholeClass: true, Dates: Dates{Due: due}}
	tests := []struct {
		name  string
		edit  func(*Fields)
		field string
	}{
		{"valid", func(*Fields) {}, ""},
		{"no title", func(f *Fields) { f.Title = "  " }, "title"},
		{"instructions too long", func(f *Fields) { f.Instructions = strings.Repeat("a", MaxInstructionsRunes+1) }, "instructions"},
		{"instructions at the limit", func(f *Fields) { f.Instructions = strings.Repeat("é", MaxInstructionsRunes) }, ""},
		{"no audience", func(f *Fields) { f.WholeClass = false }, "pupil_ids"},
		{"no due date", func(f *Fields) { f.Due = time.Time{} }, "due_at"},
		{"closes before due", func(f *Fields) { f.Close = &early }, "close_at"},
		{"zero points", func(f *Fields) { f.MaxPoints = &zero }, "max_points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.edit(&f)
			err := f.check()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("check = %v, want nil", err)
				}
				return
			}
			if fieldOf(err) != tt.field {
				t.Fatalf("check = %v, want an invalid %s", err, tt.field)
			}
		})
	}
}

func fieldOf(err error) any {
	var e *cartable.Error
	if errors.As(err, &e) {
		return e.Fields["field"]
	}
	return nil
}
