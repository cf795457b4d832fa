package sharing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// CheckGrant validates a grant a manager of the item wants to give, and applies the
// rule of who may share with whom:
//   - teachers and staff share with any user or group of their structures, and with
//     a whole structure of theirs narrowed to a profile;
//   - pupils, parents and guests share only with groups they belong to and with the
//     users of those groups;
//   - nobody shares across structures.
//
// It reads the directory tables to know the grantee's structures and groups.
func CheckGrant(ctx context.Context, q db.DBTX, sharer *cartable.Caller, g Grant, now time.Time) error {
	if err := validate(g, sharer, now); err != nil {
		return err
	}
	switch g.GranteeKind {
	case ToUser:
		return checkUser(ctx, q, sharer, g.GranteeID)
	case ToGroup:
		return checkGroup(ctx, q, sharer, g.GranteeID)
	default:
		return checkStructure(ctx, q, sharer, g.GranteeID)
	}
}

func invalid(format string, args ...any) error {
	return cartable.Errorf(cartable.EInvalid, format, args...)
}

func refused(format string, args ...any) error {
	return cartable.Errorf(cartable.EForbidden, format, args...)
}

func validate(g Grant, sharer *cartable.Caller, now time.Time) error {
	switch {
	case g.Role == cartable.NoRole:
		return invalid("role must be viewer, contributor or manager")
	case g.GranteeKind != ToUser && g.GranteeKind != ToGroup && g.GranteeKind != ToStructure:
		return invalid("grantee.kind must be user, group or structure")
	case g.GranteeID == "":
		return invalid("grantee.id is required")
	case g.Profile != "" && !g.Profile.Valid():
		return invalid("grantee.profile %q is not one of Student, Teacher, Relative, Personnel, Guest", g.Profile)
	case g.GranteeKind == ToUser && g.Profile != "":
		return invalid("a grant to a user takes no profile")
	case g.GranteeKind == ToStructure && g.Profile == "":
		return invalid("a grant to a whole structure must name a profile (e.g. Teacher)")
	case g.GranteeKind == ToUser && g.GranteeID == sharer.UserID:
		return invalid("you cannot share with yourself")
	}
	if g.ExpiresAt != nil && (!g.ExpiresAt.After(now) || g.ExpiresAt.After(now.Add(maxExpiry))) {
		return invalid("expires_at must be in the future, and within five years")
	}
	return nil
}

func checkUser(ctx context.Context, q db.DBTX, sharer *cartable.Caller, userID string) error {
	rows, err := q.Query(ctx, `
		SELECT 's', structure_id FROM user_structures WHERE user_id = $1
		UNION ALL SELECT 'g', group_id FROM group_members WHERE user_id = $1
		UNION ALL SELECT 'u', id FROM users WHERE id = $1`, userID)
	if err != nil {
		return fmt.Errorf("read grantee %s: %w", userID, err)
	}
	var structures, groups []string
	exists := false
	var kind, id string
	_, err = pgx.ForEachRow(rows, []any{&kind, &id}, func() error {
		switch kind {
		case "s":
			structures = append(structures, id)
		case "g":
			groups = append(groups, id)
		default:
			exists = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read grantee %s: %w", userID, err)
	}
	if !exists {
		return invalid("no user %q", userID)
	}
	if sharer.Profile.IsStaff() {
		if slices.ContainsFunc(structures, sharer.InStructure) {
			return nil
		}
		return refused("you may only share with people of your establishments")
	}
	for _, g := range groups {
		if _, ok := sharer.Group(g); ok {
			return nil
		}
	}
	return refused("you may only share with people of your groups")
}

func checkGroup(ctx context.Context, q db.DBTX, sharer *cartable.Caller, groupID string) error {
	var structureID string
	err := q.QueryRow(ctx, `SELECT structure_id FROM groups WHERE id = $1`, groupID).Scan(&structureID)
	if errors.Is(err, pgx.ErrNoRows) {
		return invalid("no group %q", groupID)
	}
	if err != nil {
		return fmt.Errorf("read group %s: %w", groupID, err)
	}
	if sharer.Profile.IsStaff() && sharer.InStructure(structureID) {
		return nil
	}
	if _, ok := sharer.Group(groupID); ok {
		return nil
	}
	if sharer.Profile.IsStaff() {
		return refused("you may only share with groups of your establishments")
	}
	return refused("you may only share with groups you belong to")
}

func checkStructure(ctx context.Context, q db.DBTX, sharer *cartable.Caller, structureID string) error {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM structures WHERE id = $1)`, structureID).Scan(&exists); err != nil {
		return fmt.Errorf("read structure %s: %w", structureID, err)
	}
	if !exists {
		return invalid("no structure %q", structureID)
	}
	if !sharer.Profile.IsStaff() {
		return refused("only teachers and staff share with a whole establishment")
	}
	if !sharer.InStructure(structureID) {
		return refused("you may only share with your establishments")
	}
	return nil
}
