// Package proc reads the memory figures of a process from Linux's /proc, in KiB.
// Elsewhere, or for a process that is gone, they read 0.
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSS is the process's resident memory.
func RSS(pid int) int64 { return status(pid, "VmRSS:") }

// Peak is the process's peak resident memory since it started, or since ResetPeak.
func Peak(pid int) int64 { return status(pid, "VmHWM:") }

// ResetPeak starts a new peak-memory window (clear_refs 5 resets VmHWM).
func ResetPeak(pid int) {
	if pid != 0 {
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	}
}

func status(pid int, field string) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}
