package main

import (
	"testing"

	"cartable/proc"
)

func TestObserve(t *testing.T) {
	var sc Scenario
	// The renderer (1), two conversions: prlimit's bwrap (10) with its init (11),
	// oosplash (12) and soffice.bin (13); and pdftoppm's bwrap (20) with pdftoppm (21).
	sample := func(soffice int64) []proc.Process {
		return []proc.Process{
			{PID: 1, PPID: 0, Name: "bombs", RSSKiB: 40 << 10},
			{PID: 10, PPID: 1, Name: "bwrap", RSSKiB: 1 << 10},
			{PID: 11, PPID: 10, Name: "bwrap", RSSKiB: 1 << 10},
			{PID: 12, PPID: 11, Name: "oosplash", RSSKiB: 4 << 10},
			{PID: 13, PPID: 12, Name: "soffice.bin", RSSKiB: soffice},
			{PID: 20, PPID: 1, Name: "bwrap", RSSKiB: 1 << 10},
			{PID: 21, PPID: 20, Name: "pdftoppm", RSSKiB: 22 << 10},
		}
	}
	if got := sc.observe(sample(500<<10), 0); got != 569<<10 {
		t.Errorf("total %d KiB, want %d", got, 569<<10)
	}
	sc.observe(sample(1000<<10), 2e9)
	sc.observe(sample(100<<10), 3e9)
	if sc.PeakTreeMiB != 1069 || sc.PeakAtS != 2 || sc.RendererAtPeakMiB != 40 || sc.ConversionsAtPeak != 2 {
		t.Errorf("peak %+v", sc)
	}
	if sc.LargestConversionMiB != 1006 || sc.MostConversions != 2 {
		t.Errorf("largest conversion %.0f MiB, most %d; want 1006 and 2", sc.LargestConversionMiB, sc.MostConversions)
	}
	if len(sc.AtPeak) != 5 || sc.AtPeak[0] != (Share{Name: "soffice.bin", Processes: 1, MiB: 1000}) ||
		sc.AtPeak[4] != (Share{Name: "bwrap", Processes: 3, MiB: 3}) {
		t.Errorf("at the peak: %+v", sc.AtPeak)
	}
}
