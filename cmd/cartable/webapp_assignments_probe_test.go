package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebAppAssignmentOfAnotherClass: a 5B pupil given the address of a 6A
// assignment reads that it does not exist for them, and finds their way back.
func TestWebAppAssignmentOfAnotherClass(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	a := handOut(t, in.as("prof.martin"), "Rédaction", 48*time.Hour, 72*time.Hour, false)
	b := newBrowser(t, exe)
	pupil := b.tab("eleve.5b.01")
	pupil.run("open the 6A assignment", chromedp.Navigate(in.url+"/devoirs/"+a.ID),
		chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="eleve.5b.01"]`)))
	pick(pupil, "eleve.5b.01")
	pupil.run("told it is not theirs", chromedp.WaitVisible(`//p[@role="alert" and normalize-space()="Ce devoir n'existe pas, ou il ne vous est pas destiné."]`),
		chromedp.Click(`//main//a[normalize-space()="Revenir aux devoirs"]`), arrive("Devoirs"))
	pupil.axe("an assignment of another class")
	pupil.checkLog()
}
