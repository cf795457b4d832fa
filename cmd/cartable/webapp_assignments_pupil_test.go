package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// handOut has prof.martin create an assignment for 6A (due and closing relative to
// now), attach a template and a reference document, and publish it.
func handOut(t *testing.T, prof *user, title string, due, closeAt time.Duration, late bool) apiAssignment {
	t.Helper()
	return handOutWith(t, prof, title, fields(title, due, closeAt, late))
}

// tomorrowAt6 is tomorrow at 18:00, Paris time ("pour demain à 18 h").
func tomorrowAt6(t *testing.T) time.Time {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(paris)
	return time.Date(now.Year(), now.Month(), now.Day()+1, 18, 0, 0, 0, paris).UTC()
}

func handOutWith(t *testing.T, prof *user, title string, body map[string]any) apiAssignment {
	t.Helper()
	class := prof.space("group", "6A")
	template := prof.mustUpload(class, title+".odt", []byte("Mon héros\n\n(écrivez ici)"))
	material := prof.mustUpload(class, "Consignes "+title+".txt", []byte("Une page, au présent."))
	body["space_id"] = prof.spaceID("group", "6A")
	body["instructions"] = "Racontez en une page votre héros.\nRelisez-vous avant de rendre."
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": material.ID, "kind": "material"}, http.StatusOK)
	return prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
}

// pupilFile writes a file of the pupil's computer.
func pupilFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pickOn clicks the button at xpath and answers the file chooser it opens with
// paths. A click that opened nothing (on a busy machine the page may still move
// under the pointer) is tried again, three times at most, instead of waiting for
// ever.
func pickOn(tb *tab, xpath string, paths []string) {
	tb.t.Helper()
	for try := 0; try < 3; try++ {
		ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
		opened := chromedp.Events(ctx, page.FileChooserOpened)
		tb.run("open the file chooser", chromedp.ScrollIntoView(xpath), chromedp.Click(xpath))
		for ev, err := range opened {
			if err != nil {
				break
			}
			if _, err := chromedp.Call(ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: paths, BackendNodeID: ev.BackendNodeID}); err != nil {
				tb.t.Fatalf("%s: choose %v: %v", tb.name, paths, err)
			}
			cancel()
			return
		}
		cancel()
	}
	tb.t.Fatalf("%s: no file chooser after three clicks on %s", tb.name, xpath)
}

// workState is the XPath of the "Mon travail" card's state saying words.
func workState(words string) string {
	return `//div[contains(@class,"work-state")]//p[contains(normalize-space(), "` + words + `")]`
}

// TestWebAppPupilHandsIn: Léa finds "Rédaction" under "Devoirs", opens it, puts
// the version she wrote at home in place of her copy, adds a draft and removes it,
// hands in (the dialog says what is sent), takes back, hands in again with the
// keyboard alone; prof.martin returns it with feedback and points through the API,
// and Léa reads them. Every screen passes axe; screenshots of each.
func TestWebAppPupilHandsIn(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	a := handOut(t, prof, "Rédaction", 50*time.Hour, 74*time.Hour, true)
	mine := "Rédaction - Léa Dupont.odt"

	b := newBrowser(t, exe)
	pupil := b.tab("eleve.6a.01")
	signIn(pupil, in.url, "eleve.6a.01")
	pupil.run("Devoirs", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//section[contains(@class,"todo")]//li[contains(@class,"assignment-card")][.//a[normalize-space()="Rédaction"]]//p[contains(., "6A") and contains(., "Pour ")]`),
		chromedp.WaitVisible(`//li[contains(@class,"assignment-card")][.//a[normalize-space()="Rédaction"]]//span[contains(@class,"status") and normalize-space()="Nouveau"]`))
	pupil.screenshot("desktop-pupil-assignments")
	pupil.axe("pupil, assignments")

	pupil.run("open it", chromedp.Click(`//a[normalize-space()="Rédaction"]`), arrive("Rédaction"),
		chromedp.WaitVisible(`//section[contains(@class,"instructions")]//p[contains(., "Relisez-vous")]`),
		chromedp.WaitVisible(`//section[contains(@class,"materials")]//a[normalize-space()="Consignes Rédaction.txt"]`),
		chromedp.WaitVisible(`//section[contains(@class,"my-work")]//a[normalize-space()="`+mine+`"]`),
		chromedp.WaitVisible(workState("Pas encore rendu")))
	if lines := js[string](pupil, "the instructions' line breaks", `getComputedStyle(document.querySelector(".instructions .text")).whiteSpace`); lines != "pre-line" {
		t.Errorf("the instructions are drawn with white-space %q: their line breaks are lost", lines)
	}
	pupil.screenshot("desktop-pupil-assignment")
	pupil.axe("pupil, assignment")

	// Her version from home takes the copy's place, under the copy's name (tus).
	pickOn(pupil, `//li[.//a[normalize-space()="`+mine+`"]]//button[contains(@class,"replace")]`,
		[]string{pupilFile(t, "ma rédaction.odt", "Mon héros est ma grand-mère.")})
	pupil.run("the new version is sent", chromedp.WaitVisible(`//section[contains(@class,"uploads")]//span[@class="summary" and normalize-space()="Envoyés : 1 sur 1"]`))
	copyID := get(pupil, "the copy's id", chromedp.AttributeValue(`//li[.//a[normalize-space()="`+mine+`"]]`, "data-id")).Value
	if n := in.count(t, `SELECT count(*) FROM versions WHERE item_id = '`+copyID+`'`); n != 2 {
		t.Errorf("the copy has %d versions after Remplacer, want 2", n)
	}
	pupil.run("close the uploads", chromedp.Click(`//section[contains(@class,"uploads")]//button[@aria-label="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`section.uploads`)))
	// A draft added, then removed.
	pickOn(pupil, `//button[normalize-space()="Ajouter un fichier"]`, []string{pupilFile(t, "brouillon.txt", "idées")})
	pupil.run("the draft is listed", chromedp.WaitVisible(`//section[contains(@class,"my-work")]//a[normalize-space()="brouillon.txt"]`),
		chromedp.Click(`//section[contains(@class,"uploads")]//button[@aria-label="Fermer"]`))
	pupil.run("remove the draft", chromedp.Click(`//button[@aria-label="Actions pour « brouillon.txt »"]`),
		chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="Retirer de mon travail"]`),
		chromedp.WaitNotPresent(`//section[contains(@class,"my-work")]//a[normalize-space()="brouillon.txt"]`))
	// Her files' antivirus verdicts are in before she goes on: a verdict redraws
	// its row, and a row redrawn under the pointer moves the buttons below it (on
	// a loaded machine a click on "Rendre" once landed where the button had been).
	pupil.run("the antivirus has checked her files",
		chromedp.WaitNotPresent(`//section[contains(@class,"my-work")]//span[contains(@class,"badge scanning")]`))
	// The copy's menu, once open (on a busy machine it opens late: an Escape sent
	// before would leave it over the page), offers no removal.
	pupil.run("the copy's menu", chromedp.Click(`//button[@aria-label="Actions pour « `+mine+` »"]`),
		chromedp.WaitVisible(`//dialog[@open and contains(@class,"menu")]//button`))
	if js[bool](pupil, "the copy's menu entries", `[...document.querySelectorAll("dialog.menu[open] button")].some(b => b.textContent.includes("Retirer"))`) {
		t.Error("the pupil is offered to remove their copy of the template")
	}
	pupil.press("close the menu", kb.Escape)
	pupil.run("the menu is closed", chromedp.WaitNotPresent(`//dialog[@open and contains(@class,"menu")]`))

	// Hand in: the dialog says what the teacher will receive.
	pupil.run("hand in", chromedp.Click(`//button[contains(@class,"hand-in")]`),
		chromedp.WaitVisible(`//dialog[@open]//h2[starts-with(normalize-space(), "Rendre mon travail")]`),
		chromedp.WaitVisible(`//dialog[@open]//ul[contains(@class,"pinned")]//span[normalize-space()="`+mine+`"]`))
	if sent := get(pupil, "what the dialog lists", chromedp.Text(`//dialog[@open]//ul`)); strings.Contains(sent, "brouillon") {
		t.Errorf("the dialog lists a removed file: %q", sent)
	}
	pupil.screenshot("desktop-pupil-hand-in-dialog")
	pupil.axe("pupil, hand-in dialog")
	pupil.run("confirm", chromedp.Click(`//dialog[@open]//button[normalize-space()="Oui, rendre mon travail"]`),
		chromedp.WaitVisible(workState("Rendu aujourd'hui à")),
		chromedp.WaitVisible(`//section[contains(@class,"my-work")]//ul[contains(@class,"pinned")]//span[normalize-space()="`+mine+`"]`),
		chromedp.WaitVisible(`//button[normalize-space()="Reprendre mon travail"]`))
	pupil.screenshot("desktop-pupil-handed-in")
	pupil.axe("pupil, handed in")
	got := lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK).Mine
	if got.Status != "handed_in" || len(got.HandedInFiles) != 1 || got.HandedInFiles[0].ItemID != copyID {
		t.Fatalf("after the hand-in Léa's work is %+v", got)
	}
	if v := in.count(t, `SELECT number FROM versions WHERE id = '`+got.HandedInFiles[0].VersionID+`'`); v != 2 {
		t.Errorf("the hand-in pinned version %d, want her version 2", v)
	}

	// Take back, then hand in again with the keyboard alone.
	pupil.run("take back", chromedp.Click(`//button[normalize-space()="Reprendre mon travail"]`),
		chromedp.WaitVisible(`//dialog[@open]//h2[starts-with(normalize-space(), "Reprendre mon travail")]`))
	pupil.axe("pupil, take-back dialog")
	pupil.run("confirm", chromedp.Click(`//dialog[@open]//button[normalize-space()="Oui, reprendre"]`),
		chromedp.WaitVisible(workState("Pas encore rendu")))
	pupil.tabTo("the hand-in button", `document.activeElement.matches("button.hand-in")`, 30)
	pupil.press("press it", kb.Enter)
	pupil.run("the dialog", chromedp.WaitVisible(`//dialog[@open]//h2[starts-with(normalize-space(), "Rendre mon travail")]`))
	pupil.wantFocus("the dialog's confirm button has the focus", "Oui, rendre mon travail")
	pupil.press("confirm", kb.Enter)
	pupil.run("handed in again", chromedp.WaitVisible(workState("Rendu aujourd'hui à")),
		chromedp.WaitVisible(`//details[contains(@class,"handin-history")]/summary[normalize-space()="Historique des rendus (2)"]`))
	if n := in.count(t, `SELECT count(*) FROM handins WHERE pupil_id = 'eleve.6a.01'`); n != 2 {
		t.Errorf("%d hand-ins recorded, want 2", n)
	}

	// The teacher returns it; Léa reads the feedback and her points.
	r := prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Très beau portrait.\nAttention aux accords du participe passé.", "points": 15}, nil)
	wantStatus(t, r, http.StatusOK, "the teacher returns Léa's work")
	pupil.run("Devoirs again", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//section[contains(@class,"corrected")]//li[.//a[normalize-space()="Rédaction"]]//span[contains(@class,"points") and normalize-space(translate(., "`+nbsp+`", " "))="15 / 20"]`))
	pupil.screenshot("desktop-pupil-assignments-corrected")
	pupil.run("open it", chromedp.Click(`//a[normalize-space()="Rédaction"]`), arrive("Rédaction"),
		chromedp.WaitVisible(`//section[contains(@class,"news")]//h2[normalize-space()="Votre travail est corrigé"]`),
		chromedp.WaitVisible(`//section[contains(@class,"news")]//p[contains(@class,"mark") and contains(normalize-space(translate(., "`+nbsp+`", " ")), "15 / 20")]`),
		chromedp.WaitVisible(`//section[contains(@class,"news")]//p[contains(., "Attention aux accords")]`))
	if js[bool](pupil, "no hand-in button", `!!document.querySelector("button.hand-in, button.take-back")`) {
		t.Error("a returned work still offers to hand in or take back")
	}
	pupil.screenshot("desktop-pupil-returned")
	pupil.axe("pupil, returned")
	pupil.checkLog()
}

// TestWebAppPupilOnAPhone: Hugo, on a phone, opens the menu, finds the assignment,
// hands in; the teacher sends it back for revision and Hugo reads what to do. An
// assignment closed while its page is open refuses the hand-in in the API's
// French words, and the page then says it is closed.
func TestWebAppPupilOnAPhone(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof, hugo := in.as("prof.martin"), in.as("eleve.6a.02")
	poem := fields("Poème", 0, 0, false)
	poem["due_at"], poem["close_at"] = tomorrowAt6(t), nil
	a := handOutWith(t, prof, "Poème", poem)
	late := handOut(t, prof, "Exposé", 3*time.Hour, 5*time.Hour, false)

	b := newBrowser(t, exe)
	pupil := b.tab("eleve.6a.02")
	pupil.phone()
	signIn(pupil, in.url, "eleve.6a.02")
	pupil.run("open the menu, then Devoirs", chromedp.Click(`//button[contains(@class,"menu-toggle")]`),
		chromedp.Click(`//nav//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//li[contains(@class,"assignment-card")][.//a[normalize-space()="Poème"]]//p[contains(., "Pour demain à 18`+"\u00a0"+`h")]`)) // "18 h" never breaks across lines
	pupil.screenshot("phone-pupil-assignments")
	pupil.axe("pupil, assignments, phone")
	pupil.run("open Poème", chromedp.Click(`//a[normalize-space()="Poème"]`), arrive("Poème"),
		chromedp.WaitVisible(`//section[contains(@class,"my-work")]//a[normalize-space()="Poème - Hugo Fontaine.odt"]`))
	pupil.screenshot("phone-pupil-assignment")
	pupil.axe("pupil, assignment, phone")
	pupil.run("hand in", chromedp.ScrollIntoView(`//button[contains(@class,"hand-in")]`), chromedp.Click(`//button[contains(@class,"hand-in")]`),
		chromedp.WaitVisible(`//dialog[@open]//button[normalize-space()="Oui, rendre mon travail"]`))
	pupil.screenshot("phone-pupil-hand-in-dialog")
	pupil.run("confirm", chromedp.Click(`//dialog[@open]//button[normalize-space()="Oui, rendre mon travail"]`),
		chromedp.WaitVisible(workState("Rendu aujourd'hui à")))
	pupil.screenshot("phone-pupil-handed-in")
	pupil.axe("pupil, handed in, phone")

	// Sent back for revision: the page says so, and what to do.
	r := prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+a.ID+"/returns",
		map[string]any{"pupil_ids": []string{hugo.id}, "feedback": "Il manque la dernière strophe.", "revision": true}, nil)
	wantStatus(t, r, http.StatusOK, "the teacher asks Hugo to rework it")
	pupil.run("reload the page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="eleve.6a.02"]`)))
	pick(pupil, "eleve.6a.02")
	pupil.run("to rework", chromedp.WaitVisible(`//h1[normalize-space()="Poème"]`),
		chromedp.WaitVisible(`//section[contains(@class,"news")]//h2[contains(normalize-space(), "À revoir")]`),
		chromedp.WaitVisible(`//section[contains(@class,"news")]//p[normalize-space()="Il manque la dernière strophe."]`),
		chromedp.WaitVisible(workState("Pas encore rendu")),
		chromedp.WaitVisible(`//button[contains(@class,"hand-in")]`))
	pupil.screenshot("phone-pupil-revision")
	pupil.axe("pupil, to rework, phone")

	// Closed while the page is open: the refusal is the API's French words.
	pupil.run("open Exposé", chromedp.Navigate(in.url+"/devoirs/"+late.ID), chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="eleve.6a.02"]`)))
	pick(pupil, "eleve.6a.02")
	pupil.run("Exposé", chromedp.WaitVisible(`//h1[normalize-space()="Exposé"]`), chromedp.WaitVisible(workState("Pas encore rendu")))
	prof.assignment(http.MethodPut, "/"+late.ID, fields("Exposé", -2*time.Hour, -time.Hour, false), http.StatusOK)
	pupil.run("hand in", chromedp.ScrollIntoView(`//button[contains(@class,"hand-in")]`), chromedp.Click(`//button[contains(@class,"hand-in")]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Oui, rendre mon travail"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="alert" and contains(., "La date limite est passée")]`))
	if js[bool](pupil, "the confirm button after the refusal", `!!document.querySelector("dialog[open] .buttons .primary")`) {
		t.Error("after the refusal the dialog still offers to hand in")
	}
	pupil.screenshot("phone-pupil-closed-refusal")
	pupil.run("close the dialog", chromedp.Click(`//dialog[@open]//button[normalize-space()="Annuler"]`),
		chromedp.WaitVisible(workState("Ce devoir est fermé")))
	if js[bool](pupil, "no hand-in button", `!!document.querySelector("button.hand-in")`) {
		t.Error("a closed assignment still offers to hand in")
	}
	pupil.screenshot("phone-pupil-closed")
	pupil.axe("pupil, closed, phone")
	pupil.run("Devoirs", chromedp.Click(`//button[contains(@class,"menu-toggle")]`),
		chromedp.Click(`//nav//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//section[contains(@class,"late")]//li[.//a[normalize-space()="Exposé"]]//span[normalize-space()="Pas rendu"]`))
	pupil.screenshot("phone-pupil-assignments-late")
	pupil.checkLog()
}

// TestWebAppPupilNoAssignments: a pupil with nothing to do reads so, kindly.
func TestWebAppPupilNoAssignments(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	b := newBrowser(t, exe)
	pupil := b.tab("eleve.6a.05")
	signIn(pupil, in.url, "eleve.6a.05")
	pupil.run("Devoirs", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//p[@class="empty-title" and normalize-space()="Pas de devoir pour le moment"]`))
	pupil.screenshot("desktop-pupil-no-assignments")
	pupil.axe("pupil, no assignments")
	pupil.checkLog()
}
