package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"cartable"
	"cartable/db"
	"cartable/events"
	"cartable/pgtest"
)

func TestWebhookDeliveryIsSignedAndRetried(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	for i := 0; i < 3; i++ {
		e := events.Event{Kind: events.Share, Actor: "prof.martin", ItemID: uuid.Must(uuid.NewV7()), ItemName: "Cours",
			Recipient: &events.Recipient{Kind: "group", ID: "0600001A-6A", Profile: "Student"}, Role: "viewer"}
		if err := events.Record(ctx, pool, e); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var received []events.Event
	failing := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get(events.SignatureHeader) != events.Sign("s3cret", body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if failing {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var e events.Event
		json.Unmarshal(body, &e)
		received = append(received, e)
	}))
	defer srv.Close()
	hook := events.Webhook{URL: srv.URL, Secret: "s3cret"}

	if n, err := events.Deliver(ctx, pool, hook); err != nil || n != 0 {
		t.Fatalf("delivered %d, %v while the webhook is down", n, err)
	}
	// Retried later, not at once.
	mu.Lock()
	failing = false
	mu.Unlock()
	if n, _ := events.Deliver(ctx, pool, hook); n != 0 {
		t.Fatalf("a failed event was retried before its backoff (%d)", n)
	}
	if _, err := pool.Exec(ctx, `UPDATE events SET next_attempt_at = now()`); err != nil {
		t.Fatal(err)
	}
	if n, err := events.Deliver(ctx, pool, hook); err != nil || n != 3 {
		t.Fatalf("delivered %d, %v; want 3", n, err)
	}
	if len(received) != 3 || received[0].Recipient == nil || received[0].Recipient.Profile != "Student" || received[0].ID >= received[2].ID {
		t.Errorf("received = %+v", received)
	}
	if n, _ := events.Deliver(ctx, pool, hook); n != 0 {
		t.Errorf("delivered events were sent again (%d)", n)
	}
	first, err := events.Feed(ctx, pool, cartable.PageRequest{Limit: 1})
	if err != nil || len(first.Items) != 1 || first.Items[0].ID != received[0].ID {
		t.Fatalf("the feed's first page = %+v, %v", first, err)
	}
	rest, err := events.Feed(ctx, pool, cartable.PageRequest{Cursor: first.NextCursor})
	if err != nil || len(rest.Items) != 2 || rest.Items[0].ID != received[1].ID {
		t.Errorf("the feed after the first = %+v, %v", rest, err)
	}
}

// TestFeedLosesNoEventOfALateCommit: an event whose transaction commits after a
// later event was written is not skipped by a reader polling meanwhile.
func TestFeedLosesNoEventOfALateCommit(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	record := func(q db.DBTX, name string) {
		t.Helper()
		if err := events.Record(ctx, q, events.Event{Kind: events.Drop, Actor: "link:x", ItemID: uuid.Must(uuid.NewV7()), ItemName: name}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(p cartable.Page[events.Event]) string {
		var out []string
		for _, e := range p.Items {
			out = append(out, e.ItemName)
		}
		return strings.Join(out, " ")
	}
	record(pool, "a")
	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	record(slow, "b") // takes its id now, commits later
	record(pool, "c")

	read := make(chan cartable.Page[events.Event], 1)
	go func() {
		page, err := events.Feed(ctx, pool, cartable.PageRequest{})
		if err != nil {
			t.Error(err)
		}
		read <- page
	}()
	// The reader waits for b's transaction rather than read past it.
	for waiting := int64(0); waiting == 0; {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case page := <-read:
			t.Fatalf("the feed read %q while b's transaction ran", names(page))
		default:
		}
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	page := <-read
	if names(page) != "a b c" || page.NextCursor == "" {
		t.Fatalf("the feed = %q (cursor %q), want a b c", names(page), page.NextCursor)
	}
	idle, err := events.Feed(ctx, pool, cartable.PageRequest{Cursor: page.NextCursor})
	if err != nil || names(idle) != "" || idle.NextCursor != page.NextCursor {
		t.Fatalf("the idle feed = %q (cursor %q), %v", names(idle), idle.NextCursor, err)
	}
}

// TestDeliveryHoldsNoTransactionWhileItWaits: a slow receiver must not keep a
// database transaction open (locks, vacuum held back, a connection taken) for the
// minutes a pass of 100 POSTs may take; and a redirect is not a delivery.
func TestDeliveryHoldsNoTransactionWhileItWaits(t *testing.T) {
	t.Parallel()
	pool, ctx := pgtest.New(t), context.Background()
	e := events.Event{Kind: events.Drop, Actor: "visitor", ItemID: uuid.Must(uuid.NewV7()), ItemName: "copie.pdf"}
	if err := events.Record(ctx, pool, e); err != nil {
		t.Fatal(err)
	}
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
	}))
	defer slow.Close()
	done := make(chan error, 1)
	go func() {
		_, err := events.Deliver(ctx, pool, events.Webhook{URL: slow.URL, Secret: "s3cret"})
		done <- err
	}()
	<-arrived
	var open int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&open)
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d transactions stay open while the webhook is waited for", open)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if err := events.Record(ctx, pool, e); err != nil {
		t.Fatal(err)
	}
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer elsewhere.Close()
	redirect := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusFound))
	defer redirect.Close()
	if n, err := events.Deliver(ctx, pool, events.Webhook{URL: redirect.URL, Secret: "s3cret"}); err != nil || n != 0 {
		t.Errorf("a webhook answering a redirect counts as %d delivered (%v), want 0", n, err)
	}
}
