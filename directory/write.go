package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// The writers below take whole slices and send each table's rows as arrays through
// unnest: a single upsert and the import of a whole collège run the same few
// statements. They expect validated entries and an open transaction.

// UpsertStructure creates or updates a structure.
func UpsertStructure(ctx context.Context, q db.DBTX, s Structure) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error { return writeStructures(ctx, tx, []Structure{s}) })
}

// UpsertUser creates or updates a user and replaces their set of structures.
func UpsertUser(ctx context.Context, q db.DBTX, u User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error { return writeUsers(ctx, tx, []User{u}) })
}

// UpsertGroup creates or updates a group and replaces its members: a membership
// change takes effect at the next request of the people concerned.
func UpsertGroup(ctx context.Context, q db.DBTX, g Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error { return writeGroups(ctx, tx, []Group{g}) })
}

func writeStructures(ctx context.Context, tx pgx.Tx, ss []Structure) error {
	if len(ss) == 0 {
		return nil
	}
	ids, uais, names := make([]string, len(ss)), make([]string, len(ss)), make([]string, len(ss))
	for i, s := range ss {
		ids[i], uais[i], names[i] = s.ID, s.UAI, s.Name
	}
	if err := checkUAIsFree(ctx, tx, ids, uais); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO structures (id, uai, name)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
		ON CONFLICT (id) DO UPDATE SET uai = EXCLUDED.uai, name = EXCLUDED.name, updated_at = now()
		WHERE (structures.uai, structures.name) IS DISTINCT FROM (EXCLUDED.uai, EXCLUDED.name)`,
		ids, uais, names)
	if db.IsUniqueViolation(err, "structures_uai_key") {
		// A concurrent write took the UAI after checkUAIsFree looked.
		return cartable.Errorf(cartable.EConflict, "a structure's uai already belongs to another structure").With("field", "uai")
	}
	if err != nil {
		return fmt.Errorf("upsert %d structures: %w", len(ss), err)
	}
	return nil
}

// checkUAIsFree refuses a UAI held by another structure, naming both, which the
// unique violation alone could not do.
func checkUAIsFree(ctx context.Context, tx pgx.Tx, ids, uais []string) error {
	var id, uai, holder string
	err := tx.QueryRow(ctx, `
		SELECT t.id, t.uai, s.id FROM unnest($1::text[], $2::text[]) AS t(id, uai)
		JOIN structures s ON s.uai = t.uai AND s.id <> t.id LIMIT 1`, ids, uais).Scan(&id, &uai, &holder)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("check uais: %w", err)
	}
	return cartable.Errorf(cartable.EConflict, "structure %s: uai %s already belongs to structure %s", id, uai, holder).With("field", "uai")
}

func writeUsers(ctx context.Context, tx pgx.Tx, us []User) error {
	if len(us) == 0 {
		return nil
	}
	if err := checkUserStructures(ctx, tx, us); err != nil {
		return err
	}
	ids, names, profiles, primaries := make([]string, len(us)), make([]string, len(us)), make([]string, len(us)), make([]string, len(us))
	for i, u := range us {
		u = u.withPrimary()
		ids[i], names[i], profiles[i], primaries[i] = u.ID, u.DisplayName, string(u.Profile), u.PrimaryStructureID
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO users (id, display_name, profile, primary_structure_id)
		SELECT id, name, profile, nullif(primary_id, '') FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, name, profile, primary_id)
		ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, profile = EXCLUDED.profile,
			primary_structure_id = EXCLUDED.primary_structure_id, updated_at = now(),
			left_at = NULL, purge_after = NULL -- re-provisioned before the purge: back, intact
		WHERE (users.display_name, users.profile, users.primary_structure_id)
			IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.profile, EXCLUDED.primary_structure_id)
			OR users.left_at IS NOT NULL`,
		ids, names, profiles, primaries)
	if err != nil {
		return fmt.Errorf("upsert %d users: %w", len(us), err)
	}
	if err := replaceUserStructures(ctx, tx, ids, us); err != nil {
		return err
	}
	return replaceChildren(ctx, tx, ids, us)
}

// checkUserStructures names the first user attached to a structure that does not
// exist, before the foreign key would refuse it without saying which.
func checkUserStructures(ctx context.Context, tx pgx.Tx, us []User) error {
	var ids []string
	for _, u := range us {
		for _, s := range u.Structures {
			ids = append(ids, s.StructureID)
		}
	}
	missing, err := firstMissing(ctx, tx, missingStructureSQL, ids)
	if err != nil || missing == "" {
		return err
	}
	for _, u := range us {
		for _, s := range u.Structures {
			if s.StructureID == missing {
				return invalid("structures", "user %s: structure %s does not exist", u.ID, missing).With("missing", missing)
			}
		}
	}
	return nil
}

// replaceUserStructures makes the users' attachments exactly the listed ones:
// removed ones go, new ones come, a changed local-admin flag is updated.
func replaceUserStructures(ctx context.Context, tx pgx.Tx, userIDs []string, us []User) error {
	var owners, structures []string
	var admins []bool
	for _, u := range us {
		for _, s := range u.Structures {
			owners, structures, admins = append(owners, u.ID), append(structures, s.StructureID), append(admins, s.LocalAdmin)
		}
	}
	_, err := tx.Exec(ctx, `
		DELETE FROM user_structures us WHERE us.user_id = ANY($1::text[])
		AND NOT EXISTS (SELECT FROM unnest($2::text[], $3::text[]) AS t(u, s) WHERE t.u = us.user_id AND t.s = us.structure_id)`,
		userIDs, nonNil(owners), nonNil(structures))
	if err != nil {
		return fmt.Errorf("remove structures of %d users: %w", len(userIDs), err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO user_structures (user_id, structure_id, local_admin)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bool[])
		ON CONFLICT (user_id, structure_id) DO UPDATE SET local_admin = EXCLUDED.local_admin
		WHERE user_structures.local_admin <> EXCLUDED.local_admin`,
		nonNil(owners), nonNil(structures), nonNil(admins))
	if err != nil {
		return fmt.Errorf("attach structures of %d users: %w", len(userIDs), err)
	}
	return nil
}

func writeGroups(ctx context.Context, tx pgx.Tx, gs []Group) error {
	if len(gs) == 0 {
		return nil
	}
	if err := checkGroupRefs(ctx, tx, gs); err != nil {
		return err
	}
	ids, structures, kinds, names := make([]string, len(gs)), make([]string, len(gs)), make([]string, len(gs)), make([]string, len(gs))
	for i, g := range gs {
		ids[i], structures[i], kinds[i], names[i] = g.ID, g.StructureID, g.Kind, g.Name
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO groups (id, structure_id, kind, name)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
		ON CONFLICT (id) DO UPDATE SET structure_id = EXCLUDED.structure_id, kind = EXCLUDED.kind,
			name = EXCLUDED.name, updated_at = now()
		WHERE (groups.structure_id, groups.kind, groups.name)
			IS DISTINCT FROM (EXCLUDED.structure_id, EXCLUDED.kind, EXCLUDED.name)`,
		ids, structures, kinds, names)
	if err != nil {
		return fmt.Errorf("upsert %d groups: %w", len(gs), err)
	}
	return replaceMembers(ctx, tx, ids, gs)
}

// checkGroupRefs names the first group whose structure or member does not exist.
func checkGroupRefs(ctx context.Context, tx pgx.Tx, gs []Group) error {
	structures := make([]string, len(gs))
	var users []string
	for i, g := range gs {
		structures[i] = g.StructureID
		for _, m := range g.Members {
			users = append(users, m.UserID)
		}
	}
	missing, err := firstMissing(ctx, tx, missingStructureSQL, structures)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if g.StructureID == missing {
			return invalid("structure_id", "group %s: structure %s does not exist", g.ID, missing).With("missing", missing)
		}
	}
	if missing, err = firstMissing(ctx, tx, missingUserSQL, users); err != nil || missing == "" {
		return err
	}
	for _, g := range gs {
		for _, m := range g.Members {
			if m.UserID == missing {
				return invalid("members", "group %s: member %s is not a known user", g.ID, missing).With("missing", missing)
			}
		}
	}
	return nil
}

// replaceMembers makes the groups' members exactly the listed ones.
func replaceMembers(ctx context.Context, tx pgx.Tx, groupIDs []string, gs []Group) error {
	var groups, users, profiles []string
	for _, g := range gs {
		for _, m := range g.Members {
			groups, users, profiles = append(groups, g.ID), append(users, m.UserID), append(profiles, string(m.Profile))
		}
	}
	_, err := tx.Exec(ctx, `
		DELETE FROM group_members m WHERE m.group_id = ANY($1::text[])
		AND NOT EXISTS (SELECT FROM unnest($2::text[], $3::text[]) AS t(g, u) WHERE t.g = m.group_id AND t.u = m.user_id)`,
		groupIDs, nonNil(groups), nonNil(users))
	if err != nil {
		return fmt.Errorf("remove members of %d groups: %w", len(groupIDs), err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO group_members (group_id, user_id, profile)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
		ON CONFLICT (group_id, user_id) DO UPDATE SET profile = EXCLUDED.profile
		WHERE group_members.profile <> EXCLUDED.profile`,
		nonNil(groups), nonNil(users), nonNil(profiles))
	if err != nil {
		return fmt.Errorf("add members of %d groups: %w", len(groupIDs), err)
	}
	return nil
}

// The queries firstMissing runs: one id of $1 that is not in the table, if any.
const (
	missingStructureSQL = `SELECT i FROM unnest($1::text[]) AS i WHERE NOT EXISTS (SELECT FROM structures WHERE id = i) LIMIT 1`
	missingUserSQL      = `SELECT i FROM unnest($1::text[]) AS i WHERE NOT EXISTS (SELECT FROM users WHERE id = i) LIMIT 1`
)

// firstMissing runs a query returning at most one id of ids that does not exist,
// or "" when all do.
func firstMissing(ctx context.Context, tx pgx.Tx, sql string, ids []string) (string, error) {
	if len(ids) == 0 {
		return "", nil
	}
	var missing string
	err := tx.QueryRow(ctx, sql, ids).Scan(&missing)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("check references: %w", err)
	}
	return missing, nil
}

// nonNil turns a nil slice into an empty one: pgx sends nil as NULL, and
// unnest(NULL) or = ANY(NULL) would not mean "none".
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
