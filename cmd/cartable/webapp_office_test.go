package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitOpened waits until the office server's page was posted to and showed want.
func waitOpened(t *testing.T, o *officeServer, want string) {
	t.Helper()
	select {
	case got := <-o.opened:
		if got != want {
			t.Fatalf("the editor showed %q, want %q", got, want)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("the editor never opened %q", want)
	}
}

// TestWebAppOfficeEditing: with an office server, a file's menu offers "Ouvrir dans
// l'éditeur", which loads the editor in a frame by a form POST under the app's
// CSP, and the toolbar offers "Nouveau document".
func TestWebAppOfficeEditing(t *testing.T) {
	exe := chromiumPath(t)
	in, office := startOffice(t, false)
	b := newBrowser(t, exe)
	prof := in.as("prof.martin")
	prof.mustUpload(prof.home(), "Progression.odt", []byte("séquence 1"))

	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("home", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`), chromedp.WaitVisible(`//a[normalize-space()="Progression.odt"]`))
	openMenu(teacher, "Progression.odt", "Ouvrir dans l'éditeur")
	teacher.run("the editor's frame", chromedp.WaitVisible(`//dialog[contains(@class,"office-editor")]//iframe`))
	waitOpened(t, office, "Progression.odt — Claire Martin — modification")
	teacher.screenshot("office-open")
	teacher.axe("the office editor")
	teacher.run("close the editor", chromedp.Click(`//dialog[contains(@class,"office-editor")]//button[@aria-label="Fermer l'éditeur"]`),
		chromedp.WaitNotPresent(`//dialog[contains(@class,"office-editor")]`))

	teacher.run("new document", chromedp.Click(button("Nouveau document")), chromedp.WaitVisible(chromedp.ID("office-name")))
	teacher.run("name and type", chromedp.SetValue(chromedp.ID("office-name"), "Notes de classe"),
		chromedp.SetValue(chromedp.ID("office-type"), "ods"))
	teacher.screenshot("office-new")
	teacher.run("create", chromedp.Click(`//dialog//button[normalize-space()="Créer"]`),
		chromedp.WaitVisible(`//dialog[contains(@class,"office-editor")]//h2[normalize-space()="Notes de classe.ods"]`))
	waitOpened(t, office, "Notes de classe.ods — Claire Martin — modification")
	teacher.screenshot("office-new-open")
	teacher.checkLog()
	if r := prof.get(itemPath(prof.home(), "/children")); r.StatusCode != http.StatusOK || !strings.Contains(string(r.body), `"name":"Notes de classe.ods"`) {
		t.Errorf("the new document is not in the folder: %s", r.body)
	}
}
