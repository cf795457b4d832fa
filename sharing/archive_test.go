package sharing

import (
	"testing"

	"cartable"
)

// TestDecideArchived: in an archived class space nobody holds more than viewer —
// its former teacher, a grant of manager, the local admin — and only its former
// members read it by membership, not the current members of a group id the ENT kept.
func TestDecideArchived(t *testing.T) {
	formerTeacher := &cartable.Caller{UserID: "prof", Profile: cartable.Teacher,
		FormerClasses: []cartable.FormerMembership{{SpaceID: "sp1", Profile: cartable.Teacher}}}
	formerPupil := &cartable.Caller{UserID: "eleve", Profile: cartable.Student,
		FormerClasses: []cartable.FormerMembership{{SpaceID: "sp1", Profile: cartable.Student}}}
	formerParent := &cartable.Caller{UserID: "parent", Profile: cartable.Relative,
		FormerClasses: []cartable.FormerMembership{{SpaceID: "sp1", Profile: cartable.Relative}}}
	newcomer := &cartable.Caller{UserID: "nouveau", Profile: cartable.Student,
		Groups: []cartable.GroupMembership{{GroupID: "6A", Profile: cartable.Student}}}
	granted := &cartable.Caller{UserID: "ami", Profile: cartable.Teacher}
	archived := Space{ID: "sp1", Kind: "group", StructureID: "s1", Archived: true}
	manager := []Grant{{GranteeKind: ToUser, GranteeID: "ami", Role: cartable.Manager}}

	for _, tc := range []struct {
		name   string
		caller *cartable.Caller
		grants []Grant
		want   cartable.Role
	}{
		{"former teacher", formerTeacher, nil, cartable.Viewer},
		{"former pupil", formerPupil, nil, cartable.Viewer},
		{"former parent", formerParent, nil, cartable.NoRole},
		{"next year's pupil of the same group id", newcomer, nil, cartable.NoRole},
		{"manager by a grant", granted, manager, cartable.Viewer},
	} {
		if got := Decide(tc.caller, Target{Space: archived, Grants: tc.grants}); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := SpaceRole(formerTeacher, archived); got != cartable.Viewer {
		t.Errorf("SpaceRole of the former teacher: %v", got)
	}
}

// TestChecksInArchive: every check of a write says space_archived, whatever the role.
func TestChecksInArchive(t *testing.T) {
	c := &cartable.Caller{UserID: "prof"}
	p := Placement{Archived: true, Folder: true, CreatedBy: "prof", Within: Collaborative, Inside: Collaborative}
	for name, err := range map[string]error{
		"add":    CheckAdd(cartable.Manager, p),
		"change": CheckChange(c, cartable.Manager, p),
		"carry":  CheckCarry(c, cartable.Manager, p),
	} {
		if !cartable.IsCode(err, cartable.ESpaceArchived) {
			t.Errorf("%s: %v, want space_archived", name, err)
		}
	}
	if r := RightsOf(c, cartable.Viewer, p); r != (Rights{}) {
		t.Errorf("rights in an archive: %+v", r)
	}
}
