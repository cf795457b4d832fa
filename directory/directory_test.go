package directory_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/directory"
	"cartable/pgtest"
)

const college = "0600001A"

// demo reads the committed demo file, as `cartable dev` does.
func demo(t *testing.T) directory.Bundle {
	t.Helper()
	f, err := os.Open("../deploy/dev/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := directory.LoadBundle(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withDemo returns a fresh database holding the demo directory.
func withDemo(t *testing.T) (*pgxpool.Pool, context.Context) {
	t.Helper()
	pool, ctx := pgtest.New(t), context.Background()
	if _, err := directory.Import(ctx, pool, demo(t)); err != nil {
		t.Fatal(err)
	}
	return pool, ctx
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoadBundleIsStrict(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`{"users": [{"id": "u", "displayname": "typo"}]}`, `{"users": []} {}`, `{`} {
		if _, err := directory.LoadBundle(strings.NewReader(raw)); err == nil {
			t.Errorf("LoadBundle(%s) accepted it", raw)
		}
	}
}

func TestDemoShape(t *testing.T) {
	t.Parallel()
	b := demo(t)
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(b.Structures) != 1 || b.Structures[0].ID != college || len(b.Groups) != 2 || len(b.Users) != 103 {
		t.Fatalf("demo has %d structures, %d groups, %d users", len(b.Structures), len(b.Groups), len(b.Users))
	}
	for _, g := range b.Groups {
		class := strings.ToLower(g.Name)
		for i := 1; i <= 25; i++ {
			n := strings.ToLower(class) + "." + twoDigits(i)
			if !hasMember(g, "eleve."+n, cartable.Student) || !hasMember(g, "parent."+n, cartable.Relative) {
				t.Errorf("%s lacks eleve.%s or their parent", g.ID, n)
			}
		}
		if !hasMember(g, "prof.martin", cartable.Teacher) || !hasMember(g, "prof.bernard", cartable.Teacher) {
			t.Errorf("%s lacks its teachers", g.ID)
		}
	}
}

func twoDigits(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func hasMember(g directory.Group, userID string, p cartable.Profile) bool {
	return slices.Contains(g.Members, directory.Member{UserID: userID, Profile: p})
}

func TestImportDemoAndLoadCaller(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	for range 2 { // the second import finds everything up to date
		report, err := directory.Import(ctx, pool, demo(t))
		if err != nil {
			t.Fatal(err)
		}
		if report != (directory.ImportReport{Structures: 1, Users: 103, Groups: 2, Members: 104, Children: 50}) {
			t.Errorf("report = %+v", report)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM group_members`); n != 104 {
		t.Errorf("%d memberships, want 104", n)
	}

	prof, err := directory.LoadCaller(ctx, pool, "prof.martin")
	if err != nil {
		t.Fatal(err)
	}
	if prof.DisplayName != "Claire Martin" || prof.Profile != cartable.Teacher || prof.PrimaryStructureID != college ||
		len(prof.Groups) != 2 || !prof.InStructure(college) || prof.IsLocalAdmin(college) {
		t.Errorf("prof.martin = %+v", prof)
	}
	want := cartable.GroupMembership{GroupID: "0600001A-6A", StructureID: college, Kind: "class", Name: "6A", Profile: cartable.Teacher}
	if g, ok := prof.Group(want.GroupID); !ok || g != want {
		t.Errorf("prof.martin in 6A = %+v, want %+v", g, want)
	}
	admin, err := directory.LoadCaller(ctx, pool, "admin.college")
	if err != nil || admin.Profile != cartable.Personnel || !admin.IsLocalAdmin(college) || len(admin.Groups) != 0 {
		t.Errorf("admin.college = %+v, %v", admin, err)
	}
	parent, err := directory.LoadCaller(ctx, pool, "parent.5b.25")
	if err != nil || len(parent.Groups) != 1 || parent.Groups[0].GroupID != "0600001A-5B" || parent.Groups[0].Profile != cartable.Relative {
		t.Errorf("parent.5b.25 = %+v, %v", parent, err)
	}
	if _, err := directory.LoadCaller(ctx, pool, "nobody"); !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("unknown user: %v, want not_found", err)
	}
}

func TestBadImportChangesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spoil   func(b *directory.Bundle)
		code    cartable.Code
		mention string
	}{
		{"ghost member", func(b *directory.Bundle) {
			b.Groups[1].Members = append(b.Groups[1].Members, directory.Member{UserID: "ghost", Profile: cartable.Student})
		}, cartable.EInvalid, "ghost"},
		{"unknown structure of a user", func(b *directory.Bundle) {
			b.Users[7].Structures = append(b.Users[7].Structures, directory.UserStructure{StructureID: "0999999Z"})
		}, cartable.EInvalid, "0999999Z"},
		{"unknown structure of a group", func(b *directory.Bundle) { b.Groups[0].StructureID = "elsewhere" }, cartable.EInvalid, "elsewhere"},
		{"unknown child", func(b *directory.Bundle) { b.Users[4].Children = []string{"eleve.ghost"} }, cartable.EInvalid, "eleve.ghost"},
		{"a teacher as a child", func(b *directory.Bundle) { b.Users[4].Children = []string{"prof.bernard"} }, cartable.EInvalid, "prof.bernard"},
		{"invalid entry", func(b *directory.Bundle) { b.Users[50].Profile = "Principal" }, cartable.EInvalid, "Principal"},
		{"UAI of another structure", func(b *directory.Bundle) {
			b.Structures = append(b.Structures, directory.Structure{ID: "other", UAI: "0600002B", Name: "Autre"})
			b.Structures[0].UAI = "0600009X" // taken below, before the import
		}, cartable.EConflict, "0600009X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool, ctx := pgtest.New(t), context.Background()
			if err := directory.UpsertStructure(ctx, pool, directory.Structure{ID: "taken", UAI: "0600009X", Name: "Lycée"}); err != nil {
				t.Fatal(err)
			}
			b := demo(t)
			b.Users[0].DisplayName = "Changed" // a good change that must not land
			tt.spoil(&b)
			_, err := directory.Import(ctx, pool, b)
			if !cartable.IsCode(err, tt.code) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("import: %v, want %s naming %s", err, tt.code, tt.mention)
			}
			if n := count(t, pool, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM groups) + (SELECT count(*) FROM structures)`); n != 1 {
				t.Errorf("%d rows after a failed import, want only the structure set up before", n)
			}
		})
	}
}

func TestUpsertsAreIdempotent(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	stamp := func() (s, u, g time.Time) {
		err := pool.QueryRow(ctx, `SELECT (SELECT updated_at FROM structures WHERE id = $1),
			(SELECT updated_at FROM users WHERE id = 'prof.martin'), (SELECT updated_at FROM groups WHERE id = '0600001A-6A')`, college).
			Scan(&s, &u, &g)
		if err != nil {
			t.Fatal(err)
		}
		return s, u, g
	}
	s0, u0, g0 := stamp()
	st, _ := directory.GetStructure(ctx, pool, college)
	u, _ := directory.GetUser(ctx, pool, "prof.martin")
	g, _ := directory.GetGroup(ctx, pool, "0600001A-6A")
	for range 2 {
		if err := directory.UpsertStructure(ctx, pool, st); err != nil {
			t.Fatal(err)
		}
		if err := directory.UpsertUser(ctx, pool, u); err != nil {
			t.Fatal(err)
		}
		if err := directory.UpsertGroup(ctx, pool, g); err != nil {
			t.Fatal(err)
		}
	}
	if s1, u1, g1 := stamp(); s1 != s0 || u1 != u0 || g1 != g0 {
		t.Errorf("rewriting unchanged entries moved updated_at")
	}
	if got, _ := directory.GetUser(ctx, pool, "prof.martin"); !equalUser(got, u) {
		t.Errorf("user after re-upsert = %+v, want %+v", got, u)
	}
	if got, _ := directory.GetGroup(ctx, pool, g.ID); !slices.Equal(got.Members, g.Members) || len(got.Members) != 52 {
		t.Errorf("group after re-upsert has %d members", len(got.Members))
	}

	st.Name, u.DisplayName, g.Name = "Collège Lucie Aubrac", "Claire Martin-Roux", "6e A"
	for _, err := range []error{directory.UpsertStructure(ctx, pool, st), directory.UpsertUser(ctx, pool, u), directory.UpsertGroup(ctx, pool, g)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s1, u1, g1 := stamp(); !s1.After(s0) || !u1.After(u0) || !g1.After(g0) {
		t.Errorf("changing entries did not move updated_at")
	}
	if got, err := directory.GetStructure(ctx, pool, college); err != nil || got != st {
		t.Errorf("structure = %+v, %v", got, err)
	}
}

func equalUser(a, b directory.User) bool {
	return a.ID == b.ID && a.DisplayName == b.DisplayName && a.Profile == b.Profile &&
		a.PrimaryStructureID == b.PrimaryStructureID && slices.Equal(a.Structures, b.Structures)
}

func TestMembershipReplacement(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	g, err := directory.GetGroup(ctx, pool, "0600001A-6A")
	if err != nil {
		t.Fatal(err)
	}
	// Keep two pupils, make one of them a guest, and bring in a pupil of 5B.
	g.Members = []directory.Member{ // in GetGroup's order, by user id
		{UserID: "eleve.5b.01", Profile: cartable.Student},
		{UserID: "eleve.6a.01", Profile: cartable.Student},
		{UserID: "eleve.6a.02", Profile: cartable.Guest},
	}
	if err := directory.UpsertGroup(ctx, pool, g); err != nil {
		t.Fatal(err)
	}
	got, err := directory.GetGroup(ctx, pool, g.ID)
	if err != nil || !slices.Equal(got.Members, g.Members) {
		t.Fatalf("members = %+v, %v; want %+v", got.Members, err, g.Members)
	}
	// The change shows at the next LoadCaller: membership is read on every request.
	for id, want := range map[string][]string{"eleve.5b.01": {"0600001A-5B", "0600001A-6A"}, "eleve.6a.03": nil, "prof.martin": {"0600001A-5B"}} {
		c, err := directory.LoadCaller(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range c.Groups {
			ids = append(ids, m.GroupID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s is in %v, want %v", id, ids, want)
		}
	}
	if c, _ := directory.LoadCaller(ctx, pool, "eleve.6a.02"); c.Groups[0].Profile != cartable.Guest {
		t.Errorf("eleve.6a.02's profile in 6A = %s, want Guest", c.Groups[0].Profile)
	}
	g.Members = nil
	if err := directory.UpsertGroup(ctx, pool, g); err != nil {
		t.Fatal(err)
	}
	if got, _ := directory.GetGroup(ctx, pool, g.ID); len(got.Members) != 0 || got.Members == nil {
		t.Errorf("emptied group has members %#v", got.Members)
	}
}

func TestUserStructuresReplacement(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	lycee := directory.Structure{ID: "0600002B", UAI: "0600002B", Name: "Lycée Madame de Staël"}
	if err := directory.UpsertStructure(ctx, pool, lycee); err != nil {
		t.Fatal(err)
	}
	u, _ := directory.GetUser(ctx, pool, "prof.bernard")
	u.Structures = []directory.UserStructure{{StructureID: lycee.ID, LocalAdmin: true}, {StructureID: college}}
	u.PrimaryStructureID = ""
	if err := directory.UpsertUser(ctx, pool, u); err != nil {
		t.Fatal(err)
	}
	c, err := directory.LoadCaller(ctx, pool, u.ID)
	if err != nil || c.PrimaryStructureID != lycee.ID || !c.IsLocalAdmin(lycee.ID) || !c.InStructure(college) || len(c.Structures) != 2 {
		t.Fatalf("teacher of two schools = %+v, %v; want primary %s (the first listed)", c, err, lycee.ID)
	}
	u.Structures, u.PrimaryStructureID = []directory.UserStructure{{StructureID: lycee.ID}}, lycee.ID
	if err := directory.UpsertUser(ctx, pool, u); err != nil {
		t.Fatal(err)
	}
	got, err := directory.GetUser(ctx, pool, u.ID)
	if err != nil || !equalUser(got, u) {
		t.Errorf("user = %+v, %v; want %+v", got, err, u)
	}
	u.Structures = nil
	u.PrimaryStructureID = ""
	if err := directory.UpsertUser(ctx, pool, u); err != nil {
		t.Fatal(err)
	}
	if got, _ := directory.GetUser(ctx, pool, u.ID); len(got.Structures) != 0 || got.PrimaryStructureID != "" {
		t.Errorf("user without structures = %+v", got)
	}
	if err := directory.UpsertUser(ctx, pool, directory.User{ID: "x", DisplayName: "X", Profile: cartable.Guest,
		Structures: []directory.UserStructure{{StructureID: "nowhere"}}}); !cartable.IsCode(err, cartable.EInvalid) || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("user in an unknown structure: %v, want invalid_request naming it", err)
	}
}

func TestDeletes(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	lycee := directory.Structure{ID: "0600002B", UAI: "0600002B", Name: "Lycée Madame de Staël"}
	if err := directory.UpsertStructure(ctx, pool, lycee); err != nil {
		t.Fatal(err)
	}
	u, _ := directory.GetUser(ctx, pool, "prof.martin")
	u.Structures = append(u.Structures, directory.UserStructure{StructureID: lycee.ID})
	if err := directory.UpsertUser(ctx, pool, u); err != nil {
		t.Fatal(err)
	}

	for range 2 { // a second delete finds nothing, and that is fine
		for _, err := range []error{
			directory.DeleteGroup(ctx, pool, "0600001A-6A"),
			directory.DeleteUser(ctx, pool, "eleve.5b.01"),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := directory.GetGroup(ctx, pool, "0600001A-6A"); !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("deleted group: %v", err)
	}
	if _, err := directory.GetUser(ctx, pool, "eleve.5b.01"); !cartable.IsCode(err, cartable.ENotFound) {
		t.Errorf("deleted user: %v", err)
	}
	if c, err := directory.LoadCaller(ctx, pool, "eleve.6a.01"); err != nil || len(c.Groups) != 0 {
		t.Errorf("a pupil of a deleted class still has groups: %+v, %v", c, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM group_members WHERE user_id = 'eleve.5b.01' OR group_id = '0600001A-6A'`); n != 0 {
		t.Errorf("%d memberships of deleted rows remain", n)
	}

	if err := directory.DeleteStructure(ctx, pool, college); err != nil {
		t.Fatal(err)
	}
	if err := directory.DeleteStructure(ctx, pool, college); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT (SELECT count(*) FROM groups) + (SELECT count(*) FROM user_structures WHERE structure_id = $1)`, college); n != 0 {
		t.Errorf("%d groups or attachments survive their structure", n)
	}
	// A teacher of two schools falls back to the other; a pupil of one has none left.
	if c, err := directory.LoadCaller(ctx, pool, "prof.martin"); err != nil || c.PrimaryStructureID != lycee.ID || len(c.Groups) != 0 {
		t.Errorf("prof.martin after the collège went = %+v, %v", c, err)
	}
	if c, err := directory.LoadCaller(ctx, pool, "eleve.6a.02"); err != nil || c.PrimaryStructureID != "" || len(c.Structures) != 0 {
		t.Errorf("eleve.6a.02 after the collège went = %+v, %v", c, err)
	}
}

func TestGetAndList(t *testing.T) {
	t.Parallel()
	pool, ctx := withDemo(t)
	groups, err := directory.ListGroups(ctx, pool, college)
	if err != nil || len(groups) != 2 || groups[0].Name != "5B" || groups[1].Name != "6A" || len(groups[0].Members) != 52 {
		t.Fatalf("ListGroups = %d groups, %v", len(groups), err)
	}
	one, err := directory.GetGroup(ctx, pool, groups[1].ID)
	if err != nil || one.ID != groups[1].ID || !slices.Equal(one.Members, groups[1].Members) {
		t.Errorf("GetGroup = %+v, %v; want the listed one", one, err)
	}
	lycee := directory.Structure{ID: "0600002B", UAI: "0600002B", Name: "Lycée"}
	if err := directory.UpsertStructure(ctx, pool, lycee); err != nil {
		t.Fatal(err)
	}
	if groups, err := directory.ListGroups(ctx, pool, lycee.ID); err != nil || groups == nil || len(groups) != 0 {
		t.Errorf("groups of a structure without any = %v, %v; want an empty list", groups, err)
	}
	for name, err := range map[string]error{
		"ListGroups":   second(directory.ListGroups(ctx, pool, "nowhere")),
		"GetStructure": second(directory.GetStructure(ctx, pool, "nowhere")),
		"GetUser":      second(directory.GetUser(ctx, pool, "nobody")),
		"GetGroup":     second(directory.GetGroup(ctx, pool, "none")),
	} {
		if !cartable.IsCode(err, cartable.ENotFound) {
			t.Errorf("%s of something unknown: %v, want not_found", name, err)
		}
	}
	other := directory.Structure{ID: "other", UAI: college, Name: "Doublon"}
	if err := directory.UpsertStructure(ctx, pool, other); !cartable.IsCode(err, cartable.EConflict) {
		t.Errorf("a second structure with the same UAI: %v, want conflict", err)
	}
}

func second[T any](_ T, err error) error { return err }
