package sharing

import (
	"cartable"
)

// Candidate is a grantee the caller may share with, as the lookup offers it: ready
// for a grant (Kind, ID and Profile are a grant's grantee), with a label and a
// detail to show.
type Candidate struct {
	Kind string // ToGroup, ToStructure or ToUser
	ID   string
	// Profile narrows a group ("6A — élèves") or a structure; empty for a user or a
	// whole group.
	Profile cartable.Profile
	// Label names the grantee ("6A — élèves", "Claire Martin"); Detail says what it
	// is ("Classe · Collège Jean Moulin", "Enseignant").
	Label, Detail Text
}

// Text is words for people, in French and in English.
type Text struct{ FR, EN string }

// In gives the text in lang: English for "en", French otherwise.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.FR
}

// profileWords name a profile's people: as a narrowing of a group or an
// establishment ("6A — élèves"), and one of them ("Élève").
type profileWords struct{ many, one Text }

var profileNames = map[cartable.Profile]profileWords{
	cartable.Student:   {Text{"élèves", "pupils"}, Text{"Élève", "Pupil"}},
	cartable.Relative:  {Text{"parents", "parents"}, Text{"Parent", "Parent"}},
	cartable.Teacher:   {Text{"enseignants", "teachers"}, Text{"Enseignant", "Teacher"}},
	cartable.Personnel: {Text{"personnels", "staff"}, Text{"Personnel", "Staff"}},
	cartable.Guest:     {Text{"invités", "guests"}, Text{"Invité", "Guest"}},
}

// The order of the narrowings offered: a class's pupils and parents first; an
// establishment's staff first.
var (
	groupNarrowings     = []cartable.Profile{cartable.Student, cartable.Relative, cartable.Teacher, cartable.Personnel, cartable.Guest}
	structureNarrowings = []cartable.Profile{cartable.Teacher, cartable.Personnel, cartable.Student, cartable.Relative, cartable.Guest}
)

var groupKinds = map[string]Text{
	"class":          {"Classe", "Class"},
	"teaching_group": {"Groupe d'enseignement", "Teaching group"},
	"manual":         {"Groupe", "Group"},
}

// foundGroup is a group the lookup matched, with the profiles its members hold.
type foundGroup struct {
	ID, Name, Kind, StructureName string
	Profiles                      []string
}

// foundStructure is an establishment the lookup matched.
type foundStructure struct{ ID, Name string }

// foundUser is a person the lookup matched.
type foundUser struct{ ID, DisplayName, Profile string }

// groupCandidates offers a group whole, then narrowed to each profile its members
// hold, when they hold more than one (narrowing a group of teachers to its teachers
// would offer the same people twice).
func groupCandidates(g foundGroup) []Candidate {
	kind, ok := groupKinds[g.Kind]
	if !ok {
		kind = groupKinds["manual"]
	}
	detail := Text{kind.FR + " · " + g.StructureName, kind.EN + " · " + g.StructureName}
	out := []Candidate{{Kind: ToGroup, ID: g.ID, Label: Text{g.Name, g.Name}, Detail: detail}}
	if len(g.Profiles) < 2 {
		return out
	}
	for _, p := range groupNarrowings {
		for _, held := range g.Profiles {
			if cartable.Profile(held) == p {
				out = append(out, Candidate{Kind: ToGroup, ID: g.ID, Profile: p, Label: narrowed(g.Name, p), Detail: detail})
			}
		}
	}
	return out
}

// structureCandidates offers an establishment narrowed to each profile: a grant
// to a whole establishment must name one.
func structureCandidates(s foundStructure) []Candidate {
	out := make([]Candidate, 0, len(structureNarrowings))
	for _, p := range structureNarrowings {
		out = append(out, Candidate{Kind: ToStructure, ID: s.ID, Profile: p, Label: narrowed(s.Name, p),
			Detail: Text{"Établissement", "School"}})
	}
	return out
}

func userCandidate(u foundUser) Candidate {
	return Candidate{Kind: ToUser, ID: u.ID, Label: Text{u.DisplayName, u.DisplayName}, Detail: profileNames[cartable.Profile(u.Profile)].one}
}

func narrowed(name string, p cartable.Profile) Text {
	words := profileNames[p].many
	return Text{name + " — " + words.FR, name + " — " + words.EN}
}

// candidates lists what the lookup found, groups first, then establishments, then
// people, each in the order found.
func candidates(groups []foundGroup, structures []foundStructure, users []foundUser) []Candidate {
	out := []Candidate{}
	for _, g := range groups {
		out = append(out, groupCandidates(g)...)
	}
	for _, s := range structures {
		out = append(out, structureCandidates(s)...)
	}
	for _, u := range users {
		out = append(out, userCandidate(u))
	}
	return out
}
