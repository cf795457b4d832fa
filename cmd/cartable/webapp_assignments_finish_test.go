package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebAppTeacherFinishes: prof.martin returns Léa's work with an annotated
// copy sent from the computer in the "Corriger et rendre" dialog (a wrong file is
// attached, then removed, before sending); Léa reads the corrected copy, Hugo
// gets 404. "Tout télécharger (.zip)" downloads Léa's folder with her hand-in.
// Then "Supprimer le devoir", behind a warning: the toast's "Restaurer le
// devoir" brings it back; deleted again, its page offers the same way back. A
// draft is deleted from its editor and restored as a draft.
func TestWebAppTeacherFinishes(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	template := prof.mustUpload(prof.space("group", "6A"), "Rédaction.odt", []byte("modèle"))
	body := fields("Rédaction : mon héros", 48*time.Hour, 72*time.Hour, false)
	body["space_id"] = prof.spaceID("group", "6A")
	id := prof.assignment(http.MethodPost, "", body, http.StatusCreated).ID
	prof.assignment(http.MethodPost, "/"+id+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+id+"/publish", nil, http.StatusOK)
	mine := lea.assignment(http.MethodGet, "/"+id, nil, http.StatusOK).Mine
	if mine == nil || len(mine.Copies) != 1 {
		t.Fatalf("Léa's work = %+v", mine)
	}
	wantStatus(t, lea.overwrite(mine.Copies[0].ItemID, "Mon héros est ma grand-mère."), http.StatusOK, "Léa writes")
	lea.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK)

	dir := t.TempDir()
	annotated, wrong := filepath.Join(dir, "Léa - annotée.txt"), filepath.Join(dir, "Hugo - annotée.txt")
	for path, text := range map[string]string{annotated: "Très bien, attention aux accords (l. 4).", wrong: "pas pour Léa"} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("the dashboard", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.Click(`//a[normalize-space()="Rédaction : mon héros"]`), arrive("Rédaction : mon héros"),
		chromedp.Click(`//li[@data-pupil="eleve.6a.01"]//button[contains(@class,"primary") and contains(., "Corriger et rendre")]`),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Rendre la copie de Léa Dupont"]`),
		chromedp.SendKeys(chromedp.ID(`#at-feedback`), "Relisez les accords."))

	attachButton := `//dialog[@open]//button[normalize-space()="Joindre une copie corrigée"]`
	attachedLine := func(name string) string {
		return `//dialog[@open]//ul[contains(@class,"corrected-attached")]/li[span[@class="name" and normalize-space()="` + name + `"]]`
	}
	chooseWith(teacher, attachButton, []string{wrong})
	teacher.run("the wrong file lands", chromedp.WaitVisible(attachedLine("Hugo - annotée.txt")+`[not(.//span[@class="hint"])]`),
		chromedp.Click(attachedLine("Hugo - annotée.txt")+`//button[@aria-label="Retirer Hugo - annotée.txt"]`),
		chromedp.WaitNotPresent(attachedLine("Hugo - annotée.txt")))
	chooseWith(teacher, attachButton, []string{annotated})
	teacher.run("the annotated copy lands", chromedp.WaitVisible(attachedLine("Léa - annotée.txt")+`[not(.//span[@class="hint"])]`))
	teacher.screenshot("desktop-teacher-return-corrected")
	teacher.axe("return dialog with a corrected copy")
	teacher.phone()
	teacher.screenshot("phone-teacher-return-corrected")
	teacher.desktop()
	teacher.run("return it", chromedp.Click(`//dialog[@open]//button[normalize-space()="Rendre la copie"]`),
		chromedp.WaitNotPresent(`//dialog[@open]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//span[contains(@class,"chip") and normalize-space()="Corrigé"]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//ul[contains(@class,"corrected-files")]//button[normalize-space()="Léa - annotée.txt"]`))
	teacher.screenshot("desktop-teacher-dashboard-corrected")
	teacher.axe("dashboard with a corrected copy")
	teacher.phone()
	teacher.screenshot("phone-teacher-dashboard-corrected")
	teacher.axe("dashboard with a corrected copy, phone")
	teacher.desktop()

	// Léa has the annotated copy (and only it); Hugo may not read it.
	var got struct {
		Mine struct {
			Status         string       `json:"status"`
			CorrectedFiles []apiFileRef `json:"corrected_files"`
		} `json:"mine"`
	}
	r := lea.get("/api/v1/assignments/" + id)
	wantStatus(t, r, http.StatusOK, "Léa reads her work")
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Mine.Status != "returned" || len(got.Mine.CorrectedFiles) != 1 || got.Mine.CorrectedFiles[0].Name != "Léa - annotée.txt" {
		t.Fatalf("Léa's returned work = %+v", got.Mine)
	}
	corrected := got.Mine.CorrectedFiles[0].ItemID
	if r := lea.get("/api/v1/items/" + corrected + "/content"); r.StatusCode != http.StatusOK || string(r.body) != "Très bien, attention aux accords (l. 4)." {
		t.Errorf("Léa downloads her corrected copy: %d %.60q", r.StatusCode, r.body)
	}
	wantStatus(t, hugo.get("/api/v1/items/"+corrected+"/content"), http.StatusNotFound, "Hugo downloads Léa's corrected copy")

	zipped := teacher.download("download every hand-in", chromedp.Click(button("Tout télécharger (.zip)")))
	zr, err := zipReader(zipped)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"Dupont Léa/", "Dupont Léa/Rédaction - Léa Dupont.odt"}; !slices.Equal(names, want) {
		t.Errorf("the zip holds %q, want %q", names, want)
	} else if f, err := zr.File[1].Open(); err != nil {
		t.Error(err)
	} else {
		var text [64]byte
		n, _ := f.Read(text[:])
		if string(text[:n]) != "Mon héros est ma grand-mère." {
			t.Errorf("Léa's hand-in in the zip holds %q", text[:n])
		}
		f.Close()
	}

	// Deleted, then brought back by the toast.
	teacher.run("delete", chromedp.Click(button("Supprimer le devoir")),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Supprimer «`+nbsp+`Rédaction : mon héros`+nbsp+`»`+nbsp+`?"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[contains(., "corbeille de la classe")]`))
	teacher.screenshot("desktop-teacher-delete-assignment")
	teacher.axe("delete dialog")
	teacher.run("confirm", chromedp.Click(`//dialog[@open]//button[contains(@class,"danger") and normalize-space()="Supprimer le devoir"]`),
		arrive("Devoirs"),
		chromedp.WaitVisible(`//div[contains(@class,"toast")][contains(., "supprimé")]//button[normalize-space()="Restaurer le devoir"]`))
	if n := js[int](teacher, "cards", `document.querySelectorAll("li.assign-card").length`); n != 0 {
		t.Errorf("the list still shows %d assignments", n)
	}
	teacher.screenshot("desktop-teacher-assignment-deleted")
	wantStatus(t, lea.get("/api/v1/assignments/"+id), http.StatusNotFound, "Léa reads the deleted assignment")
	teacher.run("restore from the toast", chromedp.Click(`//div[contains(@class,"toast")]//button[normalize-space()="Restaurer le devoir"]`),
		arrive("Rédaction : mon héros"),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//ul[contains(@class,"corrected-files")]//button[normalize-space()="Léa - annotée.txt"]`))
	if back := lea.assignment(http.MethodGet, "/"+id, nil, http.StatusOK).Mine; back == nil || back.Status != "returned" {
		t.Errorf("Léa's work after the restore = %+v", back)
	}
	if r := lea.get("/api/v1/items/" + corrected + "/content"); r.StatusCode != http.StatusOK {
		t.Errorf("Léa's corrected copy after the restore: %d", r.StatusCode)
	}

	// Deleted again: its address still shows it to the teacher, with the way back.
	teacher.run("delete again", chromedp.Click(button("Supprimer le devoir")),
		chromedp.Click(`//dialog[@open]//button[contains(@class,"danger") and normalize-space()="Supprimer le devoir"]`),
		arrive("Devoirs"),
		// A new page: the development sign-in asks again, then shows the address.
		chromedp.Navigate(in.url+"/devoirs/"+id), chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="prof.martin"]`)))
	pick(teacher, "prof.martin")
	teacher.run("the deleted assignment's page", chromedp.WaitVisible(`//h1[normalize-space()="Rédaction : mon héros"]`),
		chromedp.WaitVisible(`//p/strong[normalize-space()="Ce devoir est supprimé. Les élèves ne le voient plus."]`))
	teacher.screenshot("desktop-teacher-deleted-page")
	teacher.axe("a deleted assignment")
	teacher.run("restore from its page", chromedp.Click(`//main//button[normalize-space()="Restaurer le devoir"]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//span[contains(@class,"chip") and normalize-space()="Corrigé"]`))
	lea.assignment(http.MethodGet, "/"+id, nil, http.StatusOK)

	// A draft is deleted from its editor, and comes back as a draft.
	draft := fields("Brouillon à jeter", 48*time.Hour, 72*time.Hour, false)
	draft["space_id"] = prof.spaceID("group", "6A")
	draftID := prof.assignment(http.MethodPost, "", draft, http.StatusCreated).ID
	teacher.run("the draft", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.Click(`//a[normalize-space()="Brouillon à jeter"]`), arrive("Brouillon à jeter"),
		chromedp.Click(`//div[contains(@class,"editor-buttons")]//button[normalize-space()="Supprimer le devoir"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[contains(., "pas encore été donné aux élèves")]`),
		chromedp.Click(`//dialog[@open]//button[contains(@class,"danger") and normalize-space()="Supprimer le devoir"]`),
		arrive("Devoirs"), chromedp.WaitNotPresent(`//a[normalize-space()="Brouillon à jeter"]`))
	if got := prof.assignment(http.MethodGet, "/"+draftID, nil, http.StatusOK); got.State != "deleted" {
		t.Errorf("the draft deleted is %q", got.State)
	}
	teacher.run("restore the draft", chromedp.Click(`//div[contains(@class,"toast")][contains(., "Brouillon à jeter")]//button[normalize-space()="Restaurer le devoir"]`),
		arrive("Brouillon à jeter"), chromedp.WaitVisible(`//div[contains(@class,"editor-buttons")]//button[normalize-space()="Publier le devoir"]`))
	teacher.checkLog()
}
