package preview

import (
	"time"

	"cartable/proc"
)

// peakInterval is how often a converter's memory is sampled. Converters that run
// into their limit grow towards it over seconds (LibreOffice inflating a zip bomb),
// so a tenth of a second sees them near it.
const peakInterval = 100 * time.Millisecond

// watchPeak samples, until stop is closed, the resident memory of the largest
// process started by pid, and sends the peak in bytes on the returned channel.
// The limit is per process, so it is the largest one that tells a converter ran
// into it, not their sum. The converter's own rusage cannot tell: inside bubblewrap's
// PID namespace the converter is not the worker's child, and the figure wait4
// reports is the sandbox's.
func watchPeak(pid int, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		tree := proc.NewTree(pid)
		ticker := time.NewTicker(peakInterval)
		defer ticker.Stop()
		var peakKiB int64
		for {
			for _, p := range tree.Sample() {
				peakKiB = max(peakKiB, p.RSSKiB)
			}
			select {
			case <-stop:
				out <- peakKiB << 10
				return
			case <-ticker.C:
			}
		}
	}()
	return out
}
