package sharing_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"cartable"
	"cartable/directory"
	"cartable/pgtest"
	"cartable/sharing"
)

// TestFoldedWords: the database's folding of names, which both the index and the
// queries use: case and accents go, punctuation splits words.
func TestFoldedWords(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	tests := []struct {
		in   string
		want []string
	}{
		{"Élève", []string{"eleve"}},
		{"Claire MARTIN", []string{"claire", "martin"}},
		{"Jean-Pierre d'Arc", []string{"jean", "pierre", "d", "arc"}},
		{"Anaïs  L’Hôte", []string{"anais", "l", "hote"}},
		{"ŒUVRES Cœur Ægir Straße", []string{"oeuvres", "coeur", "aegir", "strasse"}},
		{"Łukasz Dvořák Ştefan Søren", []string{"lukasz", "dvorak", "stefan", "soren"}},
		{"  6A  ", []string{"6a"}},
		{"6ème A (latin)", []string{"6eme", "a", "latin"}},
		{"« — »", []string{}},
	}
	for _, tt := range tests {
		var got []string
		if err := pool.QueryRow(context.Background(), `SELECT cartable_words($1)`, tt.in).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("cartable_words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFindGranteesMatching: every word typed begins a word of the name, in any
// case and with or without accents; names that start with the query come first.
func TestFindGranteesMatching(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	people := map[string]string{
		"u1": "Claire Martin", "u2": "Martin Meunier", "u3": "Martine Dubois", "u4": "Éloïse Marchand",
		"u5": "Jean-Pierre Lefèvre", "u6": "Zoé Leroy", "u7": "Hugo Martinez",
	}
	b := directory.Bundle{Structures: []directory.Structure{{ID: "s1", UAI: "0600001A", Name: "Collège Test"}}}
	for id, name := range people {
		b.Users = append(b.Users, directory.User{ID: id, DisplayName: name, Profile: cartable.Student, Structures: []directory.UserStructure{{StructureID: "s1"}}})
	}
	b.Users = append(b.Users, directory.User{ID: "prof", DisplayName: "Paul Prof", Profile: cartable.Teacher, Structures: []directory.UserStructure{{StructureID: "s1"}}})
	b.Groups = []directory.Group{
		{ID: "g1", StructureID: "s1", Kind: directory.KindClass, Name: "6A", Members: []directory.Member{}},
		{ID: "g2", StructureID: "s1", Kind: directory.KindTeachingGroup, Name: "6A Latin", Members: []directory.Member{}},
		{ID: "g3", StructureID: "s1", Kind: directory.KindManual, Name: "Élèves délégués", Members: []directory.Member{}},
		{ID: "g4", StructureID: "s1", Kind: directory.KindClass, Name: "Latin 6A", Members: []directory.Member{}},
	}
	if _, err := directory.Import(ctx, pool, b); err != nil {
		t.Fatal(err)
	}
	prof, err := directory.LoadCaller(ctx, pool, "prof")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []string // ids, in order
	}{
		// Names that start with it first; "marchand" does not start with "mart".
		{"mart", []string{"u2", "u3", "u1", "u7"}},
		{"MARTIN", []string{"u2", "u3", "u1", "u7"}},
		{"martin m", []string{"u2"}},
		{"m martin", []string{"u2"}}, // every word, in any order, each its own
		{"martin martin", nil},
		{"claire mart", []string{"u1"}},
		{"eloise", []string{"u4"}},
		{"ÉLO", []string{"u4"}},
		{"lefevre", []string{"u5"}},
		{"pierre", []string{"u5"}},
		{"jean-p", []string{"u5"}},
		{"zoe l", []string{"u6"}},
		{"marco", nil},
		{"6a", []string{"g1", "g2", "g4"}},
		{"latin", []string{"g4", "g2"}},
		{"6a lat", []string{"g2", "g4"}},
		{"eleve", []string{"g3"}},
		{"deleg", []string{"g3"}},
		{"paul", nil}, // the caller
	}
	for _, tt := range tests {
		found, err := sharing.FindGrantees(ctx, pool, prof, tt.q, cartable.PageRequest{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range found.Items {
			if c.Profile == "" {
				got = append(got, c.ID)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("FindGrantees(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

// TestUserWordsFollowTheDirectory: the index of names follows renames, new and lost
// attachments and deletions, whoever writes them.
func TestUserWordsFollowTheDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	for _, s := range []directory.Structure{{ID: "s1", UAI: "0600001A", Name: "Un"}, {ID: "s2", UAI: "0600002B", Name: "Deux"}} {
		if err := directory.UpsertStructure(ctx, pool, s); err != nil {
			t.Fatal(err)
		}
	}
	upsert := func(id, name string, structures ...string) {
		t.Helper()
		u := directory.User{ID: id, DisplayName: name, Profile: cartable.Teacher}
		for _, s := range structures {
			u.Structures = append(u.Structures, directory.UserStructure{StructureID: s})
		}
		if err := directory.UpsertUser(ctx, pool, u); err != nil {
			t.Fatal(err)
		}
	}
	words := func() []string {
		t.Helper()
		rows, _ := pool.Query(ctx, `SELECT structure_id || ':' || word FROM user_words WHERE user_id = 'u' ORDER BY 1`)
		var out []string
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				t.Fatal(err)
			}
			out = append(out, w)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		return out
	}
	upsert("u", "Anne Dupré", "s1")
	if got := words(); !slices.Equal(got, []string{"s1:anne", "s1:dupre"}) {
		t.Errorf("created: %v", got)
	}
	upsert("u", "Anne Dupré-Martin", "s1", "s2")
	if got := words(); !slices.Equal(got, []string{"s1:anne", "s1:dupre", "s1:martin", "s2:anne", "s2:dupre", "s2:martin"}) {
		t.Errorf("renamed and attached to s2: %v", got)
	}
	upsert("u", "Anne Dupré-Martin", "s2")
	if got := words(); !slices.Equal(got, []string{"s2:anne", "s2:dupre", "s2:martin"}) {
		t.Errorf("detached from s1: %v", got)
	}
	if err := directory.DeleteStructure(ctx, pool, "s2"); err != nil {
		t.Fatal(err)
	}
	if got := words(); len(got) != 0 {
		t.Errorf("after s2 was deleted: %v", got)
	}
	upsert("u", "Anne", "s1")
	if err := directory.DeleteUser(ctx, pool, "u"); err != nil {
		t.Fatal(err)
	}
	if got := words(); len(got) != 0 {
		t.Errorf("after the user was deleted: %v", got)
	}
}

// TestFindGranteesPages: the pages of a search, walked with their cursors, are the
// search in one page; a cursor continues only the search that made it.
func TestFindGranteesPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	b := directory.Bundle{Structures: []directory.Structure{{ID: "s1", UAI: "0600001A", Name: "Collège Test"}}}
	var members []directory.Member
	for i := range 9 {
		id := fmt.Sprintf("u%d", i)
		b.Users = append(b.Users, directory.User{ID: id, DisplayName: fmt.Sprintf("Marie Test%d", i), Profile: cartable.Student,
			Structures: []directory.UserStructure{{StructureID: "s1"}}})
		members = append(members, directory.Member{UserID: id, Profile: cartable.Student})
	}
	b.Users = append(b.Users, directory.User{ID: "prof", DisplayName: "Paul Prof", Profile: cartable.Teacher, Structures: []directory.UserStructure{{StructureID: "s1"}}})
	members = append(members, directory.Member{UserID: "prof", Profile: cartable.Teacher})
	b.Groups = []directory.Group{{ID: "g1", StructureID: "s1", Kind: directory.KindClass, Name: "Maths", Members: members}}
	if _, err := directory.Import(ctx, pool, b); err != nil {
		t.Fatal(err)
	}
	prof, err := directory.LoadCaller(ctx, pool, "prof")
	if err != nil {
		t.Fatal(err)
	}
	whole, err := sharing.FindGrantees(ctx, pool, prof, "ma", cartable.PageRequest{Limit: 100})
	if err != nil || whole.NextCursor != "" || len(whole.Items) != 12 { // Maths, its pupils, its teachers, 9 people
		t.Fatalf("one page: %d candidates, cursor %q, %v", len(whole.Items), whole.NextCursor, err)
	}
	var walked []sharing.Candidate
	req := cartable.PageRequest{Limit: 5}
	for pages := 0; ; pages++ {
		page, err := sharing.FindGrantees(ctx, pool, prof, "ma", req)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		walked = append(walked, page.Items...)
		if page.NextCursor == "" {
			break
		}
		req.Cursor = page.NextCursor
	}
	if !slices.Equal(walked, whole.Items) {
		t.Errorf("the pages walked give %v, want %v", walked, whole.Items)
	}
	first, _ := sharing.FindGrantees(ctx, pool, prof, "ma", cartable.PageRequest{Limit: 5})
	if _, err := sharing.FindGrantees(ctx, pool, prof, "mar", cartable.PageRequest{Limit: 5, Cursor: first.NextCursor}); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("another search's cursor = %v, want invalid_request", err)
	}
	if _, err := sharing.FindGrantees(ctx, pool, prof, "ma", cartable.PageRequest{Limit: 1001}); !cartable.IsCode(err, cartable.EInvalid) {
		t.Errorf("limit 1001 = %v, want invalid_request", err)
	}
}
