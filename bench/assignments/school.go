package main

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/bench/region"
)

// Classes of structure s1 the bench gives assignments in: g1-1 to g1-8 are the
// measured pupil's (p1), g1-9 is the class the publications are measured in (p1 is
// not in it, so that its hundreds of assignments stay out of p1's list).
const (
	pupilClasses = 8
	publishClass = 9
	classSize    = 35
	templateSize = 20 << 20 // bytes the templates' blobs declare (no object is stored)
)

// school is the classes added to the region's database: each class's space and
// its three templates, the teacher (t1, teacher of every class) and the pupils.
type school struct {
	teacher *cartable.Caller
	pupil   *cartable.Caller // p1, in the classes 1 to 8
	classes []class          // index k-1 for class g1-k
}

type class struct {
	groupID   string
	spaceID   uuid.UUID
	templates []uuid.UUID
	pupils    []*cartable.Caller // by name; p1 first in the classes 1 to 8
}

// newSchool adds 35 pupils to each class g1-1 to g1-9 (p1 and 34 others in the
// first eight, 35 others in the ninth), makes t1 a teacher of g1-9 too, and gives
// each class its space and three templates (a docx, a pdf and an odt of 20 MiB).
func newSchool(ctx context.Context, pool *pgxpool.Pool, w region.World) (school, error) {
	s := school{teacher: w.Teacher, pupil: w.Pupil}
	s.teacher.Groups = append(s.teacher.Groups, membership(publishClass, cartable.Teacher))
	if _, err := pool.Exec(ctx, `INSERT INTO group_members (group_id, user_id, profile) VALUES ('g1-9', 't1', 'Teacher')`); err != nil {
		return school{}, fmt.Errorf("make t1 a teacher of g1-9: %w", err)
	}
	for k := 1; k <= publishClass; k++ {
		c, err := newClass(ctx, pool, k, k <= pupilClasses)
		if err != nil {
			return school{}, fmt.Errorf("class g1-%d: %w", k, err)
		}
		s.classes = append(s.classes, c)
	}
	_, err := pool.Exec(ctx, `ANALYZE`)
	return s, err
}

func membership(k int, p cartable.Profile) cartable.GroupMembership {
	return cartable.GroupMembership{GroupID: fmt.Sprintf("g1-%d", k), StructureID: "s1", Kind: "class", Name: fmt.Sprintf("Classe %d", k), Profile: p}
}

func newClass(ctx context.Context, pool *pgxpool.Pool, k int, withP1 bool) (class, error) {
	c := class{groupID: fmt.Sprintf("g1-%d", k), spaceID: uuid.Must(uuid.NewV7())}
	others := classSize
	if withP1 {
		others--
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return class{}, err
	}
	defer tx.Rollback(ctx)
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO users (id, display_name, profile, primary_structure_id)
		SELECT 'e' || $1::int || '-' || n, 'Nom' || lpad(n::text, 2, '0') || ' Prénom' || $1::int, 'Student', 's1' FROM generate_series(1, $2::int) n`, k, others)
	batch.Queue(`INSERT INTO user_structures (user_id, structure_id) SELECT 'e' || $1::int || '-' || n, 's1' FROM generate_series(1, $2::int) n`, k, others)
	batch.Queue(`INSERT INTO group_members (group_id, user_id, profile) SELECT $3, 'e' || $1::int || '-' || n, 'Student' FROM generate_series(1, $2::int) n`, k, others, c.groupID)
	root := uuid.Must(uuid.NewV7())
	batch.Queue(`INSERT INTO spaces (id, kind, name, structure_id, group_id, root_id) VALUES ($1, 'group', $2, 's1', $3, $4)`,
		c.spaceID, fmt.Sprintf("Classe %d", k), c.groupID, root)
	batch.Queue(`INSERT INTO items (id, space_id, kind, name, name_key, created_by, modified_by) VALUES ($1, $2, 'folder', $3, lower($3), 't1', 't1')`,
		root, c.spaceID, fmt.Sprintf("Classe %d", k))
	for i, t := range []struct{ name, mime string }{
		{"Rédaction.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"Consignes.pdf", "application/pdf"},
		{"Grille.odt", "application/vnd.oasis.opendocument.text"},
	} {
		id := uuid.Must(uuid.NewV7())
		c.templates = append(c.templates, id)
		queueFile(batch, c.spaceID, root, []uuid.UUID{root}, id, t.name, t.mime, fmt.Sprintf("bench/%d/template-%d", k, i), "t1")
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return class{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return class{}, err
	}
	if withP1 {
		c.pupils = append(c.pupils, pupilCaller("p1", k))
	}
	for n := 1; n <= others; n++ {
		c.pupils = append(c.pupils, pupilCaller(fmt.Sprintf("e%d-%d", k, n), k))
	}
	return c, nil
}

// queueFile queues a file of one version over a new blob of templateSize bytes.
func queueFile(b *pgx.Batch, space, parent uuid.UUID, ancestors []uuid.UUID, id uuid.UUID, name, mime, key, by string) {
	blob, version := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	b.Queue(`INSERT INTO blobs (id, key, size, sha256) VALUES ($1, $2, $3, sha256(convert_to($2, 'UTF8')))`, blob, key, templateSize)
	b.Queue(`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, size, mime_type, current_version_id, created_by, modified_by)
		VALUES ($1, $2, $3, $4, 'file', $5, lower($5), $6, $7, $8, $9, $9)`, id, space, parent, ancestors, name, templateSize, mime, version, by)
	b.Queue(`INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
		VALUES ($1, $2, 1, $3, $4, sha256(convert_to($5, 'UTF8')), $6, $7)`, version, id, blob, templateSize, key, mime, by)
}

// pupilCaller is a pupil of s1 in class k, or p1 in the classes 1 to 8.
func pupilCaller(id string, k int) *cartable.Caller {
	c := &cartable.Caller{UserID: id, Profile: cartable.Student, PrimaryStructureID: "s1",
		Structures: []cartable.StructureMembership{{StructureID: "s1"}}}
	if id != "p1" {
		c.Groups = []cartable.GroupMembership{membership(k, cartable.Student)}
		return c
	}
	for j := 1; j <= pupilClasses; j++ {
		c.Groups = append(c.Groups, membership(j, cartable.Student))
	}
	return c
}
