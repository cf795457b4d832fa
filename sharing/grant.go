package sharing

import (
	"time"

	"github.com/google/uuid"

	"cartable"
)

// Grantee kinds.
const (
	ToUser      = "user"
	ToGroup     = "group"
	ToStructure = "structure"
	// ToLink is the grant behind a link: its holder is whoever has the link's token.
	ToLink = "link"
)

// Grant is a role on an item given to a user, a group (optionally narrowed to one
// profile) or a structure narrowed to one profile.
type Grant struct {
	ID          uuid.UUID
	ItemID      uuid.UUID
	GranteeKind string
	GranteeID   string
	// Profile narrows a group or structure grant ("6A — parents"); empty: everyone.
	Profile   cartable.Profile
	Role      cartable.Role
	GrantedBy string
	CreatedAt time.Time
	ExpiresAt *time.Time
	// GranteeName is the directory's name of the user, group or structure, read
	// only by the listing of an item's grants (List), for people to read.
	GranteeName string
	// ItemName is the name of the item the grant is given on, read only by List,
	// for a grant an item inherits from an ancestor ("hérité de « Séquence 1 »").
	ItemName string
}

// Label names whom the grant names, as people say it: "Claire Martin", "6A",
// "6A — élèves", "Collège Jean Moulin — enseignants", "Lien". Without the
// directory's name (a grantee deprovisioned since), the grantee's id.
func (g Grant) Label() Text {
	name := g.GranteeName
	switch {
	case g.GranteeKind == ToLink:
		return Text{"Lien", "Link"}
	case name == "":
		return Text{g.GranteeID, g.GranteeID}
	case g.Profile != "" && g.GranteeKind != ToUser:
		return narrowed(name, g.Profile)
	}
	return Text{name, name}
}

// Live reports whether the grant still applies at now.
func (g Grant) Live(now time.Time) bool {
	return g.ExpiresAt == nil || now.Before(*g.ExpiresAt)
}

// Matches reports whether the grant names the caller.
func (g Grant) Matches(c *cartable.Caller) bool {
	switch g.GranteeKind {
	case ToUser:
		return g.GranteeID == c.UserID
	case ToGroup:
		m, ok := c.Group(g.GranteeID)
		return ok && (g.Profile == "" || m.Profile == g.Profile)
	case ToStructure:
		return c.InStructure(g.GranteeID) && (g.Profile == "" || c.Profile == g.Profile)
	case ToLink:
		return c.LinkID != "" && c.LinkID == g.GranteeID
	}
	return false
}

// ParseRole reads a role's wire name.
func ParseRole(s string) (cartable.Role, bool) {
	switch s {
	case "viewer":
		return cartable.Viewer, true
	case "contributor":
		return cartable.Contributor, true
	case "manager":
		return cartable.Manager, true
	}
	return cartable.NoRole, false
}
