package sharing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// CheckGrant validates a grant a manager of the item wants to give, and applies the
// rule of who may share with whom (see Audience): teachers and staff share with the
// users and groups of their structures, and with a whole structure of theirs
// narrowed to a profile; pupils, parents and guests only with the groups they
// belong to and the members of those groups; nobody across structures.
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

// unknownGrantee says that no user, group or structure has the id, and how to find
// the id from a name ("6A" is a class's name; its id is the ENT's, like 0600001A-6A).
func unknownGrantee(kind, id string) error {
	search := searchPath + "?q=" + url.QueryEscape(id)
	e := cartable.Errorf(cartable.EInvalid, "no %s has the id %q: grantee.id is the ENT's id, not a name; "+
		"GET %s finds the grantees whose names start with it, with their ids", kind, id, search)
	e.MessageFR = fmt.Sprintf("Aucun destinataire n'a l'identifiant « %s » : un identifiant n'est pas un nom. "+
		"Cherchez le groupe ou la personne par son nom pour trouver son identifiant.", id)
	e.MessageEN = fmt.Sprintf("No one has the id %q: an id is not a name. Search for the group or the person by name to find their id.", id)
	return e.With("field", "grantee.id").With("search", search)
}

// searchPath is the route of FindGrantees, named in the errors that need it.
const searchPath = "/api/v1/directory/search"

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
		UNION ALL SELECT 'u', id FROM users WHERE id = $1 AND left_at IS NULL`, userID) // a leaver is no one to share with
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
	switch {
	case !exists:
		return unknownGrantee("user", userID)
	case AudienceOf(sharer).HasUser(userID, structures, groups):
		return nil
	case sharer.Profile.IsStaff():
		return refused("you may only share with people of your establishments")
	}
	return refused("you may only share with people of your groups")
}

func checkGroup(ctx context.Context, q db.DBTX, sharer *cartable.Caller, groupID string) error {
	var structureID string
	err := q.QueryRow(ctx, `SELECT structure_id FROM groups WHERE id = $1`, groupID).Scan(&structureID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return unknownGrantee("group", groupID)
	case err != nil:
		return fmt.Errorf("read group %s: %w", groupID, err)
	case AudienceOf(sharer).HasGroup(groupID, structureID):
		return nil
	case sharer.Profile.IsStaff():
		return refused("you may only share with groups of your establishments")
	}
	return refused("you may only share with groups you belong to")
}

func checkStructure(ctx context.Context, q db.DBTX, sharer *cartable.Caller, structureID string) error {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM structures WHERE id = $1)`, structureID).Scan(&exists); err != nil {
		return fmt.Errorf("read structure %s: %w", structureID, err)
	}
	switch {
	case !exists:
		return unknownGrantee("structure", structureID)
	case AudienceOf(sharer).HasStructure(structureID):
		return nil
	case !sharer.Profile.IsStaff():
		return refused("only teachers and staff share with a whole establishment")
	}
	return refused("you may only share with your establishments")
}
