package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebAppTeacherAssignment: prof.martin, between two classes, gives 6A a piece
// of work from the class's folder ("Donner un devoir"): a title, instructions, a
// template picked in the class space and a reference sent from the computer, then
// publishes it; the dashboard says nobody has opened it yet. Léa hands in through
// the API; the list says "1 rendu sur 25", the dashboard shows her hand-in and its
// file; the teacher reaches "Corriger et rendre" by keyboard and returns it with
// feedback and points, which reach Léa. axe checks each screen; phone and desktop
// screenshots are saved (CARTABLE_SCREENSHOTS).
func TestWebAppTeacherAssignment(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	prof.mustUpload(prof.space("group", "6A"), "Rédaction.odt", []byte(strings.Repeat("modèle ", 500)))
	dir := t.TempDir()
	material := filepath.Join(dir, "Consignes.txt")
	if err := os.WriteFile(material, []byte("Une page, au présent.\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("the assignments", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//p[contains(@class,"empty-title") and normalize-space()="Aucun devoir pour l'instant"]`),
		chromedp.WaitVisible(button("Nouveau devoir")))
	teacher.screenshot("desktop-teacher-assignments-empty")
	teacher.axe("assignments, empty")

	// From the class's folder.
	teacher.run("6A's folder", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`), arrive("6A"),
		chromedp.Click(button("Donner un devoir")), arrive("Nouveau devoir"))
	if class := js[string](teacher, "the class chosen", `document.getElementById("at-class").selectedOptions[0].textContent`); class != "6A" {
		t.Errorf("the editor opened from 6A's folder proposes %q", class)
	}
	teacher.run("write it", chromedp.SendKeys(chromedp.ID(`#at-title`), "Rédaction : mon héros"),
		chromedp.SendKeys(chromedp.ID(`#at-instructions`), "Racontez en une page\nvotre héros."),
		chromedp.SendKeys(chromedp.ID(`#at-points`), "20"))
	if due := js[string](teacher, "the default hour", `document.getElementById("at-due-time").value`); due != "18:00" {
		t.Errorf("the due hour proposed is %q, want 18:00", due)
	}
	teacher.run("pick the template in the class", chromedp.Click(`//section[contains(@class,"attach-kind")][h3[normalize-space()="Modèles à compléter"]]//button[normalize-space()="Choisir dans la classe"]`),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Choisir un modèle à compléter"]`),
		chromedp.WaitVisible(`//dialog[@open]//button[.//span[normalize-space()="Rédaction.odt"]]`))
	teacher.screenshot("desktop-teacher-assignment-pick")
	teacher.axe("assignment, pick a template")
	teacher.run("choose it", chromedp.Click(`//dialog[@open]//button[.//span[normalize-space()="Rédaction.odt"]]`),
		chromedp.WaitVisible(`//section[contains(@class,"attach-kind")][h3[normalize-space()="Modèles à compléter"]]//li[.//span[normalize-space()="Rédaction.odt"]]`))
	chooseWith(teacher, `//section[contains(@class,"attach-kind")][h3[normalize-space()="Documents à lire"]]//button[normalize-space()="Envoyer depuis l'ordinateur"]`, []string{material})
	teacher.run("the reference is sent and attached",
		chromedp.WaitVisible(`//section[contains(@class,"attach-kind")][h3[normalize-space()="Documents à lire"]]//li[.//span[normalize-space()="Consignes.txt"]]`))
	if path := js[string](teacher, "the address", `location.pathname`); !strings.HasPrefix(path, "/devoirs/") || len(path) != len("/devoirs/")+36 {
		t.Errorf("the saved draft's address is %q", path)
	}
	id := js[string](teacher, "the assignment's id", `location.pathname.split("/").pop()`)
	teacher.run("close the uploads", chromedp.Click(`//section[contains(@class,"uploads")]//button[@aria-label="Fermer"]`))
	teacher.screenshot("desktop-teacher-assignment-editor")
	teacher.axe("assignment editor")
	teacher.phone()
	teacher.screenshot("phone-teacher-assignment-editor")
	teacher.axe("assignment editor, phone")
	teacher.desktop()

	teacher.run("publish", chromedp.Click(button("Publier le devoir")), arrive("Rédaction : mon héros"),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//span[contains(@class,"chip") and normalize-space()="Pas ouvert"]`))
	if n := js[int](teacher, "pupils shown", `document.querySelectorAll("ul.pupils li.pupil").length`); n != 25 {
		t.Errorf("the dashboard shows %d pupils, want 25", n)
	}

	// Léa reads it and hands in her copy.
	mine := lea.assignment(http.MethodGet, "/"+id, nil, http.StatusOK).Mine
	if mine == nil || len(mine.Copies) != 1 {
		t.Fatalf("Léa's work = %+v", mine)
	}
	lea.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK)

	teacher.run("the list counts it", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.WaitVisible(`//li[contains(@class,"assign-card")][.//a[normalize-space()="Rédaction : mon héros"]]//span[normalize-space()="1 rendu sur 25"]`),
		chromedp.WaitVisible(`//li[contains(@class,"assign-card")]//span[normalize-space()="1 à corriger"]`))
	teacher.screenshot("desktop-teacher-assignments")
	teacher.axe("assignments")
	teacher.phone()
	teacher.screenshot("phone-teacher-assignments")
	teacher.desktop()

	teacher.run("the dashboard", chromedp.Click(`//a[normalize-space()="Rédaction : mon héros"]`), arrive("Rédaction : mon héros"),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//span[contains(@class,"chip") and normalize-space()="Rendu"]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//button[normalize-space()="Rédaction - Léa Dupont.odt"]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.02"]//span[contains(@class,"chip") and normalize-space()="Pas ouvert"]`))
	teacher.screenshot("desktop-teacher-dashboard")
	teacher.axe("dashboard")

	// By keyboard: from the page's top to Léa's "Corriger et rendre".
	teacher.run("focus the page", chromedp.Focus(chromedp.ID(`main`)))
	teacher.tabTo("Léa's return button", `document.activeElement.matches("li[data-pupil='eleve.6a.01'] .pupil-actions button.primary")`, 40)
	teacher.press("open the return", kb.Enter)
	teacher.run("the return dialog", chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Rendre la copie de Léa Dupont"]`))
	teacher.wantFocus("the feedback has the focus", "")
	teacher.run("write the feedback", chromedp.SendKeys(chromedp.ID(`#at-feedback`), "Très beau portrait ; attention aux accords."),
		chromedp.SendKeys(chromedp.ID(`#at-points-given`), "16.5"))
	teacher.screenshot("desktop-teacher-return")
	teacher.axe("return dialog")
	teacher.run("return it", chromedp.Click(`//dialog[@open]//button[normalize-space()="Rendre la copie"]`),
		chromedp.WaitNotPresent(`//dialog[@open]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//span[contains(@class,"chip") and normalize-space()="Corrigé"]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.01"]//p[contains(@class,"feedback") and contains(., "attention aux accords")]/strong[normalize-space()="16,5/20"]`))

	// Hugo hands in too; every copy left goes back at once. Jade is excused.
	hugo := in.as("eleve.6a.02")
	hugo.assignment(http.MethodPost, "/"+id+"/hand-in", nil, http.StatusOK)
	teacher.run("the dashboard again", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Devoirs"]`), arrive("Devoirs"),
		chromedp.Click(`//a[normalize-space()="Rédaction : mon héros"]`), arrive("Rédaction : mon héros"),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.02"]//span[contains(@class,"chip") and normalize-space()="Rendu"]`),
		chromedp.Click(button("Rendre toutes les copies")),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Rendre la copie à corriger"]`))
	teacher.axe("return all dialog")
	teacher.run("return all", chromedp.SendKeys(chromedp.ID(`#at-feedback-all`), "Bon travail."),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Rendre la copie"]`),
		chromedp.WaitNotPresent(`//dialog[@open]`),
		chromedp.WaitVisible(`//li[@data-pupil="eleve.6a.02"]//span[contains(@class,"chip") and normalize-space()="Corrigé"]`))
	teacher.run("excuse Jade", chromedp.Click(`//li[.//span[normalize-space()="Jade Rivière"]]//button[contains(@class,"more")]`),
		chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="Dispenser"]`),
		chromedp.WaitVisible(`//li[.//span[normalize-space()="Jade Rivière"]]//span[contains(@class,"chip") and normalize-space()="Dispensé"]`),
		chromedp.WaitVisible(`//p[contains(@class,"board-summary")]/strong[normalize-space()="2 rendus sur 24"]`))
	teacher.run("change the due date", chromedp.Click(button("Changer la date")),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Changer la date de remise"]`),
		chromedp.SetValue(chromedp.ID(`#at-new-due-date`), "2031-01-10"), chromedp.SetValue(chromedp.ID(`#at-new-due-time`), "08:30"),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Enregistrer"]`),
		chromedp.WaitVisible(`//p[contains(@class,"assign-meta")]/span[normalize-space()="pour vendredi 10 janvier 2031, 8`+nbsp+`h`+nbsp+`30"]`))
	if due := lea.assignment(http.MethodGet, "/"+id, nil, http.StatusOK); !strings.Contains(string(lea.get("/api/v1/assignments/"+id).body), `"due_at":"2031-01-10T07:30:00Z"`) {
		t.Errorf("8:30 in Paris on 10 January 2031 is not 07:30Z: %+v", due)
	}
	teacher.phone()
	teacher.screenshot("phone-teacher-dashboard")
	teacher.axe("dashboard, phone")
	teacher.desktop()
	teacher.checkLog()

	got := lea.assignment(http.MethodGet, "/"+id, nil, http.StatusOK).Mine
	if got == nil || got.Status != "returned" || got.Feedback != "Très beau portrait ; attention aux accords." || got.Points == nil || *got.Points != 16.5 {
		t.Errorf("Léa's returned work = %+v", got)
	}
}
