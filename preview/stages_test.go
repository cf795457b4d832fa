package preview

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkStagesCPU compares a staged first render of a 12 MP photo with one
// render of every size: the medium stage (the real small and the medium, from one
// decode) and the large stage each decode the photo, where one render decodes it
// once. It reports the process's CPU time per render (libvips' threads
// included), the cost the staging adds at the bell:
//
//	go test ./preview -run XXX -bench StagesCPU -benchtime 20x
//
// On the 2-core AMD EPYC of 2026-12-04, two runs: 32 + 203 ms staged against 236
// ms in one render, and 38 + 237 against 277. Decoding the photo once for medium
// and large would save nothing: shrink-on-load makes the medium stage's decode
// cheap.
func BenchmarkStagesCPU(b *testing.B) {
	r := NewRenderer(Limits{})
	photo := photo12MP()
	for _, c := range []struct {
		name  string
		sizes []Size
	}{
		{"medium stage (small and medium)", Sizes[:2]},
		{"large stage", Sizes[2:]},
		{"every size at once", Sizes},
	} {
		b.Run(c.name, func(b *testing.B) {
			start := processCPU()
			for b.Loop() {
				if _, err := r.renderImage(photo, c.sizes); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-start)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
		})
	}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
