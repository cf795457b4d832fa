package directory_test

import (
	"errors"
	"testing"

	"cartable"
	"cartable/directory"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	college := directory.Structure{ID: "s", UAI: "0600001A", Name: "Collège"}
	pupil := directory.User{ID: "u", DisplayName: "U", Profile: cartable.Student, Structures: []directory.UserStructure{{StructureID: "a"}}}
	class := directory.Group{ID: "g", StructureID: "s", Kind: directory.KindClass, Name: "6A",
		Members: []directory.Member{{UserID: "u", Profile: cartable.Student}}}
	tests := []struct {
		name  string
		err   error
		field string // "" when valid
	}{
		{"good structure", college.Validate(), ""},
		{"structure without id", with(college, func(s *directory.Structure) { s.ID = " " }).Validate(), "id"},
		{"short UAI", with(college, func(s *directory.Structure) { s.UAI = "600001A" }).Validate(), "uai"},
		{"lowercase UAI", with(college, func(s *directory.Structure) { s.UAI = "0600001a" }).Validate(), "uai"},
		{"structure without name", with(college, func(s *directory.Structure) { s.Name = "" }).Validate(), "name"},

		{"good user", pupil.Validate(), ""},
		{"user with implied primary", with(pupil, func(u *directory.User) { u.PrimaryStructureID = "" }).Validate(), ""},
		{"user without structures", with(pupil, func(u *directory.User) { u.Structures = nil }).Validate(), ""},
		{"user without id", with(pupil, func(u *directory.User) { u.ID = "" }).Validate(), "id"},
		{"user without name", with(pupil, func(u *directory.User) { u.DisplayName = "" }).Validate(), "display_name"},
		{"unknown profile", with(pupil, func(u *directory.User) { u.Profile = "Principal" }).Validate(), "profile"},
		{"primary not among structures", with(pupil, func(u *directory.User) { u.PrimaryStructureID = "b" }).Validate(), "primary_structure_id"},
		{"duplicate structures", with(pupil, func(u *directory.User) {
			u.Structures = []directory.UserStructure{{StructureID: "a"}, {StructureID: "a"}}
		}).Validate(), "structures"},
		{"empty structure id", with(pupil, func(u *directory.User) { u.Structures = []directory.UserStructure{{}} }).Validate(), "structures"},
		{"parent with children", with(pupil, func(u *directory.User) { u.Profile, u.Children = cartable.Relative, []string{"c1", "c2"} }).Validate(), ""},
		{"pupil with children", with(pupil, func(u *directory.User) { u.Children = []string{"c1"} }).Validate(), "children"},
		{"teacher with children", with(pupil, func(u *directory.User) { u.Profile, u.Children = cartable.Teacher, []string{"c1"} }).Validate(), "children"},
		{"child listed twice", with(pupil, func(u *directory.User) { u.Profile, u.Children = cartable.Relative, []string{"c1", "c1"} }).Validate(), "children"},
		{"empty child id", with(pupil, func(u *directory.User) { u.Profile, u.Children = cartable.Relative, []string{" "} }).Validate(), "children"},
		{"own child", with(pupil, func(u *directory.User) { u.Profile, u.Children = cartable.Relative, []string{"u"} }).Validate(), "children"},

		{"good group", class.Validate(), ""},
		{"every kind", with(class, func(g *directory.Group) { g.Kind = directory.KindTeachingGroup }).Validate(), ""},
		{"group without structure", with(class, func(g *directory.Group) { g.StructureID = "" }).Validate(), "structure_id"},
		{"unknown group kind", with(class, func(g *directory.Group) { g.Kind = "club" }).Validate(), "kind"},
		{"group without name", with(class, func(g *directory.Group) { g.Name = "\t" }).Validate(), "name"},
		{"duplicate member", with(class, func(g *directory.Group) { g.Members = append(g.Members, g.Members[0]) }).Validate(), "members"},
		{"member with unknown profile", with(class, func(g *directory.Group) { g.Members = []directory.Member{{UserID: "u", Profile: "Boss"}} }).Validate(), "members"},
		{"member without id", with(class, func(g *directory.Group) { g.Members = []directory.Member{{Profile: cartable.Student}} }).Validate(), "members"},

		{"good bundle", directory.Bundle{Structures: []directory.Structure{college}, Users: []directory.User{pupil}, Groups: []directory.Group{class}}.Validate(), ""},
		{"bundle with a bad entry", directory.Bundle{Groups: []directory.Group{{ID: "g"}}}.Validate(), "structure_id"},
		{"structure twice", directory.Bundle{Structures: []directory.Structure{college, college}}.Validate(), "id"},
		{"user twice", directory.Bundle{Users: []directory.User{pupil, pupil}}.Validate(), "id"},
		{"group twice", directory.Bundle{Groups: []directory.Group{class, class}}.Validate(), "id"},
		{"UAI twice", directory.Bundle{Structures: []directory.Structure{college, with(college, func(s *directory.Structure) { s.ID = "t" })}}.Validate(), "uai"},
	}
	for _, tt := range tests {
		if got := fieldOf(t, tt.name, tt.err); got != tt.field {
			t.Errorf("%s: field = %q, want %q (error: %v)", tt.name, got, tt.field, tt.err)
		}
	}
}

// with returns a modified copy of v, so that each case changes one thing.
func with[T any](v T, change func(*T)) T {
	change(&v)
	return v
}

// fieldOf returns the field an invalid_request error names, or "" for no error.
func fieldOf(t *testing.T, name string, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var de *cartable.Error
	if !errors.As(err, &de) || de.Code != cartable.EInvalid {
		t.Errorf("%s: %v is not an invalid_request", name, err)
		return "?"
	}
	field, _ := de.Fields["field"].(string)
	return field
}
