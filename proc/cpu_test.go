package proc

import (
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestReadCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	before, ok := ReadCPU(os.Getpid())
	if !ok || before.Name == "" {
		t.Fatalf("this process: %+v, %v", before, ok)
	}
	// Spin until the kernel counts a tick more (10 ms of CPU), however busy the
	// machine: at most 10 s.
	after := before
	for start := time.Now(); after.Self <= before.Self && time.Since(start) < 10*time.Second; {
		after, _ = ReadCPU(os.Getpid())
	}
	if after.Self <= before.Self {
		t.Errorf("CPU time %v then %v after spinning 10 s", before.Self, after.Self)
	}
	if _, ok := ReadCPU(-1); ok {
		t.Error("a process that cannot exist was read")
	}
	if !slices.Contains(PIDs(), os.Getpid()) {
		t.Error("this process is not listed")
	}
	if MachineBusy() <= 0 || LoadAverage() < 0 {
		t.Errorf("machine busy %v, load %v", MachineBusy(), LoadAverage())
	}
}
