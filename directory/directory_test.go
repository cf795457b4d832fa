package directory_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"cartable"
	"cartable/directory"
	"cartable/pgtest"
)

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"good structure", directory.Structure{ID: "s", UAI: "0600001A", Name: "Collège"}.Validate()},
		{"bad UAI", directory.Structure{ID: "s", UAI: "600001A", Name: "Collège"}.Validate()},
		{"lowercase UAI", directory.Structure{ID: "s", UAI: "0600001a", Name: "Collège"}.Validate()},
		{"structure without name", directory.Structure{ID: "s", UAI: "0600001A"}.Validate()},
		{"unknown profile", (&directory.User{ID: "u", DisplayName: "U", Profile: "Principal"}).Validate()},
		{"user without name", (&directory.User{ID: "u", Profile: cartable.Student}).Validate()},
		{"primary not among structures", (&directory.User{ID: "u", DisplayName: "U", Profile: cartable.Student,
			Structures: []directory.UserStructure{{StructureID: "a"}}, PrimaryStructureID: "b"}).Validate()},
		{"duplicate structures", (&directory.User{ID: "u", DisplayName: "U", Profile: cartable.Student,
			Structures: []directory.UserStructure{{StructureID: "a"}, {StructureID: "a"}}}).Validate()},
		{"unknown group kind", directory.Group{ID: "g", StructureID: "s", Kind: "club", Name: "G"}.Validate()},
		{"duplicate member", directory.Group{ID: "g", StructureID: "s", Kind: "class", Name: "G",
			Members: []directory.Member{{UserID: "u", Profile: cartable.Student}, {UserID: "u", Profile: cartable.Student}}}.Validate()},
		{"member with unknown profile", directory.Group{ID: "g", StructureID: "s", Kind: "class", Name: "G",
			Members: []directory.Member{{UserID: "u", Profile: "Boss"}}}.Validate()},
	}
	for _, tt := range tests {
		wantOK := tt.name == "good structure"
		if (tt.err == nil) != wantOK {
			t.Errorf("%s: error = %v", tt.name, tt.err)
		}
		if tt.err != nil && !cartable.IsCode(tt.err, cartable.EInvalid) {
			t.Errorf("%s: code = %s, want invalid_request", tt.name, cartable.ErrorCode(tt.err))
		}
	}
	u := directory.User{ID: "u", DisplayName: "U", Profile: cartable.Teacher, Structures: []directory.UserStructure{{StructureID: "a"}, {StructureID: "b"}}}
	if err := u.Validate(); err != nil || u.PrimaryStructureID != "a" {
		t.Errorf("implied primary structure = %q, %v", u.PrimaryStructureID, err)
	}
}

func demo(t *testing.T) directory.Bundle {
	t.Helper()
	raw, err := os.ReadFile("../deploy/dev/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := directory.LoadBundle(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportDemoAndLoadCaller(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	report, err := directory.Import(ctx, pool, demo(t))
	if err != nil {
		t.Fatal(err)
	}
	if report != (directory.ImportReport{Structures: 1, Users: 103, Groups: 2, Members: 104}) {
		t.Errorf("report = %+v", report)
	}
	// Importing again changes nothing: upserts are idempotent.
	if _, err := directory.Import(ctx, pool, demo(t)); err != nil {
		t.Fatal(err)
	}
	prof, err := directory.LoadCaller(ctx, pool, "prof.martin")
	if err != nil {
		t.Fatal(err)
	}
	if prof.Profile != cartable.Teacher || len(prof.Groups) != 2 || !prof.InStructure("0600001A") {
		t.Errorf("prof.martin = %+v", prof)
	}
	if g, ok := prof.Group("0600001A-6A"); !ok || g.Profile != cartable.Teacher || g.Name != "6A" || g.Kind != "class" {
		t.Errorf("prof.martin in 6A = %+v, %v", g, ok)
	}
	admin, err := directory.LoadCaller(ctx, pool, "admin.college")
	if err != nil || !admin.IsLocalAdmin("0600001A") {
		t.Errorf("admin.college = %+v, %v", admin, err)
	}
	parent, err := directory.LoadCaller(ctx, pool, "parent.5b.25")
	if err != nil || len(parent.Groups) != 1 || parent.Groups[0].Profile != cartable.Relative {
		t.Errorf("parent.5b.25 = %+v, %v", parent, err)
	}
	_, err = directory.LoadCaller(ctx, pool, "nobody")
	if !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestBadImportChangesNothing(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	b := demo(t)
	b.Groups[1].Members = append(b.Groups[1].Members, directory.Member{UserID: "ghost", Profile: cartable.Student})
	_, err := directory.Import(ctx, pool, b)
	if !cartable.IsCode(err, cartable.EInvalid) {
		t.Fatalf("import with a ghost member: %v, want invalid_request", err)
	}
	var users int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil || users != 0 {
		t.Errorf("%d users after a failed import, want 0 (%v)", users, err)
	}
}

func TestMembershipReplacedAndDeletes(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	if _, err := directory.Import(ctx, pool, demo(t)); err != nil {
		t.Fatal(err)
	}
	g, err := directory.GetGroup(ctx, pool, "0600001A-6A")
	if err != nil {
		t.Fatal(err)
	}
	g.Members = g.Members[:3]
	if err := directory.UpsertGroup(ctx, pool, g); err != nil {
		t.Fatal(err)
	}
	got, err := directory.GetGroup(ctx, pool, g.ID)
	if err != nil || len(got.Members) != 3 {
		t.Fatalf("members after replacement = %d, %v", len(got.Members), err)
	}
	for _, del := range []func() error{
		func() error { return directory.DeleteGroup(ctx, pool, g.ID) },
		func() error { return directory.DeleteGroup(ctx, pool, g.ID) }, // again: idempotent
		func() error { return directory.DeleteUser(ctx, pool, "eleve.5b.01") },
		func() error { return directory.DeleteStructure(ctx, pool, "unknown") },
	} {
		if err := del(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := directory.GetGroup(ctx, pool, g.ID); !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("deleted group: %v", err)
	}
	c, err := directory.LoadCaller(ctx, pool, "eleve.6a.01")
	if err != nil || len(c.Groups) != 0 {
		t.Errorf("a pupil of a deleted class still has groups: %+v, %v", c, err)
	}
	if err := directory.UpsertStructure(ctx, pool, directory.Structure{ID: "other", UAI: "0600001A", Name: "Doublon"}); !cartable.IsCode(err, cartable.EConflict) {
		t.Errorf("a second structure with the same UAI: %v, want conflict", err)
	}
}
