// Package directory owns the people and places Cartable serves, as the ENT
// provisions them: structures (establishments), users with their profile and
// structures, and groups (classes, teaching groups, manual groups) with their
// members.
//
// # Provisioning
//
// Every write is an idempotent upsert or delete keyed by the ENT's id, so the ENT
// can replay its feed: upserting a user replaces their set of structures, upserting
// a group replaces its members, and deleting what is not there succeeds. A bulk
// Import applies a whole file (a Bundle) in one transaction with a constant number
// of statements, whatever its size.
//
// # Considerations
//
// An unchanged entry is not rewritten: updated_at records the last change of the
// row's own fields, and replaying a region's nightly feed leaves no dead rows
// behind. Membership changes take effect at the next request of the people
// concerned, since LoadCaller reads the directory on every request.
package directory

import "cartable"

// Structure is an establishment (établissement), identified by the ENT's id and
// by its national UAI code.
type Structure struct {
	ID   string `json:"id"`
	UAI  string `json:"uai"`
	Name string `json:"name"`
}

// User is a person of the ENT.
type User struct {
	ID          string           `json:"id"`
	DisplayName string           `json:"display_name"`
	Profile     cartable.Profile `json:"profile"`
	Structures  []UserStructure  `json:"structures"`
	// PrimaryStructureID is the structure charged for the user's personal space.
	// Left empty, it is the first of Structures.
	PrimaryStructureID string `json:"primary_structure_id,omitempty"`
	// Children are the pupils (Student users, by the ENT's ids) a Relative is a
	// parent of: they let the parent follow those pupils' assignments. Only a
	// Relative has children; upserting the user replaces the set, as it does the
	// structures.
	Children []string `json:"children,omitempty"`
}

// UserStructure attaches a user to a structure, optionally as its local admin.
type UserStructure struct {
	StructureID string `json:"structure_id"`
	LocalAdmin  bool   `json:"local_admin,omitempty"`
}

// Group is a class, a teaching group or a manual group of one structure.
type Group struct {
	ID          string   `json:"id"`
	StructureID string   `json:"structure_id"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Members     []Member `json:"members"`
}

// Member is a user's membership of a group, with the profile they hold in it: a
// grant may be narrowed to the group's pupils, parents or teachers.
type Member struct {
	UserID  string           `json:"user_id"`
	Profile cartable.Profile `json:"profile"`
}

// The group kinds.
const (
	KindClass         = "class"
	KindTeachingGroup = "teaching_group"
	KindManual        = "manual"
)
