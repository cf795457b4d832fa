package main

import (
	"net/http"
	"strings"
	"testing"
)

// rights is what an item tells its caller they may do with it.
type rights struct {
	Role          string `json:"role"`
	Mode          string `json:"mode"`
	EffectiveMode string `json:"effective_mode"`
	CanAdd        bool   `json:"can_add"`
	CanEdit       bool   `json:"can_edit"`
	CanMove       bool   `json:"can_move"`
	CanTrash      bool   `json:"can_trash"`
	CanShare      bool   `json:"can_share"`
}

func (u *user) rightsOn(id string) rights {
	u.t.Helper()
	return readItem[rights](u, id)
}

func (u *user) rename(id, name string) response {
	u.t.Helper()
	return u.sendJSON(http.MethodPatch, itemPath(id), map[string]any{"name": name}, nil)
}

func (u *user) move(id, to string) response {
	u.t.Helper()
	return u.sendJSON(http.MethodPatch, itemPath(id), map[string]any{"parent_id": to}, nil)
}

func (u *user) trash(id string) response {
	u.t.Helper()
	return u.do(http.MethodDelete, itemPath(id), nil, nil)
}

func (u *user) overwrite(id string, data string) response {
	u.t.Helper()
	return u.do(http.MethodPut, itemPath(id, "/content"), strings.NewReader(data), map[string]string{"Content-Type": "text/plain"})
}

func (u *user) setMode(id, mode string) response {
	u.t.Helper()
	return u.sendJSON(http.MethodPatch, itemPath(id), map[string]any{"mode": mode}, nil)
}

// TestPupilsChangeOnlyWhatTheyCreatedInAClassSpace: in a class space, a pupil reads
// everything and adds files and folders, but renames, overwrites, moves or trashes
// only what they created; the class's teachers manage everything.
func TestPupilsChangeOnlyWhatTheyCreatedInAClassSpace(t *testing.T) {
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	class := prof.space("group", "6A")
	course := prof.mustUpload(class, "cours.txt", []byte("le cours"))
	lessons := prof.mkdir(class, "Leçons")
	hugos := hugo.mustUpload(class, "exposé de Hugo.txt", []byte("les volcans"))
	leasFolder := lea.mkdir(class, "Dossier de Léa")
	before := in.count(t, `SELECT sum(revision) FROM items`)

	for _, target := range []apiItem{course, lessons, hugos} {
		wantProblem(t, lea.rename(target.ID, "à moi.txt"), http.StatusForbidden, "not_author", "Léa renames "+target.Name)
		wantProblem(t, lea.move(target.ID, leasFolder.ID), http.StatusForbidden, "not_author", "Léa moves "+target.Name)
		wantProblem(t, lea.trash(target.ID), http.StatusForbidden, "not_author", "Léa trashes "+target.Name)
		got := lea.rightsOn(target.ID)
		if got.Role != "author" || got.CanEdit || got.CanMove || got.CanTrash || got.CanShare {
			t.Errorf("Léa's rights on %s = %+v, want an author who may change nothing", target.Name, got)
		}
	}
	for _, file := range []apiItem{course, hugos} {
		wantProblem(t, lea.overwrite(file.ID, "effacé"), http.StatusForbidden, "not_author", "Léa overwrites "+file.Name)
	}
	if after := in.count(t, `SELECT sum(revision) FROM items`); after != before {
		t.Errorf("refused requests changed items (revisions %d → %d)", before, after)
	}
	if got := lea.rightsOn(lessons.ID); !got.CanAdd {
		t.Errorf("Léa may not add to the teacher's folder: %+v", got)
	}

	// What she created is hers to change.
	mine := lea.mustUpload(lessons.ID, "mon résumé.txt", []byte("résumé"))
	if got := lea.rightsOn(mine.ID); !got.CanEdit || !got.CanMove || !got.CanTrash || got.CanShare {
		t.Errorf("Léa's rights on her own file = %+v", got)
	}
	wantStatus(t, lea.rename(mine.ID, "résumé.txt"), http.StatusOK, "Léa renames her file")
	wantStatus(t, lea.overwrite(mine.ID, "résumé v2"), http.StatusOK, "Léa overwrites her file")
	wantStatus(t, lea.move(mine.ID, leasFolder.ID), http.StatusOK, "Léa moves her file")
	wantStatus(t, lea.trash(mine.ID), http.StatusNoContent, "Léa trashes her file")
	wantStatus(t, lea.do(http.MethodPost, itemPath(mine.ID, "/restore"), nil, nil), http.StatusOK, "Léa restores her file")

	// Her folder holding Hugo's file: she may rename it, but neither trash nor move it.
	hugo.mustUpload(leasFolder.ID, "ma partie.txt", []byte("partie de Hugo"))
	if got := lea.rightsOn(leasFolder.ID); !got.CanEdit || got.CanMove || got.CanTrash {
		t.Errorf("Léa's rights on her folder holding Hugo's file = %+v", got)
	}
	wantStatus(t, lea.rename(leasFolder.ID, "Exposé du groupe"), http.StatusOK, "Léa renames her folder")
	wantProblem(t, lea.trash(leasFolder.ID), http.StatusForbidden, "not_author", "Léa trashes her folder holding Hugo's file")
	wantProblem(t, lea.move(leasFolder.ID, lessons.ID), http.StatusForbidden, "not_author", "Léa moves her folder holding Hugo's file")

	// The listing carries the same rights, for the web app to grey out buttons.
	var page struct {
		Items []struct {
			apiItem
			rights
		} `json:"items"`
	}
	lea.get(itemPath(class, "/children")).json(t, &page)
	for _, it := range page.Items {
		if mineToo := it.Name == "Exposé du groupe"; it.CanEdit != mineToo {
			t.Errorf("listing: Léa's can_edit on %q = %v", it.Name, it.CanEdit)
		}
	}

	// The teacher manages everything.
	if got := prof.rightsOn(hugos.ID); got.Role != "manager" || !got.CanEdit || !got.CanTrash || !got.CanShare {
		t.Errorf("the teacher's rights on a pupil's file = %+v", got)
	}
	wantStatus(t, prof.trash(leasFolder.ID), http.StatusNoContent, "the teacher trashes the pupils' folder")
	wantStatus(t, prof.trash(hugos.ID), http.StatusNoContent, "the teacher trashes Hugo's file")
}

// TestCollaborativeAndReadOnlyFolders: a teacher marks a folder collaborative (every
// member of the class edits everything in it) or read-only (pupils add nothing,
// change nothing); the mark holds for the whole subtree until a subfolder sets its own.
func TestCollaborativeAndReadOnlyFolders(t *testing.T) {
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	class := prof.space("group", "6A")

	group := prof.mkdir(class, "Travail de groupe")
	r := prof.setMode(group.ID, "collaborative")
	wantStatus(t, r, http.StatusOK, "the teacher marks a folder collaborative")
	var marked rights
	r.json(t, &marked)
	if marked.Mode != "collaborative" || marked.EffectiveMode != "collaborative" {
		t.Errorf("the marked folder = %+v", marked)
	}
	inner := hugo.mkdir(group.ID, "Partie 1")
	hugos := hugo.mustUpload(inner.ID, "brouillon.txt", []byte("brouillon"))
	if got := lea.rightsOn(hugos.ID); !got.CanEdit || !got.CanTrash || !got.CanMove {
		t.Errorf("Léa's rights on Hugo's file in a collaborative folder = %+v", got)
	}
	wantStatus(t, lea.overwrite(hugos.ID, "brouillon corrigé par Léa"), http.StatusOK, "Léa edits Hugo's file in the group folder")
	wantStatus(t, lea.rename(inner.ID, "Partie 1 - volcans"), http.StatusOK, "Léa renames Hugo's folder in the group folder")
	wantStatus(t, lea.trash(inner.ID), http.StatusNoContent, "Léa trashes Hugo's folder in the group folder")
	// The marked folder itself stays the teacher's.
	if got := lea.rightsOn(group.ID); got.CanEdit || got.CanTrash || !got.CanAdd {
		t.Errorf("Léa's rights on the collaborative folder itself = %+v", got)
	}
	wantProblem(t, lea.trash(group.ID), http.StatusForbidden, "not_author", "Léa trashes the collaborative folder")

	materials := prof.mkdir(class, "Cours")
	wantStatus(t, prof.setMode(materials.ID, "read_only"), http.StatusOK, "the teacher marks a folder read-only")
	chapter := prof.mkdir(materials.ID, "Chapitre 1")
	sheet := prof.mustUpload(chapter.ID, "fiche.txt", []byte("fiche"))
	if got := lea.rightsOn(chapter.ID); got.CanAdd || got.EffectiveMode != "read_only" || got.Mode != "" {
		t.Errorf("Léa's rights in a read-only folder's subfolder = %+v", got)
	}
	wantProblem(t, lea.upload(chapter.ID, "intrus.txt", []byte("x"), ""), http.StatusForbidden, "read_only_folder", "Léa uploads into class materials")
	wantProblem(t, lea.sendJSON(http.MethodPost, itemPath(materials.ID, "/children"), map[string]any{"name": "x", "folder": map[string]any{}}, nil),
		http.StatusForbidden, "read_only_folder", "Léa makes a folder in class materials")
	_, tr := lea.tus().create(5, metadata("filename", "intrus.txt", "parent", chapter.ID))
	wantProblem(t, tr, http.StatusForbidden, "read_only_folder", "Léa starts a resumable upload into class materials")
	wantProblem(t, lea.overwrite(sheet.ID, "x"), http.StatusForbidden, "read_only_folder", "Léa overwrites a class material")
	wantStatus(t, lea.sendJSON(http.MethodPost, itemPath(sheet.ID, "/copy"), map[string]any{"parent_id": lea.home()}, nil), http.StatusCreated, "Léa copies a class material home")

	// A subfolder may set its own mode: the hand-in folder inside class materials.
	handIn := prof.mkdir(materials.ID, "Dépôt")
	wantStatus(t, prof.setMode(handIn.ID, "standard"), http.StatusOK, "the teacher opens a hand-in folder")
	own := lea.mustUpload(handIn.ID, "ma copie.txt", []byte("copie"))
	wantStatus(t, lea.rename(own.ID, "copie de Léa.txt"), http.StatusOK, "Léa renames her hand-in")
	wantProblem(t, hugo.trash(own.ID), http.StatusForbidden, "not_author", "Hugo trashes Léa's hand-in")
	// A pupil cannot move her work out of the hand-in folder into class materials.
	wantProblem(t, lea.move(own.ID, chapter.ID), http.StatusForbidden, "read_only_folder", "Léa moves into class materials")

	// Marks are the teachers': pupils cannot set them, and they mean nothing in a personal space.
	wantStatus(t, lea.setMode(group.ID, "read_only"), http.StatusForbidden, "Léa changes a folder's mode")
	mineHome := lea.mkdir(lea.home(), "Perso")
	wantProblem(t, lea.setMode(mineHome.ID, "collaborative"), http.StatusBadRequest, "invalid_request", "a mode in a personal space")
	wantProblem(t, prof.setMode(materials.ID, "everyone"), http.StatusBadRequest, "invalid_request", "an unknown mode")
	wantProblem(t, prof.setMode(sheet.ID, "read_only"), http.StatusBadRequest, "invalid_request", "a mode on a file")
	// "inherit" takes the mark away: the folder follows its parent again.
	r = prof.setMode(handIn.ID, "inherit")
	wantStatus(t, r, http.StatusOK, "the teacher clears the hand-in folder's mode")
	var cleared rights
	r.json(t, &cleared)
	if cleared.Mode != "" || cleared.EffectiveMode != "read_only" {
		t.Errorf("the cleared folder = %+v", cleared)
	}
}

// TestStaffRoomColleaguesKeepTheirOwnFiles: the staff room follows the same rule as a
// class: teachers add and change their own documents; the local admin manages all
// and may mark a folder collaborative.
func TestStaffRoomColleaguesKeepTheirOwnFiles(t *testing.T) {
	in := start(t)
	martin, bernard, admin := in.as("prof.martin"), in.as("prof.bernard"), in.as("admin.college")
	staff := martin.space("structure", "")
	plan := martin.mustUpload(staff, "progression.txt", []byte("progression"))
	wantProblem(t, bernard.trash(plan.ID), http.StatusForbidden, "not_author", "a colleague trashes Martin's file")
	shared := admin.mkdir(staff, "Conseil pédagogique")
	wantStatus(t, admin.setMode(shared.ID, "collaborative"), http.StatusOK, "the admin marks a folder collaborative")
	minutes := martin.mustUpload(shared.ID, "compte rendu.txt", []byte("cr"))
	wantStatus(t, bernard.overwrite(minutes.ID, "cr complété"), http.StatusOK, "a colleague completes the minutes")
	wantStatus(t, admin.trash(plan.ID), http.StatusNoContent, "the admin trashes Martin's file")
}
