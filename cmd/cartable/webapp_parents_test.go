package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebAppParentFollowsHomework: a parent with two children, on a phone, opens
// "Devoirs" from the menu and reads, in plain words, what each child has to do,
// what is late, what was handed in and the teacher's mark and comment; a tap shows
// the instructions. Nothing on the page leads to a file.
func TestWebAppParentFollowsHomework(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof, lea, svc := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("service.provisioning")
	// Isabelle Dupont is also the parent of a pupil of 5B, as the ENT's feed says.
	family := map[string]any{"display_name": "Isabelle Dupont", "profile": "Relative",
		"structures": []map[string]any{{"structure_id": "0600001A"}}, "children": []string{"eleve.6a.01", "eleve.5b.01"}}
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/users/parent.6a.01", family, nil), http.StatusOK, "a second child")

	returned := prof.publish("6A", "Rédaction", fields("Rédaction : mon héros", time.Hour, 2*time.Hour, true))
	prof.publish("6A", "Exercices", fields("Exercices de calcul page 12", 50*time.Hour, 60*time.Hour, false))
	prof.publish("6A", "Exposé", fields("Exposé sur la Loire", -26*time.Hour, 48*time.Hour, true))
	prof.publish("5B", "Carte", fields("Carte de l'Europe", 30*time.Hour, 40*time.Hour, false))
	work := lea.assignment(http.MethodGet, "/"+returned, nil, http.StatusOK).Mine
	wantStatus(t, lea.overwrite(work.Copies[0].ItemID, "mon héros"), http.StatusOK, "Léa writes")
	lea.assignment(http.MethodPost, "/"+returned+"/hand-in", nil, http.StatusOK)
	wantStatus(t, prof.sendJSON(http.MethodPost, "/api/v1/assignments/"+returned+"/returns",
		map[string]any{"pupil_ids": []string{lea.id}, "feedback": "Très beau portrait, bien construit.\nAttention aux accords.", "points": 15}, nil),
		http.StatusOK, "return Léa's work")

	b := newBrowser(t, exe)
	parent := b.tab("parent.6a.01")
	parent.phone()
	signIn(parent, in.url, "parent.6a.01")
	parent.run("open the menu, then Devoirs", chromedp.Click(`//button[contains(@class,"menu-toggle")]`),
		chromedp.Click(`//nav//a[normalize-space()="Devoirs"]`), arrive("Les devoirs de mes enfants"))
	parent.screenshot("phone-parent-homework")
	parent.axe("parent, children's homework on a phone")

	// Léa's section: late first, then to do, then handed in.
	cards := js[[]string](parent, "Léa's cards", `[...document.querySelectorAll("#enfant-eleve-6a-01 .homework-card")].map(c => c.innerText.replace(/\s+/g, " "))`)
	if len(cards) != 3 {
		t.Fatalf("Léa's section shows %d cards: %q", len(cards), cards)
	}
	wants := []struct{ title, state string }{
		{"Exposé sur la Loire", "En retard Pas encore rendu. C'était pour "},
		{"Exercices de calcul page 12", "À rendre pour "},
		{"Rédaction : mon héros", "Corrigé : 15/20 Rendu aujourd'hui à"},
	}
	for i, w := range wants {
		if !strings.Contains(cards[i], w.title) || !strings.Contains(cards[i], w.state) {
			t.Errorf("card %d = %q, want %q with %q", i, cards[i], w.title, w.state)
		}
	}
	if !strings.Contains(cards[0], "Il peut encore être rendu, au plus tard") {
		t.Errorf("the late card does not say it can still be handed in: %q", cards[0])
	}
	if !strings.Contains(cards[2], "Le mot du professeur Très beau portrait") {
		t.Errorf("the marked card lacks the teacher's comment: %q", cards[2])
	}
	ethan := js[string](parent, "Ethan's section", `document.querySelector("#enfant-eleve-5b-01").innerText.replace(/\s+/g, " ")`)
	if !strings.Contains(ethan, "Ethan Robin") || !strings.Contains(ethan, "Carte de l'Europe") || !strings.Contains(ethan, "Pas encore ouvert") {
		t.Errorf("Ethan's section = %q", ethan)
	}
	// Nothing leads to a file or a folder; every target is big enough for a thumb.
	if n := js[int](parent, "links to files", `document.querySelectorAll('main a[href^="/dossiers"], main a[href*="/content"], main a[download]').length`); n != 0 {
		t.Errorf("the parent's page has %d links to files", n)
	}
	small := js[[]string](parent, "small targets", `[...document.querySelectorAll("main a, main button, main summary")]
		.filter(e => e.getBoundingClientRect().height < 44).map(e => e.textContent)`)
	if len(small) != 0 {
		t.Errorf("targets smaller than 44 px: %q", small)
	}

	parent.run("read the Exposé's instructions", chromedp.ScrollIntoView(`//article[.//h4[normalize-space()="Exposé sur la Loire"]]//summary`),
		chromedp.Click(`//article[.//h4[normalize-space()="Exposé sur la Loire"]]//summary`),
		chromedp.WaitVisible(`//article[.//h4[normalize-space()="Exposé sur la Loire"]]//details/p[contains(., "Racontez en une page")]`))
	parent.screenshot("phone-parent-homework-instructions")
	parent.run("scroll to the marked work", chromedp.ScrollIntoView(`//article[.//h4[normalize-space()="Rédaction : mon héros"]]`))
	parent.screenshot("phone-parent-homework-marked")
	// The big buttons at the top take a family to each child's section, below the top bar.
	parent.run("jump to Léa", chromedp.ScrollIntoView(`//nav[contains(@class,"child-jumps")]`),
		chromedp.Click(`//nav[contains(@class,"child-jumps")]//button[normalize-space()="Léa Dupont"]`))
	top := js[[]float64](parent, "where Léa's section lands", `[document.querySelector("#enfant-eleve-6a-01 h2").getBoundingClientRect().top,
		document.querySelector("header.topbar").getBoundingClientRect().bottom, window.scrollY]`)
	if top[0] < top[1] || top[0] > 200 || top[2] == 0 {
		t.Errorf("after the jump, Léa's name is at %v px under a top bar ending at %v px (scrolled %v px)", top[0], top[1], top[2])
	}
	parent.screenshot("phone-parent-homework-second-child")
	parent.checkLog()
}
