package directory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cartable"
	"cartable/directory"
	"cartable/pgtest"
)

// wholeCollege builds a typical collège: 24 classes of 25 pupils, two parents per
// pupil, 60 staff teaching four classes each.
func wholeCollege(id string) directory.Bundle {
	at := []directory.UserStructure{{StructureID: id}}
	b := directory.Bundle{Structures: []directory.Structure{{ID: id, UAI: id, Name: "Collège " + id}}}
	for s := range 60 {
		b.Users = append(b.Users, directory.User{ID: fmt.Sprintf("%s.staff.%02d", id, s), DisplayName: "Staff", Profile: cartable.Teacher, Structures: at})
	}
	for c := range 24 {
		g := directory.Group{ID: fmt.Sprintf("%s-%02d", id, c), StructureID: id, Kind: directory.KindClass, Name: fmt.Sprintf("Classe %02d", c)}
		for p := range 25 {
			pupil := fmt.Sprintf("%s.pupil.%02d.%02d", id, c, p)
			b.Users = append(b.Users, directory.User{ID: pupil, DisplayName: "Pupil", Profile: cartable.Student, Structures: at})
			g.Members = append(g.Members, directory.Member{UserID: pupil, Profile: cartable.Student})
			for r := range 2 {
				parent := fmt.Sprintf("%s.%d", pupil, r)
				b.Users = append(b.Users, directory.User{ID: parent, DisplayName: "Parent", Profile: cartable.Relative, Structures: at})
				g.Members = append(g.Members, directory.Member{UserID: parent, Profile: cartable.Relative})
			}
		}
		for s := range 10 {
			g.Members = append(g.Members, directory.Member{UserID: fmt.Sprintf("%s.staff.%02d", id, (c*10+s)%60), Profile: cartable.Teacher})
		}
		b.Groups = append(b.Groups, g)
	}
	return b
}

func TestImportWholeCollege(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	b := wholeCollege("0590001A")
	for i := range 2 { // the second run is the nightly replay of an unchanged feed
		start := time.Now()
		report, err := directory.Import(ctx, pool, b)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("import %d of %+v took %v", i+1, report, time.Since(start))
		if report.Users != 60+24*75 || report.Members != 24*85 {
			t.Errorf("report = %+v", report)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM group_members`); n != 24*85 {
		t.Errorf("%d memberships, want %d", n, 24*85)
	}
	// A class's pupils leave for another class: the replay applies it.
	moved := b.Groups[0].Members[:30]
	b.Groups[0].Members = b.Groups[0].Members[30:]
	b.Groups[1].Members = append(b.Groups[1].Members, moved...)
	if _, err := directory.Import(ctx, pool, b); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{85 - 30, 85 + 30} {
		if g, err := directory.GetGroup(ctx, pool, b.Groups[i].ID); err != nil || len(g.Members) != want {
			t.Errorf("class %d has %d members, want %d (%v)", i, len(g.Members), want, err)
		}
	}
}

func BenchmarkImportWholeCollege(b *testing.B) {
	pool, ctx := pgtest.New(b), context.Background()
	bundle := wholeCollege("0590001A")
	for b.Loop() {
		if _, err := directory.Import(ctx, pool, bundle); err != nil {
			b.Fatal(err)
		}
	}
}
