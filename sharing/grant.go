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
