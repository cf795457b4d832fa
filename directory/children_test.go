package directory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/directory"
)

// childrenOf is what the caller of a request knows of their children.
func childrenOf(t *testing.T, pool *pgxpool.Pool, parentID string) []cartable.Child {
	t.Helper()
	c, err := directory.LoadCaller(context.Background(), pool, parentID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Children
}

// TestParentsChildren: the demo links each parent to their child; a re-import
// replaces a parent's children; a pupil who stops being one, and a deleted user,
// take their links along.
func TestParentsChildren(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	if got := childrenOf(t, pool, "parent.6a.01"); !slices.Equal(got, []cartable.Child{{UserID: "eleve.6a.01", DisplayName: "Léa Dupont"}}) {
		t.Fatalf("parent.6a.01's children = %+v", got)
	}
	if got := childrenOf(t, pool, "eleve.6a.01"); len(got) != 0 {
		t.Errorf("a pupil has children %+v", got)
	}
	if u, err := directory.GetUser(ctx, pool, "parent.6a.01"); err != nil || !slices.Equal(u.Children, []string{"eleve.6a.01"}) {
		t.Errorf("GetUser(parent.6a.01) = %+v, %v", u, err)
	}

	// A new family, the parent listed before the child: one import takes both.
	at := []directory.UserStructure{{StructureID: college}}
	parent := directory.User{ID: "parent.new", DisplayName: "Karim Haddad", Profile: cartable.Relative, Structures: at, Children: []string{"eleve.new", "eleve.6a.02"}}
	child := directory.User{ID: "eleve.new", DisplayName: "Yanis Haddad", Profile: cartable.Student, Structures: at}
	if _, err := directory.Import(ctx, pool, directory.Bundle{Users: []directory.User{parent, child}}); err != nil {
		t.Fatal(err)
	}
	if got := childrenOf(t, pool, "parent.new"); len(got) != 2 || got[0].UserID != "eleve.6a.02" || got[1].DisplayName != "Yanis Haddad" {
		t.Fatalf("parent.new's children = %+v", got)
	}
	// The replay lists one child only: the other link goes.
	parent.Children = []string{"eleve.new"}
	if err := directory.UpsertUser(ctx, pool, parent); err != nil {
		t.Fatal(err)
	}
	if got := childrenOf(t, pool, "parent.new"); len(got) != 1 || got[0].UserID != "eleve.new" {
		t.Fatalf("after the replay, parent.new's children = %+v", got)
	}
	// The pupil becomes staff (an assistant): no parent follows them any more.
	child.Profile = cartable.Personnel
	if err := directory.UpsertUser(ctx, pool, child); err != nil {
		t.Fatal(err)
	}
	if got := childrenOf(t, pool, "parent.new"); len(got) != 0 {
		t.Errorf("a parent of a staff member: %+v", got)
	}
	// Refused: a child who is not a Student, or not known.
	for _, kids := range [][]string{{"eleve.new"}, {"nobody"}} {
		parent.Children = kids
		if err := directory.UpsertUser(ctx, pool, parent); !cartable.IsCode(err, cartable.EInvalid) {
			t.Errorf("children %v: %v, want invalid_request", kids, err)
		}
	}
	// Deleting either side deletes the link.
	if err := directory.DeleteUser(ctx, pool, "eleve.6a.01"); err != nil {
		t.Fatal(err)
	}
	if got := childrenOf(t, pool, "parent.6a.01"); len(got) != 0 {
		t.Errorf("a parent of a deleted pupil: %+v", got)
	}
	if err := directory.DeleteUser(ctx, pool, "parent.6a.02"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM user_children WHERE relative_id IN ('parent.6a.01', 'parent.6a.02')`); n != 0 {
		t.Errorf("%d links outlived their users", n)
	}
}
