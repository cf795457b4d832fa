package sharing

import (
	"cartable"
)

// Mode is how the authors of a shared space (pupils in a class space, teachers in
// the staff room) may change what a folder holds. A manager of the space sets it on a
// folder; a folder without a mode of its own follows its parent, and a space's root
// without one is Standard. Modes never narrow a grant, nor a manager.
type Mode string

const (
	// Inherit: the folder has no mode of its own.
	Inherit Mode = ""
	// Standard: authors add, and change what they created.
	Standard Mode = "standard"
	// Collaborative: group work; authors change everything below the folder.
	Collaborative Mode = "collaborative"
	// ReadOnly: class materials; authors add and change nothing below the folder.
	ReadOnly Mode = "read_only"
)

// ParseMode reads a mode's wire name; "inherit" clears a folder's own mode.
func ParseMode(s string) (Mode, bool) {
	switch m := Mode(s); m {
	case Standard, Collaborative, ReadOnly:
		return m, true
	case "inherit":
		return Inherit, true
	}
	return "", false
}

// Or is the mode in effect: m when set, else the inherited one.
func (m Mode) Or(inherited Mode) Mode {
	if m != Inherit {
		return m
	}
	if inherited == Inherit {
		return Standard
	}
	return inherited
}

// Placement is what a caller's rights on an item depend on besides their role.
type Placement struct {
	// Archived: the item lies in an archived space, where nobody changes anything.
	Archived  bool
	Folder    bool
	Root      bool
	CreatedBy string
	// Within is the mode in effect where the item lies (its parent folder's).
	Within Mode
	// Inside is a folder's mode in effect for what it holds: its own, or Within.
	Inside Mode
	// For a folder: whether a live item below it was created by someone else, and
	// whether a folder below it has a mode of its own other than Collaborative.
	// Only read where an author could otherwise carry the folder along.
	OthersBelow, MarksBelow bool
}

// NeedsSubtree reports whether CheckCarry needs OthersBelow and MarksBelow: only for
// a folder an author may otherwise change.
func NeedsSubtree(c *cartable.Caller, role cartable.Role, p Placement) bool {
	return role == cartable.Author && p.Folder && CheckChange(c, role, p) == nil
}

// CheckAdd says whether a caller with role may add files and folders to the folder.
func CheckAdd(role cartable.Role, p Placement) error {
	switch {
	case p.Archived:
		return SpaceArchived()
	case role >= cartable.Contributor:
		return nil
	case role == cartable.Author && p.Inside == ReadOnly:
		return readOnly()
	case role == cartable.Author:
		return nil
	}
	return needRole(cartable.Contributor, role)
}

// CheckChange says whether a caller with role may rename the item or change a
// file's content: contributors may; authors may what they created, or anything in a
// collaborative folder, but nothing in a read-only one.
func CheckChange(c *cartable.Caller, role cartable.Role, p Placement) error {
	switch {
	case p.Archived:
		return SpaceArchived()
	case role >= cartable.Contributor:
		return nil
	case role != cartable.Author:
		return needRole(cartable.Contributor, role)
	case p.Within == ReadOnly:
		return readOnly()
	case p.Within == Collaborative || p.CreatedBy == c.UserID:
		return nil
	}
	return cartable.Errorf(cartable.ENotAuthor, "someone else created this item; only its author or a manager of the space changes it")
}

// CheckCarry says whether a caller with role may move the item or trash it: what
// CheckChange allows, and for an author's folder, only when everything below it is
// theirs to change too (all theirs, or all collaborative).
func CheckCarry(c *cartable.Caller, role cartable.Role, p Placement) error {
	if err := CheckChange(c, role, p); err != nil {
		return err
	}
	if role >= cartable.Contributor || !p.Folder || !p.OthersBelow {
		return nil
	}
	if p.Inside == Collaborative && !p.MarksBelow {
		return nil
	}
	return cartable.Errorf(cartable.ENotAuthor, "this folder holds items someone else created; only a manager of the space moves or trashes it")
}

// Rights is what one caller may do with one item, for clients to offer only that.
type Rights struct {
	Add   bool // add files and folders (folders only)
	Edit  bool // rename; change a file's content
	Move  bool // move within or out of the space
	Trash bool
	Share bool // grants, links, and a folder's mode
}

// RightsOf sums up the checks for a caller with role on an item so placed.
func RightsOf(c *cartable.Caller, role cartable.Role, p Placement) Rights {
	if role == cartable.NoRole {
		return Rights{}
	}
	r := Rights{Share: role >= cartable.Manager && !p.Archived}
	r.Add = p.Folder && CheckAdd(role, p) == nil
	if !p.Root {
		r.Edit = CheckChange(c, role, p) == nil
		r.Move = CheckCarry(c, role, p) == nil
		r.Trash = r.Move
	}
	return r
}

func readOnly() error {
	return cartable.Errorf(cartable.EReadOnlyFolder, "this folder is read-only: only a manager of the space adds or changes items in it")
}

func needRole(need, have cartable.Role) error {
	return cartable.Errorf(cartable.EForbidden, "this needs the %s role; you have %s", need, have).
		With("required_role", need.String())
}
