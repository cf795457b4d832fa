package sharing

import (
	"testing"

	"cartable"
)

func TestDecide(t *testing.T) {
	teacher := &cartable.Caller{UserID: "prof", Profile: cartable.Teacher,
		Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups:     []cartable.GroupMembership{{GroupID: "6A", StructureID: "s1", Profile: cartable.Teacher}}}
	pupil := &cartable.Caller{UserID: "eleve", Profile: cartable.Student,
		Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups:     []cartable.GroupMembership{{GroupID: "6A", StructureID: "s1", Profile: cartable.Student}}}
	parent := &cartable.Caller{UserID: "parent", Profile: cartable.Relative,
		Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups:     []cartable.GroupMembership{{GroupID: "6A", StructureID: "s1", Profile: cartable.Relative}}}
	admin := &cartable.Caller{UserID: "admin", Profile: cartable.Personnel,
		Structures: []cartable.StructureMembership{{StructureID: "s1", LocalAdmin: true}}}
	otherTeacher := &cartable.Caller{UserID: "prof2", Profile: cartable.Teacher,
		Structures: []cartable.StructureMembership{{StructureID: "s2"}}}

	profHome := Space{Kind: "personal", OwnerID: "prof"}
	class6A := Space{Kind: "group", GroupID: "6A", StructureID: "s1"}
	class5B := Space{Kind: "group", GroupID: "5B", StructureID: "s1"}
	staff := Space{Kind: "structure", StructureID: "s1"}

	tests := []struct {
		name   string
		caller *cartable.Caller
		space  Space
		want   cartable.Role
	}{
		{"owner of personal space", teacher, profHome, cartable.Manager},
		{"pupil in teacher's personal space", pupil, profHome, cartable.NoRole},
		{"teacher of the class", teacher, class6A, cartable.Manager},
		{"pupil of the class", pupil, class6A, cartable.Author},
		{"parent of the class", parent, class6A, cartable.NoRole},
		{"pupil of another class", pupil, class5B, cartable.NoRole},
		{"teacher in staff space", teacher, staff, cartable.Author},
		{"local admin in staff space", admin, staff, cartable.Manager},
		{"pupil in staff space", pupil, staff, cartable.NoRole},
		{"teacher of another structure", otherTeacher, staff, cartable.NoRole},
		{"no caller", nil, profHome, cartable.NoRole},
		{"unknown space kind", teacher, Space{Kind: "weird", OwnerID: "prof"}, cartable.NoRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.caller, Target{Space: tt.space}); got != tt.want {
				t.Errorf("Decide = %s, want %s", got, tt.want)
			}
		})
	}
	// A pupil's work on an assignment, in the class space, kept for "eleve".
	private := []struct {
		name   string
		caller *cartable.Caller
		grants []Grant
		want   cartable.Role
	}{
		{"the pupil it is kept for", pupil, nil, cartable.Author},
		{"another pupil of the class", &cartable.Caller{UserID: "eleve2", Profile: cartable.Student,
			Groups: []cartable.GroupMembership{{GroupID: "6A", StructureID: "s1", Profile: cartable.Student}}}, nil, cartable.NoRole},
		{"the teacher of the class", teacher, nil, cartable.Manager},
		{"a parent of the class", parent, nil, cartable.NoRole},
		{"someone a grant names", parent, []Grant{{Role: cartable.Viewer, GranteeKind: "user", GranteeID: "parent"}}, cartable.Viewer},
	}
	for _, tt := range private {
		t.Run("private: "+tt.name, func(t *testing.T) {
			if got := Decide(tt.caller, Target{Space: class6A, Grants: tt.grants, PrivateTo: "eleve"}); got != tt.want {
				t.Errorf("Decide = %s, want %s", got, tt.want)
			}
		})
	}
}
