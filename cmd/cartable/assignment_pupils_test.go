package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestAssignmentClassPupils: a class's teacher lists its pupils by name to choose
// an assignment's audience; a pupil of the class is told they may not, a pupil of
// another class and an unknown id get 404, a personal space is no class.
func TestAssignmentClassPupils(t *testing.T) {
	in := start(t)
	prof, lea, other := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.5b.01")
	classID := prof.spaceID("group", "6A")
	var got struct {
		Items []struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		} `json:"items"`
	}
	r := prof.get("/api/v1/spaces/" + classID + "/pupils")
	wantStatus(t, r, http.StatusOK, "the teacher lists 6A's pupils")
	r.json(t, &got)
	if len(got.Items) != 25 {
		t.Fatalf("%d pupils in 6A, want 25: %+v", len(got.Items), got.Items)
	}
	lea1 := false
	for i, p := range got.Items {
		if p.ID == "prof.martin" || p.ID == "prof.bernard" {
			t.Errorf("a teacher among the pupils: %+v", p)
		}
		if i > 0 && got.Items[i-1].DisplayName > p.DisplayName {
			t.Errorf("not by name: %q before %q", got.Items[i-1].DisplayName, p.DisplayName)
		}
		lea1 = lea1 || (p.ID == "eleve.6a.01" && p.DisplayName == "Léa Dupont")
	}
	if !lea1 {
		t.Errorf("Léa Dupont is not listed: %+v", got.Items)
	}
	wantProblem(t, lea.get("/api/v1/spaces/"+classID+"/pupils"), http.StatusForbidden, "forbidden", "a pupil lists the class")
	wantProblem(t, other.get("/api/v1/spaces/"+classID+"/pupils"), http.StatusNotFound, "not_found", "a pupil of 5B lists 6A")
	wantProblem(t, prof.get("/api/v1/spaces/"+uuid.NewString()+"/pupils"), http.StatusNotFound, "not_found", "an unknown space")
	var spaces struct {
		Spaces []struct{ ID, Kind string } `json:"spaces"`
	}
	prof.get("/api/v1/spaces").json(t, &spaces)
	for _, sp := range spaces.Spaces {
		if sp.Kind == "personal" {
			wantStatus(t, prof.get("/api/v1/spaces/"+sp.ID+"/pupils"), http.StatusBadRequest, "a personal space")
		}
	}
}

// TestAssignmentListSummary: a teacher's list counts each assignment's work
// (handed in, late, returned, excused, missing) in step with the dashboard; a
// pupil's list has no counts.
func TestAssignmentListSummary(t *testing.T) {
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	template := prof.mustUpload(prof.space("group", "6A"), "Fiche.odt", []byte("fiche"))
	body := fields("Fiche", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)

	type summary struct{ Total, HandedIn, Late, Returned, Excused, Missing int }
	summaryOf := func(u *user) *summary {
		t.Helper()
		var list struct {
			Items []struct {
				ID      string `json:"id"`
				Summary *struct {
					Total    int `json:"total"`
					HandedIn int `json:"handed_in"`
					Late     int `json:"late"`
					Returned int `json:"returned"`
					Excused  int `json:"excused"`
					Missing  int `json:"missing"`
				} `json:"summary"`
			} `json:"items"`
		}
		r := u.get("/api/v1/assignments")
		wantStatus(t, r, http.StatusOK, u.id+" lists")
		r.json(t, &list)
		for _, it := range list.Items {
			if it.ID == a.ID {
				if it.Summary == nil {
					return nil
				}
				s := summary(*it.Summary)
				return &s
			}
		}
		t.Fatalf("%s's list lacks %s", u.id, a.ID)
		return nil
	}
	if s := summaryOf(prof); s == nil || *s != (summary{}) {
		t.Errorf("a draft's summary = %+v, want zeros", s)
	}
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	lea.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)
	wantStatus(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/excuse",
		map[string]any{"pupil_ids": []string{hugo.id}, "excused": true}, nil), http.StatusOK, "excuse Hugo")
	if s := summaryOf(prof); s == nil || *s != (summary{Total: 25, HandedIn: 1, Excused: 1}) {
		t.Errorf("after a hand-in and an excuse, summary = %+v", s)
	}
	wantStatus(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Bien."}, nil), http.StatusOK, "return Léa's")
	if s := summaryOf(prof); s == nil || *s != (summary{Total: 25, HandedIn: 1, Returned: 1, Excused: 1}) {
		t.Errorf("after a return, summary = %+v", s)
	}
	if s := summaryOf(lea); s != nil {
		t.Errorf("a pupil's list counts the class's work: %+v", s)
	}
}
