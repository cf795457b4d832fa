package directory

import (
	"context"
	"fmt"

	"cartable"
	"cartable/db"
)

// LoadCaller reads what access decisions need to know of a user: their profile,
// structures, group memberships, former (archived) classes and, for a parent, children. It runs on every
// request, so it is one query: the user's row first ('u'), then a row per
// structure ('s'), per group ('g'), per child ('c') and per archived class space ('a').
// A user who left the ENT (see package leaver) is not found: their tokens, app
// passwords, WOPI tokens, signed URLs and embeds stop at once, and their
// memberships, kept for a return, give them nothing.
func LoadCaller(ctx context.Context, q db.DBTX, userID string) (*cartable.Caller, error) {
	return loadCaller(ctx, q, userID, false)
}

// LoadLeaverCaller is LoadCaller for a user who may have left the ENT and is not
// purged yet: what an admin's work on their behalf needs (their GDPR export during
// the grace period). Never for authenticating a request.
func LoadLeaverCaller(ctx context.Context, q db.DBTX, userID string) (*cartable.Caller, error) {
	return loadCaller(ctx, q, userID, true)
}

func loadCaller(ctx context.Context, q db.DBTX, userID string, evenIfLeft bool) (*cartable.Caller, error) {
	rows, err := q.Query(ctx, `
		SELECT 'u', coalesce(primary_structure_id, ''), false, '', display_name, '', profile FROM users WHERE id = $1 AND (left_at IS NULL OR $2)
		UNION ALL
		SELECT 's', structure_id, local_admin, '', '', '', '' FROM user_structures WHERE user_id = $1
		UNION ALL
		SELECT 'g', g.structure_id, false, g.id, g.kind, g.name, m.profile
		FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1
		UNION ALL
		SELECT 'c', '', false, r.child_id, u.display_name, '', '' FROM user_children r JOIN users u ON u.id = r.child_id AND u.left_at IS NULL WHERE r.relative_id = $1
		UNION ALL
		SELECT 'a', '', false, a.space_id::text, '', '', a.profile FROM space_archive_members a WHERE a.user_id = $1
		ORDER BY 1 DESC, 2, 4`, userID, evenIfLeft)
	if err != nil {
		return nil, fmt.Errorf("load caller %s: %w", userID, err)
	}
	defer rows.Close()
	var c *cartable.Caller
	for rows.Next() {
		var kind, structureID, groupID, text, name, profile string
		var admin bool
		if err := rows.Scan(&kind, &structureID, &admin, &groupID, &text, &name, &profile); err != nil {
			return nil, fmt.Errorf("scan caller %s: %w", userID, err)
		}
		if c == nil && kind != "u" {
			break // the user's own row comes first: not there, or left
		}
		switch kind {
		case "u":
			c = &cartable.Caller{UserID: userID, DisplayName: text, Profile: cartable.Profile(profile), PrimaryStructureID: structureID}
		case "s":
			c.Structures = append(c.Structures, cartable.StructureMembership{StructureID: structureID, LocalAdmin: admin})
		case "g":
			c.Groups = append(c.Groups, cartable.GroupMembership{GroupID: groupID, StructureID: structureID, Kind: text, Name: name, Profile: cartable.Profile(profile)})
		case "c":
			c.Children = append(c.Children, cartable.Child{UserID: groupID, DisplayName: text})
		case "a":
			c.FormerClasses = append(c.FormerClasses, cartable.FormerMembership{SpaceID: groupID, Profile: cartable.Profile(profile)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read caller %s: %w", userID, err)
	}
	if c == nil {
		return nil, notFound("user", userID)
	}
	return c, nil
}
