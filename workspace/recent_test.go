package workspace

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestQuietPeriod: a second open of the same file within the period is not due;
// another file, another user, or the period's end is; a change starts the period.
func TestQuietPeriod(t *testing.T) {
	var q quietPeriod
	now := time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)
	file, other := uuid.New(), uuid.New()
	steps := []struct {
		user string
		item uuid.UUID
		at   time.Duration
		due  bool
	}{
		{"eleve", file, 0, true},
		{"eleve", file, 10 * time.Second, false}, // the next chunk of a video
		{"eleve", other, 10 * time.Second, true},
		{"prof", file, 20 * time.Second, true},
		{"eleve", file, reopenQuiet, true},
	}
	for i, s := range steps {
		if got := q.due(s.user, s.item, now.Add(s.at)); got != s.due {
			t.Errorf("step %d (%s, +%v): due = %v, want %v", i, s.user, s.at, got, s.due)
		}
	}
	changed := uuid.New()
	q.mark("prof", changed, now)
	if q.due("prof", changed, now.Add(time.Second)) {
		t.Error("an open right after a change is due")
	}
}

// TestQuietPeriodStaysBounded: the map forgets what is past its period when full.
func TestQuietPeriodStaysBounded(t *testing.T) {
	var q quietPeriod
	now := time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)
	for range maxQuietKeys {
		q.due("u", uuid.New(), now)
	}
	q.due("u", uuid.New(), now.Add(2*reopenQuiet))
	if n := len(q.last); n != 1 {
		t.Errorf("%d keys kept after a sweep, want 1", n)
	}
}
