package sharing

import (
	"testing"

	"cartable"
)

func TestAudience(t *testing.T) {
	member := func(group, structure string, p cartable.Profile) cartable.GroupMembership {
		return cartable.GroupMembership{GroupID: group, StructureID: structure, Profile: p}
	}
	teacher := &cartable.Caller{UserID: "prof", Profile: cartable.Teacher,
		Structures: []cartable.StructureMembership{{StructureID: "s1"}, {StructureID: "s2"}},
		Groups:     []cartable.GroupMembership{member("s1-6A", "s1", cartable.Teacher)}}
	staff := &cartable.Caller{UserID: "cpe", Profile: cartable.Personnel, Structures: []cartable.StructureMembership{{StructureID: "s1"}}}
	pupil := &cartable.Caller{UserID: "eleve", Profile: cartable.Student, Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups: []cartable.GroupMembership{member("s1-6A", "s1", cartable.Student), member("s1-latin", "s1", cartable.Student)}}
	parent := &cartable.Caller{UserID: "parent", Profile: cartable.Relative, Structures: []cartable.StructureMembership{{StructureID: "s1"}},
		Groups: []cartable.GroupMembership{member("s1-6A", "s1", cartable.Relative)}}
	loner := &cartable.Caller{UserID: "invite", Profile: cartable.Guest, Structures: []cartable.StructureMembership{{StructureID: "s1"}}}

	type user struct {
		id                 string
		structures, groups []string
	}
	tests := []struct {
		name      string
		caller    *cartable.Caller
		user      *user
		group     [2]string // id, structure
		structure string
		want      bool
	}{
		{"teacher: a pupil of their structure", teacher, &user{"x", []string{"s1"}, nil}, [2]string{}, "", true},
		{"teacher: a parent of their second structure", teacher, &user{"x", []string{"s2"}, nil}, [2]string{}, "", true},
		{"teacher: someone of another structure", teacher, &user{"x", []string{"s3"}, []string{"s1-6A"}}, [2]string{}, "", false},
		{"teacher: themselves", teacher, &user{"prof", []string{"s1"}, nil}, [2]string{}, "", false},
		{"teacher: a group of their structure", teacher, nil, [2]string{"s1-5B", "s1"}, "", true},
		{"teacher: a group of another structure", teacher, nil, [2]string{"s3-6A", "s3"}, "", false},
		{"teacher: their structure", teacher, nil, [2]string{}, "s2", true},
		{"teacher: another structure", teacher, nil, [2]string{}, "s3", false},
		{"staff: a user of their structure", staff, &user{"x", []string{"s1"}, nil}, [2]string{}, "", true},
		{"staff: their structure", staff, nil, [2]string{}, "s1", true},
		{"pupil: their class", pupil, nil, [2]string{"s1-6A", "s1"}, "", true},
		{"pupil: another class of their structure", pupil, nil, [2]string{"s1-5B", "s1"}, "", false},
		{"pupil: a classmate", pupil, &user{"x", []string{"s1"}, []string{"s1-6A"}}, [2]string{}, "", true},
		{"pupil: a member of their Latin group", pupil, &user{"x", []string{"s1"}, []string{"s1-latin"}}, [2]string{}, "", true},
		{"pupil: someone of their structure only", pupil, &user{"x", []string{"s1"}, []string{"s1-5B"}}, [2]string{}, "", false},
		{"pupil: their structure", pupil, nil, [2]string{}, "s1", false},
		{"parent: their child's class and its members", parent, &user{"x", nil, []string{"s1-6A"}}, [2]string{}, "", true},
		{"parent: the class", parent, nil, [2]string{"s1-6A", "s1"}, "", true},
		{"guest without groups: anyone", loner, &user{"x", []string{"s1"}, nil}, [2]string{}, "", false},
		{"guest without groups: their structure", loner, nil, [2]string{}, "s1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := AudienceOf(tt.caller)
			var got bool
			switch {
			case tt.user != nil:
				got = a.HasUser(tt.user.id, tt.user.structures, tt.user.groups)
			case tt.group[0] != "":
				got = a.HasGroup(tt.group[0], tt.group[1])
			default:
				got = a.HasStructure(tt.structure)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v (audience %+v)", got, tt.want, a)
			}
		})
	}
}
