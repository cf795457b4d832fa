package sharing

import (
	"slices"

	"cartable"
)

// Audience is whom a caller may share with. It is the one statement of the rule
// that CheckGrant enforces on every grant and that FindGrantees follows when it
// offers grantees, so that what the lookup offers is shareable, and the reverse:
//   - teachers and staff share with the users and groups of their establishments,
//     with each establishment as a whole narrowed to a profile, and with the groups
//     they belong to;
//   - pupils, parents and guests share with the groups they belong to and with the
//     members of those groups (their classmates, their teachers);
//   - nobody reaches across establishments.
type Audience struct {
	// Structures are the establishments whose users and groups the caller may share
	// with, and which they may share with whole (narrowed to a profile).
	Structures []string
	// Groups are the groups the caller may share with wherever they are: their own.
	Groups []string
	// PeerGroups are the groups whose members the caller may share with.
	PeerGroups []string
	// Self is the caller, with whom nobody shares.
	Self string
}

// AudienceOf gives the caller's audience.
func AudienceOf(c *cartable.Caller) Audience {
	a := Audience{Self: c.UserID, Structures: []string{}, Groups: []string{}, PeerGroups: []string{}}
	for _, g := range c.Groups {
		a.Groups = append(a.Groups, g.GroupID)
	}
	if c.Profile.IsStaff() {
		for _, s := range c.Structures {
			a.Structures = append(a.Structures, s.StructureID)
		}
	} else {
		a.PeerGroups = a.Groups
	}
	return a
}

// HasUser reports whether the caller may share with a user attached to structures
// and member of groups.
func (a Audience) HasUser(userID string, structures, groups []string) bool {
	if userID == a.Self {
		return false
	}
	return slices.ContainsFunc(structures, a.HasStructure) ||
		slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(a.PeerGroups, g) })
}

// HasGroup reports whether the caller may share with a group of a structure.
func (a Audience) HasGroup(groupID, structureID string) bool {
	return a.HasStructure(structureID) || slices.Contains(a.Groups, groupID)
}

// HasStructure reports whether the caller may share with a whole structure
// (narrowed to a profile).
func (a Audience) HasStructure(structureID string) bool {
	return slices.Contains(a.Structures, structureID)
}
