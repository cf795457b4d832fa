package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"cartable/apppassword"
)

type appPasswordAnswer struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Hint       string  `json:"hint"`
	LastUsedAt *string `json:"last_used_at"`
	Password   string  `json:"password"`
	Username   string  `json:"username"`
	DAVURL     string  `json:"dav_url"`
}

func TestAppPasswordsAreShownOnceAndOwned(t *testing.T) {
	in := start(t)
	teacher, pupil := in.as("prof.martin"), in.as("eleve.6a.01")

	r := teacher.sendJSON(http.MethodPost, "/api/v1/me/app-passwords", map[string]string{"name": " Ordinateur de la classe "}, nil)
	wantStatus(t, r, http.StatusCreated, "create an app password")
	var created appPasswordAnswer
	r.json(t, &created)
	if created.Name != "Ordinateur de la classe" || len(created.Password) != 29 || created.Username != "prof.martin" ||
		!strings.HasSuffix(created.DAVURL, "/dav/") || created.Hint != created.Password[25:] {
		t.Errorf("created = %+v", created)
	}

	r = teacher.get("/api/v1/me/app-passwords")
	wantStatus(t, r, http.StatusOK, "list")
	if strings.Contains(string(r.body), created.Password) || strings.Contains(string(r.body), `"password"`) {
		t.Errorf("the list shows the secret: %s", r.body)
	}
	var list struct {
		Items []appPasswordAnswer `json:"items"`
	}
	r.json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID || list.Items[0].LastUsedAt != nil {
		t.Errorf("list = %+v", list.Items)
	}

	r = pupil.get("/api/v1/me/app-passwords")
	if !strings.Contains(string(r.body), `"items":[]`) {
		t.Errorf("a pupil sees %s, want none", r.body)
	}
	wantProblem(t, pupil.do(http.MethodDelete, "/api/v1/me/app-passwords/"+created.ID, nil, nil), http.StatusNotFound, "not_found", "a pupil revokes the teacher's")
	for _, bad := range []string{"", "   ", strings.Repeat("é", 101)} {
		r := teacher.sendJSON(http.MethodPost, "/api/v1/me/app-passwords", map[string]string{"name": bad}, nil)
		wantProblem(t, r, http.StatusBadRequest, "invalid_request", "name "+bad)
	}

	// The secret admits its user, typed with capitals and spaces, and nobody else.
	store := apppassword.New(in.app.pool)
	ctx := context.Background()
	typed := strings.ToUpper(strings.ReplaceAll(created.Password, "-", " "))
	if who, err := store.Check(ctx, "Prof.Martin ", typed, "192.0.2.7"); err != nil || who != "prof.martin" {
		t.Errorf("check of the typed secret = %q, %v", who, err)
	}
	if _, err := store.Check(ctx, "eleve.6a.01", created.Password, "192.0.2.7"); err == nil {
		t.Error("the teacher's secret admits a pupil's name")
	}
	r = teacher.get("/api/v1/me/app-passwords")
	r.json(t, &list)
	if list.Items[0].LastUsedAt == nil || !strings.Contains(string(r.body), "192.0.2.7") {
		t.Errorf("last use not noted: %s", r.body)
	}

	wantStatus(t, teacher.do(http.MethodDelete, "/api/v1/me/app-passwords/"+created.ID, nil, nil), http.StatusNoContent, "revoke")
	if _, err := store.Check(ctx, "prof.martin", created.Password, "192.0.2.7"); err == nil {
		t.Error("a revoked secret still admits")
	}
	if n := in.count(t, `SELECT count(*) FROM app_passwords`); n != 0 {
		t.Errorf("%d rows left", n)
	}
}

// TestAppPasswordLimitHoldsUnderRace: a user keeps at most 20, even when a script
// asks for many at once.
func TestAppPasswordLimitHoldsUnderRace(t *testing.T) {
	in := start(t)
	teacher := in.as("prof.martin")
	const asked = apppassword.MaxPerUser + 6
	statuses := make([]int, asked)
	var wg sync.WaitGroup
	for i := range asked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = teacher.sendJSON(http.MethodPost, "/api/v1/me/app-passwords", map[string]string{"name": "script"}, nil).StatusCode
		}()
	}
	wg.Wait()
	made := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			made++
		case http.StatusConflict:
		default:
			t.Errorf("a creation answered %d", s)
		}
	}
	if made != apppassword.MaxPerUser {
		t.Errorf("%d app passwords made, want %d", made, apppassword.MaxPerUser)
	}
}
