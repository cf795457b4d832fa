package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

func notFound(kind, id string) error {
	return cartable.Errorf(cartable.ENotFound, "no %s %q", kind, id)
}

// GetStructure reads one structure.
func GetStructure(ctx context.Context, q db.DBTX, id string) (Structure, error) {
	rows, _ := q.Query(ctx, `SELECT id, uai, name FROM structures WHERE id = $1`, id)
	s, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Structure])
	if errors.Is(err, pgx.ErrNoRows) {
		return Structure{}, notFound("structure", id)
	}
	if err != nil {
		return Structure{}, fmt.Errorf("get structure %s: %w", id, err)
	}
	return s, nil
}

// userRow is a user joined with one of their structures (none: nil).
type userRow struct {
	DisplayName, Profile, PrimaryStructureID string
	StructureID                              *string
	LocalAdmin                               *bool
}

// GetUser reads one user with their structures, in one query.
func GetUser(ctx context.Context, q db.DBTX, id string) (User, error) {
	rows, _ := q.Query(ctx, `
		SELECT u.display_name, u.profile, coalesce(u.primary_structure_id, ''), s.structure_id, s.local_admin
		FROM users u LEFT JOIN user_structures s ON s.user_id = u.id
		WHERE u.id = $1 ORDER BY s.structure_id`, id)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[userRow])
	if err != nil {
		return User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	if len(found) == 0 {
		return User{}, notFound("user", id)
	}
	first := found[0]
	u := User{ID: id, DisplayName: first.DisplayName, Profile: cartable.Profile(first.Profile),
		PrimaryStructureID: first.PrimaryStructureID, Structures: []UserStructure{}}
	for _, r := range found {
		if r.StructureID != nil {
			u.Structures = append(u.Structures, UserStructure{StructureID: *r.StructureID, LocalAdmin: *r.LocalAdmin})
		}
	}
	if u.Profile == cartable.Relative {
		// A second query, for parents only: GetUser serves provisioning, not every request.
		if u.Children, err = childrenOf(ctx, q, id); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// groupRow is a group joined with one of its members (none: nil).
type groupRow struct {
	ID, StructureID, Kind, Name string
	UserID, Profile             *string
}

const selectGroups = `
	SELECT g.id, g.structure_id, g.kind, g.name, m.user_id, m.profile
	FROM groups g LEFT JOIN group_members m ON m.group_id = g.id`

// GetGroup reads one group with its members, in one query.
func GetGroup(ctx context.Context, q db.DBTX, id string) (Group, error) {
	rows, _ := q.Query(ctx, selectGroups+` WHERE g.id = $1 ORDER BY m.user_id`, id)
	groups, err := collectGroups(rows)
	if err != nil {
		return Group{}, fmt.Errorf("get group %s: %w", id, err)
	}
	if len(groups) == 0 {
		return Group{}, notFound("group", id)
	}
	return groups[0], nil
}

// ListGroups reads the groups of a structure with their members, by name. An
// unknown structure is not found; a structure without groups has an empty list.
func ListGroups(ctx context.Context, q db.DBTX, structureID string) ([]Group, error) {
	rows, _ := q.Query(ctx, selectGroups+` WHERE g.structure_id = $1 ORDER BY g.name, g.id, m.user_id`, structureID)
	groups, err := collectGroups(rows)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", structureID, err)
	}
	if len(groups) == 0 {
		// Only an empty answer costs this second look, to tell "none" from "unknown".
		if _, err := GetStructure(ctx, q, structureID); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// collectGroups folds rows ordered by group into groups with their members.
func collectGroups(rows pgx.Rows) ([]Group, error) {
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[groupRow])
	if err != nil {
		return nil, err
	}
	groups := []Group{}
	for _, r := range found {
		if n := len(groups); n == 0 || groups[n-1].ID != r.ID {
			groups = append(groups, Group{ID: r.ID, StructureID: r.StructureID, Kind: r.Kind, Name: r.Name, Members: []Member{}})
		}
		if r.UserID != nil {
			g := &groups[len(groups)-1]
			g.Members = append(g.Members, Member{UserID: *r.UserID, Profile: cartable.Profile(*r.Profile)})
		}
	}
	return groups, nil
}

// ListUsers reads the first users of the directory (without their structures):
// teachers and staff first, then pupils, parents and guests, each by id. The dev
// mode's sign-in page offers them to pick from.
func ListUsers(ctx context.Context, q db.DBTX, limit int) ([]User, error) {
	rows, _ := q.Query(ctx, `
		SELECT id, display_name, profile FROM users
		ORDER BY CASE profile WHEN 'Teacher' THEN 0 WHEN 'Personnel' THEN 1 WHEN 'Student' THEN 2 WHEN 'Relative' THEN 3 ELSE 4 END, id
		LIMIT $1`, limit)
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (User, error) {
		var u User
		err := row.Scan(&u.ID, &u.DisplayName, &u.Profile)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}
