package main

import (
	"net/http"
	"testing"
	"time"

	"cartable/events"
)

// TestEventsRetention: the retention job deletes the feed's events older than
// the retention, delivered or not, by its own clock; the portal's feed then
// holds only the recent ones.
func TestEventsRetention(t *testing.T) {
	in := start(t)
	ctx := t.Context()
	prof, svc := in.as("prof.martin"), in.as("service.provisioning")
	for _, name := range []string{"Ancien", "Récent"} {
		folder := prof.mkdir(prof.home(), name)
		wantStatus(t, prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "viewer", nil),
			http.StatusCreated, "share "+name)
	}
	now := time.Now()
	// The first share is 100 days old, and was delivered long ago.
	if _, err := in.app.pool.Exec(ctx, `UPDATE events SET created_at = $1, delivered_at = $1 WHERE item_name = 'Ancien'`, now.Add(-100*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	feedNames := func() []string {
		var feed struct {
			Items []struct {
				ItemName string `json:"item_name"`
			} `json:"items"`
		}
		svc.get("/api/v1/events").json(t, &feed)
		var names []string
		for _, e := range feed.Items {
			names = append(names, e.ItemName)
		}
		return names
	}
	if got := feedNames(); len(got) != 2 {
		t.Fatalf("the feed before the purge: %v", got)
	}
	job := &events.PurgeWorker{DB: in.app.pool, Retention: events.DefaultRetention, Now: func() time.Time { return now }}
	if n, err := job.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("purge with 90 days' retention deleted %d (%v), want 1", n, err)
	}
	if got := feedNames(); len(got) != 1 || got[0] != "Récent" {
		t.Errorf("the feed after the purge: %v, want the recent share only", got)
	}
	// Nothing else is old enough: purging again deletes nothing.
	if n, err := job.Purge(ctx); err != nil || n != 0 {
		t.Errorf("a second purge deleted %d (%v)", n, err)
	}
}
