// Package region generates a region-sized database for the benchmarks: a million
// items in 10,000 personal spaces, 3,000 structures with 30 classes each and
// 200,000 grants, with a teacher and a pupil of structure s1 to measure with. The
// sharing and assignment benchmarks build on it, each in a database of its own.
package region

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
)

// Generate fills the database: 3,000 structures with 30 classes each, 10,000
// teachers with a personal space each holding most of the items, a teacher with a
// folder of 10,000 items and a chain of 12 folders, a pupil in 8 classes, and random
// grants to classes, some of them to the pupil's.
func Generate(ctx context.Context, pool *pgxpool.Pool, items, grants int) (World, error) {
	owners := 10_000
	perOwner := (items - 10_000 - 12 - owners - 1) / owners
	steps := []string{
		`INSERT INTO structures (id, uai, name) SELECT 's' || i, lpad(i::text, 7, '0') || 'A', 'Collège ' || i FROM generate_series(1, 3000) i`,
		`INSERT INTO groups (id, structure_id, kind, name) SELECT 'g' || s || '-' || k, 's' || s, 'class', 'Classe ' || k
		 FROM generate_series(1, 3000) s, generate_series(1, 30) k`,
		`INSERT INTO users (id, display_name, profile, primary_structure_id)
		 SELECT 'u' || i, 'Prof ' || i, 'Teacher', 's' || (i % 3000 + 1) FROM generate_series(1, 10000) i
		 UNION ALL VALUES ('t1', 'Prof Test', 'Teacher', 's1'), ('p1', 'Élève Test', 'Student', 's1')`,
		`INSERT INTO user_structures (user_id, structure_id) SELECT id, primary_structure_id FROM users`,
		`INSERT INTO group_members (group_id, user_id, profile) SELECT 'g1-' || k, 'p1', 'Student' FROM generate_series(1, 8) k`,
		`INSERT INTO group_members (group_id, user_id, profile) SELECT 'g1-' || k, 't1', 'Teacher' FROM generate_series(1, 8) k`,
		// A personal space and root folder per owner.
		`CREATE TEMP TABLE owner_spaces AS SELECT id AS owner, gen_random_uuid() AS space, gen_random_uuid() AS root, primary_structure_id AS structure FROM users WHERE id <> 'p1'`,
		`INSERT INTO spaces (id, kind, name, structure_id, owner_id, root_id) SELECT space, 'personal', 'Mes documents', structure, owner, root FROM owner_spaces`,
		`INSERT INTO items (id, space_id, kind, name, name_key, created_by, modified_by) SELECT root, space, 'folder', 'Mes documents', 'mes documents', owner, owner FROM owner_spaces`,
		fmt.Sprintf(`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
		 SELECT gen_random_uuid(), o.space, o.root, ARRAY[o.root], 'folder', 'Dossier ' || n, 'dossier ' || n, o.owner, o.owner
		 FROM owner_spaces o, generate_series(1, %d) n WHERE o.owner <> 't1'`, perOwner),
		// The teacher's big folder.
		`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
		 SELECT gen_random_uuid(), o.space, o.root, ARRAY[o.root], 'folder', 'Grand dossier', 'grand dossier', 't1', 't1' FROM owner_spaces o WHERE o.owner = 't1'`,
		`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
		 SELECT gen_random_uuid(), b.space_id, b.id, b.ancestors || b.id, 'folder', 'Photo ' || n, 'photo ' || n, 't1', 't1'
		 FROM items b, generate_series(1, 10000) n WHERE b.name = 'Grand dossier'`,
		// Random grants to classes (narrowed to pupils), and 60 to the pupil's classes.
		fmt.Sprintf(`INSERT INTO grants (id, item_id, grantee_kind, grantee_id, profile, role, granted_by)
		 SELECT gen_random_uuid(), id, 'group', 'g' || (1 + (random() * 2999)::int) || '-' || (1 + (random() * 29)::int), 'Student', 'viewer', created_by
		 FROM (SELECT id, created_by FROM items WHERE parent_id IS NOT NULL ORDER BY random() LIMIT %d) x
		 ON CONFLICT DO NOTHING`, grants-60),
		`INSERT INTO grants (id, item_id, grantee_kind, grantee_id, profile, role, granted_by)
		 SELECT gen_random_uuid(), id, 'group', 'g1-' || (1 + (random() * 7)::int), 'Student', 'viewer', created_by
		 FROM (SELECT id, created_by FROM items WHERE parent_id IS NOT NULL AND created_by <> 't1' ORDER BY random() LIMIT 60) x
		 ON CONFLICT DO NOTHING`,
	}
	// One transaction: spaces and their root folders reference each other.
	tx, err := pool.Begin(ctx)
	if err != nil {
		return World{}, err
	}
	defer tx.Rollback(ctx)
	for i, sql := range steps {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return World{}, fmt.Errorf("step %d: %w", i, err)
		}
		fmt.Fprintf(os.Stderr, ".")
	}
	if err := tx.Commit(ctx); err != nil {
		return World{}, err
	}
	deep, err := deepChain(ctx, pool)
	if err != nil {
		return World{}, err
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return World{}, err
	}
	w := World{Deep: deep}
	if err := pool.QueryRow(ctx, `SELECT id FROM items WHERE name = 'Grand dossier'`).Scan(&w.Big); err != nil {
		return World{}, err
	}
	w.Teacher, w.Pupil = People()
	return w, nil
}

// People are the teacher (t1) and the pupil (p1) the measurements act as, as the
// generated database knows them.
func People() (teacher, pupil *cartable.Caller) {
	teacher = &cartable.Caller{UserID: "t1", Profile: cartable.Teacher, PrimaryStructureID: "s1",
		Structures: []cartable.StructureMembership{{StructureID: "s1"}}}
	pupil = &cartable.Caller{UserID: "p1", Profile: cartable.Student, PrimaryStructureID: "s1",
		Structures: []cartable.StructureMembership{{StructureID: "s1"}}}
	for k := 1; k <= 8; k++ {
		m := cartable.GroupMembership{GroupID: fmt.Sprintf("g1-%d", k), StructureID: "s1", Kind: "class", Profile: cartable.Student}
		pupil.Groups = append(pupil.Groups, m)
		m.Profile = cartable.Teacher
		teacher.Groups = append(teacher.Groups, m)
	}
	return teacher, pupil
}

// World is what the measurements need from the generated data: a teacher (t1) and
// a pupil (p1) of structure s1, both in its classes g1-1 to g1-8 (the teacher as
// Teacher, the pupil as Student), the deepest of 12 nested folders of the teacher's
// (the top one shared with g1-3), and the teacher's folder of 10,000 items.
type World struct {
	Teacher, Pupil *cartable.Caller
	Deep, Big      uuid.UUID
}

// deepChain makes 12 nested folders in the teacher's space, the top one shared with
// one of the pupil's classes, and returns the deepest.
func deepChain(ctx context.Context, pool *pgxpool.Pool) (uuid.UUID, error) {
	var space, parent uuid.UUID
	var ancestors []uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT space_id, id, ancestors FROM items WHERE created_by = 't1' AND parent_id IS NULL`).Scan(&space, &parent, &ancestors); err != nil {
		return uuid.Nil, err
	}
	batch := &pgx.Batch{}
	for depth := 1; depth <= 12; depth++ {
		id := uuid.Must(uuid.NewV7())
		ancestors = append(ancestors, parent)
		name := "Niveau " + strings.Repeat("I", depth%4+1) + fmt.Sprint(depth)
		batch.Queue(`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
			VALUES ($1, $2, $3, $4, 'folder', $5, lower($5), 't1', 't1')`, id, space, parent, append([]uuid.UUID(nil), ancestors...), name)
		if depth == 1 {
			batch.Queue(`INSERT INTO grants (id, item_id, grantee_kind, grantee_id, profile, role, granted_by)
				VALUES (gen_random_uuid(), $1, 'group', 'g1-3', 'Student', 'viewer', 't1')`, id)
		}
		parent = id
	}
	return parent, pool.SendBatch(ctx, batch).Close()
}
