package directory_test

import (
	"testing"

	"cartable"
	"cartable/directory"
)

// TestLeaverIsNobodyUntilProvisionedAgain: a user marked as having left (package
// leaver) is not found by LoadCaller, nor as a parent's child, while an admin's
// work still loads them; upserting them again brings them back, whole.
func TestLeaverIsNobodyUntilProvisionedAgain(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	if _, err := pool.Exec(ctx, `UPDATE users SET left_at = now(), purge_after = now() + interval '90 days' WHERE id = 'eleve.6a.01'`); err != nil {
		t.Fatal(err)
	}
	if _, err := directory.LoadCaller(ctx, pool, "eleve.6a.01"); !cartable.IsCode(err, cartable.ENotFound) {
		t.Fatalf("LoadCaller of a leaver: %v, want not_found", err)
	}
	c, err := directory.LoadLeaverCaller(ctx, pool, "eleve.6a.01")
	if err != nil || len(c.Groups) != 1 || len(c.Structures) != 1 {
		t.Fatalf("LoadLeaverCaller = %+v, %v", c, err)
	}
	parent, err := directory.LoadCaller(ctx, pool, "parent.6a.01")
	if err != nil || len(parent.Children) != 0 {
		t.Fatalf("the leaver's parent sees children %+v (%v)", parent.Children, err)
	}
	u, err := directory.GetUser(ctx, pool, "eleve.6a.01")
	if err != nil {
		t.Fatal(err)
	}
	if err := directory.UpsertUser(ctx, pool, u); err != nil {
		t.Fatal(err)
	}
	back, err := directory.LoadCaller(ctx, pool, "eleve.6a.01")
	if err != nil || len(back.Groups) != 1 {
		t.Fatalf("provisioned again: %+v, %v", back, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM users WHERE left_at IS NOT NULL OR purge_after IS NOT NULL`); n != 0 {
		t.Errorf("%d users still marked as leavers", n)
	}
	if err := directory.UpsertUser(ctx, pool, directory.User{ID: "former:pupil", DisplayName: "X", Profile: cartable.Student}); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("a user with a reserved id: %v", err)
	}
}
