package sharing

import (
	"testing"
	"time"

	"cartable"
)

func TestGrantsRaiseTheRole(t *testing.T) {
	pupil6A := &cartable.Caller{UserID: "eleve", Profile: cartable.Student,
		Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups:     []cartable.GroupMembership{{GroupID: "6A", StructureID: "s1", Profile: cartable.Student}}}
	parent6A := &cartable.Caller{UserID: "parent", Profile: cartable.Relative,
		Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups:     []cartable.GroupMembership{{GroupID: "6A", StructureID: "s1", Profile: cartable.Relative}}}
	teacher := &cartable.Caller{UserID: "prof", Profile: cartable.Teacher, Structures: []cartable.StructureMembership{{StructureID: "s1"}}}
	visitor := &cartable.Caller{UserID: "link:l1", Profile: cartable.Guest, LinkID: "l1"}
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	someoneElses := Space{Kind: "personal", OwnerID: "other"}

	tests := []struct {
		name   string
		caller *cartable.Caller
		grants []Grant
		want   cartable.Role
	}{
		{"no grant", pupil6A, nil, cartable.NoRole},
		{"group grant", pupil6A, []Grant{{GranteeKind: ToGroup, GranteeID: "6A", Role: cartable.Viewer}}, cartable.Viewer},
		{"group narrowed to pupils", pupil6A, []Grant{{GranteeKind: ToGroup, GranteeID: "6A", Profile: cartable.Student, Role: cartable.Viewer}}, cartable.Viewer},
		{"group narrowed to pupils, a parent", parent6A, []Grant{{GranteeKind: ToGroup, GranteeID: "6A", Profile: cartable.Student, Role: cartable.Viewer}}, cartable.NoRole},
		{"another group", pupil6A, []Grant{{GranteeKind: ToGroup, GranteeID: "5B", Role: cartable.Manager}}, cartable.NoRole},
		{"user grant", pupil6A, []Grant{{GranteeKind: ToUser, GranteeID: "eleve", Role: cartable.Contributor}}, cartable.Contributor},
		{"highest of several", pupil6A, []Grant{
			{GranteeKind: ToGroup, GranteeID: "6A", Role: cartable.Viewer},
			{GranteeKind: ToUser, GranteeID: "eleve", Role: cartable.Manager}}, cartable.Manager},
		{"expired grant", pupil6A, []Grant{{GranteeKind: ToUser, GranteeID: "eleve", Role: cartable.Manager, ExpiresAt: &past}}, cartable.NoRole},
		{"grant not yet expired", pupil6A, []Grant{{GranteeKind: ToUser, GranteeID: "eleve", Role: cartable.Viewer, ExpiresAt: &future}}, cartable.Viewer},
		{"structure's teachers", teacher, []Grant{{GranteeKind: ToStructure, GranteeID: "s1", Profile: cartable.Teacher, Role: cartable.Contributor}}, cartable.Contributor},
		{"structure's teachers, a pupil", pupil6A, []Grant{{GranteeKind: ToStructure, GranteeID: "s1", Profile: cartable.Teacher, Role: cartable.Contributor}}, cartable.NoRole},
		{"the link's holder", visitor, []Grant{{GranteeKind: ToLink, GranteeID: "l1", Role: cartable.Viewer}}, cartable.Viewer},
		{"another link", visitor, []Grant{{GranteeKind: ToLink, GranteeID: "l2", Role: cartable.Viewer}}, cartable.NoRole},
		{"a link grant names no user", pupil6A, []Grant{{GranteeKind: ToLink, GranteeID: "", Role: cartable.Viewer}}, cartable.NoRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.caller, Target{Space: someoneElses, Grants: tt.grants}); got != tt.want {
				t.Errorf("Decide = %s, want %s", got, tt.want)
			}
		})
	}
}
