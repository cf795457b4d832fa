package main

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cartable/assignment"
)

type apiFileRef struct {
	ItemID    string `json:"item_id"`
	VersionID string `json:"version_id"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
}

type apiWork struct {
	PupilID       string       `json:"pupil_id"`
	Feedback      string       `json:"feedback"`
	Points        *float64     `json:"points"`
	PupilName     string       `json:"pupil_name"`
	Status        string       `json:"status"`
	Section       string       `json:"section"`
	FolderID      string       `json:"folder_id"`
	Late          bool         `json:"late"`
	Copies        []apiFileRef `json:"copies"`
	HandedInFiles []apiFileRef `json:"handed_in_files"`
	HandIns       []struct {
		TakenBackAt *time.Time `json:"taken_back_at"`
	} `json:"hand_ins"`
}

type apiAssignment struct {
	ID        string       `json:"id"`
	State     string       `json:"state"`
	Materials []apiFileRef `json:"materials"`
	Templates []apiFileRef `json:"templates"`
	Mine      *apiWork     `json:"mine"`
}

// objects counts the objects of the instance's bucket.
func (in *instance) objects() int {
	in.t.Helper()
	n := 0
	for _, err := range in.app.store.List(in.t.Context(), "") {
		if err != nil {
			in.t.Fatal(err)
		}
		n++
	}
	return n
}

// spaceID returns the id (not the root's) of the user's space of that kind and name.
func (u *user) spaceID(kind, name string) string {
	u.t.Helper()
	var raw struct {
		Spaces []map[string]string `json:"spaces"`
	}
	u.get("/api/v1/spaces").json(u.t, &raw)
	for _, sp := range raw.Spaces {
		if sp["kind"] == kind && sp["name"] == name {
			return sp["id"]
		}
	}
	u.t.Fatalf("%s has no %s space %q", u.id, kind, name)
	return ""
}

func (u *user) assignment(method, path string, body any, status int) apiAssignment {
	u.t.Helper()
	var r response
	if body == nil {
		r = u.do(method, "/api/v1/assignments"+path, nil, nil)
	} else {
		r = u.sendJSON(method, "/api/v1/assignments"+path, body, nil)
	}
	wantStatus(u.t, r, status, u.id+" "+method+" "+path)
	var a apiAssignment
	r.json(u.t, &a)
	return a
}

func (u *user) dashboard(id string) map[string]apiWork {
	u.t.Helper()
	r := u.get("/api/v1/assignments/" + id + "/dashboard")
	wantStatus(u.t, r, http.StatusOK, "dashboard")
	var d struct {
		Pupils []apiWork `json:"pupils"`
	}
	r.json(u.t, &d)
	out := map[string]apiWork{}
	for _, w := range d.Pupils {
		out[w.PupilID] = w
	}
	return out
}

func fileNamed(t *testing.T, files []apiFileRef, name string) apiFileRef {
	t.Helper()
	for _, f := range files {
		if f.Name == name && f.VersionID != "" {
			return f
		}
	}
	t.Fatalf("no pinned %q in %+v", name, files)
	return apiFileRef{}
}

// fields is an assignment's body, due and closing relative to now.
func fields(title string, due, closeAt time.Duration, late bool) map[string]any {
	now := time.Now().UTC()
	return map[string]any{"title": title, "instructions": "Racontez en une page\nvotre héros.", "whole_class": true,
		"due_at": now.Add(due), "close_at": now.Add(closeAt), "late_allowed": late, "max_points": 20}
}

// TestAssignmentJourney: prof.martin hands out a template and a reference to 6A;
// every pupil gets a private copy that stores and charges nothing; Léa works,
// hands in, works on (the hand-in keeps what she handed in), takes back and hands
// in again; Hugo never reaches her work; hand-ins race; late and closed hand-ins.
func TestAssignmentJourney(t *testing.T) {
	in := start(t)
	prof, lea, hugo, chloe := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02"), in.as("eleve.6a.03")
	class, classID := prof.space("group", "6A"), prof.spaceID("group", "6A")
	template := prof.mustUpload(class, "Rédaction.odt", []byte(strings.Repeat("modèle ", 3000)))
	material := prof.mustUpload(class, "Consignes.pdf", []byte("%PDF-1.4 consignes"))

	body := fields("Rédaction : mon héros", time.Hour, 2*time.Hour, true)
	body["space_id"] = classID
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	a = prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": material.ID, "kind": "material"}, http.StatusOK)
	if a.State != "draft" || len(a.Templates) != 1 || len(a.Materials) != 1 {
		t.Fatalf("draft = %+v", a)
	}
	wantProblem(t, lea.get("/api/v1/assignments/"+a.ID), http.StatusNotFound, "not_found", "Léa reads a draft")

	blobs, objects, used := in.count(t, `SELECT count(*) FROM blobs`), in.objects(), in.count(t, `SELECT sum(used_bytes) FROM quota_accounts`)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	b, o, u := in.count(t, `SELECT count(*) FROM blobs`), in.objects(), in.count(t, `SELECT sum(used_bytes) FROM quota_accounts`)
	if b != blobs || o != objects || u != used {
		t.Errorf("publishing stored %d blobs and %d objects and charged %d bytes, want none", b-blobs, o-objects, u-used)
	}
	pupils := in.count(t, `SELECT count(*) FROM group_members WHERE group_id = (SELECT group_id FROM spaces WHERE id = '`+classID+`') AND profile = 'Student'`)
	board := prof.dashboard(a.ID)
	if int64(len(board)) != pupils || pupils < 3 || board[lea.id].Status != "not_opened" {
		t.Fatalf("dashboard after publishing has %d pupils of %d: %+v", len(board), pupils, board[lea.id])
	}
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'assignment_published'`); n != 1 {
		t.Errorf("%d published events, want 1", n)
	}

	// Léa reads it: her copy, named for her, and the material.
	mine := lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine
	if mine == nil || len(mine.Copies) != 1 || mine.Copies[0].Name != "Rédaction - Léa Dupont.odt" || mine.Status != "in_progress" || mine.Section != "to_do" {
		t.Fatalf("Léa's work = %+v", mine)
	}
	copyID := mine.Copies[0].ItemID
	if got := prof.dashboard(a.ID)[lea.id].Status; got != "in_progress" {
		t.Errorf("after Léa read it, her status is %s", got)
	}
	list := lea.get("/api/v1/assignments")
	if !strings.Contains(string(list.body), copyID) || strings.Contains(string(list.body), "Hugo") {
		t.Errorf("Léa's list: %s", list.body)
	}

	// No other pupil reaches her folder or copy, nor sees them in the class.
	for _, id := range []string{copyID, mine.FolderID} {
		wantProblem(t, hugo.get(itemPath(id)), http.StatusNotFound, "not_found", "Hugo reads Léa's work")
		wantProblem(t, hugo.get(itemPath(id, "/content")), http.StatusNotFound, "not_found", "Hugo downloads Léa's work")
		wantProblem(t, hugo.overwrite(id, "effacé"), http.StatusNotFound, "not_found", "Hugo overwrites Léa's work")
	}
	if r := hugo.get(itemPath(class, "/children")); strings.Contains(string(r.body), "Léa Dupont") {
		t.Errorf("the class lists Léa's work: %s", r.body)
	}
	wantStatus(t, prof.get(itemPath(copyID)), http.StatusOK, "the teacher reads Léa's copy")

	// Léa's new version is charged to the class space (and the pool), not to her cap.
	classUsed := func() int64 {
		return in.count(t, `SELECT used_bytes FROM quota_accounts WHERE id = 'space:`+classID+`'`)
	}
	before := classUsed()
	wantStatus(t, lea.overwrite(copyID, "mon héros, version 1"), http.StatusOK, "Léa writes")
	if got := classUsed() - before; got != int64(len("mon héros, version 1")) {
		t.Errorf("Léa's version charged %d bytes to the class space", got)
	}
	// tus too: a new version of her copy, and a new file in her folder; Hugo's
	// upload into her copy is refused before any byte.
	v := []byte("mon héros, version 1")
	r := lea.tus().do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(v), map[string]string{
		"Upload-Length": strconv.Itoa(len(v)), "Upload-Metadata": metadata("item", copyID),
		"Content-Type": "application/offset+octet-stream"})
	wantStatus(t, r, http.StatusCreated, "Léa's tus version of her copy")
	if _, r := hugo.tus().create(4, metadata("item", copyID)); r.StatusCode != http.StatusNotFound {
		t.Errorf("Hugo's tus upload into Léa's copy: %d %s", r.StatusCode, r.body)
	}
	lea.mustUpload(mine.FolderID, "brouillon.txt", []byte("idées"))
	handed := lea.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK).Mine
	if handed.Status != "handed_in" || len(handed.HandedInFiles) != 2 {
		t.Fatalf("Léa's hand-in = %+v", handed)
	}
	pinned := fileNamed(t, handed.HandedInFiles, "Rédaction - Léa Dupont.odt")
	wantStatus(t, lea.overwrite(copyID, "mon héros, version 2"), http.StatusOK, "Léa writes after handing in")
	got := prof.dashboard(a.ID)[lea.id]
	if got.Status != "handed_in" || fileNamed(t, got.HandedInFiles, pinned.Name).VersionID != pinned.VersionID {
		t.Fatalf("after Léa's change the teacher has %+v, want the pinned %s", got, pinned.VersionID)
	}
	if r := prof.get(itemPath(copyID, "/versions/", pinned.VersionID, "/content")); string(r.body) != "mon héros, version 1" {
		t.Errorf("the pinned version holds %q", r.body)
	}
	wantProblem(t, lea.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/hand-in", nil, nil), http.StatusConflict, "conflict", "Léa hands in twice")
	lea.assignment(http.MethodPost, "/"+a.ID+"/take-back", nil, http.StatusOK)
	again := lea.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK).Mine
	if fileNamed(t, again.HandedInFiles, pinned.Name).VersionID == pinned.VersionID {
		t.Errorf("the new hand-in pinned the old version")
	}
	if h := prof.dashboard(a.ID)[lea.id].HandIns; len(h) != 2 || h[0].TakenBackAt == nil || h[1].TakenBackAt != nil {
		t.Errorf("the teacher sees Léa's history as %+v, want one taken back, then the live one", h)
	}

	// Hugo hands in from four tabs at once: one is recorded.
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = hugo.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/hand-in", nil, nil).StatusCode
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if fmt.Sprint(codes) != fmt.Sprint([]int{200, 409, 409, 409}) {
		t.Errorf("four hand-ins at once answered %v", codes)
	}
	if n := in.count(t, `SELECT count(*) FROM handins WHERE pupil_id = 'eleve.6a.02'`); n != 1 {
		t.Errorf("Hugo has %d hand-ins, want 1", n)
	}

	// Past the due date, late hand-ins are taken until the close date; then none.
	prof.assignment(http.MethodPut, "/"+a.ID, fields("Rédaction : mon héros", -time.Hour, time.Hour, true), http.StatusOK)
	if w := chloe.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK).Mine; w.Status != "handed_in_late" || !w.Late || w.Section != "done" {
		t.Errorf("Chloé's late hand-in = %+v", w)
	}
	prof.assignment(http.MethodPut, "/"+a.ID, fields("Rédaction : mon héros", -2*time.Hour, -time.Minute, true), http.StatusOK)
	late := in.as("eleve.6a.04")
	r = late.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/hand-in", nil, nil)
	wantProblem(t, r, http.StatusConflict, "assignment_closed", "a hand-in after the close date")
	if !strings.Contains(string(r.body), "La date limite est passée") {
		t.Errorf("the refusal does not say so in French: %s", r.body)
	}
	if w := late.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine; w.Status != "missing" || w.Section != "late" {
		t.Errorf("the pupil who missed it reads %+v", w)
	}
	wantProblem(t, lea.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/take-back", nil, nil), http.StatusConflict, "assignment_closed", "a take-back after the close date")
	board = prof.dashboard(a.ID)
	for id, want := range map[string]string{lea.id: "handed_in", hugo.id: "handed_in", chloe.id: "handed_in_late", late.id: "missing"} {
		if board[id].Status != want {
			t.Errorf("%s is %s, want %s", id, board[id].Status, want)
		}
	}
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'assignment_handed_in'`); n != 4 {
		t.Errorf("%d handed-in events, want 4 (Léa twice, Hugo, Chloé)", n)
	}
	feed := in.as("service.provisioning").get("/api/v1/events?limit=100")
	wantStatus(t, feed, http.StatusOK, "the portal's feed")
	for _, kind := range []string{"assignment_published", "assignment_handed_in"} {
		if !strings.Contains(string(feed.body), `"kind":"`+kind+`"`) {
			t.Errorf("the feed has no %s: %s", kind, feed.body)
		}
	}
}

// TestAssignmentRoutesHideFromOtherClasses: a 5B pupil probing a 6A assignment
// and a 6A pupil probing a 5B draft get 404 on every assignment route, and a
// pupil cannot create one.
func TestAssignmentRoutesHideFromOtherClasses(t *testing.T) {
	in := start(t)
	prof, lea, other := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.5b.01")
	template := prof.mustUpload(prof.space("group", "6A"), "Fiche.odt", []byte("fiche"))
	body := fields("Fiche", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	a6 := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a6.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a6.ID+"/publish", nil, http.StatusOK)
	body["space_id"] = prof.spaceID("group", "5B")
	a5 := prof.assignment(http.MethodPost, "", body, http.StatusCreated)

	routes := []struct{ method, path string }{
		{http.MethodGet, ""},
		{http.MethodPut, ""},
		{http.MethodPost, "/attachments"},
		{http.MethodDelete, "/attachments/" + template.ID},
		{http.MethodPost, "/publish"},
		{http.MethodGet, "/dashboard"},
		{http.MethodPost, "/hand-in"},
		{http.MethodPost, "/take-back"},
		{http.MethodPost, "/returns"},
		{http.MethodPost, "/excuse"},
		{http.MethodPost, "/collect"},
		{http.MethodPost, "/restore"},
		{http.MethodDelete, ""},
	}
	postBodies := map[string]any{
		"/attachments": map[string]any{"item_id": template.ID, "kind": "material"},
		"/returns":     map[string]any{"feedback": "bien"},
		"/excuse":      map[string]any{"pupil_ids": []string{lea.id}, "excused": true},
	}
	probes := []struct {
		who *user
		id  string
	}{{other, a6.ID}, {lea, a5.ID}}
	for _, p := range probes {
		for _, rt := range routes {
			path := "/api/v1/assignments/" + p.id + rt.path
			var r response
			switch rt.method {
			case http.MethodPut:
				r = p.who.sendJSON(rt.method, path, fields("x", time.Hour, 2*time.Hour, false), nil)
			case http.MethodPost:
				r = p.who.sendJSON(rt.method, path, postBodies[rt.path], nil)
			default:
				r = p.who.do(rt.method, path, nil, nil)
			}
			wantProblem(t, r, http.StatusNotFound, "not_found", p.who.id+" "+rt.method+" "+path)
		}
		if r := p.who.get("/api/v1/assignments"); strings.Contains(string(r.body), p.id) {
			t.Errorf("%s lists %s", p.who.id, p.id)
		}
	}
	body["space_id"] = prof.spaceID("group", "6A")
	wantProblem(t, lea.sendJSON(http.MethodPost, "/api/v1/assignments", body, nil), http.StatusForbidden, "forbidden", "a pupil creates an assignment")
	wantProblem(t, lea.do(http.MethodGet, "/api/v1/assignments/"+a6.ID+"/dashboard", nil, nil), http.StatusForbidden, "forbidden", "a pupil reads the dashboard")
}

// TestAssignmentReturns: the teacher returns one hand-in with feedback and points,
// another for revision, then all the rest at once, and excuses a pupil; each pupil
// sees their own feedback only, and a returned hand-in stays handed in.
func TestAssignmentReturns(t *testing.T) {
	in := start(t)
	prof, lea, hugo, chloe := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02"), in.as("eleve.6a.03")
	body := fields("Exposé", time.Hour, 2*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	for _, p := range []*user{lea, hugo} {
		p.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)
	}
	returns := "/api/v1/assignments/" + a.ID + "/returns"
	ret := func(body map[string]any) map[string]apiWork {
		t.Helper()
		r := prof.sendJSON(http.MethodPost, returns, body, nil)
		wantStatus(t, r, http.StatusOK, fmt.Sprintf("return %v", body))
		var d struct {
			Pupils []apiWork `json:"pupils"`
		}
		r.json(t, &d)
		out := map[string]apiWork{}
		for _, w := range d.Pupils {
			out[w.PupilID] = w
		}
		return out
	}

	wantProblem(t, prof.sendJSON(http.MethodPost, returns, map[string]any{"pupil_ids": []string{lea.id}, "points": 21}, nil),
		http.StatusBadRequest, "invalid_request", "points over the maximum")
	wantProblem(t, prof.sendJSON(http.MethodPost, returns, map[string]any{"pupil_ids": []string{lea.id, chloe.id}, "feedback": "?"}, nil),
		http.StatusBadRequest, "invalid_request", "returning Chloé, who handed nothing in")
	board := ret(map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Très bien, Léa.", "points": 16.5})
	if w := board[lea.id]; w.Status != "returned" || w.Feedback != "Très bien, Léa." || w.Points == nil || *w.Points != 16.5 {
		t.Errorf("Léa after her return: %+v", w)
	}
	if w := board[hugo.id]; w.Status != "handed_in" || w.Feedback != "" {
		t.Errorf("Hugo after Léa's return: %+v", w)
	}
	if mine := lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine; mine.Feedback != "Très bien, Léa." {
		t.Errorf("Léa reads %+v", mine)
	}
	if r := hugo.get("/api/v1/assignments/" + a.ID); strings.Contains(string(r.body), "Très bien") {
		t.Errorf("Hugo reads Léa's feedback: %s", r.body)
	}
	wantProblem(t, lea.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/take-back", nil, nil), http.StatusConflict, "conflict", "Léa takes back a returned hand-in")

	board = ret(map[string]any{"pupil_ids": []string{hugo.id}, "feedback": "Ajoute une conclusion.", "revision": true})
	if w := board[hugo.id]; w.Status != "in_progress" || w.Feedback != "Ajoute une conclusion." {
		t.Errorf("Hugo after a return for revision: %+v", w)
	}
	hugo.assignment(http.MethodPost, "/"+a.ID+"/hand-in", nil, http.StatusOK)
	board = ret(map[string]any{"feedback": "Merci à tous."})
	if board[hugo.id].Status != "returned" || board[lea.id].Feedback != "Très bien, Léa." || board[chloe.id].Status != "not_opened" {
		t.Errorf("after returning all: Hugo %+v, Léa %+v, Chloé %+v", board[hugo.id], board[lea.id], board[chloe.id])
	}
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'assignment_returned'`); n != 3 {
		t.Errorf("%d returned events, want 3", n)
	}

	excuse := "/api/v1/assignments/" + a.ID + "/excuse"
	wantStatus(t, prof.sendJSON(http.MethodPost, excuse, map[string]any{"pupil_ids": []string{chloe.id}, "excused": true}, nil), http.StatusOK, "excuse Chloé")
	if got := prof.dashboard(a.ID)[chloe.id].Status; got != "excused" {
		t.Errorf("Chloé is %s, want excused", got)
	}
	wantStatus(t, prof.sendJSON(http.MethodPost, excuse, map[string]any{"pupil_ids": []string{chloe.id}, "excused": false}, nil), http.StatusOK, "excuse Chloé no more")
	if got := prof.dashboard(a.ID)[chloe.id].Status; got != "not_opened" {
		t.Errorf("Chloé is %s, want not_opened again", got)
	}
	wantProblem(t, prof.sendJSON(http.MethodPost, excuse, map[string]any{"pupil_ids": []string{"eleve.5b.01"}, "excused": true}, nil),
		http.StatusBadRequest, "invalid_request", "excusing a pupil of another class")
	wantProblem(t, lea.sendJSON(http.MethodPost, returns, map[string]any{"feedback": "moi"}, nil), http.StatusForbidden, "forbidden", "a pupil returns work")
}

// TestAssignmentScheduledPublication: a draft scheduled for later stays hidden;
// once its time has come, the job publishes it and hands it out.
func TestAssignmentScheduledPublication(t *testing.T) {
	in := start(t)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	body := fields("Dictée", 2*time.Hour, 3*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	body["publish_at"] = time.Now().UTC().Add(time.Hour)
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	jobs := assignment.New(in.app.pool, in.app.store)
	if n, err := jobs.PublishDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("publishing before the time: %d, %v", n, err)
	}
	wantProblem(t, lea.get("/api/v1/assignments/"+a.ID), http.StatusNotFound, "not_found", "Léa reads a scheduled draft")

	delete(body, "space_id")
	body["publish_at"] = time.Now().UTC().Add(-time.Second)
	prof.assignment(http.MethodPut, "/"+a.ID, body, http.StatusOK)
	if n, err := jobs.PublishDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("publishing when due: %d, %v", n, err)
	}
	if n, err := jobs.PublishDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("publishing again: %d, %v", n, err)
	}
	if got := lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK); got.State != "published" || got.Mine == nil {
		t.Errorf("Léa reads %+v", got)
	}
	if n := in.count(t, `SELECT count(*) FROM events WHERE kind = 'assignment_published' AND actor = 'prof.martin'`); n != 1 {
		t.Errorf("%d published events in prof.martin's name, want 1", n)
	}
}

// TestAssignmentTemplateFromElsewhereIsChargedOnce: a template from the teacher's
// own space is charged to the class space once, whatever the number of pupils.
func TestAssignmentTemplateFromElsewhereIsChargedOnce(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	classID := prof.spaceID("group", "5B")
	data := []byte(strings.Repeat("fiche ", 5000))
	template := prof.mustUpload(prof.home(), "Fiche.odt", data)
	body := fields("Fiche", time.Hour, 2*time.Hour, false)
	body["space_id"] = classID
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	wantProblem(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "material"}, nil),
		http.StatusBadRequest, "invalid_request", "a material outside the class space")
	classUsed := func() int64 {
		return in.count(t, `SELECT coalesce(sum(used_bytes), 0) FROM quota_accounts WHERE id = 'space:`+classID+`'`)
	}
	pool := func() int64 {
		return in.count(t, `SELECT used_bytes FROM quota_accounts WHERE id = 'structure:0600001A'`)
	}
	beforeClass, beforePool, objects := classUsed(), pool(), in.objects()
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	if n := len(prof.dashboard(a.ID)); n < 2 {
		t.Fatalf("5B has %d pupils", n)
	}
	if got := classUsed() - beforeClass; got != int64(len(data)) {
		t.Errorf("the class space was charged %d bytes, want %d once", got, len(data))
	}
	if got := pool() - beforePool; got != int64(len(data)) {
		t.Errorf("the pool was charged %d bytes, want %d once", got, len(data))
	}
	if o := in.objects(); o != objects {
		t.Errorf("publishing stored %d objects", o-objects)
	}
}

// TestAssignmentAudience: an assignment for one pupil reaches no other; widened to
// the whole class after publication, the others get their copies then, and each
// newcomer is told.
func TestAssignmentAudience(t *testing.T) {
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	template := prof.mustUpload(prof.space("group", "6A"), "Fiche adaptée.odt", []byte("fiche"))
	body := fields("Fiche adaptée", time.Hour, 2*time.Hour, false)
	body["space_id"], body["whole_class"], body["pupil_ids"] = prof.spaceID("group", "6A"), false, []string{lea.id}
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	wantProblem(t, hugo.get("/api/v1/assignments/"+a.ID), http.StatusNotFound, "not_found", "Hugo reads Léa's adapted assignment")
	if n := len(prof.dashboard(a.ID)); n != 1 {
		t.Errorf("the dashboard lists %d pupils, want Léa alone", n)
	}
	told := `SELECT count(*) FROM events WHERE kind = 'assignment_published' AND recipient_kind = 'user'`
	if n := in.count(t, told); n != 1 {
		t.Errorf("%d pupils told, want Léa", n)
	}
	body["space_id"] = nil
	delete(body, "space_id")
	body["whole_class"], body["pupil_ids"] = true, nil
	prof.assignment(http.MethodPut, "/"+a.ID, body, http.StatusOK)
	mine := hugo.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine
	if mine == nil || len(mine.Copies) != 1 || mine.Copies[0].Name != "Fiche adaptée - Hugo Fontaine.odt" {
		t.Fatalf("Hugo's work after widening: %+v", mine)
	}
	pupils := int64(len(prof.dashboard(a.ID)))
	if n := in.count(t, told); n != pupils {
		t.Errorf("%d pupils told, want all %d once", n, pupils)
	}
	wantProblem(t, prof.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/publish", nil, nil), http.StatusConflict, "conflict", "publishing twice")
}

// TestAssignmentHandInRacingTheClose: a hand-in that started while the assignment
// was open but records after the teacher closed it is refused — the statement
// that records it decides, with the close date and clock of the database then. The
// race is made deterministic by holding the pupil's work row until the close is in.
func TestAssignmentHandInRacingTheClose(t *testing.T) {
	in := start(t)
	prof, hugo := in.as("prof.martin"), in.as("eleve.6a.02")
	body := fields("Exposé", -time.Hour, time.Hour, true)
	body["space_id"] = prof.spaceID("group", "6A")
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)

	ctx := t.Context()
	tx, err := in.app.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM assignment_work WHERE assignment_id = $1 AND pupil_id = $2 FOR UPDATE`, a.ID, hugo.id); err != nil {
		t.Fatal(err)
	}
	answer := make(chan response, 1)
	go func() { answer <- hugo.do(http.MethodPost, "/api/v1/assignments/"+a.ID+"/hand-in", nil, nil) }()
	// Wait until the hand-in waits for the row.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if in.count(t, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM assignment_work%FOR UPDATE%'`) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hand-in never waited for the work row")
		}
	}
	delete(body, "space_id")
	body["due_at"], body["close_at"] = time.Now().UTC().Add(-2*time.Hour), time.Now().UTC().Add(-time.Minute)
	prof.assignment(http.MethodPut, "/"+a.ID, body, http.StatusOK)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, <-answer, http.StatusConflict, "assignment_closed", "the hand-in recorded after the close")
	if n := in.count(t, `SELECT count(*) FROM handins`); n != 0 {
		t.Errorf("%d hand-ins recorded", n)
	}
}
