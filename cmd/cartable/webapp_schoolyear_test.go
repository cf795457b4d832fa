package main

import (
	"net/http"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebAppSchoolYear: the collège's local admin edits the class folder template
// and passes to the new year from the school page, after a confirmation that says
// what will happen; a teacher then finds last year's class under "Années
// précédentes", read-only, with the reason said and no write button, and this
// year's class made from the template.
func TestWebAppSchoolYear(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof := in.as("prof.martin")
	sixA := prof.space("group", "6A")
	prof.space("group", "5B")
	prof.mustUpload(sixA, "leçon.txt", []byte("la leçon"))
	b := newBrowser(t, exe)

	admin := b.tab("admin.college")
	signIn(admin, in.url, "admin.college")
	admin.run("open the school page", chromedp.Click(`//nav//a[normalize-space()="Stockage de l'établissement"]`),
		chromedp.WaitVisible(`//h2[normalize-space()="Modèle de dossiers des classes"]`),
		chromedp.WaitVisible(`//li[contains(., "Aucun dossier")]`))
	for _, folder := range []string{"Cours", "Devoirs", "Cours/Chapitre 1"} {
		admin.run("add "+folder, chromedp.SendKeys(chromedp.ID("template-new"), folder+"\r"),
			chromedp.WaitVisible(`//ol[contains(@class,"template-list")]//span[normalize-space()="`+slicesJoin(folder)+`"]`))
	}
	admin.run("move Devoirs up", chromedp.Click(`//button[@aria-label="Monter Devoirs"]`),
		chromedp.WaitVisible(`//ol[contains(@class,"template-list")]/li[1][contains(., "Devoirs")]`))
	admin.run("save", chromedp.Click(button("Enregistrer le modèle")),
		chromedp.WaitVisible(`//p[normalize-space()="Modèle enregistré."]`))
	var tpl struct {
		Folders []string `json:"folders"`
	}
	in.as("admin.college").get("/api/v1/admin/structures/0600001A/folder-template").json(t, &tpl)
	if want := []string{"Devoirs", "Cours", "Cours/Chapitre 1"}; !slices.Equal(tpl.Folders, want) {
		t.Fatalf("template saved = %v, want %v", tpl.Folders, want)
	}
	admin.screenshot("desktop-school-year")
	admin.axe("school year")

	admin.run("ask for the rollover", chromedp.Click(button("Passer à la nouvelle année…")),
		chromedp.WaitVisible(`//dialog//h2[normalize-space()="Passer à la nouvelle année ?"]`),
		chromedp.WaitVisible(`//dialog//li[contains(., "lecture seule pour tout le monde")]`),
		chromedp.WaitVisible(`//dialog//li[contains(., "365 jours")]`))
	admin.screenshot("desktop-rollover-confirm")
	admin.axe("rollover confirmation")
	admin.run("confirm", chromedp.Click(`//dialog`+button("Archiver les classes")),
		chromedp.WaitVisible(`//section[contains(@class,"school-rollover")]//p[contains(., "2 espace(s) de classe en lecture seule")]`))
	admin.checkLog()
	if n := in.count(t, `SELECT count(*) FROM spaces WHERE archived_at IS NOT NULL`); n != 2 {
		t.Fatalf("%d archived spaces, want 2", n)
	}

	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("last year's classes in the side bar",
		chromedp.WaitVisible(`//nav//li[normalize-space()="Années précédentes"]`),
		chromedp.WaitVisible(`//nav//a[@href="/dossiers/`+sixA+`"][contains(., "Archivée (lecture seule)")]`))
	teacher.run("open last year's 6A", chromedp.Click(`//nav//a[@href="/dossiers/`+sixA+`"]`), arrive("6A"),
		chromedp.WaitVisible(`//p[contains(@class,"archived-notice")][contains(., "lecture seule pour tout le monde")]`),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//a[normalize-space()="leçon.txt"]`))
	for _, words := range []string{"Ajouter des fichiers", "Nouveau dossier", "Partager", "Donner un travail"} {
		if n := js[int](teacher, "no "+words, `document.evaluate('count(//main//button[normalize-space()="`+words+`"])', document, null, XPathResult.NUMBER_TYPE, null).numberValue`); n != 0 {
			t.Errorf("the archived class shows %q", words)
		}
	}
	teacher.screenshot("desktop-archived-class")
	teacher.axe("archived class")
	teacher.phone()
	teacher.screenshot("phone-archived-class")
	teacher.desktop()
	// This year's 6A: from the template.
	next, ok := prof.groupSpace("6A", false)
	if !ok {
		t.Fatal("no new 6A")
	}
	teacher.run("open this year's 6A", chromedp.Click(`//nav//a[@href="/dossiers/`+next.RootID+`"]`), arrive("6A"))
	teacher.run("its template folders", chromedp.WaitVisible(`//main//a[normalize-space()="Devoirs"]`))
	teacher.run("its upload button", chromedp.WaitVisible(`//main//div[@class="toolbar"]//button[normalize-space()="Ajouter des fichiers"]`))
	teacher.checkLog()
	wantStatus(t, prof.get("/api/v1/items/"+sixA), http.StatusOK, "last year's class still readable")
}

// slicesJoin is how the template list shows a path: "Cours › Chapitre 1".
func slicesJoin(path string) string {
	out := []rune{}
	for _, r := range path {
		if r == '/' {
			out = append(out, []rune(" › ")...)
			continue
		}
		out = append(out, r)
	}
	return string(out)
}
