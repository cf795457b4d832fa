package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// LoadCaller reads what access decisions need to know of a user: their profile,
// structures and group memberships. It runs on every request, in two queries.
func LoadCaller(ctx context.Context, q db.DBTX, userID string) (*cartable.Caller, error) {
	c := &cartable.Caller{UserID: userID}
	err := q.QueryRow(ctx, `SELECT display_name, profile, coalesce(primary_structure_id, '') FROM users WHERE id = $1`, userID).
		Scan(&c.DisplayName, &c.Profile, &c.PrimaryStructureID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("user", userID)
	}
	if err != nil {
		return nil, fmt.Errorf("load caller %s: %w", userID, err)
	}
	rows, err := q.Query(ctx, `
		SELECT 's', structure_id, local_admin, '', '', '', '' FROM user_structures WHERE user_id = $1
		UNION ALL
		SELECT 'g', g.structure_id, false, g.id, g.kind, g.name, m.profile
		FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1
		ORDER BY 1, 2, 4`, userID)
	if err != nil {
		return nil, fmt.Errorf("load memberships of %s: %w", userID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, structureID, groupID, groupKind, name, profile string
		var admin bool
		if err := rows.Scan(&kind, &structureID, &admin, &groupID, &groupKind, &name, &profile); err != nil {
			return nil, fmt.Errorf("scan memberships of %s: %w", userID, err)
		}
		if kind == "s" {
			c.Structures = append(c.Structures, cartable.StructureMembership{StructureID: structureID, LocalAdmin: admin})
			continue
		}
		c.Groups = append(c.Groups, cartable.GroupMembership{GroupID: groupID, StructureID: structureID, Kind: groupKind, Name: name, Profile: cartable.Profile(profile)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read memberships of %s: %w", userID, err)
	}
	return c, nil
}
