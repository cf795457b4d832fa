package db

import (
	"testing"
	"time"
)

func TestRetentionCutoff(t *testing.T) {
	noon := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return noon }
	for _, tt := range []struct {
		name      string
		retention time.Duration
		want      time.Time
	}{
		{"configured", 48 * time.Hour, noon.Add(-48 * time.Hour)},
		{"unset: the default", 0, noon.Add(-24 * time.Hour)},
		{"negative: the default", -time.Hour, noon.Add(-24 * time.Hour)},
	} {
		if got := RetentionCutoff(clock, tt.retention, 24*time.Hour); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := RetentionCutoff(nil, time.Hour, 0); time.Since(got) < time.Hour-time.Minute || time.Since(got) > time.Hour+time.Minute {
		t.Errorf("without a clock: %v, want an hour ago", got)
	}
}
