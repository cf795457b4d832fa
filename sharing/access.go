// Package sharing decides who may do what with an item. Decide is the one access
// decision of the whole service: every use case that reads or changes an item asks
// it, and nothing else grants access. It knows space ownership, group-space
// membership and grants (on the item or any ancestor, stored once where given).
// The package also owns the grants themselves and the rules of who may share what
// with whom.
package sharing

import (
	"time"

	"cartable"
)

// Space is what the decision needs to know of the space that holds an item.
type Space struct {
	ID          string
	Kind        string // personal, group, structure
	OwnerID     string // personal spaces
	GroupID     string // group spaces
	StructureID string
	// Archived: last year's class space, read-only for everyone (see Decide).
	Archived bool
}

// Target is the item being accessed, as far as access is concerned: its space, and
// the grants on it and on its ancestors.
type Target struct {
	Space  Space
	Grants []Grant
	// PrivateTo, when set, is the one member of a shared space the item is kept for
	// (a pupil's work on an assignment): the space's other members get no role on it
	// by membership, its managers keep theirs.
	PrivateTo string
}

// Decide returns the caller's effective role on the target: the highest role that
// space membership or any live grant matching the caller gives them.
func Decide(c *cartable.Caller, t Target) cartable.Role {
	if c == nil {
		return cartable.NoRole
	}
	role := SpaceRole(c, t.Space)
	if t.PrivateTo != "" && t.PrivateTo != c.UserID && role < cartable.Manager {
		role = cartable.NoRole
	}
	now := time.Now()
	for _, g := range t.Grants {
		if g.Role > role && g.Live(now) && g.Matches(c) {
			role = g.Role
		}
	}
	return archivedCap(t.Space, role)
}

// archivedCap keeps everyone to reading an archived space: no grant, no teacher's
// membership, no local admin writes there. Being here, in the one decision, every
// path (API, uploads, WebDAV, office editor, assignments) obeys it.
func archivedCap(s Space, role cartable.Role) cartable.Role {
	if s.Archived && role > cartable.Viewer {
		return cartable.Viewer
	}
	return role
}

// SpaceArchived is the refusal of a write in an archived space.
func SpaceArchived() error {
	return cartable.Errorf(cartable.ESpaceArchived, "this space is archived (a previous school year): it is read-only for everyone")
}

// SpaceRole is the role a caller holds on everything in a space through membership:
//   - personal space: its owner is manager;
//   - group space: teachers of the group are managers, its pupils and staff members
//     authors (they add, and change what they created); parents get nothing by
//     membership (a teacher shares with them); an archived one is read by those who
//     were its members when it was archived, and nobody else;
//   - structure space (the staff room): local admins are managers, teachers and
//     personnel of the structure authors.
//
// Folder modes (see Mode) then widen or narrow what authors may change.
func SpaceRole(c *cartable.Caller, s Space) cartable.Role {
	switch s.Kind {
	case "personal":
		if s.OwnerID == c.UserID {
			return cartable.Manager
		}
	case "group":
		if s.Archived {
			if m, ok := c.FormerClass(s.ID); ok {
				return archivedCap(s, groupMemberRole(m.Profile))
			}
			return cartable.NoRole
		}
		if m, ok := c.Group(s.GroupID); ok {
			return groupMemberRole(m.Profile)
		}
	case "structure":
		return structureRole(c, s.StructureID)
	}
	return cartable.NoRole
}

func groupMemberRole(p cartable.Profile) cartable.Role {
	switch p {
	case cartable.Teacher:
		return cartable.Manager
	case cartable.Student, cartable.Personnel:
		return cartable.Author
	}
	return cartable.NoRole
}

func structureRole(c *cartable.Caller, structureID string) cartable.Role {
	if !c.InStructure(structureID) {
		return cartable.NoRole
	}
	if c.IsLocalAdmin(structureID) {
		return cartable.Manager
	}
	if c.Profile.IsStaff() {
		return cartable.Author
	}
	return cartable.NoRole
}
