package preview

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkStagesCPU compares a staged first render of a 12 MP photo, plain and
// with a sensor's grain, with one render of every size: the medium stage (the real
// small and the medium, from one decode) and the large stage each decode the
// photo, where one render decodes it once. It reports the process's CPU time per
// render (libvips' threads included), the cost the staging adds at the bell:
//
//	go test ./preview -run XXX -bench StagesCPU -benchtime 20x
//
// On the 2-core AMD EPYC of 2026-12-05, 30 renders each (ms, medium stage + large
// stage against every size at once): plain, 27 + 90 against 125; grainy, 64 + 137
// against 168. With the JPEG base, the large size decoded whole and bimg's WebP
// effort of c022af6: plain, 34 + 209 against 230; grainy, 73 + 293 against 359.
// The medium stage costs the grainy photo a second reading of its 5 MB of
// entropy-coded data: the price of medium thumbnails for the whole queue before
// the large ones, a larger share of the render as the rest of it got cheaper.
func BenchmarkStagesCPU(b *testing.B) {
	r := NewRenderer(Limits{})
	for _, photo := range []struct {
		name string
		data []byte
	}{{"plain", photo12MP()}, {"grain", grainyPhoto12MP()}} {
		for _, c := range []struct {
			name  string
			sizes []Size
		}{
			{"medium stage (small and medium)", Sizes[:2]},
			{"large stage", Sizes[2:]},
			{"every size at once", Sizes},
		} {
			b.Run(photo.name+"/"+c.name, func(b *testing.B) {
				start := processCPU()
				for b.Loop() {
					if _, err := r.renderImage(photo.data, c.sizes); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(processCPU()-start)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
			})
		}
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
