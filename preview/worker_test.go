package preview

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestGoDecodesTakeTurns: no more photos are decoded in Go at once than
// Worker.GoDecodes (1 when unset); a decode waiting for its turn gives up
// with its context.
func TestGoDecodesTakeTurns(t *testing.T) {
	for _, tc := range []struct {
		slots, running int
	}{{0, 1}, {1, 1}, {2, 2}} {
		w := &Worker{GoDecodes: tc.slots}
		var ends []func()
		for range tc.running {
			done, err := w.goDecodeTurn(context.Background())
			if err != nil {
				t.Fatalf("GoDecodes %d: decode %d: %v", tc.slots, len(ends)+1, err)
			}
			ends = append(ends, done)
		}
		// One more cannot start while they run, however long it waits.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if _, err := w.goDecodeTurn(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GoDecodes %d: a decode beyond the %d running got %v, want to wait until its context ends", tc.slots, tc.running, err)
		}
		cancel()
		ends[0]()
		done, err := w.goDecodeTurn(context.Background())
		if err != nil {
			t.Fatalf("GoDecodes %d: after one ended: %v", tc.slots, err)
		}
		done()
	}
}
