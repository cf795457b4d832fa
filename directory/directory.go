// Package directory owns the people and places Cartable serves, as the ENT
// provisions them: structures (establishments), users with their profile and
// structures, and groups (classes, teaching groups, manual groups) with their
// members. Every write is an idempotent upsert or delete, so the ENT can replay its
// feed; a bulk import applies a whole file in one transaction.
package directory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// Structure is an establishment.
type Structure struct {
	ID   string `json:"id"`
	UAI  string `json:"uai"`
	Name string `json:"name"`
}

// User is a person of the ENT.
type User struct {
	ID                 string           `json:"id"`
	DisplayName        string           `json:"display_name"`
	Profile            cartable.Profile `json:"profile"`
	Structures         []UserStructure  `json:"structures"`
	PrimaryStructureID string           `json:"primary_structure_id,omitempty"`
}

// UserStructure attaches a user to a structure.
type UserStructure struct {
	StructureID string `json:"structure_id"`
	LocalAdmin  bool   `json:"local_admin,omitempty"`
}

// Group is a class, a teaching group or a manual group of one structure.
type Group struct {
	ID          string   `json:"id"`
	StructureID string   `json:"structure_id"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Members     []Member `json:"members"`
}

// Member is a user's membership of a group, with the profile they hold in it.
type Member struct {
	UserID  string           `json:"user_id"`
	Profile cartable.Profile `json:"profile"`
}

// Group kinds.
const (
	KindClass         = "class"
	KindTeachingGroup = "teaching_group"
	KindManual        = "manual"
)

var uaiPattern = regexp.MustCompile(`^[0-9]{7}[A-Z]$`)

func invalid(format string, args ...any) error {
	return cartable.Errorf(cartable.EInvalid, format, args...)
}

// Validate checks a structure before it is stored.
func (s Structure) Validate() error {
	switch {
	case strings.TrimSpace(s.ID) == "":
		return invalid("structure: id is required")
	case !uaiPattern.MatchString(s.UAI):
		return invalid("structure %s: uai %q is not a UAI (7 digits and a capital letter)", s.ID, s.UAI)
	case strings.TrimSpace(s.Name) == "":
		return invalid("structure %s: name is required", s.ID)
	}
	return nil
}

// Validate checks a user and fills in the primary structure when it is implied.
func (u *User) Validate() error {
	switch {
	case strings.TrimSpace(u.ID) == "":
		return invalid("user: id is required")
	case strings.TrimSpace(u.DisplayName) == "":
		return invalid("user %s: display_name is required", u.ID)
	case !u.Profile.Valid():
		return invalid("user %s: profile %q is not one of Student, Teacher, Relative, Personnel, Guest", u.ID, u.Profile)
	}
	seen := map[string]bool{}
	for _, s := range u.Structures {
		if s.StructureID == "" || seen[s.StructureID] {
			return invalid("user %s: structures must be distinct and non-empty", u.ID)
		}
		seen[s.StructureID] = true
	}
	if u.PrimaryStructureID == "" && len(u.Structures) > 0 {
		u.PrimaryStructureID = u.Structures[0].StructureID
	}
	if u.PrimaryStructureID != "" && !seen[u.PrimaryStructureID] {
		return invalid("user %s: primary_structure_id %q is not one of the user's structures", u.ID, u.PrimaryStructureID)
	}
	return nil
}

// Validate checks a group and its members' profiles.
func (g Group) Validate() error {
	switch {
	case strings.TrimSpace(g.ID) == "":
		return invalid("group: id is required")
	case g.StructureID == "":
		return invalid("group %s: structure_id is required", g.ID)
	case g.Kind != KindClass && g.Kind != KindTeachingGroup && g.Kind != KindManual:
		return invalid("group %s: kind %q is not one of class, teaching_group, manual", g.ID, g.Kind)
	case strings.TrimSpace(g.Name) == "":
		return invalid("group %s: name is required", g.ID)
	}
	seen := map[string]bool{}
	for _, m := range g.Members {
		if m.UserID == "" || seen[m.UserID] {
			return invalid("group %s: members must be distinct and non-empty", g.ID)
		}
		if !m.Profile.Valid() {
			return invalid("group %s: member %s has unknown profile %q", g.ID, m.UserID, m.Profile)
		}
		seen[m.UserID] = true
	}
	return nil
}

// UpsertStructure creates or updates a structure.
func UpsertStructure(ctx context.Context, q db.DBTX, s Structure) error {
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `
		INSERT INTO structures (id, uai, name) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET uai = EXCLUDED.uai, name = EXCLUDED.name, updated_at = now()`,
		s.ID, s.UAI, s.Name)
	if db.IsUniqueViolation(err, "structures_uai_key") {
		return cartable.Errorf(cartable.EConflict, "structure %s: another structure has UAI %s", s.ID, s.UAI)
	}
	if err != nil {
		return fmt.Errorf("upsert structure %s: %w", s.ID, err)
	}
	return nil
}

// UpsertUser creates or updates a user and replaces their set of structures.
func UpsertUser(ctx context.Context, q db.DBTX, u User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error { return upsertUser(ctx, tx, u) })
}

func upsertUser(ctx context.Context, tx pgx.Tx, u User) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO users (id, display_name, profile, primary_structure_id) VALUES ($1, $2, $3, nullif($4, ''))
		ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, profile = EXCLUDED.profile,
			primary_structure_id = EXCLUDED.primary_structure_id, updated_at = now()`,
		u.ID, u.DisplayName, u.Profile, u.PrimaryStructureID)
	if err != nil {
		return missingRef(err, fmt.Sprintf("user %s: structure %s", u.ID, u.PrimaryStructureID), "upsert user "+u.ID)
	}
	ids, admins := make([]string, len(u.Structures)), make([]bool, len(u.Structures))
	for i, s := range u.Structures {
		ids[i], admins[i] = s.StructureID, s.LocalAdmin
	}
	if _, err := tx.Exec(ctx, `DELETE FROM user_structures WHERE user_id = $1 AND NOT (structure_id = ANY($2))`, u.ID, ids); err != nil {
		return fmt.Errorf("replace structures of %s: %w", u.ID, err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO user_structures (user_id, structure_id, local_admin)
		SELECT $1, s, a FROM unnest($2::text[], $3::bool[]) AS t(s, a)
		ON CONFLICT (user_id, structure_id) DO UPDATE SET local_admin = EXCLUDED.local_admin`, u.ID, ids, admins)
	if err != nil {
		return missingRef(err, fmt.Sprintf("user %s: one of the structures %v", u.ID, ids), "set structures of "+u.ID)
	}
	return nil
}

// UpsertGroup creates or updates a group and replaces its members: a membership
// change takes effect at the next request of the people concerned.
func UpsertGroup(ctx context.Context, q db.DBTX, g Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error { return upsertGroup(ctx, tx, g) })
}

func upsertGroup(ctx context.Context, tx pgx.Tx, g Group) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO groups (id, structure_id, kind, name) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET structure_id = EXCLUDED.structure_id, kind = EXCLUDED.kind,
			name = EXCLUDED.name, updated_at = now()`,
		g.ID, g.StructureID, g.Kind, g.Name)
	if err != nil {
		return missingRef(err, fmt.Sprintf("group %s: structure %s", g.ID, g.StructureID), "upsert group "+g.ID)
	}
	users, profiles := make([]string, len(g.Members)), make([]string, len(g.Members))
	for i, m := range g.Members {
		users[i], profiles[i] = m.UserID, string(m.Profile)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM group_members WHERE group_id = $1 AND NOT (user_id = ANY($2))`, g.ID, users); err != nil {
		return fmt.Errorf("replace members of %s: %w", g.ID, err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO group_members (group_id, user_id, profile)
		SELECT $1, u, p FROM unnest($2::text[], $3::text[]) AS t(u, p)
		ON CONFLICT (group_id, user_id) DO UPDATE SET profile = EXCLUDED.profile`, g.ID, users, profiles)
	if err != nil {
		return missingRef(err, fmt.Sprintf("group %s: a member is not a known user (%s)", g.ID, strings.Join(users, ", ")), "set members of "+g.ID)
	}
	return nil
}

// missingRef turns a foreign key violation into a clear invalid_request error.
func missingRef(err error, what, context string) error {
	if db.IsForeignKeyViolation(err) {
		return invalid("%s does not exist", what)
	}
	return fmt.Errorf("%s: %w", context, err)
}

// DeleteStructure removes a structure with its groups; deleting what is not there
// is not an error.
func DeleteStructure(ctx context.Context, q db.DBTX, id string) error {
	return deleteRow(ctx, q, `DELETE FROM structures WHERE id = $1`, id)
}

// DeleteUser removes a user, their memberships and their personal space.
func DeleteUser(ctx context.Context, q db.DBTX, id string) error {
	return deleteRow(ctx, q, `DELETE FROM users WHERE id = $1`, id)
}

// DeleteGroup removes a group and its memberships.
func DeleteGroup(ctx context.Context, q db.DBTX, id string) error {
	return deleteRow(ctx, q, `DELETE FROM groups WHERE id = $1`, id)
}

func deleteRow(ctx context.Context, q db.DBTX, sql, id string) error {
	if _, err := q.Exec(ctx, sql, id); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}

func notFound(kind, id string) error {
	return cartable.Errorf(cartable.ENotFound, "no %s %q", kind, id)
}

// GetStructure reads one structure.
func GetStructure(ctx context.Context, q db.DBTX, id string) (Structure, error) {
	var s Structure
	err := q.QueryRow(ctx, `SELECT id, uai, name FROM structures WHERE id = $1`, id).Scan(&s.ID, &s.UAI, &s.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return Structure{}, notFound("structure", id)
	}
	if err != nil {
		return Structure{}, fmt.Errorf("get structure %s: %w", id, err)
	}
	return s, nil
}

// GetUser reads one user with their structures.
func GetUser(ctx context.Context, q db.DBTX, id string) (User, error) {
	u := User{ID: id}
	err := q.QueryRow(ctx, `SELECT display_name, profile, coalesce(primary_structure_id, '') FROM users WHERE id = $1`, id).
		Scan(&u.DisplayName, &u.Profile, &u.PrimaryStructureID)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, notFound("user", id)
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	rows, err := q.Query(ctx, `SELECT structure_id, local_admin FROM user_structures WHERE user_id = $1 ORDER BY structure_id`, id)
	if err != nil {
		return User{}, fmt.Errorf("get structures of %s: %w", id, err)
	}
	u.Structures, err = pgx.CollectRows(rows, pgx.RowToStructByPos[UserStructure])
	if err != nil {
		return User{}, fmt.Errorf("scan structures of %s: %w", id, err)
	}
	return u, nil
}

// GetGroup reads one group with its members.
func GetGroup(ctx context.Context, q db.DBTX, id string) (Group, error) {
	g := Group{ID: id}
	err := q.QueryRow(ctx, `SELECT structure_id, kind, name FROM groups WHERE id = $1`, id).Scan(&g.StructureID, &g.Kind, &g.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return Group{}, notFound("group", id)
	}
	if err != nil {
		return Group{}, fmt.Errorf("get group %s: %w", id, err)
	}
	rows, err := q.Query(ctx, `SELECT user_id, profile FROM group_members WHERE group_id = $1 ORDER BY user_id`, id)
	if err != nil {
		return Group{}, fmt.Errorf("get members of %s: %w", id, err)
	}
	g.Members, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Member])
	if err != nil {
		return Group{}, fmt.Errorf("scan members of %s: %w", id, err)
	}
	return g, nil
}
