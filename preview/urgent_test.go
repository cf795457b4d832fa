package preview

import (
	"context"
	"testing"
	"time"
)

func TestUrgencyYield(t *testing.T) {
	tests := []struct {
		name     string
		running  int  // small thumbnails being made when the larger size asks
		endThem  bool // they end while it waits
		wantWait bool // it waited for them (did not go at once)
		bound    time.Duration
	}{
		{name: "nothing urgent: go at once", running: 0, bound: time.Hour},
		{name: "one small thumbnail: wait for its end", running: 1, endThem: true, wantWait: true, bound: time.Hour},
		{name: "three: wait for the last", running: 3, endThem: true, wantWait: true, bound: time.Hour},
		{name: "never ending: go after the bound", running: 1, wantWait: true, bound: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u urgency
			ends := make([]func(), tt.running)
			for i := range ends {
				ends[i] = u.begin()
			}
			yielded := make(chan struct{})
			start := time.Now() // before yield begins: it cannot have waited longer than this says
			go func() {
				u.yield(context.Background(), tt.bound)
				close(yielded)
			}()
			if !tt.wantWait {
				<-yielded
				return
			}
			if tt.endThem {
				for i, end := range ends {
					select {
					case <-yielded:
						t.Fatalf("went with %d small thumbnails still being made", len(ends)-i)
					case <-time.After(20 * time.Millisecond): // time for a wrong yield to return
					}
					end()
				}
			}
			<-yielded // with them ended, or after the bound: never forever
			if !tt.endThem && time.Since(start) < tt.bound {
				t.Errorf("went after %s, before the %s bound, with a small thumbnail still being made", time.Since(start), tt.bound)
			}
		})
	}
}

// TestUrgencyYieldEndsWithItsContext: a job cancelled while it yields stops
// waiting.
func TestUrgencyYieldEndsWithItsContext(t *testing.T) {
	var u urgency
	defer u.begin()()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u.yield(ctx, time.Hour)
}
