package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/uuid"

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
	feed, err := events.After(ctx, pool, received[0].ID, 10)
	if err != nil || len(feed) != 2 {
		t.Errorf("feed after the first = %d events, %v", len(feed), err)
	}
}
