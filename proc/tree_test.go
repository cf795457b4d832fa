package proc

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestTree(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads Linux's /proc")
	}
	// A shell with a child in the background and a grandchild through a subshell.
	cmd := exec.Command("sh", "-c", "sleep 30 & (sleep 30; true) & wait")
	if err := cmd.Start(); err != nil {
		t.Skip("no sh:", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	tree := NewTree(cmd.Process.Pid)
	var got []Process
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = tree.Sample(); len(got) == 4 {
			break
		}
	}
	sleeps := 0
	for _, p := range got {
		if p.RSSKiB <= 0 {
			t.Errorf("%+v: no resident memory", p)
		}
		if p.Name == "sleep" {
			sleeps++
		}
	}
	if len(got) != 4 || got[0].PID != cmd.Process.Pid || sleeps != 2 {
		t.Fatalf("got %+v, want the shell, its subshell and two sleeps", got)
	}
	for _, p := range got {
		if p.PID == os.Getpid() {
			t.Error("the test itself is in its child's tree")
		}
	}
	start := time.Now()
	for range 100 {
		tree.Sample()
	}
	t.Logf("one sample: %s", time.Since(start)/100)
	cmd.Process.Kill()
	cmd.Wait()
	if got := tree.Sample(); got != nil {
		t.Errorf("after the root ended: %+v", got)
	}
}
