package workspace_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/pgtest"
	"cartable/storage"
	"cartable/storagetest"
	"cartable/workspace"
)

// world is a small collège: one structure, classes 6A and 5B, a teacher of both, two
// pupils of 6A, one of 5B, a parent of 6A, and a workspace over a fresh database
// and bucket.
type world struct {
	t       *testing.T
	ctx     context.Context
	pool    *pgxpool.Pool
	store   *storage.Store
	ws      *workspace.Service
	teacher *cartable.Caller
	pupil   *cartable.Caller // 6A
	pupil2  *cartable.Caller // 6A
	other   *cartable.Caller // 5B
	parent  *cartable.Caller // 6A
}

func newWorld(t *testing.T, cfg workspace.Config) *world {
	t.Helper()
	t.Parallel()
	w := &world{t: t, ctx: context.Background(), pool: pgtest.New(t), store: storagetest.New(t)}
	w.ws = workspace.New(w.pool, w.store, cfg, slog.New(slog.DiscardHandler))
	w.exec(`INSERT INTO structures (id, uai, name) VALUES ('s1', '0600001A', 'Collège Test')`)
	w.exec(`INSERT INTO groups (id, structure_id, kind, name) VALUES ('6A', 's1', 'class', '6A'), ('5B', 's1', 'class', '5B')`)
	w.teacher = w.person("prof", cartable.Teacher, map[string]cartable.Profile{"6A": cartable.Teacher, "5B": cartable.Teacher})
	w.pupil = w.person("eleve1", cartable.Student, map[string]cartable.Profile{"6A": cartable.Student})
	w.pupil2 = w.person("eleve2", cartable.Student, map[string]cartable.Profile{"6A": cartable.Student})
	w.other = w.person("eleve5b", cartable.Student, map[string]cartable.Profile{"5B": cartable.Student})
	w.parent = w.person("parent1", cartable.Relative, map[string]cartable.Profile{"6A": cartable.Relative})
	return w
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.pool.Exec(w.ctx, sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(w.ctx, sql, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// person provisions a user of the structure with group memberships.
func (w *world) person(id string, p cartable.Profile, groups map[string]cartable.Profile) *cartable.Caller {
	w.exec(`INSERT INTO users (id, display_name, profile, primary_structure_id) VALUES ($1, $1, $2, 's1')`, id, p)
	w.exec(`INSERT INTO user_structures (user_id, structure_id) VALUES ($1, 's1')`, id)
	c := &cartable.Caller{UserID: id, DisplayName: id, Profile: p, PrimaryStructureID: "s1",
		Structures: []cartable.StructureMembership{{StructureID: "s1"}}}
	for g, gp := range groups {
		w.exec(`INSERT INTO group_members (group_id, user_id, profile) VALUES ($1, $2, $3)`, g, id, gp)
		c.Groups = append(c.Groups, cartable.GroupMembership{GroupID: g, StructureID: "s1", Kind: "class", Name: g, Profile: gp})
	}
	return c
}

// space returns the caller's space of the kind (and group, for group spaces).
func (w *world) space(c *cartable.Caller, kind, group string) workspace.Space {
	w.t.Helper()
	spaces, err := w.ws.Spaces(w.ctx, c)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, sp := range spaces {
		if sp.Kind == kind && sp.GroupID == group {
			return sp
		}
	}
	w.t.Fatalf("%s has no %s space %q", c.UserID, kind, group)
	return workspace.Space{}
}

func (w *world) home(c *cartable.Caller) uuid.UUID {
	return w.space(c, workspace.SpacePersonal, "").RootID
}

func (w *world) folder(c *cartable.Caller, parent uuid.UUID, name string) workspace.Item {
	w.t.Helper()
	it, err := w.ws.CreateFolder(w.ctx, c, parent, name, workspace.WriteOptions{})
	if err != nil {
		w.t.Fatalf("create folder %q: %v", name, err)
	}
	return it
}

func (w *world) upload(c *cartable.Caller, parent uuid.UUID, name string, data []byte) workspace.Item {
	w.t.Helper()
	it, err := w.ws.UploadFile(w.ctx, c, parent, workspace.Upload{Name: name, Body: bytes.NewReader(data), Size: int64(len(data))}, workspace.WriteOptions{})
	if err != nil {
		w.t.Fatalf("upload %q: %v", name, err)
	}
	return it
}

func (w *world) read(c *cartable.Caller, id uuid.UUID) []byte {
	w.t.Helper()
	content, err := w.ws.Content(w.ctx, c, id, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	r, err := content.Open(w.ctx, 0, -1)
	if err != nil {
		w.t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func wantCode(t *testing.T, err error, code cartable.Code) {
	t.Helper()
	if !cartable.IsCode(err, code) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}
