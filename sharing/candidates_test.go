package sharing

import (
	"slices"
	"testing"

	"cartable"
)

func TestGroupCandidates(t *testing.T) {
	tests := []struct {
		name       string
		group      foundGroup
		wantFR     []string
		wantEN     []string
		wantDetail string
	}{
		{"a class: whole, then its pupils, parents and teachers",
			foundGroup{ID: "g", Name: "6A", Kind: "class", StructureName: "Collège Jean Moulin", Profiles: []string{"Teacher", "Relative", "Student"}},
			[]string{"6A", "6A — élèves", "6A — parents", "6A — enseignants"},
			[]string{"6A", "6A — pupils", "6A — parents", "6A — teachers"}, "Classe · Collège Jean Moulin"},
		{"a group of teachers only: no narrowing, the same people",
			foundGroup{ID: "g", Name: "Conseil pédagogique", Kind: "manual", StructureName: "C", Profiles: []string{"Teacher"}},
			[]string{"Conseil pédagogique"}, []string{"Conseil pédagogique"}, "Groupe · C"},
		{"an empty teaching group",
			foundGroup{ID: "g", Name: "Latin", Kind: "teaching_group", StructureName: "C"},
			[]string{"Latin"}, []string{"Latin"}, "Groupe d'enseignement · C"},
		{"staff and guests",
			foundGroup{ID: "g", Name: "Sortie", Kind: "manual", StructureName: "C", Profiles: []string{"Guest", "Personnel"}},
			[]string{"Sortie", "Sortie — personnels", "Sortie — invités"}, []string{"Sortie", "Sortie — staff", "Sortie — guests"}, "Groupe · C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := groupCandidates(tt.group)
			var fr, en []string
			for i, c := range got {
				fr, en = append(fr, c.Label.In("fr")), append(en, c.Label.In("en"))
				if c.Kind != ToGroup || c.ID != "g" || c.Detail.FR != tt.wantDetail || (i == 0) != (c.Profile == "") {
					t.Errorf("candidate %d = %+v", i, c)
				}
			}
			if !slices.Equal(fr, tt.wantFR) || !slices.Equal(en, tt.wantEN) {
				t.Errorf("labels %v / %v, want %v / %v", fr, en, tt.wantFR, tt.wantEN)
			}
		})
	}
}

func TestCandidatesOrder(t *testing.T) {
	groups := []foundGroup{{ID: "6A", Name: "6A", Kind: "class", StructureName: "C", Profiles: []string{"Student", "Relative"}}}
	structures := []foundStructure{{ID: "C", Name: "Collège"}}
	users := []foundUser{{ID: "u1", DisplayName: "Claire Martin", Profile: "Teacher"}, {ID: "u2", DisplayName: "Léa Dupont", Profile: "Student"}}
	all := candidates(groups, structures, users)
	var kinds []string
	for _, c := range all {
		kinds = append(kinds, c.Kind)
	}
	want := []string{"group", "group", "group", "structure", "structure", "structure", "structure", "structure", "user", "user"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	if s := all[3]; s.Profile != cartable.Teacher || s.Label.FR != "Collège — enseignants" || s.Detail.EN != "School" {
		t.Errorf("first structure candidate = %+v", s)
	}
	if u := all[8]; u.Profile != "" || u.Label.FR != "Claire Martin" || u.Detail.FR != "Enseignant" || u.Detail.EN != "Teacher" {
		t.Errorf("user candidate = %+v", u)
	}
	if got := candidates(nil, nil, nil); got == nil || len(got) != 0 {
		t.Errorf("nothing found = %#v, want an empty list", got)
	}
}

func TestLookupQuery(t *testing.T) {
	tests := []struct {
		q, want string
		ok      bool
	}{
		{"6A", "6A", true},
		{"  mart  ", "mart", true},
		{"", "", false},
		{"   ", "", false},
		{string(make([]rune, maxLookupRunes+1)), "", false},
		{"\xff\xfe", "", false},
	}
	for _, tt := range tests {
		q, err := lookupQuery(tt.q)
		if (err == nil) != tt.ok || q != tt.want {
			t.Errorf("lookupQuery(%q) = %q, %v", tt.q, q, err)
		}
		if err != nil && !cartable.IsCode(err, cartable.EInvalid) {
			t.Errorf("lookupQuery(%q) error %v is not invalid_request", tt.q, err)
		}
	}
}
