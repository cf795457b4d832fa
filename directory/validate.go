package directory

import (
	"regexp"
	"strings"

	"cartable"
)

// uaiPattern is the national establishment code: seven digits and a check letter.
var uaiPattern = regexp.MustCompile(`^[0-9]{7}[A-Z]$`)

// invalid builds an invalid_request error naming the offending field, so that a
// provisioning client can point at it without parsing the detail.
func invalid(field, format string, args ...any) *cartable.Error {
	return cartable.Errorf(cartable.EInvalid, format, args...).With("field", field)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// Validate checks a structure before it is stored.
func (s Structure) Validate() error {
	switch {
	case blank(s.ID):
		return invalid("id", "structure: id is required")
	case !uaiPattern.MatchString(s.UAI):
		return invalid("uai", "structure %s: uai %q is not a UAI (7 digits and a capital letter)", s.ID, s.UAI)
	case blank(s.Name):
		return invalid("name", "structure %s: name is required", s.ID)
	}
	return nil
}

// Validate checks a user. An empty primary structure is valid: storing the user
// makes it their first structure.
func (u User) Validate() error {
	switch {
	case blank(u.ID):
		return invalid("id", "user: id is required")
	case cartable.IsFormer(u.ID):
		// The markers of purged leavers (cartable.FormerPupil...) are no one's id.
		return invalid("id", "user %s: ids beginning with former: are reserved", u.ID)
	case blank(u.DisplayName):
		return invalid("display_name", "user %s: display_name is required", u.ID)
	case !u.Profile.Valid():
		return invalid("profile", "user %s: profile %q is not one of Student, Teacher, Relative, Personnel, Guest", u.ID, u.Profile)
	}
	seen := make(map[string]bool, len(u.Structures))
	for _, s := range u.Structures {
		if blank(s.StructureID) {
			return invalid("structures", "user %s: a structure_id is empty", u.ID)
		}
		if seen[s.StructureID] {
			return invalid("structures", "user %s: structure %s is listed twice", u.ID, s.StructureID)
		}
		seen[s.StructureID] = true
	}
	if u.PrimaryStructureID != "" && !seen[u.PrimaryStructureID] {
		return invalid("primary_structure_id", "user %s: primary_structure_id %q is not one of the user's structures", u.ID, u.PrimaryStructureID)
	}
	return u.validateChildren()
}

// validateChildren checks the user's children as far as the entry alone tells:
// whether each child is a Student is checked when the user is stored.
func (u User) validateChildren() error {
	if len(u.Children) > 0 && u.Profile != cartable.Relative {
		return invalid("children", "user %s: only a Relative has children, not a %s", u.ID, u.Profile)
	}
	seen := make(map[string]bool, len(u.Children))
	for _, child := range u.Children {
		switch {
		case blank(child):
			return invalid("children", "user %s: a child's id is empty", u.ID)
		case child == u.ID:
			return invalid("children", "user %s is listed as their own child", u.ID)
		case seen[child]:
			return invalid("children", "user %s: child %s is listed twice", u.ID, child)
		}
		seen[child] = true
	}
	return nil
}

// withPrimary returns u with its implied primary structure filled in.
func (u User) withPrimary() User {
	if u.PrimaryStructureID == "" && len(u.Structures) > 0 {
		u.PrimaryStructureID = u.Structures[0].StructureID
	}
	return u
}

// ValidKind reports whether kind is one of the group kinds.
func ValidKind(kind string) bool {
	return kind == KindClass || kind == KindTeachingGroup || kind == KindManual
}

// Validate checks a group and its members' profiles. Whether the members exist is
// checked when the group is stored.
func (g Group) Validate() error {
	switch {
	case blank(g.ID):
		return invalid("id", "group: id is required")
	case blank(g.StructureID):
		return invalid("structure_id", "group %s: structure_id is required", g.ID)
	case !ValidKind(g.Kind):
		return invalid("kind", "group %s: kind %q is not one of class, teaching_group, manual", g.ID, g.Kind)
	case blank(g.Name):
		return invalid("name", "group %s: name is required", g.ID)
	}
	seen := make(map[string]bool, len(g.Members))
	for _, m := range g.Members {
		switch {
		case blank(m.UserID):
			return invalid("members", "group %s: a member's user_id is empty", g.ID)
		case seen[m.UserID]:
			return invalid("members", "group %s: member %s is listed twice", g.ID, m.UserID)
		case !m.Profile.Valid():
			return invalid("members", "group %s: member %s has unknown profile %q", g.ID, m.UserID, m.Profile)
		}
		seen[m.UserID] = true
	}
	return nil
}

// Validate checks every entry of the bundle, and that no id or UAI appears twice:
// a second entry would silently overwrite the first in the same import.
func (b Bundle) Validate() error {
	if err := validateAll(b.Structures, "structure", Structure.Validate, func(s Structure) string { return s.ID }); err != nil {
		return err
	}
	if err := validateAll(b.Users, "user", User.Validate, func(u User) string { return u.ID }); err != nil {
		return err
	}
	if err := validateAll(b.Groups, "group", Group.Validate, func(g Group) string { return g.ID }); err != nil {
		return err
	}
	uais := make(map[string]string, len(b.Structures))
	for _, s := range b.Structures {
		if other, ok := uais[s.UAI]; ok {
			return invalid("uai", "structures %s and %s share the uai %s", other, s.ID, s.UAI)
		}
		uais[s.UAI] = s.ID
	}
	return nil
}

// validateAll validates each entry and refuses a repeated id.
func validateAll[T any](entries []T, kind string, validate func(T) error, id func(T) string) error {
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if err := validate(e); err != nil {
			return err
		}
		if seen[id(e)] {
			return invalid("id", "%s %s appears twice in the file", kind, id(e))
		}
		seen[id(e)] = true
	}
	return nil
}
