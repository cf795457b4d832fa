package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is Linux's USER_HZ, the unit of the CPU times in /proc (100 on every
// architecture Go runs on).
const clockTicks = 100

// cpuSample is where the machine's CPU time had gone at one moment, in ticks: the
// whole machine busy (not idle or waiting for I/O), the server under test, and the
// benchmark itself (the clients of every peer, minio-go included).
type cpuSample struct{ busy, server, client int64 }

func sampleCPU(serverPID int) cpuSample {
	return cpuSample{busy: machineBusy(), server: processCPU(serverPID), client: processCPU(os.Getpid())}
}

// cpuSeconds is where the CPU went between two samples: the server under test, the
// benchmark's clients, and the rest of the machine (MinIO and PostgreSQL, and
// anything else that ran meanwhile).
func cpuSeconds(from, to cpuSample) (server, client, rest float64) {
	server = float64(to.server-from.server) / clockTicks
	client = float64(to.client-from.client) / clockTicks
	rest = float64(to.busy-from.busy)/clockTicks - server - client
	return server, client, max(rest, 0)
}

// machineBusy is the CPU time of all CPUs not spent idle or waiting for I/O.
func machineBusy() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	var busy int64
	for i, f := range fields[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i != 3 && i != 4 && i < 7 { // not idle, iowait, steal, nor guest time (counted in user)
			busy += n
		}
	}
	return busy
}

// processCPU is a process's user and system CPU time (0 for pid 0).
func processCPU(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}
