package wopi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cartable"
)

// TestDiscovererRefreshes: the discovery is read once, again after an hour, after a
// failed proof at most once a minute, and the last one read stays in use while the
// office server is down.
func TestDiscovererRefreshes(t *testing.T) {
	var reads atomic.Int64
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		io.WriteString(w, `<wopi-discovery><net-zone><app name="writer"><action name="edit" ext="odt" urlsrc="https://o/cool.html?"/></app></net-zone></wopi-discovery>`)
	}))
	defer srv.Close()
	now := time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)
	d := NewDiscoverer(srv.URL, srv.Client(), slog.New(slog.DiscardHandler))
	d.now = func() time.Time { return now }
	ctx := context.Background()
	current := func() {
		t.Helper()
		if _, err := d.Current(ctx); err != nil {
			t.Fatal(err)
		}
	}
	current()
	current()
	if reads.Load() != 1 {
		t.Fatalf("%d reads for two uses within the hour", reads.Load())
	}
	if !d.RefreshAfterFailure(ctx) || d.RefreshAfterFailure(ctx) {
		t.Error("a failed proof reads again at most once a minute")
	}
	now = now.Add(61 * time.Second)
	if !d.RefreshAfterFailure(ctx) {
		t.Error("a failed proof a minute later does not read again")
	}
	if reads.Load() != 3 {
		t.Errorf("%d reads, want 3", reads.Load())
	}
	down.Store(true)
	now = now.Add(2 * time.Hour)
	current() // stale, the office server down: the last discovery stays
	if reads.Load() != 4 {
		t.Errorf("%d reads, want 4", reads.Load())
	}
	fresh := NewDiscoverer(srv.URL, srv.Client(), slog.New(slog.DiscardHandler))
	if _, err := fresh.Current(ctx); !cartable.IsCode(err, cartable.EUnavailable) {
		t.Errorf("never read and the office server down: %v", err)
	}
}
