package antivirus

import "testing"

func TestScanPriority(t *testing.T) {
	for _, c := range []struct {
		size int64
		want int
	}{{0, 1}, {1 << 20, 1}, {1<<20 + 1, 2}, {5_300_000, 2}, {16 << 20, 2}, {200 << 20, 3}, {1 << 30, 4}} {
		if got := scanPriority(c.size); got != c.want {
			t.Errorf("scanPriority(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}
