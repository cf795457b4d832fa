package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cartable/apppassword"
)

// TestWebAppConnectsAComputer: a teacher opens "Sur mon ordinateur" from the menu,
// names the classroom PC, and reads the address, user name and password to type,
// once; the password works, appears in the list without its secret, and "Retirer"
// ends it. A parent's menu has no such page.
func TestWebAppConnectsAComputer(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	b := newBrowser(t, exe)
	prof := b.tab("prof.martin")
	signIn(prof, in.url, "prof.martin")
	prof.run("open Sur mon ordinateur", chromedp.Click(`//nav//a[normalize-space()="Sur mon ordinateur"]`),
		arrive("Mes documents sur mon ordinateur"))
	prof.axe("app passwords, none yet")

	prof.run("create without a name", chromedp.Click(button("Créer un mot de passe")),
		chromedp.WaitVisible(`//p[@role="alert" and contains(., "Donnez un nom")]`))
	prof.run("name the PC and create", chromedp.SendKeys(`#device-name`, "PC de la salle 12"),
		chromedp.Click(button("Créer un mot de passe")),
		chromedp.WaitVisible(`//div[contains(@class,"devices-created")]`),
		chromedp.WaitVisible(`//ul[contains(@class,"devices-rows")]//strong[normalize-space()="PC de la salle 12"]`))
	prof.screenshot("desktop-devices-created")
	prof.axe("app password just made")

	shown := js[[]string](prof, "what to type", `[...document.querySelectorAll(".devices-created code")].map(c => c.textContent)`)
	if len(shown) != 3 || !strings.HasSuffix(shown[0], "/dav/") || shown[1] != "prof.martin" || len(shown[2]) != 29 {
		t.Fatalf("the page shows %q, want the address, the user name and the password", shown)
	}
	if who, err := apppassword.New(in.app.pool).Check(context.Background(), shown[1], shown[2], "192.0.2.1"); err != nil || who != "prof.martin" {
		t.Errorf("the password shown does not admit: %q, %v", who, err)
	}
	row := js[string](prof, "the list's row", `document.querySelector(".devices-rows li").innerText`)
	if strings.Contains(row, shown[2]) || !strings.Contains(row, shown[2][25:]) {
		t.Errorf("the list's row %q shows the secret, or not its end", row)
	}

	prof.run("remove it", chromedp.Click(`//ul[contains(@class,"devices-rows")]//button[contains(.,"Retirer")]`),
		chromedp.WaitVisible(`//dialog//h2[contains(.,"PC de la salle 12")]`))
	prof.screenshot("desktop-devices-revoke")
	prof.run("confirm", chromedp.Click(`//dialog//button[contains(@class,"danger") and normalize-space()="Retirer"]`),
		chromedp.WaitVisible(`//p[normalize-space()="Aucun pour l'instant."]`))
	if _, err := apppassword.New(in.app.pool).Check(context.Background(), shown[1], shown[2], "192.0.2.1"); err == nil {
		t.Error("a removed password still admits")
	}

	parent := b.tab("parent.6a.01")
	signIn(parent, in.url, "parent.6a.01")
	if n := js[int](parent, "the parent's menu", `document.querySelectorAll('nav a[href="/ordinateur"]').length`); n != 0 {
		t.Error("a parent's menu offers Sur mon ordinateur")
	}
	prof.checkLog()
}
