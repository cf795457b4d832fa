package preview

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestWholeDecodesTakeTurns: no more photos are decoded whole at once than
// Worker.WholeDecodes (1 when unset); a decode waiting for its turn gives up
// with its context.
func TestWholeDecodesTakeTurns(t *testing.T) {
	for _, tc := range []struct {
		slots, running int
	}{{0, 1}, {1, 1}, {2, 2}} {
		w := &Worker{WholeDecodes: tc.slots}
		var ends []func()
		for range tc.running {
			done, err := w.wholeDecode(context.Background())
			if err != nil {
				t.Fatalf("WholeDecodes %d: decode %d: %v", tc.slots, len(ends)+1, err)
			}
			ends = append(ends, done)
		}
		// One more cannot start while they run, however long it waits.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if _, err := w.wholeDecode(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WholeDecodes %d: a decode beyond the %d running got %v, want to wait until its context ends", tc.slots, tc.running, err)
		}
		cancel()
		ends[0]()
		done, err := w.wholeDecode(context.Background())
		if err != nil {
			t.Fatalf("WholeDecodes %d: after one ended: %v", tc.slots, err)
		}
		done()
	}
}
