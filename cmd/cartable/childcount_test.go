package main

import (
	"fmt"
	"net/http"
	"testing"
)

// countedItem is an item with its child count.
type countedItem struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	ChildCount *int64 `json:"child_count"`
}

func (r response) counted(t *testing.T) countedItem {
	t.Helper()
	var it countedItem
	r.json(t, &it)
	return it
}

func (r response) countedPage(t *testing.T) ([]countedItem, string) {
	t.Helper()
	var p struct {
		Items      []countedItem `json:"items"`
		NextCursor string        `json:"next_cursor"`
	}
	r.json(t, &p)
	return p.Items, p.NextCursor
}

func wantCount(t *testing.T, it countedItem, want int64, what string) {
	t.Helper()
	if it.ChildCount == nil || *it.ChildCount != want {
		t.Errorf("%s: child_count = %v, want %d", what, it.ChildCount, want)
	}
}

// TestFolderChildCount: folders tell how many live children they hold, in item
// answers and in listings; files and trashed folders tell nothing.
func TestFolderChildCount(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()
	cours := prof.mkdir(home, "Cours")
	a := prof.mkdir(cours.ID, "A")
	b := prof.mkdir(cours.ID, "B")
	prof.mustUpload(a.ID, "a1.txt", []byte("1"))
	prof.mustUpload(a.ID, "a2.txt", []byte("2"))
	var files []apiItem
	for i := range 3 {
		files = append(files, prof.mustUpload(cours.ID, fmt.Sprintf("f%d.txt", i), []byte("f")))
	}
	wantStatus(t, prof.do(http.MethodDelete, itemPath(files[0].ID), nil, nil), http.StatusNoContent, "trash f0")

	wantCount(t, prof.get(itemPath(cours.ID)).counted(t), 4, "GET Cours (two folders, two live files)")
	listed, _ := prof.get(itemPath(cours.ID, "/children")).countedPage(t)
	byName := map[string]countedItem{}
	for _, it := range listed {
		byName[it.Name] = it
	}
	wantCount(t, byName["A"], 2, "A in the listing")
	wantCount(t, byName["B"], 0, "B in the listing")
	if f := byName["f1.txt"]; f.ChildCount != nil {
		t.Errorf("a file has child_count %d", *f.ChildCount)
	}

	// Write answers count too.
	r := prof.sendJSON(http.MethodPatch, itemPath(a.ID), map[string]any{"name": "A bis"}, nil)
	wantStatus(t, r, http.StatusOK, "rename A")
	wantCount(t, r.counted(t), 2, "renamed A")
	r = prof.sendJSON(http.MethodPost, itemPath(a.ID, "/copy"), map[string]any{"parent_id": home}, nil)
	wantStatus(t, r, http.StatusCreated, "copy A")
	wantCount(t, r.counted(t), 2, "copy of A")
	r = prof.sendJSON(http.MethodPost, itemPath(b.ID, "/children"), map[string]any{"name": "Vide", "folder": map[string]any{}}, nil)
	wantStatus(t, r, http.StatusCreated, "new folder")
	wantCount(t, r.counted(t), 0, "new folder")
	r = prof.do(http.MethodPost, itemPath(files[0].ID, "/restore"), nil, nil)
	wantStatus(t, r, http.StatusOK, "restore f0")
	wantCount(t, prof.get(itemPath(cours.ID)).counted(t), 5, "Cours after the restore")
	wantCount(t, prof.get(itemPath(b.ID)).counted(t), 1, "B with its new subfolder")

	// A trashed folder, in the trash listing, tells nothing.
	wantStatus(t, prof.do(http.MethodDelete, itemPath(b.ID), nil, nil), http.StatusNoContent, "trash B")
	trash, _ := prof.get("/api/v1/trash").countedPage(t)
	for _, it := range trash {
		if it.ChildCount != nil {
			t.Errorf("trashed %s has child_count %d", it.Name, *it.ChildCount)
		}
	}

	// Shared with a class: the pupils see the count too.
	wantStatus(t, prof.shareWith(cours.ID, map[string]any{"kind": "group", "id": "0600001A-6A"}, "viewer", nil), http.StatusCreated, "share Cours")
	var shared struct {
		Items []countedItem `json:"items"`
	}
	in.as("eleve.6a.02").get("/api/v1/shared").json(t, &shared)
	if len(shared.Items) != 1 {
		t.Fatalf("shared with the pupil: %+v", shared.Items)
	}
	wantCount(t, shared.Items[0], 4, "Cours shared with the pupil")
}

// TestChildCountAcrossPages: every folder of a paged listing gets its own count.
func TestChildCountAcrossPages(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	parent := prof.mkdir(prof.home(), "Classeurs")
	for i := range 7 {
		f := prof.mkdir(parent.ID, fmt.Sprintf("Classeur %d", i))
		for j := range i {
			prof.mkdir(f.ID, fmt.Sprintf("Intercalaire %d", j))
		}
	}
	seen := 0
	for cursor := ""; ; {
		page, next := prof.get(itemPath(parent.ID, "/children?limit=3&cursor="+cursor)).countedPage(t)
		for _, it := range page {
			var i int64
			fmt.Sscanf(it.Name, "Classeur %d", &i)
			wantCount(t, it, i, it.Name)
			seen++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if seen != 7 {
		t.Errorf("listed %d folders, want 7", seen)
	}
}
