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

// TestCPUByName: this process is found by its name, and left out when skipped.
func TestCPUByName(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	self, ok := ReadCPU(os.Getpid())
	for start := time.Now(); self.Self == 0 && time.Since(start) < 10*time.Second; { // a tick at least
		self, ok = ReadCPU(os.Getpid())
	}
	if !ok || self.Self == 0 {
		t.Fatalf("this process: %+v, %v", self, ok)
	}
	if got := CPUByName(0, self.Name, "no-such-command")[self.Name]; got < self.Self {
		t.Errorf("CPUByName counts %v s for %q, this process alone took %v", got, self.Name, self.Self)
	}
	all := CPUByName(0, self.Name)[self.Name]
	if without := CPUByName(os.Getpid(), self.Name)[self.Name]; without > all-self.Self+0.5 {
		t.Errorf("skipping this process left %v s of %v (it took %v)", without, all, self.Self)
	}
}
