package sharing

import (
	"errors"
	"testing"

	"cartable"
)

func TestRightsOf(t *testing.T) {
	lea := &cartable.Caller{UserID: "lea"}
	file := func(by string, within Mode) Placement {
		return Placement{CreatedBy: by, Within: within, Inside: within}
	}
	folder := func(by string, within, own Mode) Placement {
		return Placement{Folder: true, CreatedBy: by, Within: within, Inside: own.Or(within)}
	}
	withBelow := func(p Placement, others, marks bool) Placement {
		p.OthersBelow, p.MarksBelow = others, marks
		return p
	}
	all := Rights{Add: true, Edit: true, Move: true, Trash: true}
	fileAll := Rights{Edit: true, Move: true, Trash: true}
	tests := []struct {
		name string
		role cartable.Role
		p    Placement
		want Rights
	}{
		{"author, own file", cartable.Author, file("lea", Standard), fileAll},
		{"author, someone else's file", cartable.Author, file("hugo", Standard), Rights{}},
		{"author, someone else's file in a collaborative folder", cartable.Author, file("hugo", Collaborative), fileAll},
		{"author, own file in a read-only folder", cartable.Author, file("lea", ReadOnly), Rights{}},
		{"author, the teacher's folder", cartable.Author, folder("prof", Standard, Inherit), Rights{Add: true}},
		{"author, the teacher's read-only folder", cartable.Author, folder("prof", Standard, ReadOnly), Rights{}},
		{"author, the teacher's collaborative folder", cartable.Author, folder("prof", Standard, Collaborative), Rights{Add: true}},
		{"author, a standard folder inside a read-only one", cartable.Author, folder("prof", ReadOnly, Standard), Rights{Add: true}},
		{"author, own empty folder", cartable.Author, folder("lea", Standard, Inherit), all},
		{"author, own folder holding others' items", cartable.Author, withBelow(folder("lea", Standard, Inherit), true, false), Rights{Add: true, Edit: true}},
		{"author, own collaborative folder holding others' items", cartable.Author, withBelow(folder("lea", Standard, Collaborative), true, false), all},
		{"author, others' folder in a collaborative one", cartable.Author, withBelow(folder("hugo", Collaborative, Inherit), true, false), all},
		{"author, others' folder in a collaborative one, a read-only folder below", cartable.Author, withBelow(folder("hugo", Collaborative, Inherit), true, true), Rights{Add: true, Edit: true}},
		{"author, the space root", cartable.Author, Placement{Folder: true, Root: true, Within: Standard, Inside: Standard}, Rights{Add: true}},
		{"contributor, someone else's file in a read-only folder", cartable.Contributor, file("hugo", ReadOnly), fileAll},
		{"contributor, someone else's folder holding others' items", cartable.Contributor, withBelow(folder("hugo", ReadOnly, ReadOnly), true, true), all},
		{"manager, anything", cartable.Manager, file("hugo", ReadOnly), Rights{Edit: true, Move: true, Trash: true, Share: true}},
		{"manager, the space root", cartable.Manager, Placement{Folder: true, Root: true}, Rights{Add: true, Share: true}},
		{"viewer", cartable.Viewer, folder("lea", Collaborative, Collaborative), Rights{}},
		{"no role", cartable.NoRole, file("lea", Standard), Rights{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RightsOf(lea, tt.role, tt.p); got != tt.want {
				t.Errorf("RightsOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRefusalsSayWhy(t *testing.T) {
	lea := &cartable.Caller{UserID: "lea"}
	tests := []struct {
		name string
		err  error
		want cartable.Code
	}{
		{"add to a read-only folder", CheckAdd(cartable.Author, Placement{Folder: true, Inside: ReadOnly}), cartable.EReadOnlyFolder},
		{"change in a read-only folder", CheckChange(lea, cartable.Author, Placement{CreatedBy: "lea", Within: ReadOnly}), cartable.EReadOnlyFolder},
		{"change someone else's file", CheckChange(lea, cartable.Author, Placement{CreatedBy: "hugo", Within: Standard}), cartable.ENotAuthor},
		{"trash own folder holding others' items", CheckCarry(lea, cartable.Author, Placement{Folder: true, CreatedBy: "lea", Within: Standard, Inside: Standard, OthersBelow: true}), cartable.ENotAuthor},
		{"viewer adds", CheckAdd(cartable.Viewer, Placement{Folder: true, Inside: Standard}), cartable.EForbidden},
		{"viewer changes", CheckChange(lea, cartable.Viewer, Placement{CreatedBy: "lea"}), cartable.EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *cartable.Error
			if !errors.As(tt.err, &e) || e.Code != tt.want {
				t.Errorf("error = %v, want code %s", tt.err, tt.want)
			}
		})
	}
}

func TestModeOr(t *testing.T) {
	tests := []struct{ own, inherited, want Mode }{
		{Inherit, Inherit, Standard},
		{Inherit, ReadOnly, ReadOnly},
		{Standard, ReadOnly, Standard},
		{Collaborative, Inherit, Collaborative},
	}
	for _, tt := range tests {
		if got := tt.own.Or(tt.inherited); got != tt.want {
			t.Errorf("%q.Or(%q) = %q, want %q", tt.own, tt.inherited, got, tt.want)
		}
	}
}
